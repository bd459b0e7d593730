// The pipeline (preprocessing + model as one FrameModel): a whole scikit-learn pipeline on
// «В один клик» (test/reference/logistic-one-click.json from
// scripts/reference/logistic_one_click.py), building from JSON specs (as model selection does,
// also on worker threads), round trips, feature sources and boundary errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { frame, takeFrameRows, type Frame, type FrameColumn } from "../../src/core/frame.ts";
import { runTasks } from "../../src/core/worker-pool.ts";
import { logisticRegression, type LogisticModel } from "../../src/models/linear/logistic-regression.ts";
import { pipeline, type PipelineModel } from "../../src/models/preprocess/pipeline.ts";
import type { ScalerModel } from "../../src/models/preprocess/scalers.ts";
import { estimatorFromSpec, modelFromJSON } from "../../src/models/registry.ts";
import type { FrameEstimator } from "../../src/models/types.ts";

const ref = JSON.parse(readFileSync(new URL("../reference/logistic-one-click.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  target: string;
  numeric: string[];
  categorical: string[];
  nTrain: number;
  holdoutIds: number[];
  featureNames: string[];
  scalerMean: number[];
  scalerScale: number[];
  coef: number[];
  intercept: number;
  optimum: { coef: number[]; intercept: number };
  lbfgsGap: number;
  holdoutProba: number[];
};

/** market_file.csv has no quoted fields: split on commas; numeric columns parse as numbers. */
function readMarketFile(): Frame {
  const text = gunzipSync(readFileSync(new URL("../../data/one-click/market_file.csv.gz", import.meta.url))).toString("utf8");
  const lines = text.trimEnd().split("\n");
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((line) => line.split(","));
  return frame(
    header.map((name, j): FrameColumn => {
      const cells = rows.map((r) => r[j]);
      return cells.every((v) => v !== "" && Number.isFinite(Number(v)))
        ? { name, kind: "numeric", values: Float64Array.from(cells, Number) }
        : { name, kind: "categorical", values: cells };
    }),
  );
}

const market = readMarketFile();
const ids = market.columns.find((c) => c.name === "id")!.values as Float64Array;
const activity = market.columns.find((c) => c.name === ref.target)!.values as string[];
const y = Float64Array.from(activity, (v) => (v === "Снизилась" ? 1 : 0));
const trainRows: number[] = [];
const holdoutRows: number[] = [];
ids.forEach((id, i) => (id % 4 === 0 ? holdoutRows : trainRows).push(i));
const features = frame(market.columns.filter((c) => c.name !== "id" && c.name !== ref.target));
const train = takeFrameRows(features, trainRows);
const holdout = takeFrameRows(features, holdoutRows);
const yTrain = Float64Array.from(trainRows, (i) => y[i]);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

const spec = {
  kind: "pipeline",
  options: {
    numericImputer: "median",
    categoricalImputer: "constant",
    encoder: "onehot",
    scaler: "standard",
    model: { kind: "logistic-regression", options: { c: 1, tol: 1e-10, maxIter: 10000 } },
  },
};

describe(`pipeline on «В один клик» equals scikit-learn ${ref.versions.sklearn}`, async () => {
  const estimator = (await estimatorFromSpec(spec)) as FrameEstimator<PipelineModel>;
  const model = estimator.fit(train, yTrain);
  const inner = model.model as LogisticModel;

  it("has the same encoded features, in the same order", () => {
    assert.equal(trainRows.length, ref.nTrain);
    assert.deepEqual(holdoutRows.map((i) => ids[i]), ref.holdoutIds);
    // scikit-learn names "num__col" and "cat__col_value"; Patron "col" and "col=value".
    const expected = ref.featureNames.map((name) => {
      const plain = name.replace(/^(num|cat)__/, "");
      const column = ref.categorical.find((c) => plain.startsWith(`${c}_`));
      return column ? `${column}=${plain.slice(column.length + 1)}` : plain;
    });
    assert.deepEqual(model.featureNames, expected);
  });

  it("maps every encoded column back to its original column", () => {
    model.featureNames.forEach((name, j) => {
      assert.ok(name === model.featureSources[j] || name.startsWith(`${model.featureSources[j]}=`));
    });
    assert.equal(model.featureSources.filter((s) => s === "Популярная_категория").length, 6);
  });

  it("scales with the same statistics", () => {
    const scaler = model.preprocessor.branches[0].steps[1] as ScalerModel;
    // 1e-12 relative: same two-pass formulas, different summation order.
    const relative = (a: ArrayLike<number>, b: number[]) => Math.max(...b.map((v, j) => Math.abs(a[j] - v) / Math.abs(v)));
    assert.ok(relative(scaler.center, ref.scalerMean) < 1e-12, `means differ by ${relative(scaler.center, ref.scalerMean)}`);
    assert.ok(relative(scaler.scale, ref.scalerScale) < 1e-12, `scales differ by ${relative(scaler.scale, ref.scalerScale)}`);
  });

  it("fits the same coefficients and holdout probabilities", () => {
    // The exact optimum (newton-cg, tol 1e-12) to 1e-6; scikit-learn's lbfgs stops earlier
    // (SciPy's ftol), so against it the bound is its recorded gap from the optimum.
    assert.ok(maxDiff(inner.coef, ref.optimum.coef) < 1e-6, `coef ${maxDiff(inner.coef, ref.optimum.coef)} from the optimum`);
    assert.ok(Math.abs(inner.intercept - ref.optimum.intercept) < 1e-6);
    const tolerance = Math.max(1e-4, ref.lbfgsGap + 1e-6);
    assert.ok(maxDiff(inner.coef, ref.coef) < tolerance);
    assert.ok(maxDiff(model.predictProba(holdout), ref.holdoutProba) < tolerance);
  });

  it("round-trips through JSON to identical predictions", async () => {
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as PipelineModel;
    assert.deepEqual(again.predictProba(holdout), model.predictProba(holdout));
    assert.deepEqual(again.featureSources, model.featureSources);
  });

  it("the factory and the JSON spec build the same pipeline", () => {
    const direct = pipeline({ model: logisticRegression({ c: 1, tol: 1e-10, maxIter: 10000 }) }).fit(train, yTrain);
    assert.deepEqual(direct.predictProba(holdout), model.predictProba(holdout));
  });
});

describe("pipeline behaviour", () => {
  const small = frame([
    { name: "age", kind: "numeric", values: Float64Array.of(20, 35, NaN, 50, 41, 29, 62, 33) },
    { name: "city", kind: "categorical", values: ["a", "b", "a", null, "b", "a", "c", "b"] },
    { name: "spend", kind: "numeric", values: Float64Array.of(1, 5, 2, 8, 7, 1, 9, 3) },
  ]);
  const ySmall = Float64Array.of(0, 1, 0, 1, 1, 0, 1, 0);

  it("scores rows with unseen categories and missing values", () => {
    const model = pipeline({ model: logisticRegression() }).fit(small, ySmall);
    const fresh = frame([
      { name: "age", kind: "numeric", values: Float64Array.of(NaN) },
      { name: "city", kind: "categorical", values: ["zzz"] },
      { name: "spend", kind: "numeric", values: Float64Array.of(4) },
    ]);
    const p = model.predictProba(fresh)[0];
    assert.ok(p > 0 && p < 1);
  });

  it("uses only the columns asked for, and reads them by name in any order", () => {
    const model = pipeline({ columns: ["spend", "city"], model: logisticRegression() }).fit(small, ySmall);
    assert.deepEqual(model.inputColumns, ["spend", "city"]);
    const reordered = frame([...small.columns].reverse());
    assert.deepEqual(model.predictProba(reordered), model.predictProba(small));
  });

  it("builds ordinal + robust + indicator preprocessing from a spec", async () => {
    const est = (await estimatorFromSpec({
      kind: "pipeline",
      options: { encoder: "ordinal", scaler: "robust", missingIndicator: true, model: { kind: "logistic-regression", options: {} } },
    })) as FrameEstimator<PipelineModel>;
    const model = est.fit(small, ySmall);
    assert.deepEqual(model.featureNames, ["age", "spend", "age:missing", "city"]);
    assert.deepEqual(model.featureSources, ["age", "spend", "age", "city"]);
  });

  it("accepts a full column-transformer spec", async () => {
    const est = (await estimatorFromSpec({
      kind: "pipeline",
      options: {
        preprocessor: {
          kind: "column-transformer",
          options: { transformers: [{ name: "s", columns: ["spend"], steps: [{ kind: "min-max-scaler" }] }] },
        },
        model: { kind: "logistic-regression", options: {} },
      },
    })) as FrameEstimator<PipelineModel>;
    assert.deepEqual(est.fit(small, ySmall).featureNames, ["spend"]);
  });

  it("is deterministic and leaves its input alone", () => {
    const before = JSON.stringify(small.columns.map((c) => Array.from(c.values as ArrayLike<unknown>)));
    const a = pipeline({ model: logisticRegression() }).fit(small, ySmall).predictProba(small);
    const b = pipeline({ model: logisticRegression() }).fit(small, ySmall).predictProba(small);
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(small.columns.map((c) => Array.from(c.values as ArrayLike<unknown>))), before);
  });

  it("runs from a JSON spec on worker threads", async () => {
    const module = new URL("./pipeline.fixture.ts", import.meta.url).href;
    const payload = { spec, rows: 200 };
    // Two tasks so that runTasks really starts worker threads (one task runs in this thread).
    const task = { module, fn: "fitAndScore", payload };
    const [fromWorker, again] = await runTasks<typeof payload, number[]>([task, task], { nThreads: 2 });
    assert.deepEqual(again, fromWorker);
    const { fitAndScore } = await import("./pipeline.fixture.ts");
    assert.deepEqual(fromWorker, await fitAndScore(payload));
  });
});

describe("pipeline errors", () => {
  const f = frame([{ name: "v", kind: "numeric", values: Float64Array.of(1, 2, 3, 4) }]);
  const y4 = Float64Array.of(0, 1, 0, 1);

  it("needs an estimator object, or a spec through the registry", () => {
    assert.throws(() => pipeline({ model: { kind: "logistic-regression", options: {} } }), { code: "E_OPTIONS", message: /estimatorFromSpec/ });
  });

  it("rejects labels of the wrong length", () => {
    assert.throws(() => pipeline({ model: logisticRegression() }).fit(f, Float64Array.of(0, 1)), { code: "E_SHAPE" });
  });

  it("names a column that the data lacks", () => {
    assert.throws(() => pipeline({ columns: ["w"], model: logisticRegression() }).fit(f, y4), { code: "E_COLUMN", message: /"w"/ });
    const model = pipeline({ model: logisticRegression() }).fit(f, y4);
    assert.throws(() => model.predict(frame([{ name: "u", kind: "numeric", values: Float64Array.of(1) }])), { code: "E_COLUMN" });
  });

  it("says to impute when the model cannot take missing values", () => {
    const g = frame([{ name: "v", kind: "numeric", values: Float64Array.of(1, NaN, 3, 4) }]);
    assert.throws(() => pipeline({ numericImputer: "none", model: logisticRegression() }).fit(g, y4), { code: "E_NAN", message: /[Ii]mpute/ });
  });

  it("refuses shorthand and a preprocessor together", async () => {
    await assert.rejects(
      estimatorFromSpec({
        kind: "pipeline",
        options: { scaler: "robust", preprocessor: { kind: "column-transformer", options: { transformers: [] } }, model: { kind: "logistic-regression", options: {} } },
      }),
      { code: "E_OPTIONS" },
    );
  });

  it("refuses an unknown inner kind", async () => {
    await assert.rejects(estimatorFromSpec({ kind: "pipeline", options: { model: { kind: "nope", options: {} } } }), { code: "E_UNKNOWN_KIND" });
  });
});
