/**
 * The decision service's state and lifecycle, apart from HTTP: the store and its health, API
 * keys and rate limits, the catalogue and online features, the event writer, the active policy
 * and scorer, the decision log and the metrics. `startService` migrates the store, loads
 * everything into memory, builds the Fastify app (app.ts) and — unless told not to — listens;
 * `close()` stops taking requests, flushes the decision log and closes the store.
 *
 * Background refresh (every `refreshMs`): the catalogue, the API keys, the registry's active
 * models (so an activation by another process is picked up) and the ingest marker (a bulk
 * ingest of events since the features were built triggers a rebuild).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import { buildApp } from "./app.ts";
import { createKey, KeyRing } from "./auth.ts";
import { LiveCatalog, loadCatalog } from "./catalog.ts";
import { DbHealth } from "./db-health.ts";
import { Decider } from "./decide.ts";
import { DecisionLog } from "./decision-log.ts";
import { EventWriter } from "./events.ts";
import { restoreFeatures, snapshotsStale, type RestoreResult } from "./feature-store.ts";
import { checkControlShare, EXPERIMENT_NAME } from "./holdout.ts";
import { JobResults } from "./job-results.ts";
import { ServiceMetrics } from "./metrics.ts";
import { migrate } from "./migrations.ts";
import { OnlineFeatures } from "./online-features.ts";
import { defaultPolicy, discountPolicy, type Policy } from "./policy.ts";
import { RateLimiter } from "./rate-limit.ts";
import { activeEntry, versionLabel, type RegistryEntryWithModel } from "./registry-store.ts";
import { buildScorer, type Scorer } from "./score.ts";
import { LoopOptions } from "./roles/roles.ts";
import { startRoles, type RoleRuntime } from "./roles/runtime.ts";

export const ServeOptions = z.strictObject({
  /** DuckDB file or postgres:// URL. */
  db: z.string().min(1).default("./patron.duckdb"),
  /** The dataset live events belong to and online features are built from. */
  dataset: z.string().min(1).default("ium"),
  host: z.string().default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8080),
  experiment: z.string().regex(EXPERIMENT_NAME).default("offers"),
  controlShare: z.number().min(0).lt(1).default(0.1),
  /** Control shares of other experiments by name. */
  controlShares: z.record(z.string().regex(EXPERIMENT_NAME), z.number().min(0).lt(1)).default({}),
  /** Default per-key limit; a key's own limit (api_keys) overrides it. */
  ratePerSecond: z.number().positive().default(100),
  burst: z.number().min(1).default(200),
  /** Body limits in bytes: everything, POST /v1/events, POST /v1/score. */
  bodyLimit: z.number().int().positive().default(256 * 1024),
  eventsBodyLimit: z.number().int().positive().default(4 * 1024 * 1024),
  scoreBodyLimit: z.number().int().positive().default(20 * 1024 * 1024),
  decisionFlushMs: z.number().int().positive().default(200),
  decisionQueueCapacity: z.number().int().positive().default(100_000),
  refreshMs: z.number().int().positive().default(15_000),
  /** Rebuild the online features from the events table instead of reading the snapshots. */
  rebuildFeatures: z.boolean().default(false),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Log every request (off by default: it costs throughput on /v1/decide). */
  logRequests: z.boolean().default(false),
  /** Where logs go; default stdout. Tests pass a stream to read them. */
  logStream: z.custom<NodeJS.WritableStream>().optional(),
  /** Create and report a write key when the store has none (first start). */
  bootstrapKey: z.boolean().default(false),
  /** Roles, NATS, exploration and the retraining schedule (issue #10; src/serve/roles/roles.ts). Default: every role in this process. */
  loop: LoopOptions.prefault({}),
});
export type ServeOptions = z.input<typeof ServeOptions>;
type Options = z.infer<typeof ServeOptions>;

