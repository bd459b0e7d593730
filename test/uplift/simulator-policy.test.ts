/**
 * The discount engine end to end on a simulated shop of 20,000 customers (the issue's
 * acceptance test): the session table built from events, a T-learner on Patron's gbdt trained on
 * the first 70 % of sessions (by decision time), and on the later 30 %:
 * - each discount arm's uplift ranking is close to the oracle's (uplift@30 % within 0.03, about
 *   two bootstrap sd; Qini at least 80 % of the oracle's);
 * - the maximum-expected-profit policy earns at least 95 % of the oracle policy's exact expected
 *   profit, and well above always-0 % and always-20 %;
 * - the IPW estimate of that policy from the realised purchases agrees with its exact value.
 * The measured figures are printed as diagnostics.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { takeRows } from "../../src/core/matrix.ts";
import { upliftAtK } from "../../src/metrics/uplift-at-k.ts";
import { qiniAucScore } from "../../src/metrics/uplift-curves.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { discountReward, discountValue, maxExpectedValue } from "../../src/uplift/decisions.ts";
import { policyValue } from "../../src/uplift/policy.ts";
import { sessionTable } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS, simulateShop } from "../../src/uplift/simulator.ts";
import { expectedProfit, oracleRows, trueResponses } from "../../src/uplift/simulator-oracle.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";

const MARGIN = 0.3;
const discounts = DISCOUNT_LEVELS.map((d) => d / 100);

test("on 20,000 simulated customers the learned discount policy earns ≥ 95% of the oracle's profit", () => {
  const shop = simulateShop({ customers: 20000, seed: 1 });
  const catalog = new Map(shop.products.map((p) => [p.product_id, { category: p.category_path, price: p.price }]));
  const table = sessionTable(shop.events, catalog, DISCOUNT_LEVELS);
  const sorted = Float64Array.from(table.decisionMs).sort();
  const cut = sorted[Math.floor(sorted.length * 0.7)];
  const train: number[] = [];
  const test: number[] = [];
  table.decisionMs.forEach((t, i) => (t < cut ? train : test).push(i));

  const model = tLearner({ base: gbdt({ maxDepth: 4, nEstimators: 60, learningRate: 0.15 }) }).fit(
    takeRows(table.features, train), Float64Array.from(train, (i) => table.bought[i]), Int32Array.from(train, (i) => table.arm[i]),
    { seed: 1, nThreads: 1, arms: DISCOUNT_LEVELS.map((d) => `${d}%`) },
  );
  const x = takeRows(table.features, test);
  const price = Float64Array.from(test, (i) => table.price[i]);
  const rows = oracleRows(shop, Int32Array.from(test, (i) => table.sessionId[i]));
  const truth = trueResponses(shop, rows);
  const value = discountValue({ price, marginRate: MARGIN, discounts });

  // Ranking: per discount arm against 0 %, on the realised purchases of the test sessions.
  const uplift = model.predictUplift(x);
  for (let k = 1; k < DISCOUNT_LEVELS.length; k++) {
    const pair = test.map((_, r) => r).filter((r) => table.arm[test[r]] === 0 || table.arm[test[r]] === k);
    const y = Float64Array.from(pair, (r) => table.bought[test[r]]);
    const t = Float64Array.from(pair, (r) => (table.arm[test[r]] === k ? 1 : 0));
    const learned = Float64Array.from(pair, (r) => uplift[r * 4 + k - 1]);
    const oracle = Float64Array.from(pair, (r) => truth[r * 5 + k] - truth[r * 5]);
    const at30 = [upliftAtK(y, learned, t, { k: 0.3 }), upliftAtK(y, oracle, t, { k: 0.3 })];
    const qini = [qiniAucScore(y, learned, t), qiniAucScore(y, oracle, t)];
    console.log(`# ${DISCOUNT_LEVELS[k]}% vs 0%: uplift@30% ${at30[0].toFixed(4)} (oracle ${at30[1].toFixed(4)}), Qini ${qini[0].toFixed(4)} (oracle ${qini[1].toFixed(4)})`);
    assert.ok(Math.abs(at30[0] - at30[1]) <= 0.03, `arm ${k}: uplift@30% ${at30[0]} vs oracle ${at30[1]}`);
    assert.ok(qini[0] >= 0.8 * qini[1], `arm ${k}: Qini ${qini[0]} vs oracle ${qini[1]}`);
  }

  // Policies, valued exactly with the oracle's probabilities.
  const learnedArms = maxExpectedValue(model.predictResponses(x), 5, value).arms;
  const oracleArms = maxExpectedValue(truth, 5, value).arms;
  const profit = (arms: ArrayLike<number>) => expectedProfit(shop, rows, arms, price, MARGIN);
  const oracle = profit(oracleArms);
  const ratio = {
    learned: profit(learnedArms) / oracle,
    always0: profit(new Int32Array(test.length)) / oracle,
    always20: profit(new Int32Array(test.length).fill(4)) / oracle,
  };
  console.log(`# profit / oracle: learned ${ratio.learned.toFixed(4)}, always 0% ${ratio.always0.toFixed(4)}, always 20% ${ratio.always20.toFixed(4)}`);
  assert.ok(ratio.learned >= 0.95, `learned policy at ${ratio.learned} of the oracle`);
  assert.ok(ratio.learned - Math.max(ratio.always0, ratio.always20) >= 0.15, "well above always-0% and always-20%");

  // Off-policy: the IPW value of the learned policy from realised purchases (propensity 1/5)
  // brackets its exact expected profit per session.
  const reward = discountReward(Float64Array.from(test, (i) => table.bought[i]), Int32Array.from(test, (i) => table.arm[i]), { price, marginRate: MARGIN, discounts });
  const estimate = policyValue(
    { arm: Int32Array.from(test, (i) => table.arm[i]), reward, propensity: [0.2, 0.2, 0.2, 0.2, 0.2], nArms: 5 },
    { arms: learnedArms }, { nBootstrap: 200, seed: 1 },
  );
  const exactPerSession = profit(learnedArms) / test.length;
  assert.ok(Math.abs(estimate.snipw - exactPerSession) <= 4 * estimate.snipwSe, `SNIPW ${estimate.snipw} vs exact ${exactPerSession}`);
});
