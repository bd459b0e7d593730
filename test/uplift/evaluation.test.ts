/**
 * Customer types, campaign economics, decision rules and off-policy value: hand-computed cases,
 * and IPW on a simulation whose true policy value is known in closed form.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compile } from "vega-lite";
import { fromRows } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { customerType, customerTypes } from "../../src/uplift/customer-types.ts";
import { discountReward, discountValue, maxExpectedValue, smallestSufficient, topUplift } from "../../src/uplift/decisions.ts";
import { campaignEconomics, profitChartSpec } from "../../src/uplift/economics.ts";
import { alwaysArm, policyDifference, policyValue, randomPolicy } from "../../src/uplift/policy.ts";

test("customer types are the four quadrants of (p without, p with) at the threshold", () => {
  assert.equal(customerType(0.1, 0.5, 0.4), "persuadable");
  assert.equal(customerType(0.6, 0.7, 0.4), "sure thing");
  assert.equal(customerType(0.05, 0.1, 0.4), "lost cause");
  assert.equal(customerType(0.6, 0.2, 0.4), "do-not-disturb");
  const responses = Float64Array.of(0.1, 0.5, 0.6, 0.7, 0.05, 0.1, 0.6, 0.2, 0.2, 0.45);
  const x = fromRows([[1, 10], [2, 20], [3, NaN], [4, 40], [5, 50]], ["a", "b"]);
  const result = customerTypes(responses, 2, x, { threshold: 0.4 });
  assert.deepEqual(result.counts, { persuadable: 2, "sure thing": 1, "lost cause": 1, "do-not-disturb": 1 });
  const persuadable = result.profiles.find((p) => p.type === "persuadable")!;
  assert.equal(persuadable.features.a, 3);
  assert.equal(persuadable.features.b, 30);
  assert.ok(Math.abs(persuadable.meanUplift - 0.325) < 1e-12);
  assert.ok(Number.isNaN(result.profiles.find((p) => p.type === "lost cause")!.features.b));
  // Default threshold: the mean of all p₀ and p₁ = 3.5 / 10.
  assert.ok(Math.abs(customerTypes(responses, 2).threshold - 0.35) < 1e-12);
  assert.throws(() => customerTypes(responses, 2, undefined, { arm: 2 }), { code: "E_OPTION" });
});

test("economics table by hand: the top 20% pays, contacting everyone loses", () => {
  // Ranked rows 0..9; treated on even rows. Increments: 2, 2, 2, 0, 0 conversions at 20…100%.
  const uplift = Array.from({ length: 10 }, (_, i) => 10 - i);
  const treatment = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0];
  const y = [1, 0, 1, 1, 0, 0, 0, 1, 1, 1];
  const e = campaignEconomics(y, uplift, treatment, { costPerContact: 1, marginPerConversion: 3, stepPercent: 20 });
  assert.deepEqual(e.rows.map((r) => r.percent), [0, 20, 40, 60, 80, 100]);
  const expectedIncrements = [0, 2, 2, 2, 0, 0];
  e.rows.forEach((r, k) => assert.ok(Math.abs(r.incrementalConversions - expectedIncrements[k]) < 1e-12, `row ${k}`));
  assert.deepEqual(e.rows.map((r) => Math.round(r.profit * 1e9) / 1e9), [0, 4, 2, 0, -8, -10]);
  assert.equal(e.best.percent, 20);
  assert.equal(e.everybody.contacts, 10);
  // Scaled to a population of 1000 customers, counts and money scale by 100.
  const scaled = campaignEconomics(y, uplift, treatment, { costPerContact: 1, marginPerConversion: 3, stepPercent: 20, populationSize: 1000 });
  assert.ok(Math.abs(scaled.best.profit - 400) < 1e-9);
  // A revenue outcome replaces rates by mean revenue; an incentive per conversion adds cost.
  const revenue = y.map((v, i) => v * (i + 1));
  const withRevenue = campaignEconomics(y, uplift, treatment, { costPerContact: 0, costPerConversion: 1, stepPercent: 20 }, revenue);
  // Top 20%: treated row 0 spent 1, control row 1 spent 0 → +1 per contact × 2 − incentive 1 × 2.
  assert.ok(Math.abs(withRevenue.rows[1].profit - 0) < 1e-12);
  assert.throws(() => campaignEconomics(y, uplift, treatment, { costPerContact: 1 }), { code: "E_OPTION" });
  assert.throws(() => campaignEconomics(y, uplift, treatment, { costPerContact: 1, marginPerConversion: 1, stepPercent: 7 }), { code: "E_OPTION" });
});

test("the profit chart is a valid Vega-Lite spec marking the best k", () => {
  const e = campaignEconomics([1, 0, 1, 0], [4, 3, 2, 1], [1, 0, 0, 1], { costPerContact: 0.1, marginPerConversion: 1, stepPercent: 25 });
  const spec = profitChartSpec(e);
  const compiled = compile(spec as never);
  assert.ok(compiled.spec);
  // 0, 50, 75, 100 %: the top 25% holds no control row, so its profit is unknown and left out.
  assert.deepEqual((spec.data as { values: { percent: number }[] }).values.map((v) => v.percent), [0, 50, 75, 100]);
});

test("decision rules: maximum expected profit, smallest sufficient discount, top uplift", () => {
  // Two sessions at price 100, margin 30%, discounts 0/10/20%.
  const responses = Float64Array.of(0.2, 0.5, 0.55, 0.9, 0.9, 0.9);
  const economics = { price: [100, 100], marginRate: 0.3, discounts: [0, 0.1, 0.2] };
  const decision = maxExpectedValue(responses, 3, discountValue(economics));
  // Row 0: 6, 10, 5.5 → 10%. Row 1: 27, 18, 9 → 0%.
  assert.deepEqual(Array.from(decision.arms), [1, 0]);
  assert.deepEqual(Array.from(decision.expectedValue).map((v) => Math.round(v * 1e9) / 1e9), [10, 27]);
  assert.deepEqual(Array.from(smallestSufficient(responses, 3, 0.52)), [2, 0]);
  assert.deepEqual(Array.from(smallestSufficient(responses, 3, 0.95)), [0, 0]);
  assert.deepEqual(Array.from(discountReward([1, 0], [1, 2], economics)), [20, 0]);
  assert.deepEqual(Array.from(topUplift([0.1, 0.3, 0.2, -0.1], { fraction: 0.5 })), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(topUplift([0.1, 0.3, 0.2, -0.1], { minUplift: 0.15 })), [0, 1, 1, 0]);
});

test("IPW and self-normalised IPW by hand", () => {
  // Four rows, two arms logged with P = 0.5 / 0.5; the policy picks arm 1 on rows 0 and 1.
  const data = { arm: [1, 0, 1, 0], reward: [4, 2, 0, 6], propensity: [0.5, 0.5], nArms: 2 };
  const value = policyValue(data, { arms: [1, 1, 0, 0] }, { nBootstrap: 50 });
  // Weights 2, 0, 0, 2 → IPW (8 + 12) / 4 = 5; SNIPW 20 / 4 = 5.
  assert.equal(value.ipw, 5);
  assert.equal(value.snipw, 5);
  assert.equal(value.matched, 2);
  const uneven = policyValue({ ...data, propensity: [0.8, 0.2, 0.8, 0.2], propensityPer: "row" }, { arms: [1, 1, 0, 0] }, { nBootstrap: 50 });
  // Weights 1/0.8 on row 0 (reward 4) and 1/0.2 on row 3 (reward 6): IPW (5 + 30) / 4 = 8.75;
  // SNIPW 35 / (1.25 + 5) = 5.6.
  assert.equal(uneven.ipw, 8.75);
  assert.ok(Math.abs(uneven.snipw - 5.6) < 1e-12);
  assert.throws(() => policyValue({ ...data, propensity: [0, 1] }, { arms: [0, 0, 0, 0] }), { code: "E_PROPENSITY" });
  assert.throws(() => policyValue(data, { arms: [0, 2, 0, 0] }), { code: "E_TREATMENT" });
});

/** Logged data with three arms at P = 1/3 and the exact value of three policies on those rows. */
function simulateLog(seed: number, nRows: number) {
  const random = rng(seed);
  // p_a(x): arm ⌊3x⌋ adds 0.5·x, and every arm a adds 0.1·a. The policy "arm = ⌊3x⌋" is worth
  // E[p_{⌊3x⌋}(x)], computed exactly from the rows' own probabilities.
  const p = (x: number, a: number) => 0.2 + 0.5 * (a === Math.floor(3 * x) ? x : 0) + 0.1 * a;
  const arm = new Int32Array(nRows);
  const reward = new Float64Array(nRows);
  const policyArms = new Int32Array(nRows);
  let truth = 0;
  let truthAlways0 = 0;
  let truthRandom = 0;
  for (let i = 0; i < nRows; i++) {
    const x = random.next();
    arm[i] = random.int(3);
    reward[i] = random.next() < p(x, arm[i]) ? 1 : 0;
    policyArms[i] = Math.floor(3 * x);
    truth += p(x, policyArms[i]) / nRows;
    truthAlways0 += p(x, 0) / nRows;
    truthRandom += (p(x, 0) + p(x, 1) + p(x, 2)) / 3 / nRows;
  }
  return { data: { arm, reward, propensity: [1 / 3, 1 / 3, 1 / 3], nArms: 3 }, policyArms, truth, truthAlways0, truthRandom };
}

