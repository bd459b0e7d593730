/**
 * The logged decisions of a dataset with what their outcomes add up to — the one read behind
 * the measured effect (effect-store.ts) and retraining (retrain.ts): decisions from the
 * service's log (src/serve/decision-log.ts) in a time range, the outcomes reported for them
 * (outcome-store.ts), linked by linking.ts, and turned into money.
 *
 * Money per purchase outcome: revenue = the amount paid; discount cost = the amount reported,
 * or else derived from the decision's discount d (percent) as amount × d / (100 − d) (the list
 * price was amount / (1 − d)); profit = list price × margin − discount cost, which is the IUM
 * seed's price × (margin − d). The margin rate is the policy's own (`marginRate` of its registry
 * config); a policy without one (the default no-offer policy) uses the `marginRate` given here,
 * else the active offers policy's, else DEFAULT_MARGIN_RATE — the result says which it used.
 * `marginRate` with `forceMargin` applies one rate to every policy (retraining compares two
 * policies on the same money).
 */
import { frameColumn, type Frame } from "../core/frame.ts";
import type { Store } from "../store/store.ts";
import { linkOutcomes, type LinkRule } from "./linking.ts";
import { ensureOutcomesTable } from "./outcome-store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";

export const DEFAULT_MARGIN_RATE = 0.3;
/** Outcomes later than this after the range's end are not read (no window is this long). */
const MAX_LOOKBACK_MS = 30 * 86_400_000;

export interface DecisionRange {
  dataset: string;
  /** ISO times; default: everything logged. */
  from?: string;
  to?: string;
  marginRate?: number;
  /** Use `marginRate` for every policy, not only for those without their own. */
  forceMargin?: boolean;
  /** Further columns of the decisions table to read (e.g. features, arm, propensity). */
  columns?: readonly string[];
}

export type MarginSource = "policy" | "option" | "active-policy" | "default";

export interface LinkedDecisions {
  /** The decisions read, in time order: decision_id, customer_id, experiment, model_version, decided_ms, holdout, policy_offer, discount and `columns`. */
  decisions: Frame;
  decidedMs: Float64Array;
  nOutcomes: number;
  links: Record<LinkRule, number>;
  marginRates: Record<string, { rate: number; source: MarginSource }>;
  /** Per decision: a purchase is linked; money of its linked purchases. */
  purchased: Uint8Array;
  revenue: Float64Array;
  discountCost: Float64Array;
  profit: Float64Array;
}

export function emptyLinks(): Record<LinkRule, number> {
  return { id: 0, window: 0, "unknown-decision": 0, "customer-mismatch": 0, "no-decision-in-window": 0 };
}

async function policyMargins(store: Store): Promise<{ byVersion: Map<string, number>; active: number | undefined }> {
  const byVersion = new Map<string, number>();
  let active: number | undefined;
  if (!(await store.tableExists("model_registry"))) return { byVersion, active };
  const rows = await store.query<{ version: number; config: string; active: boolean }>("SELECT version, config, active FROM model_registry WHERE purpose = 'offers'");
  for (const r of rows) {
    try {
      const rate = (JSON.parse(r.config) as { marginRate?: unknown }).marginRate;
      if (typeof rate === "number" && rate > 0 && rate <= 1) {
        byVersion.set(`offers:v${Number(r.version)}`, rate);
        if (r.active) active = rate;
      }
    } catch {
      // a config that is not JSON has no margin to offer; the fallback applies
    }
  }
  return { byVersion, active };
}

