/**
 * `patron serve`: the decision service (Fastify) on the embedded DuckDB file or PostgreSQL —
 * events in, decisions out, customer intelligence from the jobs, OpenAPI at /docs. Runs until
 * SIGINT/SIGTERM, then stops taking requests, writes every queued decision and closes the store.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { printJson } from "../output.ts";
import { action } from "../run-command.ts";

interface ServeCliOptions {
  db: string;
  dataset: string;
  host: string;
  port: string;
  experiment: string;
  controlShare: string;
  rate: string;
  burst: string;
  rebuildFeatures?: boolean;
  logLevel: string;
  logRequests?: boolean;
  bootstrapKey: boolean;
  role: string;
  natsUrl?: string;
  natsStream?: string;
  natsPrefix?: string;
  natsConsumer?: string;
  exploration: string;
  retrainCron?: string;
  json?: boolean;
}

function number(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new PatronError("E_OPTION", `${flag} must be a number; found ${JSON.stringify(value)}.`);
  return parsed;
}

/** The roles part of the options (src/serve/roles/roles.ts). */
async function loopOptions(options: ServeCliOptions) {
  const { parseRoles } = await import("../../serve/roles/roles.ts");
  return {
    roles: parseRoles(options.role),
    nats: options.natsUrl
      ? { url: options.natsUrl, stream: options.natsStream, prefix: options.natsPrefix, ...(options.natsConsumer ? { consumer: options.natsConsumer } : {}) }
      : undefined,
    exploration: number(options.exploration, "--exploration"),
    retrainCron: options.retrainCron,
  };
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("Run the decision service: POST /v1/events, /v1/decide, /v1/score; GET /v1/customers/:id, /v1/segments, /v1/models, /healthz, /metrics; docs at /docs")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--dataset <name>", "dataset of the live events and online features", "ium")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 = any free port)", "8080")
    .option("--experiment <name>", "default experiment of /v1/decide", "offers")
    .option("--control-share <share>", "share of customers held out (no offer) per experiment, in [0, 1)", "0.1")
    .option("--rate <n>", "default requests per second per API key", "100")
    .option("--burst <n>", "default burst per API key", "200")
    .option("--rebuild-features", "rebuild the online features from the events table instead of the stored snapshots")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent", "info")
    .option("--log-requests", "log every request (costs throughput)")
    .option("--no-bootstrap-key", "do not create a write key on first start when the store has none")
    .option("--role <roles>", "all, or a comma-separated list of api, events, decide, jobs to run as separate processes over NATS", "all")
    .option("--nats-url <url>", "NATS server with JetStream between the roles (required when the roles are split)")
    .option("--nats-stream <name>", "JetStream stream of the live events", "PATRON_EVENTS")
    .option("--nats-prefix <prefix>", "subject prefix on NATS", "patron")
    .option("--nats-consumer <name>", "durable consumer name of this decide/api process (one per replica)")
    .option("--exploration <share>", "share of treated decisions given a random discount level, so retraining can learn every level (e.g. 0.05)", "0")
    .option("--retrain-cron <expr>", "jobs role: retrain the offers policy on this cron schedule (UTC), e.g. \"0 3 * * *\"")
    .option("--json", "print the service's address and state as one JSON line once it listens")
    .action(
      action(async (options: ServeCliOptions) => {
        const { startService } = await import("../../serve/service.ts");
        const service = await startService({
          db: options.db,
          dataset: options.dataset,
          host: options.host,
          port: number(options.port, "--port"),
          experiment: options.experiment,
          controlShare: number(options.controlShare, "--control-share"),
          ratePerSecond: number(options.rate, "--rate"),
          burst: number(options.burst, "--burst"),
          rebuildFeatures: Boolean(options.rebuildFeatures),
          logLevel: options.logLevel as "info",
          logRequests: Boolean(options.logRequests),
          bootstrapKey: options.bootstrapKey,
          loop: await loopOptions(options),
        });
        const state = {
          url: service.url,
          store: { kind: service.store.kind, location: service.store.location },
          dataset: service.options.dataset,
          online_features: service.restored ? { source: service.restored.source, customers: service.restored.customers, events: service.restored.events } : null,
          products: service.catalog.size,
          policy: service.decider.policy.version,
          scorer: service.scorer?.version ?? null,
          roles: service.roles?.roles ?? null,
        };
        if (service.bootstrap) {
          // Shown once: only its hash is stored.
          process.stderr.write(`created a write API key "bootstrap" (shown once, store it now):\n  ${service.bootstrap.key}\n`);
        }
        if (options.json) printJson(state);
        else {
          process.stdout.write(`Patron decision service on ${service.url} — docs at ${service.url}/docs\n`);
          process.stdout.write(`store ${state.store.kind} ${state.store.location}; dataset ${state.dataset}; ` +
            `online features for ${state.online_features?.customers ?? 0} customers (from ${state.online_features?.source}); ` +
            `${state.products} products; policy ${state.policy}; scorer ${state.scorer ?? "none"}\n`);
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            resolve();
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        await service.close();
        process.stderr.write("stopped; every queued decision was written\n");
        return undefined;
      }),
    );
}
