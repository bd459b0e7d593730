/**
 * Persistence of the online features. Each customer's state is one row of
 * online_feature_snapshots, written in the same transaction as the events that changed it — so
 * the stored features always match the stored events, and a restart restores them exactly by
 * reading the rows back (no replay, no window in which an acknowledged event is missing).
 *
 * When the snapshots cannot be trusted — none yet, or an ingest ran since they were built (a
 * bulk load writes events without going through the service) — the state is rebuilt from the
 * events table itself, which is the source of truth; the counters do not depend on event order,
 * so a rebuild equals the live updates.
 */
import { frameColumn } from "../core/frame.ts";
import type { Store } from "../store/store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";
import {
  applyEvent, emptyState, stateFromJSON, stateToJSON, type CustomerState, type CustomerStateJSON, type OnlineEvent, type OnlineFeatures,
} from "./online-features.ts";

const UPSERT_CHUNK = 2000;
const INGEST_MARKER = "features_ingests";

const STATE_COLUMNS = [
  { name: "customer_id", type: "text" }, { name: "state", type: "text" }, { name: "events", type: "integer" },
] as const;

/** Writes customer states (inside the caller's transaction). */
export async function persistStates(tx: Store, dataset: string, states: ReadonlyMap<string, CustomerState>): Promise<void> {
  const entries = [...states];
  const now = sqlTimestampText(Date.now());
  for (let start = 0; start < entries.length; start += UPSERT_CHUNK) {
    const rows = entries.slice(start, start + UPSERT_CHUNK).map(([customerId, state]) => ({
      customer_id: customerId, state: JSON.stringify(stateToJSON(state)), events: state.events,
    }));
    await tx.exec(
      `INSERT INTO online_feature_snapshots (dataset, customer_id, state, events, updated_at)
       SELECT $1, customer_id, state, events, CAST($2 AS TIMESTAMP) FROM ${tx.dialect.jsonRecords("$3", STATE_COLUMNS)}
       ON CONFLICT (dataset, customer_id) DO UPDATE SET state = excluded.state, events = excluded.events, updated_at = excluded.updated_at`,
      [dataset, now, JSON.stringify(rows)],
    );
  }
}

/** Which ingests of the dataset exist now: when this changes, the snapshots miss bulk-loaded events. */
async function ingestMarker(store: Store, dataset: string): Promise<string> {
  if (!(await store.tableExists("ingests"))) return "none";
  const [row] = await store.query<{ n: number; last: string | null }>(
    "SELECT count(*) AS n, CAST(max(finished_at) AS VARCHAR) AS last FROM ingests WHERE dataset = $1",
    [dataset],
  );
  return `${Number(row?.n ?? 0)}|${row?.last ?? ""}`;
}

export interface RestoreResult {
  source: "snapshots" | "events";
  customers: number;
  events: number;
  ms: number;
}

/** Whether the snapshots miss events: none were built yet, or an ingest ran since. */
export async function snapshotsStale(store: Store, dataset: string): Promise<{ stale: boolean; marker: string }> {
  const marker = await ingestMarker(store, dataset);
  const [stored] = await store.query<{ value: string }>(
    "SELECT value FROM service_state WHERE dataset = $1 AND key = $2",
    [dataset, INGEST_MARKER],
  );
  return { stale: stored?.value !== marker, marker };
}

/** Fills `features` from the snapshots, or rebuilds them from the events table when needed. */
export async function restoreFeatures(
  store: Store, dataset: string, features: OnlineFeatures, options: { rebuild?: boolean } = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const { stale, marker } = await snapshotsStale(store, dataset);
  if (!options.rebuild && !stale) {
    const rows = await store.query<{ customer_id: string; state: string; events: number }>(
      "SELECT customer_id, state, events FROM online_feature_snapshots WHERE dataset = $1",
      [dataset],
    );
    let events = 0;
    const states = new Map<string, CustomerState>();
    for (const r of rows) {
      states.set(String(r.customer_id), stateFromJSON(JSON.parse(r.state) as CustomerStateJSON));
      events += Number(r.events);
    }
    features.replaceAll(states);
    features.loaded = true;
    return { source: "snapshots", customers: rows.length, events, ms: performance.now() - started };
  }
  const rebuilt = await rebuildFromEvents(store, dataset, features);
  await store.transaction(async (tx) => {
    await tx.exec("DELETE FROM online_feature_snapshots WHERE dataset = $1", [dataset]);
    await persistStates(tx, dataset, rebuilt.states);
    await tx.exec("DELETE FROM service_state WHERE dataset = $1 AND key = $2", [dataset, INGEST_MARKER]);
    await tx.exec("INSERT INTO service_state (dataset, key, value) VALUES ($1, $2, $3)", [dataset, INGEST_MARKER, marker]);
  });
  features.replaceAll(rebuilt.states);
  features.loaded = true;
  return { source: "events", customers: rebuilt.states.size, events: rebuilt.events, ms: performance.now() - started };
}

async function rebuildFromEvents(
  store: Store, dataset: string, features: OnlineFeatures,
): Promise<{ states: Map<string, CustomerState>; events: number }> {
  const d = store.dialect;
  const f = await store.frame(
    `SELECT customer_id, session_id, product_id, event_type, ${d.toDouble("offered_discount")} AS offered_discount, occurred_at
     FROM events WHERE dataset = $1 AND customer_id IS NOT NULL ORDER BY occurred_at, event_id`,
    [dataset],
  );
  const text = (name: string) => frameColumn(f, name).values as readonly (string | null)[];
  const num = (name: string) => frameColumn(f, name).values as Float64Array;
  const [customer, session, product, type] = ["customer_id", "session_id", "product_id", "event_type"].map(text);
  const discount = num("offered_discount");
  const occurred = num("occurred_at");
  const states = new Map<string, CustomerState>();
  for (let i = 0; i < f.nRows; i++) {
    const eventType = type[i];
    if (eventType !== "view" && eventType !== "buy" && eventType !== "return") continue;
    const id = customer[i]!;
    let state = states.get(id);
    if (!state) states.set(id, (state = emptyState()));
    const event: OnlineEvent = {
      customerId: id, sessionId: session[i], productId: product[i], eventType,
      offeredDiscount: Number.isNaN(discount[i]) ? null : discount[i], occurredMs: occurred[i],
    };
    applyEvent(state, event, features.catalog);
  }
  return { states, events: f.nRows };
}
