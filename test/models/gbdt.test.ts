/**
 * GBDT behaviour: closed-form trees, the learned missing direction, early stopping, seeds,
 * threads, JSON, weights, limits and every rejected input. XGBoost equality is in
 * gbdt-trees.test.ts and gbdt-datasets.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromColumns, fromRows, matrix, type Matrix } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { estimatorFromSpec, modelFromJSON } from "../../src/models/registry.ts";
import { gbdt, type GbdtEstimator, type GbdtModel } from "../../src/models/tree/gbdt.ts";
import { classMajorMargins } from "../../src/models/tree/gbdt-model.ts";
import { compileEnsemble } from "../../src/models/tree/gbdt-predict.ts";
import { ensembleMargin } from "../../src/models/tree/ensemble.ts";
import { maxDepth } from "../../src/models/tree/tree.ts";

/** n rows, 5 features (x3 with 15% NaN), a noisy nonlinear binary label. */
function noisy(n: number, seed: number): { x: Matrix; y: Float64Array } {
  const random = rng(seed);
  const cols: Record<string, Float64Array> = {};
  for (let j = 0; j < 5; j++) {
    cols[`x${j}`] = Float64Array.from({ length: n }, () => (j === 3 && random.next() < 0.15 ? NaN : Math.round(random.normal() * 100) / 100));
  }
  const y = Float64Array.from({ length: n }, (_, i) => {
    const x3 = Number.isNaN(cols.x3[i]) ? 1 : cols.x3[i];
    const z = cols.x0[i] - cols.x1[i] * cols.x2[i] + 0.5 * x3 + random.normal();
    return z > 0 ? 1 : 0;
  });
  return { x: fromColumns(cols), y };
}

function predictionsEqual(a: GbdtModel, b: GbdtModel, x: Matrix): void {
  assert.deepEqual(Array.from(a.predict(x)), Array.from(b.predict(x)));
  assert.deepEqual(Array.from(a.decisionFunction(x)), Array.from(b.decisionFunction(x)));
}

describe("gbdt: closed-form trees", () => {
  it("a step is learned exactly: leaves are ±half the jump around the mean", () => {
    const x = fromRows([[0], [0.2], [0.4], [0.6], [0.8], [1]]);
    const y = Float64Array.of(0, 0, 0, 10, 10, 10);
    const model = gbdt({ objective: "reg:squarederror", nEstimators: 1, maxDepth: 1, learningRate: 1, lambda: 0, minChildWeight: 0 }).fit(x, y);
    const tree = model.ensemble.trees[0];
    assert.equal(model.ensemble.baseMargin, 5);
    assert.equal(tree.feature[0], 0);
    assert.equal(tree.threshold[0], 0.6);
    assert.deepEqual(Array.from(tree.value.subarray(1)), [-5, 5]);
    assert.deepEqual(Array.from(tree.cover), [6, 3, 3]);
    assert.deepEqual(Array.from(model.predict(x)), Array.from(y));
  });

  it("the first logistic tree's leaf is −η·G/(H + λ) with g = p − y, h = p(1 − p) at p = ½", () => {
    // 3 positives and 1 negative in one leaf (depth 0 is impossible, so gamma blocks the split).
    const x = fromRows([[1], [2], [3], [4]]);
    const y = Float64Array.of(1, 1, 0, 1);
    const model = gbdt({ nEstimators: 1, learningRate: 0.3, gamma: 1e6 }).fit(x, y);
    const tree = model.ensemble.trees[0];
    assert.equal(tree.feature.length, 1);
    const g = 3 * (0.5 - 1) + (0.5 - 0);
    const h = 4 * 0.25;
    assert.ok(Math.abs(tree.value[0] - (-0.3 * g) / (h + 1)) < 1e-7);
    assert.equal(tree.cover[0], 1);
  });

  it("learns which side missing values belong to", () => {
    // x0 = 1 → y = 1, x0 = −1 → y = 0; missing rows follow the label given to them.
    for (const missingLabel of [0, 1]) {
      const rows: number[][] = [];
      const labels: number[] = [];
      for (let i = 0; i < 40; i++) {
        rows.push([i % 2 === 0 ? 1 : -1]);
        labels.push(i % 2 === 0 ? 1 : 0);
      }
      for (let i = 0; i < 10; i++) {
        rows.push([NaN]);
        labels.push(missingLabel);
      }
      const model = gbdt({ nEstimators: 1, maxDepth: 1, learningRate: 1 }).fit(fromRows(rows), Float64Array.from(labels));
      const tree = model.ensemble.trees[0];
      assert.equal(tree.feature[0], 0);
      assert.equal(tree.missingLeft[0], missingLabel === 0 ? 1 : 0, `missing label ${missingLabel}`);
      const p = model.predict(fromRows([[NaN], [-1], [1]]));
      assert.equal(p[0], missingLabel === 0 ? p[1] : p[2]);
    }
  });

  it("sends NaN right where training had no missing values (XGBoost's default)", () => {
    const x = fromRows([[1], [2], [3], [4], [5], [6]]);
    const model = gbdt({ nEstimators: 1, maxDepth: 1, minChildWeight: 0 }).fit(x, Float64Array.of(0, 0, 0, 1, 1, 1));
    assert.equal(model.ensemble.trees[0].missingLeft[0], 0);
    const [missing, high] = model.predict(fromRows([[NaN], [6]]));
    assert.equal(missing, high);
  });

  it("gamma, maxDepth and maxLeaves bound the trees", () => {
    const { x, y } = noisy(600, 1);
    const shallow = gbdt({ nEstimators: 5, maxDepth: 2 }).fit(x, y);
    for (const tree of shallow.ensemble.trees) assert.ok(maxDepth(tree) <= 2);
    const leafy = gbdt({ nEstimators: 5, maxLeaves: 5, maxDepth: 0 }).fit(x, y);
    for (const tree of leafy.ensemble.trees) {
      const leaves = Array.from(tree.feature).filter((f) => f === -1).length;
      assert.ok(leaves <= 5 && leaves >= 2, `${leaves} leaves`);
    }
    const stump = gbdt({ nEstimators: 3, gamma: 1e9 }).fit(x, y);
    for (const tree of stump.ensemble.trees) assert.equal(tree.feature.length, 1);
  });
});

