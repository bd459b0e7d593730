/**
 * The `decision_outcomes` table behind POST /v1/outcomes: what happened after a decision — a purchase
 * (or explicitly none), the amount paid, when — stored as reported and linked to decisions when
 * read (linking.ts), so an outcome that arrives before its decision has left the service's
 * in-memory decision queue still links once it is written.
 *
 * Idempotent like POST /v1/events: (dataset, outcome_id) is the key; an id already stored, or
 * repeated within the batch, is skipped and reported back as a duplicate. On PostgreSQL a
 * concurrent writer in another process can insert the same id between the check and the
 * insert; the primary key rejects it and the batch is retried once, which then sees the
 * duplicate (the same approach as src/serve/events.ts).
 */
import type { JsonRecordColumn } from "../store/dialect.ts";
import type { Store } from "../store/store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";
import { linkOutcomes, type LinkRule } from "./linking.ts";

export const DEFAULT_WINDOW_HOURS = 24;

export interface IncomingOutcome {
  outcome_id: string;
  decision_id?: string | null;
  customer_id?: string | null;
  occurred_at: Date;
  purchased: boolean;
  /** Money paid (after any discount); 0 when nothing was bought. */
  amount?: number | null;
  /** Money the discount gave away; default: derived from the linked decision's discount. */
  discount_amount?: number | null;
  /** Lookback for linking by customer and time. */
  window_hours?: number | null;
}

export interface OutcomesResult {
  accepted: number;
  duplicates: string[];
  /** Accepted outcomes that do not link to a logged decision yet, and why. */
  unlinked: Array<{ outcome_id: string; reason: Exclude<LinkRule, "id" | "window"> }>;
}

/** Stores whose table is known to exist (a CREATE per request would cost a statement each time). */
const ensured = new WeakSet<Store>();

export async function ensureOutcomesTable(store: Store): Promise<void> {
  if (ensured.has(store)) return;
  const pg = store.kind === "postgres";
  const text = pg ? "TEXT" : "VARCHAR";
  const double = pg ? "DOUBLE PRECISION" : "DOUBLE";
  await store.exec(`CREATE TABLE IF NOT EXISTS decision_outcomes (
    dataset ${text} NOT NULL,
    outcome_id ${text} NOT NULL,
    decision_id ${text},
    customer_id ${text},
    occurred_at TIMESTAMP NOT NULL,
    purchased BOOLEAN NOT NULL,
    amount ${double} NOT NULL,
    discount_amount ${double},
    window_hours ${double} NOT NULL,
    received_at TIMESTAMP NOT NULL,
    key_id ${text},
    PRIMARY KEY (dataset, outcome_id))`);
  ensured.add(store);
}

const OUTCOME_COLUMNS: readonly JsonRecordColumn[] = [
  { name: "outcome_id", type: "text" }, { name: "decision_id", type: "text" }, { name: "customer_id", type: "text" },
  { name: "occurred_at", type: "timestamp" }, { name: "purchased", type: "boolean" }, { name: "amount", type: "double" },
  { name: "discount_amount", type: "double" }, { name: "window_hours", type: "double" },
];


export async function writeOutcomes(store: Store, dataset: string, outcomes: readonly IncomingOutcome[], keyId: string | null = null): Promise<OutcomesResult> {
  try {
    return await write(store, dataset, outcomes, keyId);
  } catch (error) {
    if ((error as { code?: string }).code === "23505") return write(store, dataset, outcomes, keyId); // unique_violation: see the module comment
    throw error;
  }
}

