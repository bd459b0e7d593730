/**
 * The service's roles — `patron serve --role api|events|decide|jobs` — and what each one serves.
 * One process with every role is the default; split, they run as separate processes that share
 * the database and talk over NATS JetStream (bus.ts):
 *
 *   events  POST /v1/events and /v1/outcomes: stores events (the durable write), then publishes
 *           them on JetStream (publisher.ts)
 *   decide  POST /v1/decide: keeps its online features current from the stream with a durable
 *           consumer (consumer.ts)
 *   api     everything else people and systems read: customers, segments, runs, models, file
 *           scoring, the measured effect, the dashboard; also consumes the stream (GET
 *           /v1/customers/:id shows the live features)
 *   jobs    scheduled work (scheduler.ts): retraining the offers policy
 *
 * Every role answers /healthz, /metrics and GET /v1/roles.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { BusOptions } from "./bus.ts";

export const ROLES = ["api", "events", "decide", "jobs"] as const;
export type Role = (typeof ROLES)[number];

/** Route files of src/serve/routes and the roles that serve them. */
const ROUTE_ROLES: Record<string, readonly Role[]> = {
  health: ROLES,
  metrics: ROLES,
  events: ["events"],
  outcomes: ["events", "api"],
  decide: ["decide"],
  customers: ["api"],
  score: ["api"],
  segments: ["api"],
  runs: ["api"],
  models: ["api"],
};

/** Plugin files of src/serve/plugins and their roles; any other plugin belongs to the api role. */
const PLUGIN_ROLES: Record<string, readonly Role[]> = {
  "roles.ts": ROLES,
};

export const LoopOptions = z.strictObject({
  roles: z.array(z.enum(ROLES)).min(1).default([...ROLES]),
  /** NATS JetStream between the roles; required when the roles are split. */
  nats: BusOptions.optional(),
  /** Share of treated decisions given a uniformly drawn arm (ε-greedy), so retraining can learn every arm. */
  exploration: z.number().min(0).max(1).default(0),
  /** Seed of the exploration draws. */
  explorationSeed: z.number().int().min(0).default(0),
  /** Cron expression of the jobs role's retraining (croner syntax, UTC), e.g. "0 3 * * *". */
  retrainCron: z.string().min(1).optional(),
  /** Options of the scheduled retraining (src/loop/challenger.ts RetrainOptions). */
  retrain: z.record(z.string(), z.unknown()).default({}),
});
export type LoopOptions = z.input<typeof LoopOptions>;
export type LoopSettings = z.infer<typeof LoopOptions>;

export function parseRoles(text: string): Role[] {
  const names = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (names.length === 1 && names[0] === "all") return [...ROLES];
  const bad = names.filter((n) => !(ROLES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) {
    throw new PatronError("E_OPTION", `--role must be all or a comma-separated list of ${ROLES.join(", ")}; found ${JSON.stringify(text)}.`);
  }
  return [...new Set(names)] as Role[];
}

export function routeServed(route: string, roles: readonly Role[]): boolean {
  const owners = ROUTE_ROLES[route] ?? ["api"];
  return owners.some((r) => roles.includes(r));
}

export function pluginServed(file: string, roles: readonly Role[]): boolean {
  const owners = PLUGIN_ROLES[file] ?? ["api"];
  return owners.some((r) => roles.includes(r));
}

/** Whether the roles need the bus, and refuses a split that cannot work without it. */
export function checkRoles(settings: LoopSettings): { publish: boolean; consume: boolean } {
  const { roles } = settings;
  const events = roles.includes("events");
  const readers = roles.includes("decide") || roles.includes("api");
  if (!events && readers && !settings.nats) {
    throw new PatronError(
      "E_OPTION",
      `the ${roles.filter((r) => r === "decide" || r === "api").join(" and ")} role keeps its online features current from the events role over NATS JetStream; pass --nats-url (e.g. nats://127.0.0.1:4222), or run the events role in this process too.`,
    );
  }
  if (roles.includes("jobs") && !roles.includes("api") && !roles.includes("decide") && !roles.includes("events") && !settings.retrainCron) {
    throw new PatronError("E_OPTION", "the jobs role alone has nothing to run: give it a schedule, e.g. --retrain-cron \"0 3 * * *\".");
  }
  return { publish: events && settings.nats !== undefined, consume: !events && readers && settings.nats !== undefined };
}
