/**
 * Every /v1/decide answer is logged to the `decisions` table — off the hot path: `enqueue` copies
 * the decision into a bounded in-memory buffer, which is written in batches every `flushMs` (or
 * sooner when a batch fills). A failed write (database outage) keeps the batch at the head of the
 * buffer and is retried; on PostgreSQL rows are inserted with ON CONFLICT DO NOTHING on the
 * decision id, so a batch whose commit was acknowledged but whose answer was lost is not written
 * twice (see migrations.ts for why DuckDB has no key there). `close()` flushes everything
 * (clean shutdown loses nothing).
 *
 * When the buffer is full — the database has been down for a long time — `enqueue` refuses and
 * /v1/decide answers 503: a decision that cannot be logged is not given, because an unlogged
 * offer could never be measured against its holdout (issue #10).
 *
 * Why a column buffer and not a queue of record objects: at thousands of decisions per second a
 * queued object (and its feature array) lives ~200 ms, long enough to be copied by the young
 * generation GC and promoted; copying a dozen fields into preallocated columns lets the record
 * die young. The buffer is a queue of blocks of `batchSize` rows (one block = one INSERT),
 * allocated as the queue grows and recycled, so memory follows the backlog rather than the
 * capacity (100,000 rows by default, 1,000,000 in the retraining tests).
 *
 * The write is one statement per batch with the whole batch as one JSON parameter
 * (store.dialect.jsonRecords), built by hand: strings that repeat (dataset, experiment, offers,
 * model version, key id) are quoted once, and the JSON of arrays the decider shares between
 * decisions (a memoised policy choice's reasons and responses, the logging distribution) is
 * cached by identity. The batch's JSON is built in slices with a turn of the event loop between
 * them, so a large batch never holds up requests for more than a fraction of a millisecond.
 */
import { PatronError } from "../core/errors.ts";
import type { JsonRecordColumn } from "../store/dialect.ts";
import type { Store } from "../store/store.ts";
import { SESSION_FEATURES } from "../uplift/session-features.ts";
import type { DbHealth } from "./db-health.ts";
import { sqlTimestampText } from "../store/result-tables.ts";

export interface DecisionRecord {
  decisionId: string;
  decidedMs: number;
  dataset: string;
  customerId: string;
  sessionId: string | null;
  productId: string | null;
  experiment: string;
  holdout: boolean;
  arm: number;
  offer: string;
  discount: number;
  policyArm: number;
  policyOffer: string;
  /** Probability that this customer gets the logged arm under this policy and control share. */
  propensity: number;
  expectedProfit: number | null;
  /** Kept by reference: not to be changed after enqueue. */
  reasonCodes: readonly string[];
  /** The feature values the decision saw (SESSION_FEATURES order); copied by enqueue, so the caller may reuse the array. */
  featureValues: Float64Array;
  /** The per-arm responses; logged as JSON with the features. Kept by reference: not to be changed after enqueue. */
  responses?: Float64Array;
  /** The logging distribution μ(· | x) over the arms (holdout and exploration; src/loop/exploration.ts), logged in features as "logging" for retraining. Kept by reference. */
  logging?: Float64Array;
  modelVersion: string;
  keyId: string | null;
}

export interface DecisionLogOptions {
  /** Most decisions held in memory. Default 100,000. */
  capacity?: number;
  /** Flush period. Default 200 ms. */
  flushMs?: number;
  /** Rows per INSERT. Default 2,000. */
  batchSize?: number;
}

const N_FEATURES = SESSION_FEATURES.length;
/** Rows of JSON built between two turns of the event loop (≈ 0.3 ms). */
const SLICE_ROWS = 128;
/** Emptied blocks kept for reuse; more are left to the GC (after an outage's backlog). */
const SPARE_BLOCKS = 4;

/** `rows` decisions as columns; rows [start, end) are queued, [end, rows) free. */
class Block {
  start = 0;
  end = 0;
  readonly decisionId: string[];
  readonly decidedMs: Float64Array;
  readonly dataset: string[];
  readonly customerId: string[];
  readonly sessionId: Array<string | null>;
  readonly productId: Array<string | null>;
  readonly experiment: string[];
  readonly holdout: Uint8Array;
  readonly arm: Int32Array;
  readonly offer: string[];
  readonly discount: Float64Array;
  readonly policyArm: Int32Array;
  readonly policyOffer: string[];
  readonly propensity: Float64Array;
  /** NaN for null: both are written as JSON null. */
  readonly expectedProfit: Float64Array;
  readonly reasonCodes: Array<readonly string[]>;
  /** Row-major, N_FEATURES per row; NaN for a value the record did not have. */
  readonly features: Float64Array;
  readonly responses: Array<Float64Array | undefined>;
  readonly logging: Array<Float64Array | undefined>;
  readonly modelVersion: string[];
  readonly keyId: Array<string | null>;

