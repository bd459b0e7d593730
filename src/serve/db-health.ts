/**
 * Database outage detection and recovery. A failed call is classified: connection-level
 * failures (server down or restarting, socket reset, connect timeout) mark the database down;
 * anything else is an ordinary error. While down, writes fail fast with 503 E_DB_UNAVAILABLE
 * instead of each request waiting for a connect timeout, and a probe (SELECT 1) runs every
 * `probeMs` until the database answers — then the service is up again with no restart. The pg
 * pool discards broken clients by itself, so recovery needs nothing else.
 */
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";

// PostgreSQL SQLSTATEs of a server that is going away or not accepting connections yet:
// admin_shutdown, crash_shutdown, cannot_connect_now, and the connection_exception class.
const OUTAGE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "08000", "08001", "08003", "08004", "08006", "08P01"]);
const OUTAGE_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH"]);
const OUTAGE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (?:is )?closed/i,
  /client has encountered a connection error/i,
  /terminating connection/i,
  /the database system is (?:starting up|shutting down|in recovery mode)/i,
  /Client was closed and is not queryable/i,
];

/** Whether an error means the database is unreachable (as opposed to a bad query). */
export function isOutageError(error: unknown): boolean {
  if (error instanceof PatronError) return error.code === "E_DB_UNAVAILABLE";
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && (OUTAGE_SQLSTATES.has(e.code) || OUTAGE_ERRNOS.has(e.code))) return true;
  if (typeof e.message === "string" && OUTAGE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  // AggregateError from a dual-stack connect attempt carries the ECONNREFUSEDs inside.
  if (Array.isArray(e.errors) && e.errors.some(isOutageError)) return true;
  return e.cause !== undefined && e.cause !== error && isOutageError(e.cause);
}

export function unavailable(detail?: string): PatronError {
  return new PatronError(
    "E_DB_UNAVAILABLE",
    `the database is unavailable${detail ? ` (${detail})` : ""}; nothing was stored. Retry in a few seconds: the service reconnects by itself.`,
  );
}

export interface DbHealthOptions {
  /** How often to probe while the database is down. Default 500 ms. */
  probeMs?: number;
  onChange?: (up: boolean, error?: unknown) => void;
}

export class DbHealth {
  #up = true;
  #lastError: string | undefined;
  #downSince: number | undefined;
  #outages = 0;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #probeMs: number;

  constructor(
    private readonly store: Store,
    private readonly options: DbHealthOptions = {},
  ) {
    this.#probeMs = options.probeMs ?? 500;
  }

  get up(): boolean {
    return this.#up;
  }

  get outages(): number {
    return this.#outages;
  }

  status(): { up: boolean; kind: string; location: string; downSinceMs?: number; lastError?: string; outages: number } {
    return {
      up: this.#up,
      kind: this.store.kind,
      location: this.store.location,
      ...(this.#downSince !== undefined ? { downSinceMs: Date.now() - this.#downSince } : {}),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      outages: this.#outages,
    };
  }

  /** Throws E_DB_UNAVAILABLE at once while the database is known to be down. */
  assertUp(): void {
    if (!this.#up) throw unavailable(this.#lastError);
  }

  /**
   * Runs a database call: fails fast while down; an outage error marks the database down and is
   * rethrown as E_DB_UNAVAILABLE; other errors pass through unchanged.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.assertUp();
    try {
      return await work();
    } catch (error) {
      if (isOutageError(error)) {
        this.markDown(error);
        throw unavailable(this.#lastError);
      }
      throw error;
    }
  }

  markDown(error: unknown): void {
    this.#lastError = error instanceof Error ? error.message : String(error);
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.#downSince = Date.now();
    this.#outages++;
    this.options.onChange?.(false, error);
    this.#schedule();
  }

  /** One probe now; true when the database answers. */
  async check(): Promise<boolean> {
    try {
      await this.store.query("SELECT 1 AS ok");
      if (!this.#up) {
        this.#up = true;
        this.#downSince = undefined;
        this.options.onChange?.(true);
      }
      return true;
    } catch (error) {
      if (isOutageError(error)) this.markDown(error);
      else this.#lastError = (error as Error).message;
      return false;
    }
  }

  #schedule(): void {
    if (this.#probe || this.#closed) return;
    this.#probe = setTimeout(async () => {
      this.#probe = undefined;
      if (this.#closed) return;
      if (!(await this.check())) this.#schedule();
    }, this.#probeMs);
    this.#probe.unref();
  }

  close(): void {
    this.#closed = true;
    if (this.#probe) clearTimeout(this.#probe);
    this.#probe = undefined;
  }
}
