/**
 * The one error handler: every failure leaves the service as JSON
 * `{ error: { code, message, details? } }` with a status that says whose problem it is.
 * PatronError codes map to statuses below (unknown codes are the client's input: 400); request
 * validation errors (zod, through fastify-type-provider-zod) become 400 E_VALIDATION with the
 * path of the offending field, e.g. `events[3].occurred_at`; Fastify's own 4xx (body too large,
 * wrong media type, malformed JSON) keep their status with a stable code; a database outage is
 * 503 E_DB_UNAVAILABLE with Retry-After; anything else is a 500 that is logged (redacted) and
 * reported without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isPatronError, PatronError } from "../core/errors.ts";
import { isOutageError, unavailable } from "./db-health.ts";

const STATUS: Record<string, number> = {
  E_VALIDATION: 400,
  E_CSV: 400,
  E_CSV_ROWS: 400,
  E_CSV_COLUMNS: 400,
  E_MULTIPART: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_NO_MODEL: 409,
  E_CONFLICT: 409,
  E_BODY_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_MODEL_JSON: 422,
  E_MODEL_CONFIG: 422,
  E_UNKNOWN_KIND: 422,
  E_RATE_LIMITED: 429,
  E_DB_UNAVAILABLE: 503,
  E_DECISION_LOG_FULL: 503,
  E_SHUTTING_DOWN: 503,
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "E_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "E_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "E_BAD_REQUEST",
  FST_ERR_CTP_EMPTY_JSON_BODY: "E_VALIDATION",
  FST_ERR_CTP_INVALID_JSON_BODY: "E_VALIDATION",
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
}

/** `/events/3/occurred_at` → `events[3].occurred_at`. */
export function fieldPath(instancePath: string): string {
  return instancePath
    .split("/")
    .filter((part) => part.length > 0)
    .map((part, k) => (/^\d+$/.test(part) ? `[${part}]` : k === 0 ? part : `.${part}`))
    .join("");
}

function validationError(error: FastifyError): PatronError {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const where = error.validationContext ?? "body";
  const described = issues.map((issue) => {
    const path = fieldPath(issue.instancePath ?? "");
    return { field: path || "(whole body)", message: issue.message ?? "is invalid" };
  });
  const first = described[0];
  const more = described.length > 1 ? ` (and ${described.length - 1} more problem${described.length === 2 ? "" : "s"}, listed in details)` : "";
  return new PatronError(
    "E_VALIDATION",
    first ? `${where} ${first.field}: ${first.message}${more}. See /docs for the expected shape.` : `the request ${where} is invalid; see /docs.`,
    { in: where, issues: described },
  );
}

function toPatronError(error: unknown): PatronError | undefined {
  if (isPatronError(error)) return error;
  const e = error as FastifyError;
  if (e && Array.isArray(e.validation)) return validationError(e);
  if (isOutageError(error)) return unavailable((error as Error).message);
  if (e && typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const code = FASTIFY_CODES[e.code] ?? "E_BAD_REQUEST";
    const hint = code === "E_BODY_TOO_LARGE" ? " Send smaller batches." : "";
    return new PatronError(code, `${e.message}.${hint}`.replace(/\.\./g, "."), { status: e.statusCode });
  }
  return undefined;
}

export function sendError(reply: FastifyReply, error: PatronError): FastifyReply {
  const status = (error.details.status as number | undefined) ?? statusOf(error.code);
  if (status === 503) reply.header("retry-after", "1");
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
  const { status: _s, retryAfterSeconds: _r, ...details } = error.details;
  return reply
    .code(status)
    .type("application/json; charset=utf-8")
    .serializer(JSON.stringify)
    .send({ error: { code: error.code, message: error.message, ...(Object.keys(details).length ? { details } : {}) } });
}

export function installErrorHandler(app: FastifyInstance, onNotFound?: (request: FastifyRequest, reply: FastifyReply) => void): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const known = toPatronError(error);
    if (known) {
      if (known.code === "E_DB_UNAVAILABLE") request.log.warn({ code: known.code }, known.message);
      return sendError(reply, known);
    }
    request.log.error({ err: error }, "unexpected error");
    return sendError(reply, new PatronError("E_INTERNAL", "an unexpected error occurred; it was logged. Retry, and report it if it persists.", { status: 500 }));
  });
  app.setNotFoundHandler((request, reply) => {
    const sent = sendError(reply, new PatronError("E_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}; the API is listed at /docs.`));
    onNotFound?.(request, reply);
    return sent;
  });
}
