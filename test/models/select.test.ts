// Model selection against scikit-learn 1.2.1 (scripts/reference/select.py → select.json):
// fold assignments identical; GridSearchCV's per-fold scores, means, sds and ranks, and
// cross_validate's scores equal to 1e-12 — CART trees equal scikit-learn's on these
// (tie-free, checked by the script) and the scorers are the metrics tested to 1e-12.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { frame } from "../../src/core/frame.ts";
import { matrix, type Matrix } from "../../src/core/matrix.ts";
import { takeWarnings } from "../../src/core/warn.ts";
import { crossValidate } from "../../src/models/select/cross-validate.ts";
import { kFold, repeatedStratifiedKFold, stratifiedKFold, stratifiedTestFolds, trainTestSplit } from "../../src/models/select/folds.ts";
import { applyParams, expandGrid, sampleParams } from "../../src/models/select/params.ts";
import { scoreModel, scorer, scorerNames } from "../../src/models/select/scorers.ts";
import { gridSearch, randomSearch, resultsTable } from "../../src/models/select/search.ts";
import { cartClassifier } from "../../src/models/tree/cart.ts";
import { rocAuc } from "../../src/metrics/curves.ts";

const fixture = JSON.parse(readFileSync(new URL("../reference/select.json", import.meta.url), "utf8"));
const cart = JSON.parse(readFileSync(new URL("../reference/cart.json", import.meta.url), "utf8"));
const TOL = 1e-12;

function dataset(name: string): { x: Matrix; y: Float64Array } {
  const d = cart.datasets.find((e: { name: string }) => e.name === name);
  const x = matrix(Float64Array.from(d.x), d.y.length, Array.from({ length: d.nFeatures }, (_, j) => `x${j}`));
  return { x, y: Float64Array.from(d.y) };
}

function closeArray(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let t = 0; t < expected.length; t++) assert.ok(Math.abs(actual[t] - expected[t]) <= TOL, `${what}[${t}]: ${actual[t]} vs ${expected[t]}`);
}

describe("folds equal scikit-learn's", () => {
  it("StratifiedKFold, binary labels", () => {
    const f = fixture.folds.stratifiedBinary;
    assert.deepEqual(Array.from(stratifiedTestFolds(f.y, f.nSplits)), f.testFold);
  });
  it("StratifiedKFold, three classes in order of appearance 2, 0, 1", () => {
    const f = fixture.folds.stratifiedMulticlass;
    assert.deepEqual(Array.from(stratifiedTestFolds(f.y, f.nSplits)), f.testFold);
  });
  it("KFold", () => {
    const f = fixture.folds.kFold;
    const folds = kFold(f.nRows, { nSplits: f.nSplits });
    const testFold = new Array(f.nRows);
    folds.forEach((fold, k) => fold.test.forEach((i) => (testFold[i] = k)));
    assert.deepEqual(testFold, f.testFold);
  });
});

describe("fold properties", () => {
  const y = Float64Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 1 : 0));
  it("every row is tested exactly once and never trained on in its own fold", () => {
    const folds = stratifiedKFold(y, { nSplits: 5, shuffle: true, seed: 3 });
    const seen = new Int32Array(50);
    for (const fold of folds) {
      for (const i of fold.test) seen[i]++;
      assert.equal(fold.train.length + fold.test.length, 50);
      assert.ok(!fold.test.some((i) => fold.train.includes(i)));
      assert.equal(Array.from(fold.test).filter((i) => y[i] === 1).length, 2); // 10 positives / 5 folds
    }
    assert.ok(seen.every((c) => c === 1));
  });
  it("shuffled folds depend on the seed only", () => {
    const a = stratifiedKFold(y, { shuffle: true, seed: 1 });
    assert.deepEqual(a, stratifiedKFold(y, { shuffle: true, seed: 1 }));
    assert.notDeepEqual(a, stratifiedKFold(y, { shuffle: true, seed: 2 }));
  });
  it("repeated stratified k-fold: nRepeats different partitions", () => {
    const folds = repeatedStratifiedKFold(y, { nSplits: 5, nRepeats: 3, seed: 1 });
    assert.equal(folds.length, 15);
    assert.notDeepEqual(folds[0].test, folds[5].test);
  });
  it("stratified train/test split keeps class shares and test size ceil(share × n)", () => {
    const split = trainTestSplit(50, { testSize: 0.3, stratify: y, seed: 4 });
    assert.equal(split.test.length, 15);
    assert.equal(Array.from(split.test).filter((i) => y[i] === 1).length, 3);
    assert.deepEqual(split, trainTestSplit(50, { testSize: 0.3, stratify: y, seed: 4 }));
  });
  it("errors: fewer rows than folds, a class smaller than the fold count, one class only", () => {
    assert.throws(() => kFold(3, { nSplits: 5 }), { code: "E_FOLDS" });
    assert.throws(() => stratifiedKFold(Float64Array.of(0, 0, 0, 0, 0, 1, 1), { nSplits: 3 }), { code: "E_FOLDS" });
    assert.throws(() => stratifiedKFold(new Float64Array(20), { nSplits: 3 }), { code: "E_ONE_CLASS" });
  });
});

