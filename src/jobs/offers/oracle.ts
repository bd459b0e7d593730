/**
 * Judging the offers job on a simulated shop, where the truth is known (src/uplift/simulator.ts):
 * every policy's exact expected profit on the test sessions — Σ P_true(buy | d) × price ×
 * (margin − d), no estimation noise — against the oracle policy that maximises it with the true
 * probabilities; and, per discount level, the learned uplift ranking against the true one on the
 * realised purchases (uplift@30 % and Qini AUC of each).
 */
import { upliftAtK } from "../../metrics/uplift-at-k.ts";
import { qiniAucScore } from "../../metrics/uplift-curves.ts";
import { discountValue, maxExpectedValue } from "../../uplift/decisions.ts";
import type { Shop } from "../../uplift/simulator.ts";
import { expectedProfit, oracleRows, trueResponses } from "../../uplift/simulator-oracle.ts";
import { RULES, type PolicyEconomics, type PolicyRow, type RuleName } from "./policies.ts";

export interface OracleComparison {
  /** Exact expected profit per test session of the oracle policy (true probabilities, max expected profit). */
  value: number;
  /** Exact expected profit per test session of each policy, and as a share of the oracle's. */
  policies: Array<{ policy: string; value: number; ratio: number }>;
  /** Per discount level vs 0 %: uplift@30 % and Qini AUC of the learned and of the true ranking, on realised purchases. */
  ranking: Array<{ level: number; upliftAt30: number; oracleUpliftAt30: number; qiniAuc: number; oracleQiniAuc: number }>;
}

/**
 * @param sessionIds the test sessions' ids (the simulator's numbers)
 * @param test their realised purchases, logged arms and prices
 * @param responses the learned model's row-major nSessions × nLevels purchase probabilities
 * @param learnedArms the arms of each learned rule (RULES order)
 */
export function compareWithOracle(
  shop: Shop, sessionIds: Int32Array, test: { y: Float64Array; arm: Int32Array; price: Float64Array },
  responses: Float64Array, learnedArms: Int32Array[], policies: readonly PolicyRow[], economics: PolicyEconomics,
): OracleComparison {
  const oRows = oracleRows(shop, sessionIds);
  const nTest = sessionIds.length;
  const truth = trueResponses(shop, oRows);
  const nLevels = economics.levels.length;
  const value = discountValue({ price: test.price, marginRate: economics.marginRate, discounts: economics.levels.map((d) => d / 100) });
  const oracleArms = maxExpectedValue(truth, nLevels, value).arms;
  const exact = (arms: ArrayLike<number>) => expectedProfit(shop, oRows, arms, test.price, economics.marginRate) / nTest;
  const oracleValue = exact(oracleArms);
  const armsOf = (name: string): Int32Array | undefined => {
    const r = RULES.indexOf(name as RuleName);
    if (r >= 0) return learnedArms[r];
    if (name === "always-0") return new Int32Array(nTest);
    if (name.startsWith("always-")) return new Int32Array(nTest).fill(nLevels - 1);
    return undefined;
  };
  const policyValues = policies.flatMap((p) => {
    const arms = armsOf(p.policy);
    if (arms) return [{ policy: p.policy, value: exact(arms), ratio: exact(arms) / oracleValue }];
    // random: the mean over levels of each level's exact profit.
    let total = 0;
    for (let a = 0; a < nLevels; a++) total += exact(new Int32Array(nTest).fill(a)) / nLevels;
    return [{ policy: p.policy, value: total, ratio: total / oracleValue }];
  });
  const ranking = economics.levels.slice(1).map((level, k) => {
    const pair = Array.from(test.arm.keys()).filter((r) => test.arm[r] === 0 || test.arm[r] === k + 1);
    const y = Float64Array.from(pair, (r) => test.y[r]);
    const t = Float64Array.from(pair, (r) => (test.arm[r] === k + 1 ? 1 : 0));
    const learned = Float64Array.from(pair, (r) => responses[r * nLevels + k + 1] - responses[r * nLevels]);
    const trueUplift = Float64Array.from(pair, (r) => truth[r * nLevels + k + 1] - truth[r * nLevels]);
    return {
      level, upliftAt30: upliftAtK(y, learned, t, { k: 0.3 }), oracleUpliftAt30: upliftAtK(y, trueUplift, t, { k: 0.3 }),
      qiniAuc: qiniAucScore(y, learned, t), oracleQiniAuc: qiniAucScore(y, trueUplift, t),
    };
  });
  return { value: oracleValue, policies: policyValues, ranking };
}