test("IPW recovers known policy values on a simulation (within 4 bootstrap standard errors)", () => {
  const { data, policyArms, truth, truthAlways0, truthRandom } = simulateLog(17, 20000);
  const nRows = policyArms.length;
  const checks: [string, ReturnType<typeof policyValue>, number][] = [
    ["policy", policyValue(data, { arms: policyArms }, { nBootstrap: 200, seed: 1 }), truth],
    ["always 0", policyValue(data, alwaysArm(nRows, 0), { nBootstrap: 200, seed: 1 }), truthAlways0],
    ["random", policyValue(data, randomPolicy(nRows, 3), { nBootstrap: 200, seed: 1 }), truthRandom],
  ];
  for (const [name, value, expected] of checks) {
    assert.ok(Math.abs(value.ipw - expected) <= 4 * value.ipwSe, `${name} IPW ${value.ipw} vs ${expected}`);
    assert.ok(Math.abs(value.snipw - expected) <= 4 * value.snipwSe, `${name} SNIPW ${value.snipw} vs ${expected}`);
  }
  const diff = policyDifference(data, { arms: policyArms }, alwaysArm(nRows, 0), { nBootstrap: 200, seed: 2 });
  assert.ok(Math.abs(diff.difference - (truth - truthAlways0)) <= 4 * diff.se);
  assert.ok(diff.ci[0] > 0 && diff.probabilityBetter > 0.99);
  // Same seed → same interval.
  assert.deepEqual(policyValue(data, alwaysArm(nRows, 0), { nBootstrap: 200, seed: 1 }).snipwCi, checks[1][1].snipwCi);
});

test("the bootstrap 95% interval covers the true policy value in about 95% of experiments", () => {
  // 60 independent logs of 3000 rows: coverage has binomial sd ≈ 0.028 around 0.95, so fewer
  // than 51 covering (0.85) would mean the interval is too narrow.
  let covered = 0;
  for (let r = 0; r < 60; r++) {
    const { data, policyArms, truth } = simulateLog(1000 + r, 3000);
    const value = policyValue(data, { arms: policyArms }, { nBootstrap: 150, seed: r });
    if (value.snipwCi[0] <= truth && truth <= value.snipwCi[1]) covered++;
  }
  assert.ok(covered >= 51, `covered ${covered} of 60`);
});
