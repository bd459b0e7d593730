/**
 * POST /v1/outcomes (write key): what happened after decisions — a purchase or none, the amount
 * paid, when — linked to a decision by its id or by customer and time window (src/loop/linking.ts).
 * Idempotent by outcome_id like /v1/events; the answer lists duplicates and the accepted
 * outcomes that do not link to a logged decision yet, with the reason.
 *
 * GET /v1/effect (read key): the measured effect of the live decisions per experiment, policy
 * version and period — treated vs holdout conversion, revenue and profit per customer, their
 * differences with 95 % intervals, incremental profit and the sample size needed
 * (src/loop/effect.ts).
 */
import { z } from "zod";
import { PERIODS } from "../../loop/effect.ts";
import { measureStoredEffect } from "../../loop/effect-store.ts";
import { DEFAULT_WINDOW_HOURS, ensureOutcomesTable, writeOutcomes } from "../../loop/outcome-store.ts";
import type { ZodApp } from "../app.ts";
import { EXPERIMENT_NAME } from "../holdout.ts";
import type { Service } from "../service.ts";

export const MAX_OUTCOMES_PER_BATCH = 1000;

const id = (what: string) => z.string().min(1, `${what} must not be empty`).max(200, `${what} is longer than 200 characters`);
const isoTime = z.iso.datetime({ offset: true, local: true, message: "must be an ISO 8601 time such as 2024-05-01T12:30:00Z" })
  .transform((text) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`));

export const OutcomeIn = z.strictObject({
  outcome_id: id("outcome_id").describe("Unique per dataset; a repeated id is ignored and reported as a duplicate."),
  decision_id: id("decision_id").nullable().optional().describe("The decision_id /v1/decide answered; links the outcome to it."),
  customer_id: id("customer_id").nullable().optional().describe("Without a decision_id: links to this customer's latest decision within window_hours before occurred_at."),
  occurred_at: isoTime.describe("When it happened (ISO 8601; a time without a zone is read as UTC)."),
  purchased: z.boolean().describe("Whether the customer bought."),
  amount: z.number().min(0, "amount must be ≥ 0 (money paid)").nullable().optional().describe("Money paid after any discount; 0 or absent when nothing was bought."),
  discount_amount: z.number().min(0, "discount_amount must be ≥ 0").nullable().optional().describe("Money the discount gave away; default: derived from the decision's discount."),
  window_hours: z.number().positive("window_hours must be > 0").max(24 * 90, "window_hours must be at most 2160 (90 days)").nullable().optional()
    .describe(`Lookback for linking by customer and time; default ${DEFAULT_WINDOW_HOURS}.`),
}).refine((o) => Boolean(o.decision_id) || Boolean(o.customer_id), {
  message: "give decision_id (from /v1/decide) or customer_id (to link by customer and time window)",
  path: ["decision_id"],
}).refine((o) => o.purchased || !o.amount, {
  message: "amount must be 0 or absent when purchased is false",
  path: ["amount"],
});

export const OutcomesBody = z.strictObject({
  outcomes: z.array(OutcomeIn).min(1, "send at least one outcome").max(MAX_OUTCOMES_PER_BATCH, `send at most ${MAX_OUTCOMES_PER_BATCH} outcomes per request`),
});

export const OutcomesResponse = z.object({
  accepted: z.number().int(),
  duplicates: z.array(z.string()),
  unlinked: z.array(z.object({ outcome_id: z.string(), reason: z.string() }))
    .describe("Accepted outcomes with no logged decision to link to yet: unknown-decision, customer-mismatch or no-decision-in-window. They link later if the decision is logged."),
});

export const EffectQuery = z.object({
  experiment: z.string().regex(EXPERIMENT_NAME, "must be 1–64 letters, digits, '.', '_' or '-'").optional(),
  period: z.enum(PERIODS).default("week"),
  from: z.iso.datetime({ offset: true, local: true }).optional(),
  to: z.iso.datetime({ offset: true, local: true }).optional(),
  margin_rate: z.coerce.number().gt(0).max(1).optional().describe("Margin for policies whose config has none (the default no-offer policy)."),
});

export async function register(app: ZodApp, service: Service): Promise<void> {
  await ensureOutcomesTable(service.store);
  const roles = service.options.loop.roles;
  // Split roles: outcomes are written where events are, the effect is read on the api role.
  if (roles.includes("events")) registerOutcomes(app, service);
  if (roles.includes("api")) registerEffect(app, service);
}

function registerOutcomes(app: ZodApp, service: Service): void {
  app.post("/v1/outcomes", {
    bodyLimit: service.options.eventsBodyLimit,
    config: { auth: "write" },
    schema: {
      summary: "Record what happened after decisions (purchase, amount, time); idempotent by outcome_id",
      tags: ["decisions"],
      security: [{ apiKey: [] }, { bearer: [] }],
      body: OutcomesBody,
      response: { 200: OutcomesResponse },
    },
  }, async (request) => {
    service.health.assertUp();
    return service.health.run(() => writeOutcomes(service.store, service.options.dataset, request.body.outcomes, request.apiKey?.keyId ?? null));
  });
}

function registerEffect(app: ZodApp, service: Service): void {
  app.get("/v1/effect", {
    config: { auth: "read" },
    schema: {
      summary: "Measured effect of the live decisions: treated vs holdout per experiment, policy and period, with 95 % intervals and the sample size needed",
      tags: ["decisions"],
      security: [{ apiKey: [] }, { bearer: [] }],
      querystring: EffectQuery,
    },
  }, async (request, reply) => {
    const q = request.query;
    const report = await service.health.run(() => measureStoredEffect(service.store, {
      dataset: service.options.dataset, experiment: q.experiment, period: q.period, from: q.from, to: q.to, marginRate: q.margin_rate,
    }));
    // Infinity (an effect of zero needs infinitely many customers) becomes null in JSON.
    return reply.type("application/json; charset=utf-8").serializer((payload) => JSON.stringify(payload, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))).send(report);
  });
}