async function write(store: Store, dataset: string, outcomes: readonly IncomingOutcome[], keyId: string | null): Promise<OutcomesResult> {
  await ensureOutcomesTable(store);
  const duplicates: string[] = [];
  const seen = new Set<string>();
  const fresh: IncomingOutcome[] = [];
  for (const o of outcomes) {
    if (seen.has(o.outcome_id)) duplicates.push(o.outcome_id);
    else {
      seen.add(o.outcome_id);
      fresh.push(o);
    }
  }
  const accepted = await store.transaction(async (tx) => {
    const stored = new Set(
      fresh.length === 0 ? [] : (await tx.query<{ outcome_id: string }>(
        `SELECT outcome_id FROM decision_outcomes WHERE dataset = $1 AND outcome_id IN (SELECT id FROM ${tx.dialect.jsonRecords("$2", [{ name: "id", type: "text" }])})`,
        [dataset, JSON.stringify(fresh.map((o) => ({ id: o.outcome_id })))],
      )).map((r) => r.outcome_id),
    );
    const rows = fresh.filter((o) => {
      if (!stored.has(o.outcome_id)) return true;
      duplicates.push(o.outcome_id);
      return false;
    });
    if (rows.length === 0) return rows;
    const records = rows.map((o) => ({
      outcome_id: o.outcome_id, decision_id: o.decision_id ?? null, customer_id: o.customer_id ?? null,
      occurred_at: sqlTimestampText(o.occurred_at.getTime()), purchased: o.purchased, amount: o.amount ?? 0,
      discount_amount: o.discount_amount ?? null, window_hours: o.window_hours ?? DEFAULT_WINDOW_HOURS,
    }));
    const names = OUTCOME_COLUMNS.map((c) => c.name).join(", ");
    await tx.exec(
      `INSERT INTO decision_outcomes (dataset, ${names}, received_at, key_id)
       SELECT $1, ${names}, CAST($2 AS TIMESTAMP), $3 FROM ${tx.dialect.jsonRecords("$4", OUTCOME_COLUMNS)}`,
      [dataset, sqlTimestampText(Date.now()), keyId, JSON.stringify(records)],
    );
    return rows;
  });
  return { accepted: accepted.length, duplicates, unlinked: await unlinked(store, dataset, accepted) };
}

/** Which of `outcomes` cannot be linked to a logged decision right now (by the rules of linking.ts). */
async function unlinked(store: Store, dataset: string, outcomes: readonly IncomingOutcome[]): Promise<OutcomesResult["unlinked"]> {
  if (outcomes.length === 0 || !(await store.tableExists("decisions"))) {
    return outcomes.map((o) => ({ outcome_id: o.outcome_id, reason: o.decision_id ? "unknown-decision" : "no-decision-in-window" }));
  }
  const ids = [...new Set(outcomes.flatMap((o) => (o.decision_id ? [o.decision_id] : [])))];
  const customers = [...new Set(outcomes.flatMap((o) => (!o.decision_id && o.customer_id ? [o.customer_id] : [])))];
  const d = store.dialect;
  const rows = await store.query<{ decision_id: string; customer_id: string; decided_ms: number }>(
    `SELECT decision_id, customer_id, ${d.toDouble(d.epochSeconds("decided_at"))} * 1000 AS decided_ms FROM decisions
     WHERE dataset = $1 AND (decision_id IN (SELECT v FROM ${d.jsonRecords("$2", [{ name: "v", type: "text" }])})
        OR customer_id IN (SELECT v FROM ${d.jsonRecords("$3", [{ name: "v", type: "text" }])}))`,
    [dataset, JSON.stringify(ids.map((v) => ({ v }))), JSON.stringify(customers.map((v) => ({ v })))],
  );
  const links = linkOutcomes(
    { decisionId: rows.map((r) => r.decision_id), customerId: rows.map((r) => r.customer_id), decidedMs: Float64Array.from(rows, (r) => Number(r.decided_ms)) },
    {
      decisionId: outcomes.map((o) => o.decision_id ?? null),
      customerId: outcomes.map((o) => o.customer_id ?? null),
      occurredMs: Float64Array.from(outcomes, (o) => o.occurred_at.getTime()),
      windowMs: Float64Array.from(outcomes, (o) => (o.window_hours ?? DEFAULT_WINDOW_HOURS) * 3_600_000),
    },
  );
  const out: OutcomesResult["unlinked"] = [];
  outcomes.forEach((o, k) => {
    const rule = links.rule[k];
    if (rule !== "id" && rule !== "window") out.push({ outcome_id: o.outcome_id, reason: rule });
  });
  return out;
}
