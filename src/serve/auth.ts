/**
 * API keys. A key is `pat_<key id>_<secret>`: the id finds the stored row, the secret is checked
 * against its hash. Only sha256(salt ‖ secret) with a random per-key salt is stored, never the
 * key. A fast hash is enough here (unlike for passwords, which need scrypt): the secret is 256
 * random bits, so there is nothing to guess by brute force, and a fast check keeps it off the
 * /v1/decide latency budget. Scopes: `read` (customer reads) and `write` (writes and reads).
 *
 * The keys live in memory (a KeyRing) so checking one costs no database round trip; the ring
 * reloads from the store periodically and, at most once per `missReloadMs`, when an unknown key
 * id arrives — so a key created with `patron keys create` works on a running service.
 */
import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";

export type Scope = "read" | "write";
export const SCOPES: readonly Scope[] = ["read", "write"];

export interface ApiKeyRecord {
  keyId: string;
  name: string;
  scope: Scope;
  salt: string;
  keyHash: string;
  /** Sustained requests per second and burst size; undefined = the service's defaults. */
  ratePerSecond?: number;
  burst?: number;
  revoked: boolean;
}

export interface CreatedKey {
  keyId: string;
  name: string;
  scope: Scope;
  /** The full key: shown once, never stored. */
  key: string;
}

const KEY_PATTERN = /^pat_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(salt: string, secret: string): string {
  return hash("sha256", salt + secret, "hex");
}

export function parseKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { keyId: match[1], secret: match[2] } : undefined;
}

export async function createKey(
  store: Store,
  options: { name: string; scope: Scope; ratePerSecond?: number; burst?: number },
): Promise<CreatedKey> {
  if (!SCOPES.includes(options.scope)) {
    throw new PatronError("E_OPTION", `scope must be one of ${SCOPES.join(", ")}; found ${JSON.stringify(options.scope)}.`);
  }
  const name = options.name.trim();
  if (name.length === 0 || name.length > 100) {
    throw new PatronError("E_OPTION", `a key needs a name of 1–100 characters (who or what uses it); found ${JSON.stringify(options.name)}.`);
  }
  for (const [label, value] of [["rate", options.ratePerSecond], ["burst", options.burst]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new PatronError("E_OPTION", `${label} must be a positive number; found ${value}.`);
    }
  }
  const keyId = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const salt = randomBytes(16).toString("hex");
  await store.exec(
    `INSERT INTO api_keys (key_id, name, scope, salt, key_hash, rate_per_second, burst, created_at, revoked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8 AS TIMESTAMP), NULL)`,
    [keyId, name, options.scope, salt, hashSecret(salt, secret), options.ratePerSecond ?? null, options.burst ?? null, sqlTimestampText(Date.now())],
  );
  return { keyId, name, scope: options.scope, key: `pat_${keyId}_${secret}` };
}

export async function revokeKey(store: Store, keyId: string): Promise<boolean> {
  const found = await store.query("SELECT key_id FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL", [keyId]);
  if (found.length === 0) return false;
  await store.exec("UPDATE api_keys SET revoked_at = CAST($2 AS TIMESTAMP) WHERE key_id = $1", [keyId, sqlTimestampText(Date.now())]);
  return true;
}

export async function listKeys(store: Store): Promise<Array<Omit<ApiKeyRecord, "salt" | "keyHash">>> {
  return (await loadKeys(store)).map(({ salt: _s, keyHash: _h, ...rest }) => rest);
}

async function loadKeys(store: Store): Promise<ApiKeyRecord[]> {
  const rows = await store.query<{
    key_id: string; name: string; scope: string; salt: string; key_hash: string;
    rate_per_second: number | null; burst: number | null; revoked: boolean | number;
  }>(
    `SELECT key_id, name, scope, salt, key_hash, rate_per_second, burst, (revoked_at IS NOT NULL) AS revoked
     FROM api_keys ORDER BY created_at, key_id`,
  );
  return rows.map((r) => ({
    keyId: r.key_id,
    name: r.name,
    scope: r.scope === "write" ? "write" : "read",
    salt: r.salt,
    keyHash: r.key_hash,
    ratePerSecond: r.rate_per_second ?? undefined,
    burst: r.burst ?? undefined,
    revoked: Boolean(r.revoked),
  }));
}

