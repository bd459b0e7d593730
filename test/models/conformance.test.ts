// The conformance suite every estimator in Patron passes (STYLE.md §6), built from the
// registry: the same seed gives the same model; a JSON round trip through modelFromJSON
// predicts identically; a wrong column count is rejected; fit and predict never mutate their
// inputs; probabilities lie in [0, 1] (rows summing to 1 for multiclass); predictions do not
// depend on the order of the rows predicted, and — for estimators without randomness — not on
// the order of the training rows either.
//
// Every kind in src/models/registry.ts must appear in TABLE or in NOT_ESTIMATORS: a new kind
// fails the last test until it is added here. Entries whose source file has not landed yet
// are left out of the table (the file check), never skipped.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { frame, takeFrameRows, type Frame } from "../../src/core/frame.ts";
import { matrix, takeRows, type Matrix } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { estimatorFromSpec, knownKinds, modelFromJSON } from "../../src/models/registry.ts";
import type { EstimatorSpec } from "../../src/models/types.ts";

type Problem = "binary" | "multiclass" | "regression";

interface Entry {
  spec: EstimatorSpec;
  problem: Problem;
  /** Source file (from the repository root); the entry runs only once the file exists. */
  file: string;
  /** Takes a Frame (a pipeline) instead of a Matrix. */
  frameInput?: boolean;
  /** Deterministic fits: the same model (to this tolerance) from permuted training rows. */
  fitOrderTolerance?: number;
  /** false: the estimator rejects sample weights by design (kNN, like scikit-learn's). */
  sampleWeight?: boolean;
}

const TABLE: Entry[] = [
  { spec: { kind: "cart-classifier", options: { maxDepth: 5 } }, problem: "binary", file: "src/models/tree/cart.ts", fitOrderTolerance: 0 },
  { spec: { kind: "cart-classifier", options: { criterion: "entropy", minSamplesLeaf: 3 } }, problem: "multiclass", file: "src/models/tree/cart.ts", fitOrderTolerance: 0 },
  { spec: { kind: "cart-regressor", options: { maxDepth: 6 } }, problem: "regression", file: "src/models/tree/cart.ts", fitOrderTolerance: 0 },
  { spec: { kind: "random-forest-classifier", options: { nTrees: 8, oobScore: true } }, problem: "binary", file: "src/models/tree/forest.ts" },
  { spec: { kind: "random-forest-classifier", options: { nTrees: 8, classWeight: "balanced_subsample" } }, problem: "multiclass", file: "src/models/tree/forest.ts" },
  { spec: { kind: "random-forest-regressor", options: { nTrees: 8, maxFeatures: 0.5 } }, problem: "regression", file: "src/models/tree/forest.ts" },
  { spec: { kind: "gbdt", options: { nEstimators: 20 } }, problem: "binary", file: "src/models/tree/gbdt.ts" },
  { spec: { kind: "gbdt", options: { nEstimators: 20, objective: "reg:squarederror" } }, problem: "regression", file: "src/models/tree/gbdt.ts" },
  { spec: { kind: "gbdt", options: { nEstimators: 10, objective: "multi:softmax" } }, problem: "multiclass", file: "src/models/tree/gbdt.ts" },
  { spec: { kind: "logistic-regression", options: {} }, problem: "binary", file: "src/models/linear/logistic-regression.ts" },
  { spec: { kind: "knn-classifier", options: {} }, problem: "binary", file: "src/models/neighbors/knn-classifier.ts", sampleWeight: false },
  { spec: { kind: "knn-regressor", options: {} }, problem: "regression", file: "src/models/neighbors/knn-regressor.ts", sampleWeight: false },
  { spec: { kind: "svc", options: {} }, problem: "binary", file: "src/models/svm/svc.ts" },
  {
    spec: { kind: "pipeline", options: { model: { kind: "logistic-regression", options: {} } } },
    problem: "binary", file: "src/models/preprocess/pipeline.ts", frameInput: true,
  },
  {
    spec: { kind: "pipeline", options: { encoder: "ordinal", scaler: "none", model: { kind: "cart-classifier", options: { maxDepth: 4 } } } },
    problem: "binary", file: "src/models/preprocess/pipeline.ts", frameInput: true,
  },
  {
    spec: {
      kind: "soft-voting",
      options: {
        members: [
          { kind: "pipeline", options: { model: { kind: "logistic-regression", options: {} } } },
          { kind: "pipeline", options: { encoder: "ordinal", scaler: "none", model: { kind: "cart-classifier", options: { maxDepth: 4 } } } },
        ],
      },
    },
    problem: "binary", file: "src/jobs/classify/soft-voting.ts", frameInput: true, fitOrderTolerance: 1e-6,
  },
];