describe("search spaces", () => {
  it("expands a grid in scikit-learn's order (keys sorted, last key fastest)", () => {
    assert.deepEqual(expandGrid({ b: [1, 2], a: ["x", "y"] }), [
      { a: "x", b: 1 }, { a: "x", b: 2 }, { a: "y", b: 1 }, { a: "y", b: 2 },
    ]);
  });
  it("applies overrides into a pipeline spec: whole parts first, then nested paths", () => {
    const spec = applyParams(
      { kind: "pipeline", options: { encoder: "onehot", model: { kind: "logistic-regression", options: {} } } },
      { "model.options.maxDepth": 3, model: { kind: "cart-classifier", options: { criterion: "entropy" } }, scaler: "none" },
    );
    assert.deepEqual(spec.options, { encoder: "onehot", scaler: "none", model: { kind: "cart-classifier", options: { criterion: "entropy", maxDepth: 3 } } });
  });
  it("random search draws from the grid without replacement when every entry is a list", () => {
    const picks = sampleParams({ a: [1, 2, 3], b: [true, false] }, 6, 5);
    assert.equal(new Set(picks.map((p) => JSON.stringify(p))).size, 6);
    const draws = sampleParams({ c: { logUniform: [0.01, 10] }, d: { intUniform: [2, 4] } }, 20, 5);
    assert.ok(draws.every((p) => (p.c as number) >= 0.01 && (p.c as number) <= 10 && [2, 3, 4].includes(p.d as number)));
  });
});

describe("scorers", () => {
  it("know their names and tasks", () => {
    assert.ok(scorerNames().includes("neg_log_loss"));
    assert.deepEqual(scorer("r2").tasks, ["regression"]);
    assert.throws(() => scorer("auc"), { code: "E_SCORER" });
  });
  it("score a fitted model; a task mismatch is an error", () => {
    const { x, y } = dataset("binary");
    const model = cartClassifier({ maxDepth: 3 }).fit(x, y);
    assert.equal(scoreModel<Matrix>("roc_auc", model, x, y), rocAuc(y, model.predictProba(x)));
    assert.throws(() => scoreModel<Matrix>("r2", model, x, y), { code: "E_SCORER" });
  });
});

describe("grid search and cross-validation equal scikit-learn's", () => {
  it("GridSearchCV over CART: split scores, means, sds, ranks and the best index (two worker threads)", async () => {
    const { x, y } = dataset("binary");
    const g = fixture.gridSearch;
    const result = await gridSearch({ kind: "cart-classifier", options: {} }, g.grid, x, y, { cv: 5, scoring: g.scoring, refit: "roc_auc", nThreads: 2 });
    assert.deepEqual(result.candidates.map((c) => c.params), g.params);
    for (const s of g.scoring) {
      closeArray(result.candidates.map((c) => c.meanTestScore[s]), g.mean[s], `mean ${s}`);
      closeArray(result.candidates.map((c) => c.stdTestScore[s]), g.std[s], `std ${s}`);
      assert.deepEqual(result.candidates.map((c) => c.rankTestScore[s]), g.rank[s], `rank ${s}`);
      for (let k = 0; k < 5; k++) closeArray(result.candidates.map((c) => c.splitTestScores[s][k]), g.split[s][k], `split ${k} ${s}`);
    }
    assert.equal(result.bestIndex, g.bestIndex);
    // The refitted best model is that spec fitted on all rows.
    const direct = cartClassifier(result.bestSpec.options).fit(x, y);
    assert.deepEqual((result.bestModel as typeof direct).predict(x), direct.predict(x));
    assert.equal(resultsTable(result)[0].rank, 1);
  });

  it("cross_validate of a CART regressor: per-fold R², MAE, RMSE", async () => {
    const { x, y } = dataset("regression");
    const cv = await crossValidate({ kind: "cart-regressor", options: { maxDepth: 3, minSamplesLeaf: 10 } }, x, y, {
      cv: 5, scoring: ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"], nThreads: 1,
    });
    for (const [s, expected] of Object.entries(fixture.crossValidateRegression) as [string, number[]][]) closeArray(cv.testScores[s], expected, s);
  });
});

