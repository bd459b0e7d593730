/**
 * GET /v1/roles (read key): which roles this process runs and how its parts are doing — the bus
 * connection, events published or queued, the durable consumer's position, the jobs schedule
 * and its last runs (src/serve/roles/). Served by every role.
 */
import type { ZodApp } from "../app.ts";
import type { RoleRuntime } from "../roles/runtime.ts";
import type { Service } from "../service.ts";

export function plugin(app: ZodApp, service: Service): void {
  app.get("/v1/roles", {
    config: { auth: "read" },
    schema: { summary: "The roles of this process and the state of its bus publisher, durable consumer and schedule", tags: ["health"], security: [{ apiKey: [] }, { bearer: [] }] },
  }, async () => {
    const runtime = (service as Service & { roles?: RoleRuntime }).roles;
    return runtime ? runtime.status() : { roles: ["api", "events", "decide", "jobs"], nats: null, publisher: null, consumer: null, schedule: null };
  });
}
