/** Mounts the dashboard (src/serve/dashboard/plugin.ts) on the service: pages at /, data under /v1/dashboard/*. */
import type { ZodApp } from "../app.ts";
import { dashboardRoutes } from "../dashboard/plugin.ts";
import type { Service } from "../service.ts";

export function plugin(app: ZodApp, service: Service): Promise<void> {
  return dashboardRoutes(app, {
    store: service.store,
    run: (work) => service.health.run(work),
    dataset: service.options.dataset,
  });
}