describe("model selection behaviour", () => {
  const { x, y } = dataset("binary");
  it("repeated CV reports mean ± sd over every fold of every repetition", async () => {
    const cv = await crossValidate(cartClassifier({ maxDepth: 2 }), x, y, { cv: { nSplits: 4, nRepeats: 3 }, seed: 2, nThreads: 1 });
    assert.equal(cv.testScores.roc_auc.length, 12);
    const mean = cv.testScores.roc_auc.reduce((a, b) => a + b, 0) / 12;
    assert.ok(Math.abs(cv.mean.roc_auc - mean) < 1e-15);
    assert.ok(cv.sd.roc_auc > 0);
  });

  it("random search over a forest and a tree reports progress for every fold × candidate", async () => {
    let started = 0;
    let ticks = 0;
    const progress = { start: (_: string, total: number) => (started = total), tick: () => ticks++, stop() {} };
    const result = await randomSearch(
      { kind: "cart-classifier", options: {} },
      { maxDepth: { intUniform: [1, 6] }, criterion: ["gini", "entropy"] },
      3, x, y, { cv: 3, seed: 7, nThreads: 1, progress, refit: false },
    );
    assert.equal(result.candidates.length, 3);
    assert.equal(started, 9);
    assert.equal(ticks, 9);
    assert.equal(result.bestModel, undefined);
  });

  it("a candidate whose fit fails scores NaN, ranks last and is reported; the rest go on", async () => {
    takeWarnings();
    const result = await gridSearch({ kind: "cart-classifier", options: {} }, { maxFeatures: [2, 50] }, x, y, { cv: 3, nThreads: 1 });
    assert.ok(Number.isNaN(result.candidates[1].meanTestScore.roc_auc));
    assert.equal(result.candidates[1].rankTestScore.roc_auc, 2);
    assert.match(result.candidates[1].error!, /E_OPTION/);
    assert.ok(takeWarnings().some((w) => w.code === "W_FIT_FAILED"));
  });

  it("searches whole pipelines on a Frame: encoder × scaler × model", async () => {
    const n = 240;
    const channel = Array.from({ length: n }, (_, i) => ["web", "phone", "store"][i % 3]);
    const spend = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) / 10);
    const label = Float64Array.from({ length: n }, (_, i) => (spend[i] + (channel[i] === "web" ? 3 : 0) > 7 ? 1 : 0));
    const data = frame([
      { name: "spend", kind: "numeric", values: spend },
      { name: "channel", kind: "categorical", values: channel },
    ]);
    const result = await gridSearch(
      { kind: "pipeline", options: { model: { kind: "logistic-regression", options: {} } } },
      [
        { encoder: ["onehot", "ordinal"], scaler: ["standard", "none"] },
        { model: [{ kind: "cart-classifier", options: { maxDepth: 3 } }], scaler: ["none"] },
      ],
      data, label, { cv: 3, nThreads: 1 },
    );
    assert.equal(result.candidates.length, 5);
    assert.ok(result.bestScore > 0.9, `best ROC-AUC ${result.bestScore}`);
    const proba = (result.bestModel as { predictProba(f: typeof data): Float64Array }).predictProba(data);
    assert.equal(proba.length, n);
  });

  it("rejects a scorer that does not fit the task and y of the wrong length", async () => {
    await assert.rejects(crossValidate(cartClassifier(), x, y, { scoring: "r2" }), { code: "E_SCORER" });
    await assert.rejects(crossValidate(cartClassifier(), x, y.subarray(1)), { code: "E_SHAPE" });
  });
});
