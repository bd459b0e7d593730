/**
 * The Fastify instance: zod 4 validation and serialization (fastify-type-provider-zod), the
 * OpenAPI document and Swagger UI at /docs, the one error handler, API-key auth and per-key rate
 * limits as an onRequest hook on every route whose `config.auth` names a scope, request metrics
 * as an onResponse hook on every route, a logger that redacts personal data, and one plugin per resource from
 * routes/. Plugins in src/serve/plugins/*.ts (each exporting `plugin(app, service)`) are
 * registered too — that is where the dashboard mounts itself, without editing this file.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { readdirSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPatronError } from "../core/errors.ts";
import { presentedKey, type ApiKeyRecord, type Scope } from "./auth.ts";
import { installErrorHandler, sendError } from "./errors.ts";
import { logSerializers, redactingLogMethod } from "./log-redact.ts";
import { pluginServed, routeServed } from "./roles/roles.ts";
import type { Service } from "./service.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The key scope the route needs; undefined = open. */
    auth?: Scope;
  }
  interface FastifyRequest {
    apiKey: ApiKeyRecord | null;
  }
}

export type ZodApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface RoutePlugin {
  register(app: ZodApp, service: Service): void | Promise<void>;
}

const ROUTES = ["health", "metrics", "events", "decide", "customers", "score", "segments", "runs", "models", "outcomes"] as const;

export async function buildApp(service: Service): Promise<FastifyInstance> {
  const { options } = service;
  const app = Fastify({
    logger: {
      level: options.logLevel,
      serializers: logSerializers,
      hooks: { logMethod: redactingLogMethod },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    // Keep-alive connections from load balancers and clients outlive one request.
    keepAliveTimeout: 65_000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, (request, reply) => service.metrics.record("unmatched", request.method, reply.statusCode, reply.elapsedTime / 1000));

  app.decorateRequest("apiKey", null);
  // Hooks are attached per route when it is declared, with its URL and scope captured: reading
  // request.routeOptions per request builds a fresh object each time, measurable on /v1/decide.
  app.addHook("onRoute", (route) => {
    const url = route.url;
    const record = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      service.metrics.record(url, request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...asArray(route.onResponse), record] as typeof route.onResponse;
    const scope = route.config?.auth;
    if (scope !== undefined) {
      const check = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => authenticate(service, scope, request, reply, done);
      route.onRequest = [check, ...asArray(route.onRequest)] as typeof route.onRequest;
    }
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "Patron decision service",
        description: "Events in, decisions out: online features, offers with a holdout, customer intelligence from the jobs, file scoring.",
        version: "1",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  for (const name of ROUTES) {
    if (!routeServed(name, options.loop.roles)) continue; // split roles: src/serve/roles/roles.ts
    const module = (await import(`./routes/${name}.ts`)) as RoutePlugin;
    await module.register(app, service);
  }
  for (const file of pluginFiles()) {
    if (!pluginServed(file, options.loop.roles)) continue;
    const module = (await import(new URL(`./plugins/${file}`, import.meta.url).href)) as { plugin?: (app: ZodApp, service: Service) => unknown };
    if (typeof module.plugin === "function") await module.plugin(app, service);
  }
  await app.ready();
  return app;
}

function pluginFiles(): string[] {
  try {
    return readdirSync(new URL("./plugins/", import.meta.url)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort();
  } catch {
    return [];
  }
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** onRequest of routes with `config.auth`: checks the key and the key's rate limit. */
function authenticate(service: Service, scope: Scope, request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
  const admit = (record: ApiKeyRecord) => {
    request.apiKey = record;
    service.limiter.enforce(record.keyId, { ratePerSecond: record.ratePerSecond, burst: record.burst });
  };
  const refuse = (error: unknown) => {
    if (isPatronError(error)) {
      if (error.code === "E_RATE_LIMITED") service.metrics.rateLimited.inc({ key: request.apiKey?.keyId ?? "unknown" });
      sendError(reply, error);
      return;
    }
    done(error as Error);
  };
  try {
    const verified = service.keys.verify(presentedKey(request.headers), scope);
    if (verified instanceof Promise) {
      verified.then((record) => {
        admit(record);
        done();
      }).catch(refuse);
      return;
    }
    admit(verified);
    done();
  } catch (error) {
    refuse(error);
  }
}
