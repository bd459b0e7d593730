/** GET /v1/runs/:id/migrations: customers moving between segments from the previous run (or ?from=) to this one. */
import type { ZodApp } from "../app.ts";
import { MigrationsQuery, MigrationsResponse, RunParams } from "../schemas.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.get("/v1/runs/:id/migrations", {
    schema: {
      summary: "Migration matrix between a segmentation run and the one before it",
      tags: ["segments"],
      params: RunParams,
      querystring: MigrationsQuery,
      response: { 200: MigrationsResponse },
    },
  }, async (request) => {
    const dataset = request.query.dataset ?? "online-retail";
    return service.health.run(() => service.jobs.migrations(request.params.id, dataset, request.query.from));
  });
}
