/**
 * The measured effect read from a store: the logged decisions of a dataset in a time range with
 * their linked outcomes (logged-decisions.ts), measured per experiment, policy and period by
 * effect.ts. Used by GET /v1/effect, the dashboard and `patron report`.
 */
import { frameColumn } from "../core/frame.ts";
import type { Store } from "../store/store.ts";
import { measureEffects, type EffectCell, type Period } from "./effect.ts";
import type { LinkRule } from "./linking.ts";
import { emptyLinks, readLinkedDecisions, type LinkedDecisions } from "./logged-decisions.ts";

export { DEFAULT_MARGIN_RATE } from "./logged-decisions.ts";

export interface EffectQuery {
  dataset: string;
  experiment?: string;
  period?: Period;
  /** ISO times; default: everything logged. */
  from?: string;
  to?: string;
  /** Margin for policies whose config has none (the default no-offer policy). */
  marginRate?: number;
}

export interface EffectReport {
  dataset: string;
  period: Period;
  from: string | null;
  to: string | null;
  decisions: number;
  outcomes: number;
  /** How the outcomes linked: by id, by customer and window, or why not. */
  links: Record<LinkRule, number>;
  /** Margin rate used per policy version, and where it came from. */
  marginRates: LinkedDecisions["marginRates"];
  cells: EffectCell[];
}

export async function measureStoredEffect(store: Store, query: EffectQuery): Promise<EffectReport> {
  const period = query.period ?? "week";
  const linked = await readLinkedDecisions(store, { dataset: query.dataset, from: query.from, to: query.to, marginRate: query.marginRate });
  if (!linked) {
    return { dataset: query.dataset, period, from: query.from ?? null, to: query.to ?? null, decisions: 0, outcomes: 0, links: emptyLinks(), marginRates: {}, cells: [] };
  }
  const { decisions, decidedMs } = linked;
  const text = (name: string) => frameColumn(decisions, name).values as readonly (string | null)[];
  const holdout = frameColumn(decisions, "holdout").values as Float64Array;
  const policyOffer = text("policy_offer");
  const cells = measureEffects({
    customerId: text("customer_id") as readonly string[],
    experiment: text("experiment") as readonly string[],
    policyVersion: text("model_version") as readonly string[],
    decidedMs,
    holdout: Uint8Array.from(holdout, (h) => (h === 1 ? 1 : 0)),
    targeted: Uint8Array.from(policyOffer, (p) => (p !== null && p !== "none" ? 1 : 0)),
    purchased: linked.purchased,
    revenue: linked.revenue,
    discountCost: linked.discountCost,
    profit: linked.profit,
  }, { period });
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const t of decidedMs) {
    if (t < firstMs) firstMs = t;
    if (t > lastMs) lastMs = t;
  }
  return {
    dataset: query.dataset,
    period,
    from: new Date(firstMs).toISOString(),
    to: new Date(lastMs).toISOString(),
    decisions: decisions.nRows,
    outcomes: linked.nOutcomes,
    links: linked.links,
    marginRates: linked.marginRates,
    cells: query.experiment === undefined ? cells : cells.filter((c) => c.experiment === query.experiment),
  };
}
