/**
 * The discount policies the offers job compares, and their offline evaluation on logged sessions
 * with randomised discounts (src/uplift/policy.ts: self-normalised IPW, Hájek 1971, with a
 * percentile bootstrap 95 % interval; the paired bootstrap against offering nothing).
 *
 * Learned rules, from predicted purchase probabilities per discount level:
 * - max-expected-profit: the level with the largest P(buy | d) × price × (margin − d);
 * - smallest-sufficient: the IUM seed's rule, the smallest level whose predicted purchase
 *   probability reaches a threshold (none reaching it: no discount).
 * Baselines: always 0 % (offer nothing), always the largest discount, and a uniformly random level.
 *
 * Reward per logged session: purchase × price × (margin − its discount) — the profit, where a
 * discount costs discount × price × purchase (the seed's definition). The seed's own criterion is
 * reported beside it: number of offers / sum of offered discounts (percent points; higher means
 * smaller discounts for the same number of offers), undefined when a policy offers nothing.
 */
import { discountReward, discountValue, maxExpectedValue, smallestSufficient } from "../../uplift/decisions.ts";
import { alwaysArm, policyDifference, policyValue, randomPolicy, type LoggedData, type Policy } from "../../uplift/policy.ts";

export type RuleName = "max-expected-profit" | "smallest-sufficient";
export const RULES: readonly RuleName[] = ["max-expected-profit", "smallest-sufficient"];

export interface PolicyEconomics {
  /** Discount levels in percent, control (0) first. */
  levels: readonly number[];
  marginRate: number;
  /** smallest-sufficient's purchase probability. */
  threshold: number;
}

/** The arm per session a learned rule gives, from row-major nRows × nLevels predicted responses. */
export function ruleArms(rule: RuleName, responses: Float64Array, price: Float64Array, economics: PolicyEconomics): Int32Array {
  const nLevels = economics.levels.length;
  if (rule === "smallest-sufficient") return smallestSufficient(responses, nLevels, economics.threshold);
  const value = discountValue({ price, marginRate: economics.marginRate, discounts: economics.levels.map((d) => d / 100) });
  return maxExpectedValue(responses, nLevels, value).arms;
}

export interface PolicyRow {
  policy: string;
  kind: "learned" | "baseline";
  /** SNIPW profit per session, its 95 % interval and bootstrap se. */
  value: number;
  ci: [number, number];
  se: number;
  /** Plain IPW (Horvitz–Thompson) profit per session, for comparison. */
  ipw: number;
  /** value × sessions evaluated. */
  profit: number;
  /** SNIPW purchase rate under the policy and its interval. */
  purchaseRate: number;
  purchaseCi: [number, number];
  /** Share of sessions given each level. */
  armShares: number[];
  offers: number;
  discountSum: number;
  /** offers / sum of offered discounts (percent points); null when the policy offers nothing. */
  offersPerDiscountSum: number | null;
  effectiveSampleSize: number;
  /** Paired SNIPW difference to offering nothing. */
  versusNothing: { difference: number; ci: [number, number]; probabilityBetter: number } | null;
}

export interface LoggedSessions {
  arm: Int32Array;
  bought: Float64Array;
  price: Float64Array;
  /** Logging probability of each level (the design; control first). */
  propensity: readonly number[];
}

export interface NamedPolicy {
  name: string;
  kind: "learned" | "baseline";
  /** Deterministic arms, or a stochastic policy (random). */
  policy: Policy;
  /** Arms per session when deterministic (for offers and shares). */
  arms?: Int32Array;
}

export function baselinePolicies(nRows: number, levels: readonly number[]): NamedPolicy[] {
  const last = levels.length - 1;
  return [
    { name: "always-0", kind: "baseline", policy: alwaysArm(nRows, 0), arms: new Int32Array(nRows) },
    { name: `always-${levels[last]}`, kind: "baseline", policy: alwaysArm(nRows, last), arms: new Int32Array(nRows).fill(last) },
    { name: "random", kind: "baseline", policy: randomPolicy(nRows, levels.length) },
  ];
}

export function evaluatePolicies(
  logged: LoggedSessions, policies: readonly NamedPolicy[], economics: PolicyEconomics, options: { nBootstrap?: number; seed?: number } = {},
): PolicyRow[] {
  const nLevels = economics.levels.length;
  const nRows = logged.arm.length;
  const reward = discountReward(logged.bought, logged.arm, { price: logged.price, marginRate: economics.marginRate, discounts: economics.levels.map((d) => d / 100) });
  const data = (r: ArrayLike<number>): LoggedData => ({ arm: logged.arm, reward: r, propensity: logged.propensity, propensityPer: "arm", nArms: nLevels });
  const bootstrap = { nBootstrap: options.nBootstrap ?? 1000, seed: options.seed ?? 0 };
  const nothing = alwaysArm(nRows, 0);
  return policies.map((p): PolicyRow => {
    const value = policyValue(data(reward), p.policy, bootstrap);
    const purchase = policyValue(data(logged.bought), p.policy, bootstrap);
    const armShares = new Array<number>(nLevels).fill(0);
    let offers = 0;
    let discountSum = 0;
    if (p.arms) {
      for (const a of p.arms) {
        armShares[a] += 1 / nRows;
        if (economics.levels[a] > 0) {
          offers++;
          discountSum += economics.levels[a];
        }
      }
    } else {
      // A stochastic policy (random): expected counts.
      armShares.fill(1 / nLevels);
      offers = (nRows * (nLevels - 1)) / nLevels;
      discountSum = (nRows * economics.levels.reduce((a, b) => a + b, 0)) / nLevels;
    }
    const versus = p.name === "always-0" ? null : policyDifference(data(reward), p.policy, nothing, bootstrap);
    return {
      policy: p.name, kind: p.kind, value: value.snipw, ci: value.snipwCi, se: value.snipwSe, ipw: value.ipw, profit: value.snipw * nRows,
      purchaseRate: purchase.snipw, purchaseCi: purchase.snipwCi, armShares, offers, discountSum,
      offersPerDiscountSum: discountSum > 0 ? offers / discountSum : null, effectiveSampleSize: value.effectiveSampleSize,
      versusNothing: versus ? { difference: versus.difference, ci: versus.ci, probabilityBetter: versus.probabilityBetter } : null,
    };
  });
}
