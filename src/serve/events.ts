/**
 * The durable write behind POST /v1/events. A batch is acknowledged only after its
 * transaction committed: the new events into the canonical `events` table and the changed
 * customers' online features into online_feature_snapshots, together — then the in-memory
 * features are updated. Idempotent: an event id already stored (or repeated within the batch)
 * is skipped and reported back as a duplicate.
 *
 * Batches are written one at a time (an async mutex): the features of a customer touched by two
 * concurrent batches are then computed from each other's results, and DuckDB has one writer
 * anyway. On PostgreSQL a concurrent writer in another process can still insert the same id
 * between our check and our insert; the primary key rejects it and the batch is retried once,
 * which then sees the id as a duplicate.
 *
 * API events carry ingest_id `api:v1/events`, which marks their source beside the bulk ingests.
 */
import type { JsonRecordColumn } from "../store/dialect.ts";
import type { Store } from "../store/store.ts";
import type { DbHealth } from "./db-health.ts";
import { persistStates } from "./feature-store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";
import type { CustomerState, OnlineEvent, OnlineFeatures } from "./online-features.ts";

export const API_INGEST_ID = "api:v1/events";
const INSERT_CHUNK = 1000;

export interface IncomingEvent {
  event_id: string;
  session_id?: string | null;
  customer_id?: string | null;
  product_id?: string | null;
  event_type: "view" | "buy" | "return";
  occurred_at: Date;
  offered_discount?: number | null;
  purchase_id?: string | null;
}

export interface EventsResult {
  accepted: number;
  duplicates: string[];
}

/** A minimal async mutex: callers run one after another in arrival order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

export class EventWriter {
  readonly mutex = new Mutex();
  accepted = 0;
  duplicates = 0;
  /**
   * Called after a batch committed, still inside the mutex (so in commit order), with the new
   * events and the customers' states after them; the events role publishes them on NATS here
   * (src/serve/roles/publisher.ts). Its failure does not fail the write: the events are stored.
   */
  onCommitted: ((events: readonly IncomingEvent[], states: ReadonlyMap<string, CustomerState>) => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly health: DbHealth,
    private readonly dataset: string,
    private readonly features: OnlineFeatures,
  ) {}

  write(events: readonly IncomingEvent[]): Promise<EventsResult> {
    this.health.assertUp();
    return this.mutex.run(() => this.health.run(() => this.#writeWithRetry(events)));
  }

  async #writeWithRetry(events: readonly IncomingEvent[]): Promise<EventsResult> {
    try {
      return await this.#write(events);
    } catch (error) {
      if ((error as { code?: string }).code === "23505") return this.#write(events); // unique_violation: see the module comment
      throw error;
    }
  }

  async #write(events: readonly IncomingEvent[]): Promise<EventsResult> {
    const duplicates: string[] = [];
    const fresh: IncomingEvent[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      if (seen.has(e.event_id)) duplicates.push(e.event_id);
      else {
        seen.add(e.event_id);
        fresh.push(e);
      }
    }
    const { newEvents, staged } = await this.store.transaction(async (tx) => {
      const stored = await existingIds(tx, this.dataset, fresh.map((e) => e.event_id));
      const newEvents = fresh.filter((e) => {
        if (!stored.has(e.event_id)) return true;
        duplicates.push(e.event_id);
        return false;
      });
      await insertEvents(tx, this.dataset, newEvents);
      const staged = this.features.stage(newEvents.map(toOnlineEvent));
      await persistStates(tx, this.dataset, staged);
      return { newEvents, staged };
    });
    // Committed: only now may the live features (and the caller) see the events.
    this.features.commit(staged);
    if (this.onCommitted && newEvents.length > 0) await this.onCommitted(newEvents, staged).catch(() => undefined);
    this.accepted += newEvents.length;
    this.duplicates += duplicates.length;
    return { accepted: newEvents.length, duplicates };
  }
}

export function toOnlineEvent(e: IncomingEvent): OnlineEvent {
  return {
    customerId: e.customer_id ?? null,
    sessionId: e.session_id ?? null,
    productId: e.product_id ?? null,
    eventType: e.event_type,
    offeredDiscount: e.offered_discount ?? null,
    occurredMs: e.occurred_at.getTime(),
  };
}

const EVENT_COLUMNS: readonly JsonRecordColumn[] = [
  { name: "event_id", type: "text" }, { name: "session_id", type: "text" }, { name: "occurred_at", type: "timestamp" },
  { name: "customer_id", type: "text" }, { name: "product_id", type: "text" }, { name: "event_type", type: "text" },
  { name: "offered_discount", type: "double" }, { name: "purchase_id", type: "text" },
];

async function existingIds(tx: Store, dataset: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.query<{ event_id: string }>(
    `SELECT event_id FROM events WHERE dataset = $1 AND event_id IN (SELECT id FROM ${tx.dialect.jsonRecords("$2", [{ name: "id", type: "text" }])})`,
    [dataset, JSON.stringify(ids.map((id) => ({ id })))],
  );
  return new Set(rows.map((r) => r.event_id));
}

async function insertEvents(tx: Store, dataset: string, events: readonly IncomingEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += INSERT_CHUNK) {
    const chunk = events.slice(start, start + INSERT_CHUNK).map((e) => ({
      event_id: e.event_id, session_id: e.session_id ?? null, occurred_at: sqlTimestampText(e.occurred_at.getTime()), customer_id: e.customer_id ?? null,
      product_id: e.product_id ?? null, event_type: e.event_type, offered_discount: e.offered_discount ?? null, purchase_id: e.purchase_id ?? null,
    }));
    const names = EVENT_COLUMNS.map((c) => c.name).join(", ");
    await tx.exec(
      `INSERT INTO events (dataset, ${names}, ingest_id) SELECT $1, ${names}, $2 FROM ${tx.dialect.jsonRecords("$3", EVENT_COLUMNS)}`,
      [dataset, API_INGEST_ID, JSON.stringify(chunk)],
    );
  }
}
