// kNN against scikit-learn 1.2.1 (test/reference/knn.json from scripts/reference/knn.py),
// hand-computed cases, round trips and boundary errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows, matrix, takeRows } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { knnClassifier } from "../../src/models/neighbors/knn-classifier.ts";
import { knnRegressor } from "../../src/models/neighbors/knn-regressor.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import type { Classifier } from "../../src/models/types.ts";

interface Case {
  name: string;
  task: "binary" | "multiclass" | "regression";
  options: Record<string, unknown>;
  neighborIndex?: number[];
  neighborDistance?: number[];
  proba?: number[];
  predict: number[];
}
const ref = JSON.parse(readFileSync(new URL("../reference/knn.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  nTrain: number;
  nQuery: number;
  nCols: number;
  x: number[];
  query: number[];
  yBinary: number[];
  yMulticlass: number[];
  yRegression: number[];
  cases: Case[];
};
const names = Array.from({ length: ref.nCols }, (_, j) => `f${j}`);
const x = matrix(Float64Array.from(ref.x), ref.nTrain, names);
const query = matrix(Float64Array.from(ref.query), ref.nQuery, names);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

describe(`kNN equals scikit-learn ${ref.versions.sklearn}`, () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const k = c.options.nNeighbors as number;
      // Query 0 sits on four identical training rows: with k < 4 which of them is "nearest" is a
      // tie that scikit-learn's kd-tree and our scan may break differently, so it is left out.
      const rows = Array.from({ length: ref.nQuery }, (_, i) => i).filter((i) => k >= 4 || i !== 0);
      const pick = (values: ArrayLike<number>, width: number) => rows.flatMap((i) => Array.from({ length: width }, (_, s) => values[i * width + s]));
      if (c.task === "regression") {
        const model = knnRegressor(c.options as never).fit(x, Float64Array.from(ref.yRegression));
        // 1e-12: the same weighted mean of the same neighbours; only summation order differs.
        assert.ok(maxDiff(pick(model.predict(query), 1), pick(c.predict, 1)) < 1e-12);
        return;
      }
      const y = Float64Array.from(c.task === "binary" ? ref.yBinary : ref.yMulticlass);
      const model = knnClassifier(c.options as never).fit(x, y);
      const neighbors = model.kneighbors(query);
      // Neighbour sets identical; within a group at equal distance (the duplicated rows) the order may differ.
      for (const i of rows) {
        const ours = Array.from(neighbors.index.subarray(i * k, (i + 1) * k));
        const theirs = c.neighborIndex!.slice(i * k, (i + 1) * k);
        assert.deepEqual([...ours].sort((a, b) => a - b), [...theirs].sort((a, b) => a - b), `query ${i}`);
      }
      assert.ok(maxDiff(pick(neighbors.distance, k), pick(c.neighborDistance!, k)) < 1e-12);
      const width = c.task === "binary" ? 1 : 3;
      // Probabilities to 1e-12 (shares of the same weights); class predictions identical.
      assert.ok(maxDiff(pick(model.predictProba(query), width), pick(c.proba!, width)) < 1e-12);
      if (c.task === "multiclass") assert.deepEqual(pick(model.predict(query), 1), pick(c.predict, 1));
      // Binary predict is P(y = 1); scikit-learn's class is its argmax, the lower class on a 0.5 tie.
      else assert.deepEqual(pick(model.predict(query), 1).map((p) => (p > 0.5 ? 1 : 0)), pick(c.predict, 1));
    });
  }
});