describe("gbdt: training behaviour", () => {
  it("early stopping on a held-out fraction stops at the best round and keeps it", () => {
    const { x, y } = noisy(800, 2);
    const model = gbdt({ nEstimators: 400, learningRate: 0.5, maxDepth: 5, earlyStoppingRounds: 5, validationFraction: 0.25 }).fit(x, y, { seed: 3 });
    const history = model.evalHistory;
    assert.ok(history.length < 400, `stopped after ${history.length} rounds`);
    assert.equal(history.length, model.bestIteration + 1 + 5);
    assert.equal(model.ensemble.trees.length, model.bestIteration + 1);
    const best = Math.min(...history);
    assert.equal(history[model.bestIteration], best);
    assert.equal(history.indexOf(best), model.bestIteration);
  });

  it("early stopping can maximise AUC", () => {
    const train = noisy(600, 4);
    const valid = noisy(300, 5);
    const model = gbdt({ nEstimators: 300, learningRate: 0.5, earlyStoppingRounds: 8, evalMetric: "auc" }).fit(train.x, train.y, { validation: valid });
    const history = model.evalHistory;
    assert.equal(history[model.bestIteration], Math.max(...history));
    assert.ok(history.every((auc) => auc > 0.5 && auc <= 1));
  });

  it("the same seed gives the same model; another seed another one", () => {
    const { x, y } = noisy(500, 6);
    const estimator = gbdt({ nEstimators: 10, subsample: 0.7, colsampleByTree: 0.6 });
    const a = estimator.fit(x, y, { seed: 11 });
    const b = estimator.fit(x, y, { seed: 11 });
    const c = estimator.fit(x, y, { seed: 12 });
    assert.deepEqual(a.toJSON(), b.toJSON());
    assert.notDeepEqual(a.toJSON().trees, c.toJSON().trees);
  });

  it("binSampleRows sketches the cuts from a seeded sample", () => {
    const { x, y } = noisy(4000, 22);
    const sampled = gbdt({ nEstimators: 3, binSampleRows: 1000 });
    const a = sampled.fit(x, y, { seed: 1 });
    assert.deepEqual(sampled.fit(x, y, { seed: 1 }).toJSON(), a.toJSON());
    const full = gbdt({ nEstimators: 3 }).fit(x, y, { seed: 1 });
    const thresholds = (m: GbdtModel) => m.ensemble.trees.flatMap((t) => Array.from(t.threshold));
    assert.notDeepEqual(thresholds(a), thresholds(full));
  });

  it("two threads give bit-identical models to one", () => {
    const { x, y } = noisy(3000, 7);
    for (const options of [{ nEstimators: 8, maxDepth: 5, subsample: 0.8 }, { nEstimators: 4, maxLeaves: 12, colsampleByTree: 0.8 }]) {
      const one = gbdt(options).fit(x, y, { nThreads: 1, seed: 2 });
      const two = gbdt(options).fit(x, y, { nThreads: 2, seed: 2 });
      assert.deepEqual(two.toJSON(), one.toJSON());
    }
  });

  it("never mutates its inputs", () => {
    const { x, y } = noisy(300, 8);
    const weights = Float64Array.from(y, (v, i) => 1 + (i % 3));
    const before = { data: x.data.slice(), y: y.slice(), weights: weights.slice() };
    const valid = noisy(100, 9);
    const validBefore = valid.x.data.slice();
    gbdt({ nEstimators: 5, subsample: 0.8, earlyStoppingRounds: 2 }).fit(x, y, { sampleWeight: weights, validation: valid });
    assert.deepEqual(x.data, before.data);
    assert.deepEqual(y, before.y);
    assert.deepEqual(weights, before.weights);
    assert.deepEqual(valid.x.data, validBefore);
  });

  it("a row of weight 2 counts as the row twice", () => {
    const { x, y } = noisy(200, 10);
    const twice = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? [i, i] : [i])).flat();
    const duplicated = {
      x: matrix(Float64Array.from({ length: twice.length * x.nCols }, (_, k) => x.data[Math.floor(k / twice.length) * 200 + twice[k % twice.length]]), twice.length, x.columns),
      y: Float64Array.from(twice, (i) => y[i]),
    };
    const weights = Float64Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 2 : 1));
    const weighted = gbdt({ nEstimators: 5, maxDepth: 3 }).fit(x, y, { sampleWeight: weights });
    const repeated = gbdt({ nEstimators: 5, maxDepth: 3 }).fit(duplicated.x, duplicated.y);
    const a = weighted.decisionFunction(x);
    const b = repeated.decisionFunction(x);
    for (let i = 0; i < 200; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `row ${i}`);
  });

  it("predictions do not depend on the order of training rows", () => {
    const { x, y } = noisy(400, 12);
    const order = Array.from({ length: 400 }, (_, i) => (i * 157) % 400);
    const shuffled = {
      x: matrix(Float64Array.from({ length: 400 * x.nCols }, (_, k) => x.data[Math.floor(k / 400) * 400 + order[k % 400]]), 400, x.columns),
      y: Float64Array.from(order, (i) => y[i]),
    };
    const a = gbdt({ nEstimators: 10, maxDepth: 3 }).fit(x, y).predict(x);
    const b = gbdt({ nEstimators: 10, maxDepth: 3 }).fit(shuffled.x, shuffled.y).predict(x);
    for (let i = 0; i < 400; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-9, `row ${i}`);
  });

  it("multiclass: probabilities sum to one and predict is their argmax", () => {
    const { x, y } = noisy(600, 13);
    const labels = Float64Array.from(y, (v, i) => v + (x.data[2 * 600 + i] > 0.5 ? 1 : 0));
    const model = gbdt({ objective: "multi:softmax", nEstimators: 6, maxDepth: 3 }).fit(x, labels);
    assert.equal(model.task, "multiclass");
    assert.equal(model.ensemble.trees.length, 18);
    const proba = model.predictProba(x);
    const predicted = model.predict(x);
    for (let i = 0; i < 600; i++) {
      const row = Array.from(proba.subarray(3 * i, 3 * i + 3));
      assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-12);
      assert.equal(predicted[i], row.indexOf(Math.max(...row)));
    }
  });

  it("binary probabilities lie in [0, 1] and are the sigmoid of the margin", () => {
    const { x, y } = noisy(300, 14);
    const model = gbdt({ nEstimators: 20 }).fit(x, y);
    const p = model.predictProba(x);
    const m = model.decisionFunction(x);
    for (let i = 0; i < 300; i++) {
      assert.ok(p[i] > 0 && p[i] < 1);
      assert.ok(Math.abs(p[i] - 1 / (1 + Math.exp(-m[i]))) < 1e-12);
    }
  });

  it("compiled prediction equals the plain tree walk of ensemble.ts, NaN and infinities included", () => {
    const { x, y } = noisy(400, 20);
    const probe = matrix(x.data.map((v, k) => (k % 13 === 0 ? Infinity : k % 17 === 0 ? -Infinity : k % 11 === 0 ? NaN : v)), x.nRows, x.columns);
    const fits: GbdtModel[] = [
      gbdt({ nEstimators: 20, maxDepth: 4 }).fit(x, y),
      gbdt({ nEstimators: 10, maxLeaves: 9, maxDepth: 0 }).fit(x, y),
      gbdt({ objective: "multi:softmax", nEstimators: 5, nClasses: 3 }).fit(x, Float64Array.from(y, (v, i) => (i % 7 === 0 ? 2 : v))),
    ];
    for (const model of fits) assert.deepEqual(Array.from(model.decisionFunction(probe)), Array.from(ensembleMargin(model.ensemble, probe)));
  });

  it("predicts the same margins on two threads as on one", () => {
    const { x, y } = noisy(3000, 21);
    const model = gbdt({ nEstimators: 30, maxDepth: 5 }).fit(x, y);
    const { trees, baseMargin } = model.ensemble;
    const treeClass = new Int32Array(trees.length);
    const compiled = compileEnsemble(trees, treeClass, x.nCols);
    const one = classMajorMargins(trees, treeClass, 1, baseMargin, x, compiled, 1);
    const two = classMajorMargins(trees, treeClass, 1, baseMargin, x, compiled, 2);
    assert.deepEqual(Array.from(two), Array.from(one));
    assert.deepEqual(Array.from(one), Array.from(ensembleMargin(model.ensemble, x)));
  });

  it("feature importance counts splits and averages gain and cover", () => {
    const { x, y } = noisy(300, 15);
    const model = gbdt({ nEstimators: 5, maxDepth: 2 }).fit(x, y);
    const weight = model.featureImportance("weight");
    const splits = model.ensemble.trees.reduce((s, t) => s + Array.from(t.feature).filter((f) => f >= 0).length, 0);
    assert.equal(Object.values(weight).reduce((a, b) => a + b, 0), splits);
    const total = model.featureImportance("total_gain");
    const mean = model.featureImportance("gain");
    for (const name of Object.keys(weight)) assert.ok(Math.abs(total[name] / weight[name] - mean[name]) < 1e-9);
  });
});