export interface Service {
  readonly options: Options;
  readonly store: Store;
  readonly health: DbHealth;
  readonly keys: KeyRing;
  readonly limiter: RateLimiter;
  readonly catalog: LiveCatalog;
  readonly features: OnlineFeatures;
  readonly events: EventWriter;
  readonly decider: Decider;
  readonly decisionLog: DecisionLog;
  readonly metrics: ServiceMetrics;
  readonly jobs: JobResults;
  readonly startedAt: number;
  scorer: Scorer | undefined;
  restored: RestoreResult | undefined;
  /** This process's roles and their bus, consumer and schedule (src/serve/roles/runtime.ts). */
  roles: RoleRuntime | undefined;
  /** A write key created on first start (bootstrapKey), to show once. */
  bootstrap: { keyId: string; key: string } | undefined;
  app: FastifyInstance;
  /** Re-reads the active models from the registry and swaps them in. */
  reloadModels(): Promise<void>;
  /** The bound address once listening, e.g. http://127.0.0.1:8080. */
  url: string | undefined;
  close(): Promise<void>;
}

async function buildPolicy(entry: RegistryEntryWithModel | undefined): Promise<Policy> {
  if (!entry) return defaultPolicy;
  return discountPolicy(versionLabel(entry), entry.model, entry.config);
}

/**
 * Starts the service. Pass `store` to use an open store (tests); otherwise `options.db` is opened
 * and closed with the service. `listen: false` builds everything but does not bind a port.
 */
export async function startService(input: ServeOptions = {}, extra: { store?: Store; listen?: boolean } = {}): Promise<Service> {
  const options = ServeOptions.parse(input);
  checkControlShare(options.controlShare);
  const store = extra.store ?? (await openStore(options.db));
  const ownsStore = extra.store === undefined;
  try {
    await migrate(store);
    const metrics = new ServiceMetrics();
    // Set once the service exists: logs outages and resynchronises the features on recovery.
    let onHealthChange: (up: boolean, error?: unknown) => void = () => undefined;
    const health = new DbHealth(store, { onChange: (up, error) => onHealthChange(up, error) });
    const keys = new KeyRing(store);
    await keys.load();
    let bootstrap: Service["bootstrap"];
    if (options.bootstrapKey && keys.size === 0) {
      const created = await createKey(store, { name: "bootstrap", scope: "write" });
      bootstrap = { keyId: created.keyId, key: created.key };
      await keys.load();
    }
    const catalog = new LiveCatalog();
    catalog.replace(await loadCatalog(store, options.dataset));
    const features = new OnlineFeatures(catalog);
    const restored = await restoreFeatures(store, options.dataset, features, { rebuild: options.rebuildFeatures });
    const events = new EventWriter(store, health, options.dataset, features);
    const decisionLog = new DecisionLog(store, health, { flushMs: options.decisionFlushMs, capacity: options.decisionQueueCapacity });
    const decider = new Decider(features, decisionLog, metrics, {
      dataset: options.dataset, experiment: options.experiment, controlShare: options.controlShare, controlShares: options.controlShares,
      exploration: options.loop.exploration, explorationSeed: options.loop.explorationSeed,
    }, await buildPolicy(await activeEntry(store, "offers")));
    const uplift = await activeEntry(store, "uplift");
    const service: Service = {
      options, store, health, keys, metrics, catalog, features, events, decider, decisionLog,
      limiter: new RateLimiter({ ratePerSecond: options.ratePerSecond, burst: options.burst }),
      jobs: new JobResults(store),
      startedAt: Date.now(),
      scorer: uplift ? await buildScorer(versionLabel(uplift), uplift.model, uplift.config) : undefined,
      restored,
      roles: undefined,
      bootstrap,
      url: undefined,
      app: undefined as unknown as FastifyInstance,
      async reloadModels() {
        const [offers, scoring] = await Promise.all([activeEntry(store, "offers"), activeEntry(store, "uplift")]);
        const policy = await buildPolicy(offers);
        if (policy.version !== decider.policy.version) decider.policy = policy;
        const label = scoring ? versionLabel(scoring) : undefined;
        if (label !== service.scorer?.version) service.scorer = scoring ? await buildScorer(label!, scoring.model, scoring.config) : undefined;
      },
      close: async () => {
        clearInterval(refresh);
        keys.stop();
        await service.app.close();
        await service.roles?.close();
        const unwritten = await decisionLog.close();
        if (unwritten > 0) service.app.log.error({ unwritten }, "decisions could not be logged before shutdown");
        health.close();
        if (ownsStore) await store.close();
      },
    };
    onHealthChange = (up, error) => {
      if (!up) {
        service.app?.log.warn({ err: error }, "database unavailable; writes answer 503 until it is back");
        return;
      }
      service.app?.log.info("database is back");
      // A commit whose answer was lost in the outage may have stored events whose features the
      // memory never applied (the client's retry sees them as duplicates). The snapshots were
      // written in the same transactions as the events, so reloading them makes memory exact.
      void service.events.mutex
        .run(() => restoreFeatures(store, options.dataset, features))
        .then((result) => {
          service.restored = result;
        })
        .catch((reloadError) => service.app?.log.error({ err: reloadError }, "could not reload the online features after the outage"));
    };
    registerGauges(service);
    service.app = await buildApp(service);
    service.roles = await startRoles(service, options.loop);
    decisionLog.start();
    keys.startReloading();
    const refresh = setInterval(() => void backgroundRefresh(service).catch(() => undefined), options.refreshMs);
    refresh.unref();
    if (extra.listen !== false) {
      service.url = await service.app.listen({ host: options.host, port: options.port });
    }
    return service;
  } catch (error) {
    if (ownsStore) await store.close().catch(() => undefined);
    throw error;
  }
}