describe("kNN by hand", () => {
  const train = fromRows([[0], [1], [3], [10]]);
  const y = Float64Array.of(0, 1, 1, 0);

  it("uniform weights: the share of each class among the k nearest", () => {
    const model = knnClassifier({ nNeighbors: 3 }).fit(train, y);
    // Nearest to 0.9: rows 1 (0.1), 0 (0.9), 2 (2.1) → labels 1, 0, 1.
    assert.deepEqual(Array.from(model.predictProba(fromRows([[0.9]]))), [2 / 3]);
  });

  it("distance weights: 1/d, and a zero distance takes all the weight", () => {
    const model = knnClassifier({ nNeighbors: 2, weights: "distance" }).fit(train, y);
    // 0.5 is 0.5 from rows 0 and 1: equal weights → 0.5. 1 is on row 1 → P = 1.
    assert.deepEqual(Array.from(model.predictProba(fromRows([[0.25], [1]]))), [(1 / 0.75) / (1 / 0.25 + 1 / 0.75), 1]);
    const reg = knnRegressor({ nNeighbors: 2, weights: "distance" }).fit(train, Float64Array.of(0, 10, 30, 100));
    assert.deepEqual(Array.from(reg.predict(fromRows([[2], [3]]))), [(10 / 1 + 30 / 1) / 2, 30]);
  });

  it("manhattan sums absolute differences", () => {
    const model = knnRegressor({ nNeighbors: 1, metric: "manhattan" }).fit(fromRows([[0, 0], [3, 0]]), Float64Array.of(1, 2));
    assert.equal(model.kneighbors(fromRows([[1, 1]])).distance[0], 2);
  });

  it("round-trips through JSON, is deterministic and ignores row order of training data", async () => {
    const random = rng(3);
    const rows = Array.from({ length: 200 }, () => [random.normal(), random.normal(), random.normal()]);
    const big = fromRows(rows);
    const labels = Float64Array.from(rows, (r) => (r[0] + r[1] > 0 ? 1 : 0));
    const model = knnClassifier({ nNeighbors: 7, weights: "distance" }).fit(big, labels);
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as Classifier;
    assert.deepEqual(again.predictProba(big), model.predictProba(big));
    const order = Array.from({ length: 200 }, (_, i) => 199 - i);
    const shuffled = knnClassifier({ nNeighbors: 7, weights: "distance" }).fit(takeRows(big, order), Float64Array.from(order, (i) => labels[i]));
    assert.ok(maxDiff(shuffled.predictProba(big), model.predictProba(big)) < 1e-12);
  });

  it("finds each row itself as its nearest neighbour on 3,000 rows × 20 features", () => {
    // Scale check without a timing assertion (the machine is shared); speed is measured apart.
    const random = rng(5);
    const n = 3_000;
    const data = Float64Array.from({ length: n * 20 }, () => random.normal());
    const big = matrix(data, n, Array.from({ length: 20 }, (_, j) => `f${j}`));
    const model = knnRegressor({ nNeighbors: 5 }).fit(big, Float64Array.from({ length: n }, () => random.next()));
    const neighbors = model.kneighbors(big);
    for (let i = 0; i < n; i++) {
      assert.equal(neighbors.index[i * 5], i);
      for (let s = 1; s < 5; s++) assert.ok(neighbors.distance[i * 5 + s] >= neighbors.distance[i * 5 + s - 1]);
    }
  });
});

describe("kNN errors", () => {
  const train = fromRows([[0], [1], [2]]);
  it("needs at least k training rows", () => {
    assert.throws(() => knnClassifier({ nNeighbors: 5 }).fit(train, Float64Array.of(0, 1, 0)), { code: "E_OPTIONS" });
  });
  it("refuses missing values and says to impute", () => {
    assert.throws(() => knnClassifier({ nNeighbors: 1 }).fit(fromRows([[0], [NaN]]), Float64Array.of(0, 1)), { code: "E_NAN", message: /[Ii]mpute/ });
  });
  it("refuses non-integer labels and a single class", () => {
    assert.throws(() => knnClassifier({ nNeighbors: 1 }).fit(train, Float64Array.of(0, 0.5, 1)), { code: "E_LABELS" });
    assert.throws(() => knnClassifier({ nNeighbors: 1 }).fit(train, Float64Array.of(1, 1, 1)), { code: "E_ONE_CLASS" });
  });
  it("refuses a matrix with other columns at predict time", () => {
    const model = knnRegressor({ nNeighbors: 1 }).fit(train, Float64Array.of(0, 1, 2));
    assert.throws(() => model.predict(fromRows([[0, 1]])), { code: "E_SHAPE" });
    assert.throws(() => model.predict(fromRows([[0]], ["other"])), { code: "E_COLUMN" });
  });
  it("refuses sample weights rather than ignoring them", () => {
    assert.throws(() => knnRegressor({ nNeighbors: 1 }).fit(train, Float64Array.of(0, 1, 2), { sampleWeight: Float64Array.of(1, 1, 1) }), { code: "E_OPTIONS" });
  });
});
