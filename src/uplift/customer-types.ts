/**
 * The four customer types of uplift marketing (Kane, Lo & Zheng 2014; scikit-uplift's user
 * guide, "Types of customers"), from the predicted response without treatment (control, p₀)
 * and with it (arm k, p₁), split at one response threshold θ:
 *
 *                      p₁ ≥ θ (responds if contacted)   p₁ < θ
 *   p₀ ≥ θ             sure thing                       do-not-disturb
 *   p₀ < θ             persuadable                      lost cause
 *
 * Only persuadables are worth contacting; do-not-disturbs are harmed by it. θ defaults to the
 * average predicted response over both arms — "responds" then means "more likely than the
 * average customer", which keeps all four types populated when responses are rare (Hillstrom's
 * visit rate is 0.15; an absolute 0.5 would call everyone a lost cause). The threshold used is
 * always returned with the counts.
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";

export const CUSTOMER_TYPES = ["persuadable", "sure thing", "lost cause", "do-not-disturb"] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

export interface CustomerTypeOptions {
  /** Which treatment arm to compare with control (1..K). Default 1. */
  arm?: number;
  /** θ. Default: the mean of p₀ and p₁ over all rows. */
  threshold?: number;
}

export interface TypeProfile {
  type: CustomerType;
  count: number;
  share: number;
  /** Mean predicted response without / with treatment, and their difference. */
  meanControl: number;
  meanTreated: number;
  meanUplift: number;
  /** Mean of each feature in the type (NaN-skipping), keyed by column name. */
  features: Record<string, number>;
}

export interface CustomerTypes {
  threshold: number;
  arm: number;
  /** How θ was chosen, in words, for reports. */
  rule: string;
  /** Index into CUSTOMER_TYPES per row. */
  types: Uint8Array;
  counts: Record<CustomerType, number>;
  profiles: TypeProfile[];
}

/** The type of one (p₀, p₁) pair at threshold θ. */
export function customerType(p0: number, p1: number, threshold: number): CustomerType {
  if (p0 >= threshold) return p1 >= threshold ? "sure thing" : "do-not-disturb";
  return p1 >= threshold ? "persuadable" : "lost cause";
}

/**
 * Types, counts and mean-feature profiles.
 * @param responses row-major nRows × nArms predicted responses (UpliftModel.predictResponses)
 * @param x the rows' features for the profiles (optional; the same rows as responses)
 */
export function customerTypes(responses: Float64Array, nArms: number, x?: Matrix, options: CustomerTypeOptions = {}): CustomerTypes {
  const arm = options.arm ?? 1;
  if (!Number.isInteger(nArms) || nArms < 2 || responses.length % nArms !== 0) {
    throw new PatronError("E_SHAPE", `responses must be nRows × nArms (nArms ≥ 2); got ${responses.length} values for ${nArms} arms.`);
  }
  if (!Number.isInteger(arm) || arm < 1 || arm >= nArms) {
    throw new PatronError("E_OPTION", `arm must be a treatment arm 1..${nArms - 1}; found ${arm}.`);
  }
  const nRows = responses.length / nArms;
  if (x && x.nRows !== nRows) {
    throw new PatronError("E_SHAPE", `x has ${x.nRows} rows but responses have ${nRows}; pass the features of the same rows.`);
  }
  let threshold = options.threshold;
  let rule: string;
  if (threshold === undefined) {
    let sum = 0;
    for (let i = 0; i < nRows; i++) sum += responses[i * nArms] + responses[i * nArms + arm];
    threshold = sum / (2 * nRows);
    rule = `responds = predicted response ≥ ${threshold.toFixed(4)}, the average over control and arm ${arm}`;
  } else {
    if (!Number.isFinite(threshold)) throw new PatronError("E_OPTION", `threshold must be a finite number; found ${threshold}.`);
    rule = `responds = predicted response ≥ ${threshold} (given)`;
  }
  const types = new Uint8Array(nRows);
  const sums = CUSTOMER_TYPES.map(() => ({ count: 0, p0: 0, p1: 0, features: new Float64Array(x?.nCols ?? 0), featureCounts: new Float64Array(x?.nCols ?? 0) }));
  for (let i = 0; i < nRows; i++) {
    const p0 = responses[i * nArms];
    const p1 = responses[i * nArms + arm];
    const k = CUSTOMER_TYPES.indexOf(customerType(p0, p1, threshold));
    types[i] = k;
    const s = sums[k];
    s.count++;
    s.p0 += p0;
    s.p1 += p1;
    if (x) {
      for (let j = 0; j < x.nCols; j++) {
        const v = x.data[j * nRows + i];
        if (Number.isNaN(v)) continue;
        s.features[j] += v;
        s.featureCounts[j]++;
      }
    }
  }
  const counts = Object.fromEntries(CUSTOMER_TYPES.map((type, k) => [type, sums[k].count])) as Record<CustomerType, number>;
  const profiles = CUSTOMER_TYPES.map((type, k): TypeProfile => {
    const s = sums[k];
    const features: Record<string, number> = {};
    x?.columns.forEach((name, j) => {
      features[name] = s.featureCounts[j] > 0 ? s.features[j] / s.featureCounts[j] : NaN;
    });
    return {
      type, count: s.count, share: s.count / nRows,
      meanControl: s.p0 / s.count, meanTreated: s.p1 / s.count, meanUplift: (s.p1 - s.p0) / s.count, features,
    };
  });
  return { threshold, arm, rule, types, counts, profiles };
}