/** Registered kinds that are not plain estimators of (x, y), with the reason. */
const NOT_ESTIMATORS: Record<string, string> = {
  xgboost: "imports a model trained by XGBoost; nothing to fit",
  "s-learner": "uplift meta-learner: fits (x, y, treatment); tested in test/uplift",
  "t-learner": "uplift meta-learner: fits (x, y, treatment); tested in test/uplift",
  "x-learner": "uplift meta-learner: fits (x, y, treatment); tested in test/uplift",
  "class-transformation": "uplift meta-learner: fits (x, y, treatment); tested in test/uplift",
  "transformed-outcome": "uplift meta-learner: fits (x, y, treatment); tested in test/uplift",
  "uplift-average": "averages fitted uplift learners; fits (x, y, treatment); tested in test/jobs/uplift-average",
  "uplift-tree": "uplift tree: fits (x, y, treatment); tested in test/uplift/uplift-trees",
  "uplift-forest": "uplift random forest: fits (x, y, treatment); tested in test/uplift/uplift-trees",
  "uplift-bagging": "bags an uplift learner: fits (x, y, treatment); tested in test/uplift/uplift-trees",
};

const root = new URL("../../", import.meta.url);
const landed = TABLE.filter((e) => existsSync(new URL(e.file, root)));

/** Seeded data: 4 continuous features (one with a few NaN-free repeats), 160 rows. */
function makeData(problem: Problem) {
  const random = rng(42);
  const nRows = 160;
  const nCols = 4;
  const data = new Float64Array(nRows * nCols);
  for (let p = 0; p < data.length; p++) data[p] = Math.round(random.normal() * 1000) / 100;
  const x = matrix(data, nRows, ["a", "b", "c", "d"]);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const s = data[i] + 0.7 * data[nRows + i] - 0.5 * data[2 * nRows + i] * data[3 * nRows + i] + random.normal();
    y[i] = problem === "regression" ? s : problem === "binary" ? (s > 0 ? 1 : 0) : s < -1 ? 0 : s < 1 ? 1 : 2;
  }
  return { x, y };
}

function toFrame(x: Matrix): Frame {
  // The last feature becomes a categorical column so that the pipeline has something to encode.
  const { nRows } = x;
  return frame([
    { name: "a", kind: "numeric", values: x.data.slice(0, nRows) },
    { name: "b", kind: "numeric", values: x.data.slice(nRows, 2 * nRows) },
    { name: "c", kind: "numeric", values: x.data.slice(2 * nRows, 3 * nRows) },
    { name: "d", kind: "categorical", values: Array.from(x.data.slice(3 * nRows), (v) => (v < -0.5 ? "low" : v < 0.5 ? "mid" : "high")) },
  ]);
}

interface Fitted {
  predict(x: unknown): Float64Array;
  predictProba?(x: unknown): Float64Array;
  toJSON(): unknown;
}

async function fit(entry: Entry, x: Matrix | Frame, y: Float64Array, seed: number, sampleWeight?: Float64Array): Promise<Fitted> {
  const estimator = (await estimatorFromSpec(entry.spec)) as { fit(x: unknown, y: Float64Array, ctx: object): Fitted };
  return estimator.fit(x, y, { seed, sampleWeight, nThreads: 1 });
}

function outputs(model: Fitted, x: unknown): Float64Array[] {
  return model.predictProba ? [model.predict(x), model.predictProba(x)] : [model.predict(x)];
}