  constructor(readonly rows: number) {
    const strings = () => new Array<string>(rows).fill("");
    this.decisionId = strings();
    this.dataset = strings();
    this.customerId = strings();
    this.sessionId = strings();
    this.productId = strings();
    this.experiment = strings();
    this.offer = strings();
    this.policyOffer = strings();
    this.modelVersion = strings();
    this.keyId = strings();
    this.reasonCodes = new Array<readonly string[]>(rows).fill([]);
    this.responses = new Array<Float64Array | undefined>(rows).fill(undefined);
    this.logging = new Array<Float64Array | undefined>(rows).fill(undefined);
    this.decidedMs = new Float64Array(rows);
    this.holdout = new Uint8Array(rows);
    this.arm = new Int32Array(rows);
    this.discount = new Float64Array(rows);
    this.policyArm = new Int32Array(rows);
    this.propensity = new Float64Array(rows);
    this.expectedProfit = new Float64Array(rows);
    this.features = new Float64Array(rows * N_FEATURES);
  }

  /** Copies a record into the next free row (the caller checked there is one). */
  put(r: DecisionRecord): void {
    const i = this.end++;
    this.decisionId[i] = r.decisionId;
    this.decidedMs[i] = r.decidedMs;
    this.dataset[i] = r.dataset;
    this.customerId[i] = r.customerId;
    this.sessionId[i] = r.sessionId;
    this.productId[i] = r.productId;
    this.experiment[i] = r.experiment;
    this.holdout[i] = r.holdout ? 1 : 0;
    this.arm[i] = r.arm;
    this.offer[i] = r.offer;
    this.discount[i] = r.discount;
    this.policyArm[i] = r.policyArm;
    this.policyOffer[i] = r.policyOffer;
    this.propensity[i] = r.propensity;
    this.expectedProfit[i] = r.expectedProfit ?? NaN;
    this.reasonCodes[i] = r.reasonCodes;
    const values = r.featureValues;
    const at = i * N_FEATURES;
    for (let j = 0; j < N_FEATURES; j++) this.features[at + j] = j < values.length ? values[j] : NaN;
    this.responses[i] = r.responses;
    this.logging[i] = r.logging;
    this.modelVersion[i] = r.modelVersion;
    this.keyId[i] = r.keyId;
  }
}

export class DecisionLog {
  /** Queued blocks, oldest first; only the last one takes new rows. */
  readonly #blocks: Block[] = [];
  readonly #spare: Block[] = [];
  #size = 0;
  readonly #capacity: number;
  readonly #flushMs: number;
  readonly #batchSize: number;
  readonly #json = new BatchJSON();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  written = 0;
  failedFlushes = 0;

  constructor(
    private readonly store: Store,
    private readonly health: DbHealth,
    options: DecisionLogOptions = {},
  ) {
    this.#capacity = options.capacity ?? 100_000;
    this.#flushMs = options.flushMs ?? 200;
    this.#batchSize = options.batchSize ?? 2000;
  }