/** The decisions of the range with their linked outcomes; undefined when there is no decision log or nothing in the range. */
export async function readLinkedDecisions(store: Store, range: DecisionRange): Promise<LinkedDecisions | undefined> {
  if (!(await store.tableExists("decisions"))) return undefined;
  await ensureOutcomesTable(store);
  const d = store.dialect;
  const params: unknown[] = [range.dataset];
  // Every experiment is read: an outcome linked by customer and time must see all the
  // customer's decisions, or it would link to the wrong one.
  const where = ["dataset = $1"];
  if (range.from) {
    params.push(sqlTimestampText(Date.parse(range.from)));
    where.push(`decided_at >= CAST($${params.length} AS TIMESTAMP)`);
  }
  if (range.to) {
    params.push(sqlTimestampText(Date.parse(range.to)));
    where.push(`decided_at < CAST($${params.length} AS TIMESTAMP)`);
  }
  const extra = (range.columns ?? []).map((c) => `, ${d.ident(c)}`).join("");
  const decisions = await store.frame(
    `SELECT decision_id, customer_id, experiment, model_version, ${d.toDouble(d.epochSeconds("decided_at"))} * 1000 AS decided_ms,
            holdout, policy_offer, discount${extra}
     FROM decisions WHERE ${where.join(" AND ")} ORDER BY decided_at, decision_id`,
    params,
  );
  if (decisions.nRows === 0) return undefined;
  const decidedMs = frameColumn(decisions, "decided_ms").values as Float64Array;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const t of decidedMs) {
    if (t < firstMs) firstMs = t;
    if (t > lastMs) lastMs = t;
  }
  const outcomes = await store.frame(
    `SELECT decision_id, customer_id, ${d.toDouble(d.epochSeconds("occurred_at"))} * 1000 AS occurred_ms, purchased, amount, discount_amount, window_hours
     FROM decision_outcomes WHERE dataset = $1 AND occurred_at >= CAST($2 AS TIMESTAMP) - INTERVAL '1 day' AND occurred_at <= CAST($3 AS TIMESTAMP)
     ORDER BY occurred_at, outcome_id`,
    [range.dataset, sqlTimestampText(firstMs), sqlTimestampText(lastMs + MAX_LOOKBACK_MS)],
  );
  const text = (f: Frame, name: string) => frameColumn(f, name).values as readonly (string | null)[];
  const num = (f: Frame, name: string) => frameColumn(f, name).values as Float64Array;
  const links = linkOutcomes(
    { decisionId: text(decisions, "decision_id") as readonly string[], customerId: text(decisions, "customer_id") as readonly string[], decidedMs },
    {
      decisionId: text(outcomes, "decision_id"),
      customerId: text(outcomes, "customer_id"),
      occurredMs: num(outcomes, "occurred_ms"),
      windowMs: num(outcomes, "window_hours").map((h) => h * 3_600_000),
    },
  );

  const nDecisions = decisions.nRows;
  const policyVersion = text(decisions, "model_version") as readonly string[];
  const discount = num(decisions, "discount");
  const margins = await policyMargins(store);
  const marginRates: LinkedDecisions["marginRates"] = {};
  for (const version of new Set(policyVersion)) {
    const own = range.forceMargin ? undefined : margins.byVersion.get(version);
    marginRates[version] = own !== undefined ? { rate: own, source: "policy" }
      : range.marginRate !== undefined ? { rate: range.marginRate, source: "option" }
      : margins.active !== undefined ? { rate: margins.active, source: "active-policy" }
      : { rate: DEFAULT_MARGIN_RATE, source: "default" };
  }
  const purchased = new Uint8Array(nDecisions);
  const revenue = new Float64Array(nDecisions);
  const discountCost = new Float64Array(nDecisions);
  const profit = new Float64Array(nDecisions);
  const bought = num(outcomes, "purchased");
  const amount = num(outcomes, "amount");
  const reportedDiscount = num(outcomes, "discount_amount");
  const counts = emptyLinks();
  for (let o = 0; o < outcomes.nRows; o++) {
    counts[links.rule[o]]++;
    const i = links.decision[o];
    if (i < 0 || bought[o] !== 1) continue;
    const paid = amount[o];
    const given = Number.isFinite(reportedDiscount[o]) ? reportedDiscount[o] : discount[i] > 0 && discount[i] < 100 ? (paid * discount[i]) / (100 - discount[i]) : 0;
    purchased[i] = 1;
    revenue[i] += paid;
    discountCost[i] += given;
    profit[i] += (paid + given) * marginRates[policyVersion[i]].rate - given;
  }
  return { decisions, decidedMs, nOutcomes: outcomes.nRows, links: counts, marginRates, purchased, revenue, discountCost, profit };
}