/** The presented key from `x-api-key` or `Authorization: Bearer …`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const direct = headers["x-api-key"];
  if (typeof direct === "string" && direct.length > 0) return direct.trim();
  const auth = headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return auth.slice(7).trim();
  return undefined;
}

/** Verified keys kept for the hot path (cleared on every reload, so revocations apply). */
const VERIFIED_CACHE_SIZE = 10_000;

export class KeyRing {
  #keys = new Map<string, ApiKeyRecord>();
  #verified = new Map<string, ApiKeyRecord>();
  #lastMissReload = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: { reloadMs?: number; missReloadMs?: number } = {},
  ) {}

  get size(): number {
    return this.#keys.size;
  }

  async load(): Promise<void> {
    const keys = await loadKeys(this.store);
    this.#keys = new Map(keys.map((k) => [k.keyId, k]));
    this.#verified = new Map();
  }

  /** Reloads in the background every reloadMs (default 30 s); errors leave the old ring. */
  startReloading(): void {
    const every = this.options.reloadMs ?? 30_000;
    this.#timer = setInterval(() => void this.load().catch(() => undefined), every);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * The key's record when the presented key is valid and has the scope; otherwise a PatronError
   * (E_UNAUTHORIZED 401 or E_FORBIDDEN 403). Synchronous on the hot path; the promise form is
   * only taken for an unknown key id.
   */
  verify(presented: string | undefined, scope: Scope): ApiKeyRecord | Promise<ApiKeyRecord> {
    const known = presented === undefined ? undefined : this.#verified.get(presented);
    if (known) return this.#scoped(known, scope);
    if (presented === undefined) {
      throw new PatronError("E_UNAUTHORIZED", "this endpoint needs an API key; send it as `x-api-key: pat_…` or `Authorization: Bearer pat_…` (create one with `patron keys create --name NAME --scope write`).");
    }
    const parsed = parseKey(presented);
    if (!parsed) throw new PatronError("E_UNAUTHORIZED", "the API key is malformed; expected pat_<12 hex>_<43 characters> as printed by `patron keys create`.");
    const record = this.#keys.get(parsed.keyId);
    if (record) return this.#remember(presented, this.#check(record, parsed.secret, scope));
    const now = Date.now();
    if (now - this.#lastMissReload < (this.options.missReloadMs ?? 5_000)) throw invalidKey();
    this.#lastMissReload = now;
    return this.load().then(() => {
      const fresh = this.#keys.get(parsed.keyId);
      if (!fresh) throw invalidKey();
      return this.#remember(presented, this.#check(fresh, parsed.secret, scope));
    });
  }

  /**
   * The record of a presented key already verified since the last reload, when it is valid for
   * `scope`; otherwise undefined — with no side effect (no reload, no error), so a caller can
   * leave every other case to verify(). The fast lane of /v1/decide uses it (decide-lane.ts).
   */
  known(presented: string | undefined, scope: Scope): ApiKeyRecord | undefined {
    const record = presented === undefined ? undefined : this.#verified.get(presented);
    if (record === undefined || record.revoked || (scope === "write" && record.scope !== "write")) return undefined;
    return record;
  }

  #remember(presented: string, record: ApiKeyRecord): ApiKeyRecord {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    this.#verified.set(presented, record);
    return record;
  }

  #check(record: ApiKeyRecord, secret: string, scope: Scope): ApiKeyRecord {
    const expected = Buffer.from(record.keyHash, "hex");
    const actual = Buffer.from(hashSecret(record.salt, secret), "hex");
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw invalidKey();
    return this.#scoped(record, scope);
  }

  #scoped(record: ApiKeyRecord, scope: Scope): ApiKeyRecord {
    if (record.revoked) throw new PatronError("E_UNAUTHORIZED", `API key ${record.keyId} was revoked; ask for a new one.`);
    if (scope === "write" && record.scope !== "write") {
      throw new PatronError("E_FORBIDDEN", `API key ${record.keyId} (${record.name}) has scope "read"; this endpoint needs a key with scope "write".`);
    }
    return record;
  }
}

function invalidKey(): PatronError {
  return new PatronError("E_UNAUTHORIZED", "the API key is not valid; check it was copied whole, or create one with `patron keys create`.");
}