  get queued(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Whether enqueue would take a decision now (not closed, not full). */
  get accepting(): boolean {
    return !this.#closed && this.#size < this.#capacity;
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush().catch(() => undefined), this.#flushMs);
    this.#timer.unref();
  }

  /** Queues a decision (copying it); throws E_DECISION_LOG_FULL (503) when the buffer is at capacity. */
  enqueue(record: DecisionRecord): void {
    if (this.#closed) throw new PatronError("E_SHUTTING_DOWN", "the service is shutting down; retry against another instance.");
    if (this.#size >= this.#capacity) {
      throw new PatronError(
        "E_DECISION_LOG_FULL",
        `${this.#size} decisions are waiting to be logged (the database is unavailable), so no new decision can be given; retry when /healthz reports the database up.`,
      );
    }
    let tail = this.#blocks[this.#blocks.length - 1];
    if (tail === undefined || tail.end === tail.rows) {
      tail = this.#spare.pop() ?? new Block(this.#batchSize);
      this.#blocks.push(tail);
    }
    tail.put(record);
    this.#size++;
    if (this.#size >= this.#batchSize && !this.#flushing) void this.flush().catch(() => undefined);
  }

  /** Writes queued decisions until the buffer is empty or a write fails (then rethrows). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    this.#flushing = this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#size > 0) {
      if (!this.health.up) return; // the health probe brings it back; the timer retries
      const block = this.#blocks[0];
      // Rows enqueued from here on land after `to` (or in a later block), never inside the batch.
      const from = block.start;
      const to = block.end;
      // One flat string in the end (join), not a deep tree of concatenations the driver would
      // have to flatten before encoding it.
      const parts = ["["];
      for (let slice = from; slice < to; slice += SLICE_ROWS) {
        if (slice > from) await new Promise<void>((resolve) => setImmediate(resolve));
        this.#json.rows(block, slice, Math.min(to, slice + SLICE_ROWS), parts);
      }
      parts.push("]");
      const rows = parts.join("");
      try {
        await this.health.run(() => insertDecisions(this.store, rows));
      } catch (error) {
        this.failedFlushes++;
        throw error;
      }
      block.start = to;
      this.#size -= to - from;
      this.written += to - from;
      if (block.start === block.rows) {
        this.#blocks.shift();
        block.start = block.end = 0;
        if (this.#spare.length < SPARE_BLOCKS) this.#spare.push(block);
      } else if (block.start === block.end) {
        block.start = block.end = 0; // the last block, written out: refill it from the top
      }
    }
  }

  /**
   * Stops the timer and writes everything still queued, retrying through a short outage for up
   * to `timeoutMs`. Returns how many decisions could not be written (0 on a clean shutdown).
   */
  async close(timeoutMs = 10_000): Promise<number> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    const deadline = Date.now() + timeoutMs;
    while (this.#size > 0 && Date.now() < deadline) {
      try {
        await this.flush();
      } catch {
        // retried below until the deadline
      }
      if (this.#size > 0) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (!this.health.up) await this.health.check();
      }
    }
    return this.#size;
  }
}

const DECISION_COLUMNS: readonly JsonRecordColumn[] = [
  { name: "decision_id", type: "text" }, { name: "decided_at", type: "timestamp" }, { name: "dataset", type: "text" },
  { name: "customer_id", type: "text" }, { name: "session_id", type: "text" }, { name: "product_id", type: "text" },
  { name: "experiment", type: "text" }, { name: "holdout", type: "boolean" }, { name: "arm", type: "integer" },
  { name: "offer", type: "text" }, { name: "discount", type: "double" }, { name: "policy_arm", type: "integer" },
  { name: "policy_offer", type: "text" }, { name: "propensity", type: "double" }, { name: "expected_profit", type: "double" },
  { name: "reason_codes", type: "text" }, { name: "features", type: "text" }, { name: "model_version", type: "text" }, { name: "key_id", type: "text" },
];
const COLUMN_NAMES = DECISION_COLUMNS.map((c) => c.name).join(", ");

/** Feature values by name (null for missing) and the responses rounded to 1e-6, as one JSON object. */
export function featuresJSON(values: Float64Array, responses: Float64Array | undefined, logging?: Float64Array): string {
  let out = "{";
  for (let j = 0; j < SESSION_FEATURES.length; j++) out += `${j ? "," : ""}"${SESSION_FEATURES[j]}":${Number.isFinite(values[j]) ? values[j] : "null"}`;
  if (responses) out += `,"responses":${roundedArray(responses, 1e6)}`;
  if (logging) out += `,"logging":${roundedArray(logging, 1e12)}`;
  return `${out}}`;
}

function roundedArray(values: Float64Array, scale: number): string {
  let out = "[";
  for (let a = 0; a < values.length; a++) out += `${a ? "," : ""}${Math.round(values[a] * scale) / scale}`;
  return `${out}]`;
}

const number = (value: number) => (Number.isFinite(value) ? String(value) : "null");

/**
 * number() for the row writer: integers directly, fractions through a bounded cache — prices,
 * propensities and profits repeat across decisions, and printing a double is the slow part.
 */
class NumberText {
  readonly #known = new Map<number, string>();

  get(value: number): string {
    if (Number.isInteger(value)) return String(value);
    let text = this.#known.get(value);
    if (text === undefined) {
      if (this.#known.size >= 4096) this.#known.clear();
      this.#known.set(value, (text = number(value)));
    }
    return text;
  }
}
const text = (value: string | null) => (value === null ? "null" : JSON.stringify(value));
/** A JSON text as a JSON string literal (the features and reason_codes columns hold JSON as text). */
const asString = (json: string) => JSON.stringify(json);
/** `"product_views\":` …: each feature's key as it appears inside the features column's string literal. */
const FEATURE_KEYS = SESSION_FEATURES.map((name, j) => asString(`${j ? "," : "{"}"${name}":`).slice(1, -1));

/**
 * Writes rows of a block as JSON objects for jsonRecords (one row is ≈ 700 bytes; most of it is
 * the features column). reason_codes and features travel as JSON strings holding JSON: as nested
 * objects DuckDB would parse and re-print them (measured slower). The output equals
 * JSON.stringify of the row object with `features: JSON.stringify(featuresJSON(…))`.
 */
class BatchJSON {
  // Low-cardinality columns: consecutive rows mostly repeat the value, so each column keeps its
  // last value quoted (cheaper than a Map lookup per field).
  readonly #dataset = new LastQuoted();
  readonly #experiment = new LastQuoted();
  readonly #offer = new LastQuoted();
  readonly #policyOffer = new LastQuoted();
  readonly #modelVersion = new LastQuoted();
  readonly #keyId = new LastQuoted();
  /** JSON-string-literal fragments of arrays shared between decisions, by identity. */
  readonly #reasons = new IdentityCache<readonly string[]>((codes) => {
    let json = "[";
    for (let k = 0; k < codes.length; k++) json += (k ? "," : "") + JSON.stringify(codes[k]);
    return asString(`${json}]`);
  });
  readonly #responses = new IdentityCache<Float64Array>((values) => asString(`,"responses":${roundedArray(values, 1e6)}`).slice(1, -1));
  readonly #logging = new IdentityCache<Float64Array>((values) => asString(`,"logging":${roundedArray(values, 1e12)}`).slice(1, -1));
  readonly #number = new NumberText();
  /** decided_at for the last second seen: "YYYY-MM-DD HH:MM:SS" and its epoch second. */
  #second = NaN;
  #secondText = "";

  #timestamp(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      if (!Number.isFinite(ms)) return "null";
      this.#second = second;
      this.#secondText = sqlTimestampText(second * 1000).slice(0, 19);
    }
    const millis = ms - second * 1000;
    // sqlTimestampText keeps milliseconds only; a fractional input is truncated as Date does.
    return `"${this.#secondText}.${String(Math.floor(millis)).padStart(3, "0")}"`;
  }

  /** Appends rows [from, to) to `parts`, each but the batch's first after a comma. */
  rows(b: Block, from: number, to: number, parts: string[]): void {
    for (let i = from; i < to; i++) {
      const at = i * N_FEATURES;
      let features = "";
      for (let j = 0; j < N_FEATURES; j++) features += FEATURE_KEYS[j] + this.#number.get(b.features[at + j]);
      const responses = b.responses[i];
      const logging = b.logging[i];
      if (responses !== undefined) features += this.#responses.get(responses);
      if (logging !== undefined) features += this.#logging.get(logging);
      parts.push(`${parts.length > 1 ? "," : ""}{"decision_id":${text(b.decisionId[i])},"decided_at":${this.#timestamp(b.decidedMs[i])},"dataset":${this.#dataset.get(b.dataset[i])},` +
        `"customer_id":${text(b.customerId[i])},"session_id":${text(b.sessionId[i])},"product_id":${text(b.productId[i])},"experiment":${this.#experiment.get(b.experiment[i])},` +
        `"holdout":${b.holdout[i] === 1},"arm":${b.arm[i]},"offer":${this.#offer.get(b.offer[i])},"discount":${this.#number.get(b.discount[i])},"policy_arm":${b.policyArm[i]},` +
        `"policy_offer":${this.#policyOffer.get(b.policyOffer[i])},"propensity":${this.#number.get(b.propensity[i])},"expected_profit":${this.#number.get(b.expectedProfit[i])},` +
        `"reason_codes":${this.#reasons.get(b.reasonCodes[i])},"features":"${features}}","model_version":${this.#modelVersion.get(b.modelVersion[i])},"key_id":${this.#keyId.get(b.keyId[i])}}`);
    }
  }
}