describe("gbdt: serialization and registry", () => {
  it("round-trips through JSON for every objective", async () => {
    const { x, y } = noisy(300, 16);
    const fits: GbdtModel[] = [
      gbdt({ nEstimators: 5, maxLeaves: 6, maxDepth: 0 }).fit(x, y),
      gbdt({ objective: "reg:squarederror", nEstimators: 5 }).fit(x, Float64Array.from(y, (v, i) => v * 3 + x.data[i])),
      gbdt({ objective: "multi:softmax", nEstimators: 3, nClasses: 3 }).fit(x, Float64Array.from(y, (v, i) => (i % 5 === 0 ? 2 : v))),
    ];
    for (const model of fits) {
      const restored = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as GbdtModel;
      assert.equal(restored.kind, "gbdt");
      assert.equal(restored.task, model.task);
      predictionsEqual(restored, model, x);
    }
  });

  it("builds from a spec through the registry", async () => {
    const estimator = (await estimatorFromSpec({ kind: "gbdt", options: { nEstimators: 3, maxDepth: 2 } })) as GbdtEstimator<GbdtModel>;
    const { x, y } = noisy(100, 17);
    assert.equal(estimator.kind, "gbdt");
    assert.equal(estimator.fit(x, y).ensemble.trees.length, 3);
  });

  it("fromJSON rejects broken models before building", async () => {
    const { x, y } = noisy(100, 18);
    const json = gbdt({ nEstimators: 2, maxDepth: 2 }).fit(x, y).toJSON();
    const broken = (edit: (j: any) => void) => {
      const copy = JSON.parse(JSON.stringify(json));
      edit(copy);
      return copy;
    };
    await assert.rejects(modelFromJSON(broken((j) => (j.schemaVersion = 99))), { code: "E_MODEL_JSON" });
    await assert.rejects(modelFromJSON(broken((j) => (j.trees[0].left[0] = 0))), { code: "E_MODEL_JSON" });
    await assert.rejects(modelFromJSON(broken((j) => (j.trees[0].feature[0] = 7))), { code: "E_MODEL_JSON" });
    await assert.rejects(modelFromJSON(broken((j) => j.trees[0].value.pop())), { code: "E_MODEL_JSON" });
    await assert.rejects(modelFromJSON(broken((j) => (j.treeClass = [0]))), { code: "E_MODEL_JSON" });
    await assert.rejects(modelFromJSON(broken((j) => (j.options.maxDepth = -1))), { code: "E_OPTIONS" });
  });
});

