/**
 * Histogram gradient boosting: `gbdt(options)` → estimator → frozen model over a TreeEnsemble.
 * Same parameters, same trees as XGBoost 1.7's tree_method="hist" (Chen & Guestrin 2016) on
 * data its sketch bins exactly; see binning.ts, split.ts and grower.ts for each choice.
 *
 * Hand-written because JavaScript has no usable gradient boosting (issue #3: ml-xgboost is an
 * abandoned 2018 WASM build without SHAP; nothing else grows second-order histogram trees).
 *
 * Defaults follow XGBoost except learningRate: 0.1 (XGBoost: 0.3), because with the default
 * 100 rounds and no early stopping 0.3 overfits small tabular data; scikit-learn's
 * HistGradientBoosting and LightGBM also default to 0.1. baseScore: 0.5 for logistic (margin
 * 0, as XGBoost 1.7), the weighted mean of y for squared error (XGBoost 1.7.4 uses 0.5 there,
 * 2.0 and scikit-learn start from the mean, which is what a regression should start from),
 * margin 0 for multi:softmax (XGBoost 1.7 adds 0.5 to every class, which softmax ignores).
 *
 * Threads: ctx.nThreads, by default every core for inputs of PARALLEL_CELLS cells or more on
 * the main thread, else one (inside a worker — model selection's pool — one). The model is
 * the same whatever the thread count (gbdt-jobs.ts).
 */
import { isMainThread } from "node:worker_threads";
import { check } from "../../core/errors.ts";
import { takeRows, type Matrix } from "../../core/matrix.ts";
import { defaultThreads } from "../../core/worker-pool.ts";
import type { Estimator, FitContext } from "../types.ts";
import { checkLabels, checkMatrix, checkWeights, holdOut, sameNames } from "./gbdt-input.ts";
import { KIND, makeModel, type GbdtClassifier, type GbdtModel, type GbdtRegressor } from "./gbdt-model.ts";
import { DEFAULT_METRIC, weightedMean } from "./gbdt-objective.ts";
import { parseOptions, taskOf, type GbdtInput, type GbdtParsed } from "./gbdt-options.ts";
import { trainBoosting } from "./gbdt-train.ts";

export { fromJSON, KIND, SCHEMA_VERSION } from "./gbdt-model.ts";
export type { GbdtClassifier, GbdtJSON, GbdtModel, GbdtRegressor, ImportanceType } from "./gbdt-model.ts";
export { GbdtOptions } from "./gbdt-options.ts";
export type { GbdtInput, GbdtParsed } from "./gbdt-options.ts";

/**
 * Inputs of at least this many cells train on every core by default; smaller ones on one. At
 * 100,000 × 20 (2M cells) two threads fit the benchmark's model in 1.78 s against 3.2 s on one.
 */
export const PARALLEL_CELLS = 1 << 20;

export interface GbdtEstimator<M extends GbdtModel> extends Estimator<M> {
  readonly kind: typeof KIND;
  readonly options: Readonly<GbdtParsed>;
}

export function gbdt(options?: GbdtInput & { objective?: "binary:logistic" | "multi:softmax" }): GbdtEstimator<GbdtClassifier>;
export function gbdt(options: GbdtInput & { objective: "reg:squarederror" }): GbdtEstimator<GbdtRegressor>;
export function gbdt(options?: GbdtInput): GbdtEstimator<GbdtModel>;
export function gbdt(options: GbdtInput = {}): GbdtEstimator<GbdtModel> {
  const opts = parseOptions(options);
  return Object.freeze({ kind: KIND, options: opts, fit: (x: Matrix, y: Float64Array, ctx: FitContext = {}) => fitGbdt(opts, x, y, ctx) });
}

/** Registry entry point: the estimator from plain options. */
export function estimator(options: Record<string, unknown>): GbdtEstimator<GbdtModel> {
  return gbdt(options as GbdtInput);
}

