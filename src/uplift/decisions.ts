/**
 * Decision rules that turn predictions into an arm per customer; policy.ts evaluates them.
 *
 * - maxExpectedValue: the arm with the largest expected value E[reward | x, arm] — e.g. for
 *   discounts, P(buy | x, d) × price × (margin − d). Ties go to the lower arm (the cheaper one
 *   when arms are ordered by cost, as the IUM discount levels are).
 * - smallestSufficient: the IUM seed's rule — the smallest arm (discount) whose predicted
 *   purchase probability reaches a threshold; if none does, arm 0 (a discount that does not
 *   make the sale likely is not worth giving).
 * - topUplift: contact (arm 1) the top fraction by predicted uplift, or everyone above a minimum
 *   uplift — the binary campaign decision.
 */
import { PatronError } from "../core/errors.ts";

function checkResponses(responses: ArrayLike<number>, nArms: number): number {
  if (!Number.isInteger(nArms) || nArms < 2 || responses.length % nArms !== 0) {
    throw new PatronError("E_SHAPE", `responses must be nRows × nArms (nArms ≥ 2); got ${responses.length} values for ${nArms} arms.`);
  }
  return responses.length / nArms;
}

export interface Decision {
  /** Chosen arm per row. */
  arms: Int32Array;
  /** Expected value of the chosen arm per row. */
  expectedValue: Float64Array;
}

/**
 * @param value (row i, arm a, predicted response) → expected value of giving arm a to row i
 */
export function maxExpectedValue(
  responses: ArrayLike<number>, nArms: number, value: (i: number, a: number, response: number) => number,
): Decision {
  const nRows = checkResponses(responses, nArms);
  const arms = new Int32Array(nRows);
  const expectedValue = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let best = 0;
    let bestValue = value(i, 0, responses[i * nArms]);
    for (let a = 1; a < nArms; a++) {
      const v = value(i, a, responses[i * nArms + a]);
      if (v > bestValue) {
        best = a;
        bestValue = v;
      }
    }
    arms[i] = best;
    expectedValue[i] = bestValue;
  }
  return { arms, expectedValue };
}

export interface DiscountEconomics {
  /** Price per row (of the product the session is about). */
  price: ArrayLike<number>;
  /** Gross margin as a fraction of the price, before any discount (e.g. 0.3). */
  marginRate: number;
  /** Discount of each arm as a fraction of the price, arm 0 first (IUM: 0, 0.05, 0.1, 0.15, 0.2). */
  discounts: readonly number[];
}

/**
 * Profit of a sale at discount d is price × (margin − d); its cost is d × price × purchase, as the
 * IUM seed defines it. Expected profit = P(buy | d) × price × (margin − d).
 */
export function discountValue(economics: DiscountEconomics): (i: number, a: number, response: number) => number {
  if (!(economics.marginRate > 0 && economics.marginRate <= 1)) {
    throw new PatronError("E_OPTION", `marginRate must be in (0, 1]; found ${economics.marginRate}.`);
  }
  return (i, a, response) => response * economics.price[i] * (economics.marginRate - economics.discounts[a]);
}

/** The realised profit of one row: purchase × price × (margin − its discount). */
export function discountReward(purchase: ArrayLike<number>, arm: ArrayLike<number>, economics: DiscountEconomics): Float64Array {
  return Float64Array.from({ length: purchase.length }, (_, i) => purchase[i] * economics.price[i] * (economics.marginRate - economics.discounts[arm[i]]));
}

/** The smallest arm whose predicted response reaches `threshold`; arm 0 when none does. */
export function smallestSufficient(responses: ArrayLike<number>, nArms: number, threshold: number): Int32Array {
  const nRows = checkResponses(responses, nArms);
  if (!(threshold >= 0 && threshold <= 1)) throw new PatronError("E_OPTION", `threshold must be a probability in [0, 1]; found ${threshold}.`);
  const arms = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let a = 0; a < nArms; a++) {
      if (responses[i * nArms + a] >= threshold) {
        arms[i] = a;
        break;
      }
    }
  }
  return arms;
}

/** Contact (1) the top `fraction` by uplift (ties in row order), or every row with uplift ≥ minUplift. */
export function topUplift(uplift: ArrayLike<number>, rule: { fraction: number } | { minUplift: number }): Int32Array {
  const nRows = uplift.length;
  const arms = new Int32Array(nRows);
  if ("minUplift" in rule) {
    for (let i = 0; i < nRows; i++) arms[i] = uplift[i] >= rule.minUplift ? 1 : 0;
    return arms;
  }
  if (!(rule.fraction >= 0 && rule.fraction <= 1)) throw new PatronError("E_OPTION", `fraction must be in [0, 1]; found ${rule.fraction}.`);
  const order = Array.from({ length: nRows }, (_, i) => i).sort((a, b) => uplift[b] - uplift[a] || a - b);
  const nTop = Math.round(nRows * rule.fraction);
  for (let r = 0; r < nTop; r++) arms[order[r]] = 1;
  return arms;
}