/** A column's last value and its JSON (null stays null). */
class LastQuoted {
  #value: string | null = null;
  #quoted = "null";

  get(value: string | null): string {
    if (value !== this.#value) {
      this.#value = value;
      this.#quoted = value === null ? "null" : JSON.stringify(value);
    }
    return this.#quoted;
  }
}

/**
 * A value derived from an object, remembered by the object's identity: the last one directly
 * (consecutive decisions mostly share the policy's arrays), others in a WeakMap. Only frozen
 * arrays are remembered in the WeakMap — a caller may change an array it did not freeze;
 * typed arrays cannot be frozen, so for them the log's contract (not changed after enqueue) is
 * what makes remembering them safe.
 */
class IdentityCache<T extends object> {
  #last: T | undefined;
  #lastValue = "";
  readonly #known = new WeakMap<T, string>();

  constructor(private readonly derive: (key: T) => string) {}

  get(key: T): string {
    if (key === this.#last) return this.#lastValue;
    let value = this.#known.get(key);
    if (value === undefined) {
      value = this.derive(key);
      if (!Array.isArray(key) || Object.isFrozen(key)) this.#known.set(key, value);
    }
    this.#last = key;
    this.#lastValue = value;
    return value;
  }
}

async function insertDecisions(store: Store, rows: string): Promise<void> {
  await store.exec(
    `INSERT INTO decisions (${COLUMN_NAMES}) SELECT ${COLUMN_NAMES} FROM ${store.dialect.jsonRecords("$1", DECISION_COLUMNS)}${store.kind === "postgres" ? " ON CONFLICT DO NOTHING" : ""}`,
    [rows],
  );
}
