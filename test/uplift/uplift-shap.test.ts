/**
 * Uplift SHAP: for every row, baseline + Σ φ equals the uplift the learner predicts (1e-9: the
 * attributions are exact TreeSHAP values combined linearly, so only rounding separates them),
 * and the attribution lands on the feature that drives the effect, not on the one that drives
 * the baseline response.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rng } from "../../src/core/rng.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import { tLearner, type TLearnerModel } from "../../src/uplift/t-learner.ts";
import { asShapValues, upliftShap, type UpliftShap } from "../../src/uplift/uplift-shap.ts";
import { xLearner } from "../../src/uplift/x-learner.ts";
import { shapMargin } from "../../src/explain/shap-values.ts";
import { logisticIRLS, stumpForest } from "./helpers/estimators.ts";
import { simulateExperiment } from "./helpers/simulate.ts";

// The effect depends on `drives_uplift` only; the baseline on `drives_baseline` only.
const e = simulateExperiment({
  nRows: 4000, seed: 31, armProbabilities: [0.5, 0.5], outcome: "binary",
  features: (r: Rng) => ({ drives_uplift: r.next(), drives_baseline: r.next(), noise: r.next() }),
  response: (f, arm) => 0.1 + 0.4 * f.drives_baseline + (arm === 1 ? 0.3 * (f.drives_uplift > 0.5 ? 1 : 0) : 0),
});

function checkAdditive(shap: UpliftShap, predicted: Float64Array, what: string): void {
  const nFeatures = shap.featureNames.length;
  for (let i = 0; i < shap.nRows; i++) {
    let sum = shap.baseline[i];
    for (let j = 0; j < nFeatures; j++) sum += shap.values[i * nFeatures + j];
    assert.ok(Math.abs(sum - shap.uplift[i]) < 1e-9, `${what} row ${i}: Σφ ${sum} vs ${shap.uplift[i]}`);
    assert.ok(Math.abs(shap.uplift[i] - predicted[i]) < 1e-9, `${what} row ${i}: explained ${shap.uplift[i]} vs predicted ${predicted[i]}`);
  }
}

function meanAbs(shap: UpliftShap, name: string): number {
  const j = shap.featureNames.indexOf(name);
  let sum = 0;
  for (let i = 0; i < shap.nRows; i++) sum += Math.abs(shap.values[i * shap.featureNames.length + j]);
  return sum / shap.nRows;
}

test("T-learner on regression trees: SHAP of the uplift adds up and points at the effect's driver", () => {
  const model = tLearner({ base: stumpForest({ maxDepth: 3, link: "identity" }) }).fit(e.x, e.y, e.treatment);
  const shap = upliftShap(model, e.x);
  assert.equal(shap.units, "outcome");
  checkAdditive(shap, model.predictUplift(e.x), "t identity");
  assert.ok(meanAbs(shap, "drives_uplift") > 3 * meanAbs(shap, "drives_baseline"));
  // As explain/'s ShapValues: expected value + Σφ = uplift (constant baseline for a T-learner).
  const margins = shapMargin(asShapValues(shap));
  margins.forEach((m, i) => assert.ok(Math.abs(m - shap.uplift[i]) < 1e-9));
});

test("T-learner on logistic trees: log-odds by default, probability units when asked", () => {
  const model = tLearner({ base: stumpForest({ maxDepth: 3, link: "logit" }) }).fit(e.x, e.y, e.treatment);
  const margin = upliftShap(model, e.x);
  assert.equal(margin.units, "margin");
  const responses = model.predictResponses(e.x);
  const logit = (p: number) => Math.log(p / (1 - p));
  const marginUplift = Float64Array.from({ length: e.x.nRows }, (_, i) => logit(responses[2 * i + 1]) - logit(responses[2 * i]));
  checkAdditive(margin, marginUplift, "t logit margin");
  const probability = upliftShap(model, e.x, { scale: "probability" });
  assert.equal(probability.units, "probability");
  checkAdditive(probability, model.predictUplift(e.x), "t logit probability");
});

test("X-learner on trees (design and model propensities): SHAP of the uplift adds up", () => {
  for (const propensity of ["fraction", logisticIRLS()] as const) {
    const model = xLearner({ base: stumpForest({ link: "identity" }), effect: stumpForest({ link: "identity" }), propensity }).fit(e.x, e.y, e.treatment);
    const shap = upliftShap(model, e.x);
    checkAdditive(shap, model.predictUplift(e.x), `x ${typeof propensity === "string" ? propensity : "model"}`);
    assert.ok(meanAbs(shap, "drives_uplift") > 3 * meanAbs(shap, "drives_baseline"));
  }
});

test("uplift SHAP on Patron's gbdt (T-learner, logistic boosting), also after a trip through the model registry", async () => {
  const model = tLearner({ base: gbdt({ maxDepth: 3, nEstimators: 30 }) }).fit(e.x, e.y, e.treatment, { nThreads: 1 });
  const shap = upliftShap(model, e.x, { scale: "probability" });
  checkAdditive(shap, model.predictUplift(e.x), "t gbdt");
  assert.ok(meanAbs(shap, "drives_uplift") > 2 * meanAbs(shap, "drives_baseline"));
  const rebuilt = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as TLearnerModel;
  assert.deepEqual(rebuilt.predictUplift(e.x), model.predictUplift(e.x));
  assert.deepEqual(upliftShap(rebuilt, e.x, { scale: "probability" }).values, shap.values);
});

test("uplift SHAP refuses what it cannot explain", () => {
  const linear = tLearner({ base: logisticIRLS() }).fit(e.x, e.y, e.treatment);
  assert.throws(() => upliftShap(linear, e.x), { code: "E_NOT_SUPPORTED" });
  const trees = tLearner({ base: stumpForest() }).fit(e.x, e.y, e.treatment);
  assert.throws(() => upliftShap(trees, e.x, { arm: 2 }), { code: "E_OPTION" });
});
