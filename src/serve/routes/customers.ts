/**
 * GET /v1/customers/:id (read key): the customer's online features and what the jobs stored —
 * segment, activity risk with its reasons, CLV, uplift type. Parts no job has stored are null
 * and listed in `missing`. No personal data: names and addresses stay in the store.
 */
import type { ZodApp } from "../app.ts";
import { CustomerParams, CustomerResponse, DatasetQuery } from "../schemas.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.get("/v1/customers/:id", {
    config: { auth: "read" },
    schema: {
      summary: "A customer's features, segment, activity risk with top reasons, CLV and uplift type",
      tags: ["customers"],
      security: [{ apiKey: [] }, { bearer: [] }],
      params: CustomerParams,
      querystring: DatasetQuery,
      response: { 200: CustomerResponse },
    },
  }, async (request) => {
    const id = request.params.id;
    const dataset = request.query.dataset ?? service.options.dataset;
    const features = dataset === service.options.dataset ? service.features.summary(id) : null;
    const { parts, missing } = await service.health.run(() => service.jobs.customer(id, dataset));
    return {
      customer_id: id,
      dataset,
      features,
      ...parts,
      missing: features === null ? ["features", ...missing] : missing,
    };
  });
}
