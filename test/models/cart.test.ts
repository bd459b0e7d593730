// CART against scikit-learn 1.2.1 (scripts/reference/cart.py → test/reference/cart.json):
// the same tree node by node (features, thresholds, children, row counts, weights, impurity,
// values), the same test-set predictions and feature importances. Features are continuous
// float32 values, so no two candidate splits tie and the tree is unique. Tolerances: structure
// and thresholds exact (ours = scikit-learn's midpoint moved up one ulp, see cart.ts); impurity,
// values, predictions and importances 1e-12 (sums of weights accumulate in a different order).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows, matrix, type Matrix } from "../../src/core/matrix.ts";
import { nextUp } from "../../src/models/tree/cart-builder.ts";
import { cartClassifier, cartFromJSON, cartRegressor, type CartModel } from "../../src/models/tree/cart.ts";
import { ensembleMargin } from "../../src/models/tree/ensemble.ts";
import { modelFromJSON } from "../../src/models/registry.ts";

const fixture = JSON.parse(readFileSync(new URL("../reference/cart.json", import.meta.url), "utf8"));
const TOL = 1e-12;

function toMatrix(values: number[], nFeatures: number): Matrix {
  const nRows = values.length / nFeatures;
  return matrix(Float64Array.from(values), nRows, Array.from({ length: nFeatures }, (_, j) => `x${j}`));
}

function closeArray(actual: ArrayLike<number>, expected: number[], what: string, tol = TOL): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let t = 0; t < expected.length; t++) {
    assert.ok(Math.abs(actual[t] - expected[t]) <= tol * Math.max(1, Math.abs(expected[t])), `${what}[${t}]: ${actual[t]} vs ${expected[t]}`);
  }
}

describe("CART equals scikit-learn's DecisionTree", () => {
  for (const d of fixture.datasets) {
    const x = toMatrix(d.x, d.nFeatures);
    const xTest = toMatrix(d.xTest, d.nFeatures);
    const y = Float64Array.from(d.y);
    const sampleWeight = d.weight ? Float64Array.from(d.weight) : undefined;
    const regression = d.name.startsWith("regression");
    for (const f of d.fits) {
      it(`${d.name} ${JSON.stringify(f.options)}`, () => {
        const estimator = regression ? cartRegressor(f.options) : cartClassifier(f.options);
        const model = estimator.fit(x, y, { sampleWeight }) as CartModel;
        const { tree } = model;
        const sk = f.tree;
        assert.equal(tree.feature.length, sk.feature.length, "node count");
        for (let n = 0; n < sk.feature.length; n++) {
          const leaf = sk.left[n] === -1;
          assert.equal(tree.feature[n], leaf ? -1 : sk.feature[n], `feature of node ${n}`);
          assert.equal(tree.left[n], sk.left[n], `left child of node ${n}`);
          assert.equal(tree.right[n], sk.right[n], `right child of node ${n}`);
          if (!leaf) assert.equal(tree.threshold[n], nextUp(sk.threshold[n]), `threshold of node ${n}`);
          assert.equal(model.nodeSamples[n], sk.nodeSamples[n], `rows in node ${n}`);
        }
        closeArray(tree.cover, sk.cover, "cover");
        closeArray(model.nodeImpurity, sk.impurity, "impurity");
        if (regression) closeArray(tree.value, sk.value, "value");
        else if (model.nClasses === 2) closeArray(tree.value, sk.value.filter((_: number, t: number) => t % 2 === 1), "P(1)");
        else closeArray(model.classProba!, sk.value, "class probabilities");
        const predicted = regression || model.nClasses > 2 ? (model.nClasses > 2 ? (model as any).predictProba(xTest) : model.predict(xTest)) : (model as any).predictProba(xTest);
        const expected = !regression && model.nClasses === 2 ? f.predictTest.filter((_: number, t: number) => t % 2 === 1) : f.predictTest;
        closeArray(predicted, expected, "test predictions");
        closeArray(model.featureImportances, f.importances, "feature importances");
      });
    }
  }
});

