/**
 * Which decision an outcome belongs to. POST /v1/outcomes reports what happened after a
 * decision; the shop either knows the decision (it kept the decision_id from /v1/decide) or only
 * the customer and when the purchase happened. The rules, in order:
 *
 *   1. by id: the outcome names a decision_id → that decision, when it is logged (and, when the
 *      outcome also names a customer, the decision is that customer's). An explicit id never
 *      falls back to rule 2: a wrong id is reported, not silently re-attributed.
 *   2. by customer and time window: the customer's latest decision at or before the outcome,
 *      at most `windowMs` earlier (last-touch attribution within a lookback window, the rule
 *      ad and offer platforms use). Decisions at the same instant: the last in log order.
 *
 * Pure and in memory: decisions are grouped per customer and sorted by time once, then each
 * outcome is a binary search.
 */
export interface DecisionKeys {
  decisionId: readonly string[];
  customerId: readonly string[];
  decidedMs: Float64Array;
}

export interface OutcomeKeys {
  decisionId: readonly (string | null)[];
  customerId: readonly (string | null)[];
  occurredMs: Float64Array;
  /** Lookback window per outcome, in milliseconds. */
  windowMs: Float64Array;
}

export type LinkRule = "id" | "window" | "unknown-decision" | "customer-mismatch" | "no-decision-in-window";

export interface Links {
  /** Index into the decisions per outcome; −1 when unlinked. */
  decision: Int32Array;
  rule: LinkRule[];
}

export function linkOutcomes(decisions: DecisionKeys, outcomes: OutcomeKeys): Links {
  const nDecisions = decisions.decisionId.length;
  const byId = new Map<string, number>();
  for (let d = 0; d < nDecisions; d++) byId.set(decisions.decisionId[d], d);
  // Per customer: decision indexes sorted by time (ties keep log order).
  const byCustomer = new Map<string, number[]>();
  for (let d = 0; d < nDecisions; d++) {
    const list = byCustomer.get(decisions.customerId[d]);
    if (list) list.push(d);
    else byCustomer.set(decisions.customerId[d], [d]);
  }
  for (const list of byCustomer.values()) list.sort((a, b) => decisions.decidedMs[a] - decisions.decidedMs[b] || a - b);

  const nOutcomes = outcomes.occurredMs.length;
  const decision = new Int32Array(nOutcomes).fill(-1);
  const rule: LinkRule[] = new Array(nOutcomes);
  for (let o = 0; o < nOutcomes; o++) {
    const id = outcomes.decisionId[o];
    const customer = outcomes.customerId[o];
    if (id !== null) {
      const d = byId.get(id);
      if (d === undefined) rule[o] = "unknown-decision";
      else if (customer !== null && decisions.customerId[d] !== customer) rule[o] = "customer-mismatch";
      else {
        decision[o] = d;
        rule[o] = "id";
      }
      continue;
    }
    const list = customer === null ? undefined : byCustomer.get(customer);
    const at = outcomes.occurredMs[o];
    const d = list ? latestAtOrBefore(list, decisions.decidedMs, at) : -1;
    if (d >= 0 && at - decisions.decidedMs[d] <= outcomes.windowMs[o]) {
      decision[o] = d;
      rule[o] = "window";
    } else rule[o] = "no-decision-in-window";
  }
  return { decision, rule };
}

/** The last index in `sorted` (decision indexes by time) whose time is ≤ at; −1 when none. */
function latestAtOrBefore(sorted: readonly number[], time: Float64Array, at: number): number {
  let lo = 0;
  let hi = sorted.length; // first position with time > at
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[sorted[mid]] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -1 : sorted[lo - 1];
}
