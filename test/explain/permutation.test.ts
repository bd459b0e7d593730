import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows } from "../../src/core/matrix.ts";
import { permutationImportance } from "../../src/explain/permutation.ts";
import { sourcesFromNames } from "../../src/explain/grouping.ts";
import { rowMajorMatrix } from "./reference.ts";
import { linearReference, sklearnClassifier } from "./linear-fixture.ts";

const ref = linearReference.permutation;
const x = rowMajorMatrix(ref.x, ref.y.length, linearReference.featureNames);
const y = Float64Array.from(ref.y);

test(`with scikit-learn ${linearReference.versions.sklearn}'s shuffles, permutation importance equals permutation_importance`, () => {
  const result = permutationImportance(sklearnClassifier, x, y, {
    scoring: ref.scoring,
    nRepeats: ref.nRepeats,
    shufflingIndex: (r) => ref.shufflingIndex[r],
  });
  // same permutations, same model, same metric: only summation order differs (1e-9)
  assert.ok(Math.abs(result.baseline - ref.baseline) < 1e-9);
  result.featureNames.forEach((name, j) => {
    for (let r = 0; r < ref.nRepeats; r++) {
      assert.ok(Math.abs(result.importances[j * ref.nRepeats + r] - ref.importances[j][r]) < 1e-9, `${name} repeat ${r}`);
    }
    assert.ok(Math.abs(result.mean[j] - ref.importancesMean[j]) < 1e-9);
    assert.ok(Math.abs(result.std[j] - ref.importancesStd[j]) < 1e-9);
  });
});

test("seeded shuffles: same seed same result, and a feature the model ignores scores exactly 0", () => {
  const model = {
    task: "regression" as const,
    predict: (m: typeof x) => m.data.slice(0, m.nRows).map((v) => 3 * v), // reads column 0 only
  };
  const data = fromRows(Array.from({ length: 200 }, (_, i) => [Math.sin(i), Math.cos(i * 7)]), ["used", "ignored"]);
  const target = data.data.slice(0, 200).map((v) => 3 * v);
  const a = permutationImportance(model, data, target, { seed: 3, nRepeats: 4 });
  const b = permutationImportance(model, data, target, { seed: 3, nRepeats: 4 });
  assert.deepEqual(a.importances, b.importances);
  assert.equal(a.baseline, 1);
  assert.ok(a.mean[0] > 1, `shuffling the only signal drops R² from 1 to about −1: ${a.mean[0]}`);
  assert.deepEqual(Array.from(a.importances.subarray(4)), [0, 0, 0, 0]);
  const c = permutationImportance(model, data, target, { seed: 4, nRepeats: 4 });
  assert.notDeepEqual(a.importances, c.importances);
});

test("one-hot columns permuted as one group, and the sample does not change the inputs", () => {
  const before = Float64Array.from(x.data);
  const groups = sourcesFromNames(x.columns);
  const result = permutationImportance(sklearnClassifier, x, y, { scoring: "roc_auc", nRepeats: 2, groups, seed: 1, maxSamples: 0.5 });
  assert.deepEqual(result.featureNames, ["recency", "history", "mens", "womens", "newbie", "zip_code", "channel", "segment"]);
  assert.equal(result.importances.length, 8 * 2);
  assert.deepEqual(x.data, before);
  assert.throws(() => permutationImportance(sklearnClassifier, x, y, { nRepeats: 0 }), { code: "E_OPTIONS" });
  assert.throws(() => permutationImportance(sklearnClassifier, x, y.subarray(1)), { code: "E_SHAPE" });
});
