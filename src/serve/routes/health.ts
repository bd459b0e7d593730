/**
 * GET /healthz: 200 when the database answers and the online features are loaded, else 503
 * with the same body — load balancers read the status, operators the body.
 */
import type { ZodApp } from "../app.ts";
import { HealthResponse } from "../schemas.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.get("/healthz", {
    schema: { summary: "Is the service ready: database reachable, online features loaded?", tags: ["operations"], response: { 200: HealthResponse, 503: HealthResponse } },
  }, async (_request, reply) => {
    // A live probe, so /healthz notices an outage even when no request has failed yet.
    const dbUp = service.health.up ? await service.health.check() : service.health.up;
    const db = service.health.status();
    const ok = dbUp && service.features.loaded;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? "ok" : "degraded",
      db: { up: db.up, kind: db.kind, outages: db.outages, ...(db.lastError && !db.up ? { lastError: db.lastError } : {}) },
      online_features: { loaded: service.features.loaded, customers: service.features.nCustomers, products: service.catalog.size },
      policy: service.decider.policy.version,
      scorer: service.scorer?.version ?? null,
      decision_log: { queued: service.decisionLog.queued, capacity: service.decisionLog.capacity },
      uptime_s: Math.round((Date.now() - service.startedAt) / 1000),
    });
  });
}
