/**
 * The estimator contract (STYLE.md §3): a factory validates options once and returns an
 * estimator; `fit` returns a new immutable model and mutates nothing; randomness comes only
 * from `ctx.seed`. Models serialize to versioned JSON and are rebuilt by `fromJSON`
 * (src/models/registry.ts), which validates before building.
 */
import type { Matrix } from "../core/matrix.ts";
import type { Progress } from "../core/progress.ts";

export interface FitContext {
  /** Seed for every random choice the fit makes. Default 0. */
  seed?: number;
  /** Per-row weights (sample_weight). */
  sampleWeight?: Float64Array;
  /** A validation set for early stopping, where the estimator supports it. */
  validation?: { x: Matrix; y: Float64Array };
  progress?: Progress;
  /** Worker threads the fit may use; 1 = in this thread. Default: all cores. */
  nThreads?: number;
}

export type Task = "binary" | "regression" | "multiclass";

export interface ModelJSON {
  kind: string;
  schemaVersion: number;
  [key: string]: unknown;
}

export interface Model {
  readonly kind: string;
  readonly task: Task;
  /** Feature names seen in fit, in order; predict rejects a matrix with other columns. */
  readonly featureNames: readonly string[];
  /** Regression: the prediction. Binary: P(y = 1). Multiclass: the most likely class index. */
  predict(x: Matrix): Float64Array;
  toJSON(): ModelJSON;
}

export interface Classifier extends Model {
  readonly task: "binary" | "multiclass";
  /** Binary: P(y = 1) per row. Multiclass: row-major nRows × nClasses. */
  predictProba(x: Matrix): Float64Array;
  /** A score that ranks like the probability (margin, decision value); ROC-AUC may use it. */
  decisionFunction?(x: Matrix): Float64Array;
}

export interface Estimator<M extends Model = Model> {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  fit(x: Matrix, y: Float64Array, ctx?: FitContext): M;
}

/** Binary classification estimators used by model selection, uplift learners and jobs. */
export type ClassifierEstimator = Estimator<Classifier>;

/**
 * Estimators over a Frame (mixed numeric and categorical columns): a pipeline of imputers,
 * encoders and scalers in front of a matrix estimator. Model selection searches over these.
 */
export interface FrameModel {
  readonly kind: string;
  readonly task: Task;
  /** The Frame columns the model reads, in order. */
  readonly inputColumns: readonly string[];
  /** The fitted matrix model behind the preprocessing. */
  readonly model: Model;
  /** The preprocessing alone: Frame → the Matrix the inner model sees. */
  transform(f: import("../core/frame.ts").Frame): Matrix;
  predict(f: import("../core/frame.ts").Frame): Float64Array;
  /** Binary: P(y = 1) per row. */
  predictProba(f: import("../core/frame.ts").Frame): Float64Array;
  toJSON(): ModelJSON;
}

export interface FrameEstimator<M extends FrameModel = FrameModel> {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  fit(f: import("../core/frame.ts").Frame, y: Float64Array, ctx?: FitContext): M;
}

/**
 * A serializable description of an estimator, so work can cross worker threads and be
 * stored: `estimatorFromSpec` in registry.ts rebuilds the estimator from it.
 */
export interface EstimatorSpec {
  kind: string;
  options: Record<string, unknown>;
}
