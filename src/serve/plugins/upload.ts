/** Mounts the dashboard's upload page (src/serve/dashboard/upload.ts): its script and POST /v1/dashboard/upload. */
import type { FastifyInstance } from "fastify";
import type { ZodApp } from "../app.ts";
import { uploadRoutes } from "../dashboard/upload.ts";
import type { Service } from "../service.ts";

export function plugin(app: ZodApp, service: Service): Promise<void> {
  return uploadRoutes(app as unknown as FastifyInstance, service);
}
