/**
 * Uplift at k: the response rate of the treated minus that of the control among the top k rows by
 * predicted uplift — scikit-uplift 0.5.1's `uplift_at_k` (sklift/metrics/metrics.py), the
 * RetailHero baseline metric. Rows are ranked as there (score descending, ties in reverse row
 * order), so tied scores give the same answer as the library.
 *
 * strategy "overall": the top k of all rows, then each group's rate inside them.
 * strategy "by_group": the top k of the treated and the top k of the control separately
 * (k as a fraction applies to each group's own size).
 */
import { PatronError } from "../core/errors.ts";
import { checkUpliftInputs, descendingOrder, groupMean, type Numbers } from "./uplift-common.ts";

export type UpliftStrategy = "overall" | "by_group";

export interface UpliftAtKOptions {
  strategy?: UpliftStrategy;
  /**
   * A fraction in (0, 1) of the rows, or a whole number ≥ 1 of rows. (scikit-uplift tells the
   * two apart by Python type; here a value below 1 is a fraction and an integer is a count.)
   * Default 0.3.
   */
  k?: number;
}

export function upliftAtK(yTrue: Numbers, uplift: Numbers, treatment: Numbers, options: UpliftAtKOptions = {}): number {
  checkUpliftInputs(yTrue, uplift, treatment);
  const strategy = options.strategy ?? "overall";
  const k = options.k ?? 0.3;
  if (strategy !== "overall" && strategy !== "by_group") {
    throw new PatronError("E_OPTION", `strategy must be "overall" or "by_group"; found ${JSON.stringify(strategy)}.`);
  }
  const nRows = yTrue.length;
  const isFraction = k > 0 && k < 1;
  const isCount = Number.isInteger(k) && k > 0 && k < nRows;
  if (!isFraction && !isCount) {
    throw new PatronError(
      "E_OPTION",
      `k=${k} should be either a fraction in (0, 1) or a whole number of rows in [1, ${nRows - 1}]; pass e.g. k: 0.3 for the top 30%.`,
    );
  }
  const order = descendingOrder(uplift);

  if (strategy === "overall") {
    const nTop = isFraction ? Math.trunc(nRows * k) : k;
    return groupMean(yTrue, treatment, order, 0, nTop, 1).mean - groupMean(yTrue, treatment, order, 0, nTop, 0).mean;
  }

  let nTreated = 0;
  for (let i = 0; i < nRows; i++) nTreated += treatment[i];
  const nControl = nRows - nTreated;
  const topTreated = isFraction ? Math.trunc(nTreated * k) : k;
  const topControl = isFraction ? Math.trunc(nControl * k) : k;
  if (topControl > nControl || topTreated > nTreated) {
    throw new PatronError(
      "E_OPTION",
      `k=${k} asks for the top ${k} rows of each group, but the control has ${nControl} and the treated ${nTreated}; use a smaller k or strategy "overall".`,
    );
  }
  return topRate(yTrue, treatment, order, 1, topTreated) - topRate(yTrue, treatment, order, 0, topControl);
}

/** Mean outcome of the first `count` rows of group `arm` in rank order (NaN when count is 0). */
function topRate(yTrue: Numbers, treatment: Numbers, order: Uint32Array, arm: number, count: number): number {
  let sum = 0;
  let taken = 0;
  for (let r = 0; r < order.length && taken < count; r++) {
    const i = order[r];
    if (treatment[i] !== arm) continue;
    sum += yTrue[i];
    taken++;
  }
  return taken === 0 ? NaN : sum / taken;
}