function fitGbdt(opts: GbdtParsed, x: Matrix, y: Float64Array, ctx: FitContext): GbdtModel {
  checkMatrix(x, "x");
  check(x.nRows >= 1 && x.nCols >= 1, "E_SHAPE", `gbdt needs at least one row and one column; found ${x.nRows} × ${x.nCols}`);
  check(y.length === x.nRows, "E_SHAPE", `y has ${y.length} values but x has ${x.nRows} rows; pass one label per row`);
  const weights = ctx.sampleWeight;
  if (weights) checkWeights(weights, x.nRows);
  const nClasses = checkLabels(opts, y, "y");

  let trainX = x;
  let trainY = y;
  let trainW = weights;
  let validation = ctx.validation ? { x: ctx.validation.x, y: ctx.validation.y, weights: undefined as Float64Array | undefined } : undefined;
  if (validation) {
    checkMatrix(validation.x, "validation.x");
    check(
      sameNames(validation.x.columns, x.columns),
      "E_SHAPE",
      () => `validation.x must have the training columns (${x.columns.join(", ")}); found ${validation!.x.columns.join(", ")}`,
    );
    check(validation.y.length === validation.x.nRows, "E_SHAPE", `validation.y has ${validation.y.length} values for ${validation.x.nRows} rows`);
    checkLabels(opts, validation.y, "validation.y", nClasses);
  } else if (opts.earlyStoppingRounds !== undefined) {
    const held = holdOut(y, opts.validationFraction ?? 0.1, taskOf(opts.objective) !== "regression", ctx.seed ?? 0);
    check(held.train.length > 0 && held.valid.length > 0, "E_SHAPE", `early stopping needs rows to hold out; ${x.nRows} rows are too few — pass ctx.validation or more data`);
    trainX = takeRows(x, held.train);
    trainY = Float64Array.from(held.train, (i) => y[i]);
    trainW = weights ? Float64Array.from(held.train, (i) => weights[i]) : undefined;
    validation = {
      x: takeRows(x, held.valid),
      y: Float64Array.from(held.valid, (i) => y[i]),
      weights: weights ? Float64Array.from(held.valid, (i) => weights[i]) : undefined,
    };
  }

  const lossguide = (opts.growPolicy ?? (opts.maxLeaves > 0 ? "lossguide" : "depthwise")) === "lossguide";
  const nOutputs = opts.objective === "multi:softmax" ? nClasses : 1;
  const baseMargin = opts.objective === "binary:logistic"
    ? logit(opts.baseScore ?? 0.5)
    : opts.objective === "reg:squarederror"
      ? opts.baseScore ?? weightedMean(trainY, trainW)
      : opts.baseScore ?? 0;
  const cells = trainX.nRows * trainX.nCols;
  const nThreads = ctx.nThreads ?? (isMainThread && cells >= PARALLEL_CELLS ? defaultThreads() : 1);
  const result = trainBoosting(
    {
      x: trainX,
      y: trainY,
      weights: trainW,
      nOutputs,
      baseMargin,
      validation,
      seed: ctx.seed ?? 0,
      nThreads,
      progress: ctx.progress,
    },
    {
      objective: opts.objective,
      nEstimators: opts.nEstimators,
      grow: {
        maxDepth: opts.maxDepth,
        maxLeaves: opts.maxLeaves,
        lossguide,
        learningRate: opts.learningRate,
        gamma: opts.gamma,
        params: { lambda: opts.lambda, alpha: opts.alpha, minChildWeight: opts.minChildWeight, maxDeltaStep: opts.maxDeltaStep },
      },
      maxBins: opts.maxBins,
      subsample: opts.subsample,
      colsampleByTree: opts.colsampleByTree,
      scalePosWeight: opts.scalePosWeight,
      earlyStoppingRounds: opts.earlyStoppingRounds,
      evalMetric: opts.evalMetric ?? DEFAULT_METRIC[opts.objective],
      binSampleRows: opts.binSampleRows,
    },
  );
  return makeModel({
    options: opts,
    featureNames: [...x.columns],
    nOutputs,
    baseMargin,
    trees: result.trees,
    gains: result.gains,
    treeClass: result.treeClass,
    bestIteration: result.bestIteration,
    evalHistory: result.evalHistory,
  });
}

function logit(p: number): number {
  return Math.log(p / (1 - p));
}
