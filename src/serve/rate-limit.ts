/**
 * Per-key rate limits: a token bucket per API key (Turner 1986's leaky-bucket family, as
 * NGINX's limit_req and most API gateways use). The bucket holds up to `burst` tokens and
 * refills at `ratePerSecond`; a request takes one token or is refused with 429 and a
 * Retry-After of the seconds until a token is back. Refill is computed lazily from the time
 * since the last request, so an idle key costs nothing. In memory, per process.
 */
import { PatronError } from "../core/errors.ts";

export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
  ratePerSecond: number;
  burst: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  #limited = 0;

  constructor(
    readonly defaults: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    checkLimit(defaults);
  }

  /** Requests refused so far (for /metrics). */
  get limited(): number {
    return this.#limited;
  }

  /**
   * Takes one token from the key's bucket. Returns 0 when the request may go on, else the
   * seconds until it may be retried.
   */
  take(keyId: string, limit: Partial<RateLimit> = {}): number {
    const ratePerSecond = limit.ratePerSecond ?? this.defaults.ratePerSecond;
    const burst = limit.burst ?? this.defaults.burst;
    const now = this.now();
    let bucket = this.#buckets.get(keyId);
    if (!bucket || bucket.ratePerSecond !== ratePerSecond || bucket.burst !== burst) {
      bucket = { tokens: burst, updatedMs: now, ratePerSecond, burst };
      this.#buckets.set(keyId, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * ratePerSecond);
      bucket.updatedMs = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    this.#limited++;
    return (1 - bucket.tokens) / ratePerSecond;
  }

  /**
   * Takes a token when one is there and says so; without one, changes nothing a caller can see
   * (no refusal counted), so it can hand the request to the path that calls enforce(). The fast
   * lane of /v1/decide uses it (decide-lane.ts).
   */
  admit(keyId: string, limit: Partial<RateLimit> = {}): boolean {
    const ratePerSecond = limit.ratePerSecond ?? this.defaults.ratePerSecond;
    const burst = limit.burst ?? this.defaults.burst;
    const bucket = this.#buckets.get(keyId);
    if (!bucket || bucket.ratePerSecond !== ratePerSecond || bucket.burst !== burst) return this.take(keyId, limit) === 0; // a full new bucket
    const now = this.now();
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) / 1000) * ratePerSecond);
    bucket.updatedMs = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Gives back a token taken by admit() for a request that another path will count again. */
  refund(keyId: string): void {
    const bucket = this.#buckets.get(keyId);
    if (bucket) bucket.tokens = Math.min(bucket.burst, bucket.tokens + 1);
  }

  /** Throws E_RATE_LIMITED (429) with the retry delay when the key has no token left. */
  enforce(keyId: string, limit: Partial<RateLimit> = {}): void {
    const waitSeconds = this.take(keyId, limit);
    if (waitSeconds > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitSeconds));
      throw new PatronError(
        "E_RATE_LIMITED",
        `API key ${keyId} exceeded its rate limit of ${limit.ratePerSecond ?? this.defaults.ratePerSecond} requests/s (burst ${limit.burst ?? this.defaults.burst}); retry after ${retryAfter} s or ask for a higher limit.`,
        { retryAfterSeconds: retryAfter },
      );
    }
  }
}

function checkLimit(limit: RateLimit): void {
  if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1)) {
    throw new PatronError("E_OPTION", `a rate limit needs ratePerSecond > 0 and burst ≥ 1; found ${limit.ratePerSecond}/s, burst ${limit.burst}.`);
  }
}