for (const entry of landed) {
  const name = `${entry.spec.kind} ${JSON.stringify(entry.spec.options)} (${entry.problem})`;
  describe(`conformance: ${name}`, () => {
    const { x: xm, y } = makeData(entry.problem);
    const x = entry.frameInput ? toFrame(xm) : xm;
    const take = (rows: Int32Array) => (entry.frameInput ? takeFrameRows(x as Frame, rows) : takeRows(x as Matrix, rows));

    it("same seed → same model", async () => {
      const a = await fit(entry, x, y, 7);
      const b = await fit(entry, x, y, 7);
      assert.deepEqual(outputs(a, x), outputs(b, x));
      assert.deepEqual(JSON.parse(JSON.stringify(a.toJSON())), JSON.parse(JSON.stringify(b.toJSON())));
    });

    it("modelFromJSON(toJSON) predicts identically, also after a trip through JSON text", async () => {
      const model = await fit(entry, x, y, 3);
      const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as unknown as Fitted;
      assert.deepEqual(outputs(again, x), outputs(model, x));
    });

    it("rejects input with a column missing", async () => {
      const model = await fit(entry, x, y, 1);
      const fewer = entry.frameInput
        ? frame((x as Frame).columns.slice(1))
        : matrix(xm.data.slice(xm.nRows), xm.nRows, xm.columns.slice(1));
      assert.throws(() => model.predict(fewer), (error: { code?: string }) => /^E_(SHAPE|COLUMN)$/.test(error.code ?? ""));
    });

    it("fit and predict leave x, y and sampleWeight untouched", async () => {
      const weight = entry.sampleWeight === false ? undefined : Float64Array.from({ length: y.length }, (_, i) => 1 + (i % 3));
      const snapshot = () =>
        JSON.stringify([
          entry.frameInput ? (x as Frame).columns.map((c) => Array.from(c.values as ArrayLike<unknown>)) : Array.from(xm.data),
          Array.from(y),
          weight ? Array.from(weight) : null,
        ]);
      const before = snapshot();
      const model = await fit(entry, x, y, 5, weight);
      outputs(model, x);
      assert.equal(snapshot(), before);
    });

    if (entry.problem !== "regression") {
      it("probabilities lie in [0, 1] (multiclass rows sum to 1)", async () => {
        const model = await fit(entry, x, y, 2);
        const proba = model.predictProba!(x);
        assert.ok(proba.every((p) => p >= 0 && p <= 1));
        if (entry.problem === "multiclass") {
          assert.equal(proba.length, 3 * y.length);
          for (let i = 0; i < proba.length; i += 3) assert.ok(Math.abs(proba[i] + proba[i + 1] + proba[i + 2] - 1) < 1e-9);
        }
      });
    }

    it("predictions do not depend on the order of the rows predicted", async () => {
      const model = await fit(entry, x, y, 4);
      const order = Int32Array.from({ length: y.length }, (_, i) => (i * 53) % y.length); // 53 is coprime to 160
      const direct = model.predict(x);
      const permuted = model.predict(take(order));
      assert.deepEqual(Array.from(permuted), Array.from(order, (i) => direct[i]));
    });

    if (entry.fitOrderTolerance !== undefined) {
      it(`the same model from training rows in another order (tolerance ${entry.fitOrderTolerance})`, async () => {
        const order = Int32Array.from({ length: y.length }, (_, i) => (i * 53 + 11) % y.length);
        const a = await fit(entry, x, y, 6);
        const b = await fit(entry, take(order), Float64Array.from(order, (i) => y[i]), 6);
        const pa = outputs(a, x);
        const pb = outputs(b, x);
        for (let o = 0; o < pa.length; o++) {
          for (let i = 0; i < pa[o].length; i++) assert.ok(Math.abs(pa[o][i] - pb[o][i]) <= entry.fitOrderTolerance!, `output ${o} row ${i}`);
        }
      });
    }
  });
}

describe("conformance coverage", () => {
  it("every registered kind is in the conformance table or named as not an estimator", () => {
    const covered = new Set([...TABLE.map((e) => e.spec.kind), ...Object.keys(NOT_ESTIMATORS)]);
    const missing = knownKinds().filter((kind) => !covered.has(kind));
    assert.deepEqual(missing, [], `add ${missing.join(", ")} to TABLE in test/models/conformance.test.ts`);
  });
  it("runs the trees and forests of this suite's owner at least", () => {
    assert.ok(landed.filter((e) => /^(cart|random-forest)/.test(e.spec.kind)).length >= 6);
  });
});
