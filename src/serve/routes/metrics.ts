/** GET /metrics: the Prometheus text exposition of ServiceMetrics (open, like most scrapers expect). */
import type { ZodApp } from "../app.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.get("/metrics", { schema: { summary: "Prometheus metrics (text format 0.0.4)", tags: ["operations"] } }, async (_request, reply) =>
    reply.type("text/plain; version=0.0.4; charset=utf-8").send(service.metrics.render()),
  );
}
