import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows } from "../../src/core/matrix.ts";
import { explainLinear } from "../../src/explain/linear-shap.ts";
import { groupShap, sourcesFromNames } from "../../src/explain/grouping.ts";
import { shapAt, shapMargin } from "../../src/explain/shap-values.ts";
import { logisticRegression } from "../../src/models/linear/logistic-regression.ts";
import { fixtureRows, linearReference, sklearnLogistic } from "./linear-fixture.ts";

test("linear SHAP by hand: φ = coef · (x − background mean), expected = intercept + coef · mean", () => {
  const model = { coef: Float64Array.of(2, -1), intercept: 0.5, featureNames: ["a", "b"] };
  const background = fromRows([[0, 0], [2, 4]], ["a", "b"]); // means 1 and 2
  const shap = explainLinear(model, fromRows([[3, 1]], ["a", "b"]), { background });
  assert.deepEqual(Array.from(shap.values), [4, 1]);
  assert.deepEqual(Array.from(shap.expectedValue), [0.5 + 2 - 2]);
  assert.equal(shap.link, "logit");
});

test(`linear SHAP of scikit-learn ${linearReference.versions.sklearn} LogisticRegression adds up to its decision_function`, () => {
  const x = fixtureRows();
  const shap = explainLinear(sklearnLogistic, x, { background: Float64Array.from(linearReference.backgroundMean) });
  const margin = shapMargin(shap);
  // numpy's dot product sums in another order: equal to float64 rounding of ~14 terms
  for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(margin[i] - linearReference.decisionFunction[i]) < 1e-9);
});

test("one-hot SHAP grouped back to the original column sums the group and keeps the total", () => {
  const x = fixtureRows();
  const shap = explainLinear(sklearnLogistic, x, { background: Float64Array.from(linearReference.backgroundMean) });
  const grouped = groupShap(shap, sourcesFromNames(shap.featureNames));
  assert.deepEqual(grouped.featureNames, ["recency", "history", "mens", "womens", "newbie", "zip_code", "channel", "segment"]);
  const channel = shap.featureNames.flatMap((n, j) => (n.startsWith("channel=") ? [j] : []));
  assert.equal(channel.length, 3);
  for (let i = 0; i < x.nRows; i++) {
    const sum = channel.reduce((s, j) => s + shapAt(shap, i, j), 0);
    assert.ok(Math.abs(shapAt(grouped, i, 6) - sum) < 1e-15);
    assert.ok(Math.abs(shapMargin(grouped)[i] - shapMargin(shap)[i]) < 1e-12);
  }
  assert.throws(() => groupShap(shap, ["a"]), { code: "E_GROUPS" });
});

test("linear SHAP of Patron's logistic regression adds up to its decision function (binary and multinomial)", () => {
  const x = fromRows(
    [[0.1, 1.2], [1.4, -0.3], [-0.7, 0.5], [2.1, 1.1], [-1.3, -1.8], [0.4, 0.9], [1.9, -1.2], [-0.2, 0.3], [0.8, 2.2]],
    ["u", "v"],
  );
  const binary = logisticRegression().fit(x, Float64Array.of(0, 1, 0, 1, 0, 1, 1, 0, 0));
  const shap = explainLinear(binary, x, { background: x });
  const margin = shapMargin(shap);
  const proba = binary.predictProba(x);
  for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(1 / (1 + Math.exp(-margin[i])) - proba[i]) < 1e-12);

  const multi = logisticRegression().fit(x, Float64Array.of(0, 1, 2, 1, 0, 2, 1, 0, 2));
  const multiShap = explainLinear(multi, x, { background: x });
  assert.equal(multiShap.nOutputs, 3);
  const p = multi.predictProba(x);
  for (let i = 0; i < x.nRows; i++) {
    const m = [0, 1, 2].map((k) => shapMargin(multiShap, k)[i]);
    const z = m.map((v) => Math.exp(v - Math.max(...m)));
    const total = z[0] + z[1] + z[2];
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(z[k] / total - p[i * 3 + k]) < 1e-12);
  }
});

test("linear SHAP rejects other columns and a background with missing values", () => {
  const model = { coef: Float64Array.of(1), intercept: 0, featureNames: ["a"] };
  assert.throws(() => explainLinear(model, fromRows([[1]], ["b"]), { background: fromRows([[1]], ["a"]) }), { code: "E_COLUMNS" });
  assert.throws(() => explainLinear(model, fromRows([[1]], ["a"]), { background: fromRows([[NaN]], ["a"]) }), { code: "E_MISSING" });
});
