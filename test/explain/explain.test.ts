import assert from "node:assert/strict";
import { test } from "node:test";
import { frame } from "../../src/core/frame.ts";
import { fromColumns } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { explainModel } from "../../src/explain/explain.ts";
import { permutationImportance } from "../../src/explain/permutation.ts";
import { shapMargin } from "../../src/explain/shap-values.ts";
import { explainTrees } from "../../src/explain/tree-shap.ts";
import { explainTreesParallel } from "../../src/explain/tree-shap-parallel.ts";
import { logisticRegression } from "../../src/models/linear/logistic-regression.ts";
import { knnClassifier } from "../../src/models/neighbors/knn-classifier.ts";
import { svc } from "../../src/models/svm/svc.ts";
import { pipeline } from "../../src/models/preprocess/pipeline.ts";
import { ensembleMargin } from "../../src/models/tree/ensemble.ts";
import { cartRegressor } from "../../src/models/tree/cart.ts";
import { randomForestClassifier } from "../../src/models/tree/forest.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { randomEnsemble, randomMatrix } from "./trees.ts";

// Seeded customers: the label depends on visits and spend, not on the noise column.
const random = rng(8);
const n = 400;
const visits = Float64Array.from({ length: n }, () => random.int(20));
const spend = Float64Array.from({ length: n }, () => Math.round(random.normal() * 500) / 10);
const noise = Float64Array.from({ length: n }, () => random.normal());
const city = Array.from({ length: n }, () => ["Lyon", "Paris", "Nice"][random.int(3)]);
const label = Float64Array.from({ length: n }, (_, i) => (visits[i] / 10 + spend[i] / 50 + (city[i] === "Paris" ? 0.5 : 0) + random.normal() * 0.3 > 1 ? 1 : 0));
const classes = Float64Array.from(label, (v, i) => v + (visits[i] > 15 ? 1 : 0));
const x = fromColumns({ visits, spend, noise });

const sumsToMargin = (values: Float64Array, margin: Float64Array) => {
  let worst = 0;
  for (let i = 0; i < margin.length; i++) worst = Math.max(worst, Math.abs(values[i] - margin[i]));
  return worst;
};

test("TreeSHAP of Patron's GBDT, random forest and CART adds up to each model's margin to 1e-9", async () => {
  const booster = gbdt({ objective: "binary:logistic", nEstimators: 20, maxDepth: 4 }).fit(x, label, { nThreads: 1 });
  const forest = randomForestClassifier({ nTrees: 10, maxDepth: 5 }).fit(x, label, { seed: 2, nThreads: 1 });
  const tree = cartRegressor({ maxDepth: 6 }).fit(x, spend);
  for (const model of [booster, forest, tree]) {
    const shap = await explainModel(model, x, { nThreads: 1 });
    const worst = sumsToMargin(shapMargin(shap), ensembleMargin(model.ensemble, x));
    assert.ok(worst < 1e-9, `${model.kind}: ${worst}`);
  }
  assert.ok(sumsToMargin(shapMargin(await explainModel(booster, x, { nThreads: 1 })), booster.decisionFunction(x)) < 1e-9, "gbdt decisionFunction");
  // the noise column carries less than the signal columns
  const shap = explainTrees(booster.ensemble, x);
  const meanAbs = (j: number) => shap.values.filter((_, k) => k % 3 === j).reduce((s, v) => s + Math.abs(v), 0) / n;
  assert.ok(meanAbs(2) < meanAbs(0) && meanAbs(2) < meanAbs(1), `mean |SHAP| ${[0, 1, 2].map(meanAbs)}`);

  const multi = gbdt({ objective: "multi:softmax", nEstimators: 8, maxDepth: 3 }).fit(x, classes, { nThreads: 1 });
  const multiShap = await explainModel(multi, x, { nThreads: 1 });
  const margin = multi.decisionFunction(x);
  for (let k = 0; k < 3; k++) {
    const worst = sumsToMargin(shapMargin(multiShap, k), Float64Array.from({ length: n }, (_, i) => margin[i * 3 + k]));
    assert.ok(worst < 1e-9, `multiclass output ${k}: ${worst}`);
  }
});

test("explaining a pipeline on a Frame gives one value per original column, adding up to its margin", async () => {
  const f = frame([
    { name: "visits", kind: "numeric", values: visits },
    { name: "spend", kind: "numeric", values: spend },
    { name: "city", kind: "categorical", values: city },
  ]);
  for (const [model, options] of [
    [pipeline({ model: gbdt({ nEstimators: 10, maxDepth: 3 }) }).fit(f, label, { nThreads: 1 }), {}],
    [pipeline({ model: logisticRegression() }).fit(f, label), { background: f }],
  ] as const) {
    const shap = await explainModel(model, f, { nThreads: 1, ...options });
    assert.deepEqual(shap.featureNames, ["visits", "spend", "city"]);
    assert.ok(sumsToMargin(shapMargin(shap), model.decisionFunction(f)) < 1e-9, model.model.kind);
  }
});

test("TreeSHAP on worker threads equals the single-thread result bit for bit", async () => {
  const model = randomEnsemble(41, { nTrees: 30, nFeatures: 6, depth: 6, link: "logit" });
  const rows = randomMatrix(42, 1001, 6);
  const parallel = await explainTreesParallel(model, rows, { nThreads: 2, minRowsPerThread: 100 });
  assert.deepEqual(parallel.values, explainTrees(model, rows).values);
  assert.deepEqual(parallel.expectedValue, explainTrees(model, rows).expectedValue);
});

test("kNN and SVC have no exact SHAP, but permutation importance ranks their features", async () => {
  const scaled = fromColumns({ visits: visits.map((v) => v / 10), spend: spend.map((v) => v / 50), noise });
  const models = [knnClassifier({ nNeighbors: 15 }).fit(scaled, label), svc({ kernel: "rbf", probability: false }).fit(scaled, label)];
  for (const model of models) {
    await assert.rejects(explainModel(model, scaled), { code: "E_NOT_EXPLAINABLE" });
    const result = permutationImportance(model, scaled, label, { scoring: "roc_auc", nRepeats: 3, seed: 5 });
    assert.deepEqual(result.featureNames, ["visits", "spend", "noise"]);
    assert.ok(result.mean[0] > 0.05 && result.mean[1] > 0.05, `${model.kind}: signal columns matter: ${Array.from(result.mean)}`);
    assert.ok(result.mean[2] < result.mean[0] && result.mean[2] < result.mean[1], `${model.kind}: noise matters least`);
  }
});
