/**
 * POST /v1/decide: the offer for a live session (write key — it logs a decision). Synchronous
 * handler over in-memory state; see src/serve/decide.ts for what it does and logs.
 *
 * The hot route of issue #8. Its plain requests are answered by the fast lane in front of
 * Fastify (decide-lane.ts); this route answers everything else (and the lane's replays), and
 * documents the endpoint. Three of Fastify's per-request costs are trimmed here too, each
 * without changing what the route answers:
 *   - the body is checked by a guard compiled from DecideBody's JSON Schema (json-guard.ts);
 *     only a body the guard does not accept is run through zod, which writes the 400 exactly as
 *     before — DecideBody stays the source of truth and what /docs shows;
 *   - the answer is written by serializeDecision (no zod encode);
 *   - the request's child logger is created only if something logs (an error): pino's child()
 *     copies bindings and serializers, a measurable share of a request that logs nothing.
 */
import type { FastifyBaseLogger, FastifySchemaCompiler } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import type { ZodApp } from "../app.ts";
import { serializeDecision, type DecideOutput } from "../decide.ts";
import { installDecideLane } from "../decide-lane.ts";
import { compileGuard } from "../json-guard.ts";
import { DecideBody, DecideResponse } from "../schemas.ts";
import type { Service } from "../service.ts";

const acceptsBody = compileGuard(DecideBody);

/** The guard first; zod for whatever it does not accept (and for any other part of the request). */
const guardedValidator: FastifySchemaCompiler<unknown> = (route) => {
  const zod = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
  if (route.httpPart !== "body") return zod;
  return (data: unknown) => (acceptsBody(data) ? { value: data } : zod(data));
};

type LogArgs = Parameters<FastifyBaseLogger["info"]>;
type ChildOptions = Parameters<FastifyBaseLogger["child"]>[1];

/** A request logger that becomes `parent.child(bindings, options)` the first time it is used. */
class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: ChildOptions,
  ) {}

  get real(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#real?.level ?? this.options?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  // Methods on the prototype, not arrow fields: one object per request, no closures.
  fatal(...args: LogArgs): void {
    this.real.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.real.error(...args);
  }
  warn(...args: LogArgs): void {
    this.real.warn(...args);
  }
  info(...args: LogArgs): void {
    this.real.info(...args);
  }
  debug(...args: LogArgs): void {
    this.real.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.real.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.real.silent(...args);
  }

  child(bindings: Record<string, unknown>, options?: ChildOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

export function register(app: ZodApp, service: Service): void {
  app.post("/v1/decide", {
    config: { auth: "write" },
    schema: {
      summary: "Decide the offer for a live session: discount level or none, expected profit, reasons, holdout group",
      tags: ["decisions"],
      security: [{ apiKey: [] }, { bearer: [] }],
      body: DecideBody,
      response: { 200: DecideResponse },
    },
    validatorCompiler: guardedValidator,
    // The schema above documents the answer; serializeDecision writes it (no zod encode on the hot path).
    serializerCompiler: () => (data) => serializeDecision(data as DecideOutput),
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger,
  }, (request, reply) => {
    reply.send(service.decider.decide(request.body, request.apiKey?.keyId ?? null));
  });
  // The plain case is answered before Fastify routes it (decide-lane.ts); the route above answers the rest.
  installDecideLane(app, service, acceptsBody);
}