describe("gbdt: rejected inputs", () => {
  const { x, y } = noisy(50, 19);
  const fit = (labels: Float64Array, options = {}) => gbdt({ nEstimators: 1, ...options }).fit(x, labels);

  it("labels other than 0 and 1", () => {
    assert.throws(() => fit(Float64Array.from(y, (v, i) => (i === 3 ? 2 : v))), { code: "E_NOT_BINARY" });
  });
  it("NaN labels", () => {
    assert.throws(() => fit(Float64Array.from(y, (v, i) => (i === 5 ? NaN : v))), { code: "E_NAN_LABEL" });
  });
  it("one class only", () => {
    assert.throws(() => fit(new Float64Array(50).fill(1)), { code: "E_ONE_CLASS" });
  });
  it("labels of the wrong length", () => {
    assert.throws(() => fit(y.subarray(0, 49)), { code: "E_SHAPE" });
  });
  it("infinite features", () => {
    const bad = matrix(x.data.map((v, k) => (k === 7 ? Infinity : v)), x.nRows, x.columns);
    assert.throws(() => gbdt().fit(bad, y), { code: "E_NOT_FINITE", message: /row 7, column "x0"/ });
  });
  it("negative sample weights", () => {
    assert.throws(() => gbdt().fit(x, y, { sampleWeight: new Float64Array(50).fill(-1) }), { code: "E_WEIGHT" });
  });
  it("multiclass labels outside 0…nClasses−1", () => {
    assert.throws(() => fit(Float64Array.from(y, (v, i) => (i === 2 ? 1.5 : v)), { objective: "multi:softmax" }), { code: "E_LABEL" });
  });
  it("a wrong column count or other columns at predict time", () => {
    const model = gbdt({ nEstimators: 2 }).fit(x, y);
    assert.throws(() => model.predict(fromRows([[1, 2, 3]])), { code: "E_SHAPE" });
    assert.throws(() => model.predict(fromRows([[1, 2, 3, 4, 5]], ["a", "b", "c", "d", "e"])), { code: "E_COLUMN" });
  });
  it("validation sets with other columns", () => {
    assert.throws(() => gbdt().fit(x, y, { validation: { x: fromRows([[1, 2]]), y: Float64Array.of(1) } }), { code: "E_SHAPE" });
  });
  it("invalid options, with what to change", () => {
    assert.throws(() => gbdt({ maxDepth: 0 }), { code: "E_OPTIONS", message: /maxLeaves/ });
    assert.throws(() => gbdt({ objective: "reg:squarederror", evalMetric: "auc" }), { code: "E_OPTIONS", message: /rmse/ });
    assert.throws(() => gbdt({ maxBins: 300 }), { code: "E_OPTIONS" });
    assert.throws(() => gbdt({ learning_rate: 0.1 } as never), { code: "E_OPTIONS" });
    assert.throws(() => gbdt({ baseScore: 1.5 }), { code: "E_OPTIONS" });
  });
});
