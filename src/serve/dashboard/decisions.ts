/**
 * Reads the service's decision log (the `decisions` table, src/serve/decision-log.ts) for the
 * offers page and the report: counts per group and offer, and whether each decision converted.
 *
 * Converted = a `buy` event in the same session of the same dataset, for the decision's product
 * when it named one, at or after the decision time. Both times are UTC (the service writes
 * decided_at, and events posted to /v1/events are stored in UTC), so "after" is meaningful.
 * Everything is aggregated in SQL; only a few dozen group rows come back.
 */
import type { DecisionsSummary, GroupCounts } from "../../report/report-decisions.ts";
import type { Store } from "../../store/store.ts";
import { toIso } from "./profile-runs.ts";

export const CONVERSION_RULE =
  "Converted: a buy event in the same session (and of the same product, when the decision named one) at or after the decision. Intervals are 95 %: Wilson for a rate, Wald for a difference.";

interface GroupRow extends Record<string, unknown> {
  holdout: boolean;
  policy_offer: string;
  offer: string;
  decisions: number;
  conversions: number;
  expected_profit: number | null;
  first_at: Date | null;
  last_at: Date | null;
}

export interface RecentDecision {
  decision_id: string;
  decided_at: string;
  customer_id: string;
  session_id: string | null;
  product_id: string | null;
  experiment: string;
  holdout: boolean;
  offer: string;
  policy_offer: string;
  expected_profit: number | null;
  reason_codes: string[];
  model_version: string;
}

const CONVERTED = `CASE WHEN EXISTS (
    SELECT 1 FROM events e
    WHERE e.dataset = d.dataset AND e.session_id = d.session_id AND e.event_type = 'buy'
      AND (d.product_id IS NULL OR e.product_id = d.product_id) AND e.occurred_at >= d.decided_at
  ) THEN 1 ELSE 0 END`;

/** The decision summary of a dataset (optionally one experiment); null when nothing is logged. */
export async function decisionsSummary(store: Store, dataset: string, experiment?: string): Promise<DecisionsSummary | null> {
  if (!(await store.tableExists("decisions"))) return null;
  const hasEvents = await store.tableExists("events");
  const params: unknown[] = [dataset];
  let where = "d.dataset = $1";
  if (experiment !== undefined) {
    params.push(experiment);
    where += " AND d.experiment = $2";
  }
  const rows = await store.query<GroupRow>(
    `SELECT d.holdout, d.policy_offer, d.offer, count(*) AS decisions, sum(${hasEvents ? CONVERTED : "0"}) AS conversions,
            sum(d.expected_profit) AS expected_profit, min(d.decided_at) AS first_at, max(d.decided_at) AS last_at
     FROM decisions d WHERE ${where}
     GROUP BY d.holdout, d.policy_offer, d.offer ORDER BY d.policy_offer, d.offer, d.holdout`,
    params,
  );
  if (rows.length === 0) return null;
  const models = await store.query<{ model_version: string; experiment: string; decisions: number }>(
    `SELECT d.model_version, d.experiment, count(*) AS decisions FROM decisions d WHERE ${where}
     GROUP BY d.model_version, d.experiment ORDER BY decisions DESC, d.model_version`,
    params,
  );

  const empty = (): GroupCounts => ({ decisions: 0, conversions: 0 });
  const add = (into: GroupCounts, r: GroupRow) => {
    into.decisions += Number(r.decisions);
    into.conversions += Number(r.conversions ?? 0);
  };
  const holdout = empty();
  const treated = empty();
  const byPolicy = new Map<string, { holdout: GroupCounts; treated: GroupCounts }>();
  const byOffer = new Map<string, { offer: string; group: "holdout" | "treated"; decisions: number; expectedProfit: number | null }>();
  let from: number | null = null;
  let to: number | null = null;
  for (const r of rows) {
    const isHoldout = Boolean(r.holdout);
    add(isHoldout ? holdout : treated, r);
    const policy = byPolicy.get(r.policy_offer) ?? { holdout: empty(), treated: empty() };
    add(isHoldout ? policy.holdout : policy.treated, r);
    byPolicy.set(r.policy_offer, policy);
    const key = `${r.offer}|${isHoldout}`;
    const offer = byOffer.get(key) ?? { offer: r.offer, group: isHoldout ? "holdout" : "treated", decisions: 0, expectedProfit: null };
    offer.decisions += Number(r.decisions);
    if (r.expected_profit !== null) offer.expectedProfit = (offer.expectedProfit ?? 0) + Number(r.expected_profit);
    byOffer.set(key, offer);
    if (r.first_at) from = Math.min(from ?? Infinity, new Date(toIso(r.first_at)).getTime());
    if (r.last_at) to = Math.max(to ?? -Infinity, new Date(toIso(r.last_at)).getTime());
  }
  const offerOrder = (o: string) => (o === "none" ? -1 : Number(o));
  return {
    dataset,
    from: from === null ? null : new Date(from).toISOString(),
    to: to === null ? null : new Date(to).toISOString(),
    conversionRule: CONVERSION_RULE,
    holdout,
    treated,
    byPolicyOffer: [...byPolicy.entries()].sort((a, b) => offerOrder(a[0]) - offerOrder(b[0])).map(([policyOffer, g]) => ({ policyOffer, ...g })),
    byOffer: [...byOffer.values()].sort((a, b) => offerOrder(a.offer) - offerOrder(b.offer) || a.group.localeCompare(b.group)),
    byModel: models.map((m) => ({ modelVersion: m.model_version, experiment: m.experiment, decisions: Number(m.decisions) })),
  };
}

/** The newest decisions, for the offers page's list. */
export async function recentDecisions(store: Store, dataset: string, limit = 50): Promise<RecentDecision[]> {
  if (!(await store.tableExists("decisions"))) return [];
  const rows = await store.query<Record<string, unknown>>(
    `SELECT decision_id, decided_at, customer_id, session_id, product_id, experiment, holdout, offer, policy_offer, expected_profit, reason_codes, model_version
     FROM decisions WHERE dataset = $1 ORDER BY decided_at DESC, decision_id LIMIT ${Math.max(1, Math.min(500, Math.floor(limit)))}`,
    [dataset],
  );
  return rows.map((r) => ({
    decision_id: String(r.decision_id),
    decided_at: toIso(r.decided_at),
    customer_id: String(r.customer_id),
    session_id: r.session_id === null ? null : String(r.session_id),
    product_id: r.product_id === null ? null : String(r.product_id),
    experiment: String(r.experiment),
    holdout: Boolean(r.holdout),
    offer: String(r.offer),
    policy_offer: String(r.policy_offer),
    expected_profit: r.expected_profit === null ? null : Number(r.expected_profit),
    reason_codes: parseReasons(r.reason_codes),
    model_version: String(r.model_version),
  }));
}

function parseReasons(value: unknown): string[] {
  try {
    const parsed = JSON.parse(String(value));
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