async function backgroundRefresh(service: Service): Promise<void> {
  if (!service.health.up) return;
  const { store, options } = service;
  await service.health.run(async () => {
    service.catalog.replace(await loadCatalog(store, options.dataset));
    await service.reloadModels().catch((error) => service.app.log.error({ err: error }, "could not load the active models; keeping the current ones"));
    // Under the events mutex: a rebuild must not interleave with a batch being written.
    if (!(await snapshotsStale(store, options.dataset)).stale) return;
    await service.events.mutex.run(async () => {
      const result = await restoreFeatures(store, options.dataset, service.features, { rebuild: true });
      service.restored = result;
      service.app.log.info({ customers: result.customers, events: result.events }, "online features rebuilt after an ingest");
    });
  });
}

function registerGauges(service: Service): void {
  const m = service.metrics;
  m.gauge("patron_db_up", "1 when the database answers, 0 during an outage.", () => (service.health.up ? 1 : 0));
  m.gauge("patron_db_outages_total", "Database outages detected since start.", () => service.health.outages);
  m.gauge("patron_decision_log_queued", "Decisions waiting to be written to the decisions table.", () => service.decisionLog.queued);
  m.gauge("patron_decision_log_written_total", "Decisions written to the decisions table.", () => service.decisionLog.written);
  m.gauge("patron_decision_log_failed_flushes_total", "Decision log writes that failed and were retried.", () => service.decisionLog.failedFlushes);
  m.gauge("patron_online_feature_customers", "Customers with online features in memory.", () => service.features.nCustomers);
  m.gauge("patron_policy_memo_hits_total", "Decisions answered from the active policy's memo of recent feature vectors.", () => service.decider.policy.memoHits ?? 0);
  m.gauge("patron_catalog_products", "Products in the in-memory catalogue.", () => service.catalog.size);
  m.gauge("patron_uptime_seconds", "Seconds since the service started.", () => (Date.now() - service.startedAt) / 1000);
}

export function noScorer(): PatronError {
  return new PatronError(
    "E_NO_MODEL",
    'no uplift model is active, so there is nothing to score with. Train one (e.g. `patron uplift --preset hillstrom`), register it with purpose "uplift", and activate it with POST /v1/models/:id/activate.',
  );
}
