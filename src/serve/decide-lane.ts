/**
 * The fast lane of POST /v1/decide (issue #8): the plain request — JSON body within the limit,
 * a write key this process has already verified, a token in the key's bucket, a body the
 * decide guard accepts — is answered straight from the node:http request, before Fastify
 * routes it. Everything else is Fastify's, exactly as before:
 *
 *   - a request the lane does not take (another path or content type, a chunked or empty or
 *     too large body, a missing, unknown, revoked or read-only key, an empty bucket, a full
 *     decision log, the server closing, request logging on) goes to Fastify untouched, which
 *     answers it — 401, 403, 413, 415, 429, 503 — with its hooks, logs and metrics;
 *   - a request the lane has read but cannot answer (malformed JSON, a body the guard does not
 *     accept, a decision that throws) is replayed into Fastify with app.inject() and Fastify's
 *     answer is sent: the 400 names the field exactly as zod words it. The lane gives the
 *     request's rate-limit token back first, so the replay is counted once.
 *
 * Why: Fastify's per-request machinery (child logger, hooks, content-type parser with its async
 * resource, reply lifecycle) cost more CPU than the decision and its log together (bench/serve:
 * `--perf`), and issue #8 asks for decide within 2× the CPU of a bare node:http server. The lane
 * keeps what a decide request must have — the key and scope check, the per-key rate limit, the
 * body validation, the decision log, the request metrics — and drops the generic rest.
 *
 * A hook added with app.addHook() does not see requests the lane answers: behaviour that
 * /v1/decide must have goes here (or set PATRON_DECIDE_LANE=off, which leaves every request to
 * Fastify — also how the benchmark compares the two).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { presentedKey } from "./auth.ts";
import { serializeDecision, type DecideInput } from "./decide.ts";
import type { RequestCells } from "./metrics.ts";
import type { Service } from "./service.ts";

export const DECIDE_PATH = "/v1/decide";

type Guard = (value: unknown) => boolean;
type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Hop-by-hop and per-connection headers the real response sets itself. */
const NOT_REPLAYED = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

export function laneEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(off|0|false|no)$/i.test(env.PATRON_DECIDE_LANE ?? "");
}

/**
 * Puts the lane in front of Fastify's request listener on app.server. Returns false (and changes
 * nothing) when it cannot: request logging is on, the lane is switched off, or the server does
 * not have exactly Fastify's one request listener.
 */
export function installDecideLane(app: FastifyInstance, service: Service, acceptsBody: Guard): boolean {
  if (!laneEnabled() || service.options.logRequests) return false;
  const server = app.server as Server;
  const listeners = server.listeners("request") as RequestListener[];
  if (listeners.length !== 1) return false;
  const fastify = listeners[0];
  const lane = new DecideLane(app, service, acceptsBody);
  app.addHook("preClose", (done) => {
    lane.closing = true; // Fastify answers 503 from here on
    done();
  });
  server.removeListener("request", fastify);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (!lane.take(req, res)) fastify(req, res);
  });
  return true;
}

class DecideLane {
  closing = false;
  /** Requests answered here (the rest went to Fastify). */
  readonly #answered: { value: number };
  readonly #bodyLimit: number;
  readonly #ok: RequestCells;

  constructor(
    private readonly app: FastifyInstance,
    private readonly service: Service,
    private readonly acceptsBody: Guard,
  ) {
    this.#bodyLimit = service.options.bodyLimit;
    this.#ok = service.metrics.requestCells(DECIDE_PATH, "POST", 200);
    this.#answered = service.metrics.decideFastLane.cell();
  }

  /** Takes the request when it is the plain case (see the module comment); false leaves it to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.url !== DECIDE_PATH || req.method !== "POST" || this.closing) return false;
    const headers = req.headers;
    const type = headers["content-type"];
    if (type !== "application/json" && type !== "application/json; charset=utf-8") return false;
    if (headers["transfer-encoding"] !== undefined) return false;
    const length = Number(headers["content-length"]);
    if (!(length > 0 && length <= this.#bodyLimit)) return false;
    const { keys, limiter, decisionLog } = this.service;
    const key = keys.known(presentedKey(headers), "write");
    if (key === undefined || !decisionLog.accepting) return false;
    if (!limiter.admit(key.keyId, key)) return false;
    const startedMs = performance.now();
    // Bytes, decoded once at the end: a body is one chunk almost always, and setEncoding() would
    // allocate a StringDecoder per request for nothing.
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    req.on("data", (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    req.on("end", () => this.#answer(req, res, more ? Buffer.concat(more).toString() : (first?.toString() ?? ""), key.keyId, startedMs));
    return true;
  }

  #answer(req: IncomingMessage, res: ServerResponse, body: string, keyId: string, startedMs: number): void {
    let json: string;
    try {
      const input: unknown = JSON.parse(body);
      if (!this.acceptsBody(input)) return this.#replay(req, res, body, keyId);
      json = serializeDecision(this.service.decider.decide(input as DecideInput, keyId));
    } catch {
      return this.#replay(req, res, body, keyId);
    }
    res.writeHead(200, ["content-type", "application/json; charset=utf-8", "content-length", String(Buffer.byteLength(json))]);
    res.end(json);
    this.#answered.value++;
    this.service.metrics.recordInto(this.#ok, (performance.now() - startedMs) / 1000);
  }

  /** Fastify answers what the lane cannot; the token goes back so the replay is counted once. */
  #replay(req: IncomingMessage, res: ServerResponse, body: string, keyId: string): void {
    this.service.limiter.refund(keyId);
    const headers = { ...req.headers };
    delete headers["content-length"]; // the replay's body is the decoded text; inject measures it
    this.app
      .inject({ method: "POST", url: DECIDE_PATH, headers, payload: body, remoteAddress: req.socket.remoteAddress })
      .then((answer) => {
        const out: Record<string, string | number | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !NOT_REPLAYED.has(name)) out[name] = value;
        res.writeHead(answer.statusCode, out);
        res.end(answer.rawPayload);
      })
      .catch((error: unknown) => {
        this.app.log.error({ err: error }, "could not replay a /v1/decide request into Fastify");
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end('{"error":{"code":"E_INTERNAL","message":"an unexpected error occurred; it was logged. Retry, and report it if it persists."}}');
      });
  }
}