describe("CART by hand", () => {
  it("splits a separable feature at the midpoint and predicts leaf probabilities", () => {
    const x = fromRows([[1, 5], [2, 5], [3, 5], [10, 5], [11, 5]]);
    const model = cartClassifier().fit(x, Float64Array.of(0, 0, 0, 1, 1));
    assert.equal(model.tree.feature[0], 0);
    assert.equal(model.tree.threshold[0], nextUp(6.5));
    assert.deepEqual(Array.from(model.predictProba(fromRows([[6.5, 0], [6.50001, 0]]))), [0, 1]);
    assert.deepEqual(Array.from(model.featureImportances), [1, 0]);
  });

  it("regression leaves hold weighted means", () => {
    const x = fromRows([[0], [0], [1], [1]]);
    const model = cartRegressor().fit(x, Float64Array.of(1, 3, 10, 20), { sampleWeight: Float64Array.of(1, 3, 1, 1) });
    assert.deepEqual(Array.from(model.predict(fromRows([[0], [1]]))), [2.5, 15]);
  });

  it("learns where missing values go: NaN rows join the side they resemble", () => {
    // Class 1 rows have large x or a missing x; the split must send NaN right.
    const x = fromRows([[1], [2], [3], [NaN], [8], [9], [NaN]]);
    const model = cartClassifier().fit(x, Float64Array.of(0, 0, 0, 1, 1, 1, 1));
    assert.deepEqual(Array.from(model.predictProba(fromRows([[NaN], [2.5], [8.5]]))), [1, 0, 1]);
  });

  it("a feature that is only 'missing or not' splits on missingness", () => {
    const x = fromRows([[5], [5], [NaN], [NaN], [5]]);
    const model = cartClassifier().fit(x, Float64Array.of(0, 0, 1, 1, 0));
    assert.deepEqual(Array.from(model.predictProba(fromRows([[NaN], [5], [-1e9]]))), [1, 0, 0]);
  });

  it("multiclass: one shared structure, the ensemble margin is the probability row", () => {
    const x = fromRows([[0], [1], [2], [3], [4], [5]]);
    const model = cartClassifier().fit(x, Float64Array.of(0, 0, 1, 1, 2, 2));
    assert.equal(model.task, "multiclass");
    assert.deepEqual(Array.from(model.predict(fromRows([[0.2], [2.7], [4.9]]))), [0, 1, 2]);
    const probe = fromRows([[0.2], [2.7]]);
    assert.deepEqual(Array.from(ensembleMargin(model.ensemble, probe)), Array.from(model.predictProba(probe)));
  });

  it("JSON round trip through the registry predicts identically", async () => {
    const d = fixture.datasets[0];
    const x = toMatrix(d.x, d.nFeatures);
    const model = cartClassifier({ maxDepth: 5 }).fit(x, Float64Array.from(d.y));
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as CartModel;
    const xTest = toMatrix(d.xTest, d.nFeatures);
    assert.deepEqual(again.predict(xTest), model.predict(xTest));
    assert.deepEqual(again.featureImportances, model.featureImportances);
  });

  it("fromJSON rejects a tree whose child points backwards", () => {
    const model = cartRegressor({ maxDepth: 2 }).fit(fromRows([[0], [1], [2], [3]]), Float64Array.of(0, 1, 2, 3));
    const json = model.toJSON() as any;
    json.tree.left[0] = 0;
    assert.throws(() => cartFromJSON(json), { code: "E_MODEL_JSON" });
  });
});

describe("CART errors", () => {
  const x = fromRows([[1], [2], [3]]);
  it("one class only", () => assert.throws(() => cartClassifier().fit(x, Float64Array.of(1, 1, 1)), { code: "E_ONE_CLASS" }));
  it("non-integer labels", () => assert.throws(() => cartClassifier().fit(x, Float64Array.of(0, 0.5, 1)), { code: "E_LABEL" }));
  it("y of the wrong length", () => assert.throws(() => cartClassifier().fit(x, Float64Array.of(0, 1)), { code: "E_SHAPE" }));
  it("infinite feature values", () => assert.throws(() => cartRegressor().fit(fromRows([[1], [Infinity]]), Float64Array.of(0, 1)), { code: "E_NAN" }));
  it("wrong column count at predict", () => {
    const model = cartRegressor().fit(x, Float64Array.of(0, 1, 2));
    assert.throws(() => model.predict(fromRows([[1, 2]])), { code: "E_SHAPE" });
  });
  it("unknown option", () => assert.throws(() => cartClassifier({ depth: 3 } as never)));
  it("maxFeatures above the column count", () => assert.throws(() => cartRegressor({ maxFeatures: 4 }).fit(x, Float64Array.of(0, 1, 2)), { code: "E_OPTION" }));
});

describe("presort", () => {
  it("orders rows by value, stably, with −0 = +0 and NaN last, on both sort paths", async () => {
    const { presortColumns } = await import("../../src/models/tree/cart-presort.ts");
    const { rng } = await import("../../src/core/rng.ts");
    const random = rng(3);
    for (const n of [10, 300, 5000, 70000]) {
      const values = new Float64Array(n).map(() => {
        const u = random.next();
        return u < 0.1 ? NaN : u < 0.2 ? -0 : u < 0.3 ? 0 : u < 0.5 ? Math.round(random.normal() * 3) : random.normal() * 1e5;
      });
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
        const va = values[a];
        const vb = values[b];
        if (Number.isNaN(va)) return Number.isNaN(vb) ? a - b : 1;
        if (Number.isNaN(vb)) return -1;
        return va - vb || a - b;
      });
      assert.deepEqual(Array.from(presortColumns(values, n, 1)), expected, `n = ${n}`);
    }
  });
});

describe("nextUp", () => {
  it("returns the next double: nothing lies strictly between x and nextUp(x)", () => {
    for (const x of [1, -1, 0.1, -0.1, 6.5, -2.5, 1e300, -1e-300, 2 ** 52, -(2 ** 53), 4294967296.5, -4294967296.5, -Number.MIN_VALUE]) {
      const up = nextUp(x);
      assert.ok(up > x, `${x}`);
      const mid = x / 2 + up / 2;
      assert.ok(mid === x || mid === up, `${x}: ${mid} between ${x} and ${up}`);
    }
    assert.equal(nextUp(0), Number.MIN_VALUE);
  });
});
