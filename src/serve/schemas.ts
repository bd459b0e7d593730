/**
 * The HTTP contract: zod schemas for every request and response, compiled once when the routes
 * are registered (fastify-type-provider-zod validates requests and serializes responses with
 * them, @fastify/swagger turns them into the OpenAPI document at /docs).
 */
import { z } from "zod";
import { EXPERIMENT_NAME } from "./holdout.ts";

export const MAX_EVENTS_PER_BATCH = 1000;

const id = (what: string) => z.string().min(1, `${what} must not be empty`).max(200, `${what} is longer than 200 characters`);

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
}).meta({ id: "Error" });

export const EventIn = z.strictObject({
  event_id: id("event_id").describe("Unique per dataset; a repeated id is ignored and reported as a duplicate."),
  session_id: id("session_id").nullable().optional(),
  customer_id: id("customer_id").nullable().optional(),
  product_id: id("product_id").nullable().optional(),
  event_type: z.enum(["view", "buy", "return"]),
  occurred_at: z.iso.datetime({ offset: true, local: true, message: "must be an ISO 8601 time such as 2024-05-01T12:30:00Z" })
    .transform((text) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`))
    .describe("ISO 8601; a time without a zone is read as UTC."),
  offered_discount: z.number().min(0).max(100).nullable().optional().describe("Percent shown in the session (0–100)."),
  purchase_id: id("purchase_id").nullable().optional(),
});

export const EventsBody = z.strictObject({
  events: z.array(EventIn).min(1, "send at least one event").max(MAX_EVENTS_PER_BATCH, `send at most ${MAX_EVENTS_PER_BATCH} events per request`),
});

export const EventsResponse = z.object({
  accepted: z.number().int().describe("Events stored by this request."),
  duplicates: z.array(z.string()).describe("Ids ignored because they were already stored (or repeated in the batch)."),
});

export const DecideBody = z.strictObject({
  customer_id: id("customer_id"),
  session_id: id("session_id"),
  product_id: id("product_id").optional().describe("The product the customer is looking at; default: the session's last viewed product."),
  experiment: z.string().regex(EXPERIMENT_NAME, "must be 1–64 letters, digits, '.', '_' or '-'").optional(),
});

export const DecideResponse = z.object({
  decision_id: z.string(),
  offer: z.union([z.number(), z.literal("none")]).describe('Discount in percent, or "none".'),
  expected_profit: z.number().nullable().describe("Expected profit of the offer given; null when no model estimates it."),
  reason_codes: z.array(z.string()),
  model_version: z.string(),
  holdout: z.boolean().describe("In the experiment's control group: no offer, so the policy's real uplift can be measured."),
  experiment: z.string(),
});

export const CustomerParams = z.object({ id: id("customer id") });
export const DatasetQuery = z.object({ dataset: z.string().min(1).max(100).optional() });

const Part = z.record(z.string(), z.unknown()).nullable();
export const CustomerResponse = z.object({
  customer_id: z.string(),
  dataset: z.string(),
  features: z.record(z.string(), z.union([z.number(), z.string(), z.null()])).nullable(),
  segment: Part,
  activity_risk: Part,
  clv: Part,
  uplift: Part,
  missing: z.array(z.string()).describe("Parts no job has stored for this customer yet."),
});

export const SegmentsResponse = z.object({
  dataset: z.string(),
  run: z.record(z.string(), z.unknown()).nullable(),
  segments: z.array(z.object({ segment: z.string(), customers: z.number(), share: z.number() })),
  missing: z.array(z.string()),
});

export const RunParams = z.object({ id: id("run id") });
export const MigrationsQuery = DatasetQuery.extend({ from: z.string().min(1).max(200).optional() });
export const MigrationsResponse = z.object({
  run_id: z.string(),
  previous_run_id: z.string().nullable(),
  cells: z.array(z.object({ from: z.string(), to: z.string(), customers: z.number() })),
  stayed: z.number(),
  moved: z.number(),
  entered: z.number(),
  left: z.number(),
});

export const ModelEntry = z.object({
  model_id: z.string(),
  purpose: z.string(),
  version: z.number(),
  kind: z.string(),
  active: z.boolean(),
  metrics: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
  training_range: z.record(z.string(), z.unknown()).nullable(),
  description: z.string().nullable(),
  created_at: z.string(),
  activated_at: z.string().nullable(),
});
export const ModelsResponse = z.object({
  models: z.array(ModelEntry),
  active: z.record(z.string(), z.string().nullable()).describe("Purpose → active model version label, as decisions report it."),
});
export const ModelParams = z.object({ id: id("model id") });

export const HealthResponse = z.object({
  status: z.enum(["ok", "degraded"]),
  db: z.object({ up: z.boolean(), kind: z.string(), outages: z.number(), lastError: z.string().optional() }),
  online_features: z.object({ loaded: z.boolean(), customers: z.number(), products: z.number() }),
  policy: z.string(),
  scorer: z.string().nullable(),
  decision_log: z.object({ queued: z.number(), capacity: z.number() }),
  uptime_s: z.number(),
});

export const ScoreQuery = z.object({ format: z.enum(["csv", "json"]).default("csv") });
