/**
 * POST /v1/events: a batch of session events (write key). 200 {accepted, duplicates} only after
 * the events and the online features they change are committed; see src/serve/events.ts.
 */
import type { ZodApp } from "../app.ts";
import { EventsBody, EventsResponse } from "../schemas.ts";
import type { Service } from "../service.ts";

export function register(app: ZodApp, service: Service): void {
  app.post("/v1/events", {
    bodyLimit: service.options.eventsBodyLimit,
    config: { auth: "write" },
    schema: {
      summary: "Store a batch of session events (idempotent by event_id) and update the online features",
      tags: ["events"],
      security: [{ apiKey: [] }, { bearer: [] }],
      body: EventsBody,
      response: { 200: EventsResponse },
    },
  }, async (request) => {
    const result = await service.events.write(request.body.events);
    service.metrics.eventsAccepted.inc({}, result.accepted);
    service.metrics.eventsDuplicate.inc({}, result.duplicates.length);
    return result;
  });
}
