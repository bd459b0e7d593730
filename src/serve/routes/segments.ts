/** GET /v1/segments: the latest segments run's segments and sizes (null run when none is stored). */
import type { ZodApp } from "../app.ts";
import { DatasetQuery, SegmentsResponse } from "../schemas.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.get("/v1/segments", {
    schema: {
      summary: "Segments of the latest segmentation run, with their sizes",
      tags: ["segments"],
      querystring: DatasetQuery,
      response: { 200: SegmentsResponse },
    },
  }, async (request) => {
    const dataset = request.query.dataset ?? "online-retail";
    const latest = await service.health.run(() => service.jobs.segments(dataset));
    return latest
      ? { dataset, run: latest.run, segments: latest.segments, missing: [] }
      : { dataset, run: null, segments: [], missing: ["segments"] };
  });
}
