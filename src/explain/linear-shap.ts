/**
 * SHAP values of a linear model in margin space with independent (interventional) features,
 * as the shap package's LinearExplainer(feature_perturbation="interventional"):
 *   φ_ij = coef_j · (x_ij − mean_j),  expected value = intercept + Σ_j coef_j · mean_j,
 * where mean_j is the mean of feature j over a background set (Lundberg & Lee 2017, §4.1:
 * for a linear model with independent features SHAP values are exactly these).
 *
 * Written here because the formula is one line and no JavaScript library provides it.
 * Multinomial logistic regression gives one output per class (coef row-major by class).
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Link } from "../models/tree/ensemble.ts";
import type { ShapValues } from "./shap-values.ts";

/** What the explainers and SQL export need of a linear model (LogisticModel satisfies it). */
export interface LinearModelLike {
  /** One weight per feature; multinomial: nClasses × nFeatures, row-major by class. */
  readonly coef: Float64Array;
  readonly intercept: number;
  /** Multinomial: one intercept per class. */
  readonly intercepts?: Float64Array;
  readonly featureNames: readonly string[];
}

/** The number of outputs (1, or classes for multinomial models), checking coef's shape. */
export function linearOutputs(model: LinearModelLike): number {
  const nFeatures = model.featureNames.length;
  const nOutputs = model.coef.length / nFeatures;
  const intercepts = model.intercepts?.length ?? 1;
  if (!Number.isInteger(nOutputs) || nOutputs < 1 || (nOutputs > 1 && intercepts !== nOutputs)) {
    throw new PatronError(
      "E_MODEL",
      `a linear model needs coef of length nFeatures (${nFeatures}) or nClasses × nFeatures with one intercept per class; found ${model.coef.length} weights and ${intercepts} intercepts.`,
    );
  }
  return nOutputs;
}

export function interceptOf(model: LinearModelLike, k: number): number {
  return linearOutputs(model) > 1 ? model.intercepts![k] : model.intercept;
}

function checkColumns(model: LinearModelLike, x: Matrix, what: string): void {
  if (x.nCols !== model.featureNames.length || x.columns.some((c, j) => c !== model.featureNames[j])) {
    throw new PatronError(
      "E_COLUMNS",
      `the ${what} must have the model's columns ${model.featureNames.join(", ")}; found ${x.columns.join(", ")}. Pass the encoded matrix the model was fitted on.`,
    );
  }
}

/** Column means of the background matrix (NaN rejected: impute first, as the model needs). */
export function backgroundMeans(background: Matrix): Float64Array {
  if (background.nRows === 0) throw new PatronError("E_BACKGROUND", "the background set is empty; pass some training rows.");
  const means = new Float64Array(background.nCols);
  for (let j = 0; j < background.nCols; j++) {
    let sum = 0;
    for (let i = 0; i < background.nRows; i++) sum += background.data[j * background.nRows + i];
    if (Number.isNaN(sum)) {
      throw new PatronError("E_MISSING", `background column "${background.columns[j]}" has missing values; linear models read imputed input.`);
    }
    means[j] = sum / background.nRows;
  }
  return means;
}

/** intercept + Σ_j coef_j x_j per row (output k), summed in feature order as the SQL export does. */
export function linearMargin(model: LinearModelLike, x: Matrix, k = 0): Float64Array {
  const nFeatures = model.featureNames.length;
  const out = new Float64Array(x.nRows).fill(interceptOf(model, k));
  for (let j = 0; j < nFeatures; j++) {
    const w = model.coef[k * nFeatures + j];
    const col = x.data.subarray(j * x.nRows, (j + 1) * x.nRows);
    for (let i = 0; i < x.nRows; i++) out[i] += w * col[i];
  }
  return out;
}

export interface LinearShapOptions {
  /** Training rows (or a sample) whose means are the baseline; or the means themselves. */
  background: Matrix | Float64Array;
  /** The model's link: "logit" for logistic regression (default), "identity" for linear regression. */
  link?: Link;
}

/** Exact SHAP values of a linear model under feature independence. */
export function explainLinear(model: LinearModelLike, x: Matrix, options: LinearShapOptions): ShapValues {
  checkColumns(model, x, "matrix");
  const nOutputs = linearOutputs(model);
  const nFeatures = model.featureNames.length;
  let means: Float64Array;
  if (options.background instanceof Float64Array) {
    if (options.background.length !== nFeatures) {
      throw new PatronError("E_BACKGROUND", `background means must have ${nFeatures} values, one per feature; found ${options.background.length}.`);
    }
    means = options.background;
  } else {
    checkColumns(model, options.background, "background");
    means = backgroundMeans(options.background);
  }
  const values = new Float64Array(x.nRows * nOutputs * nFeatures);
  const expectedValue = new Float64Array(nOutputs);
  for (let k = 0; k < nOutputs; k++) {
    let expected = interceptOf(model, k);
    for (let j = 0; j < nFeatures; j++) expected += model.coef[k * nFeatures + j] * means[j];
    expectedValue[k] = expected;
    for (let j = 0; j < nFeatures; j++) {
      const w = model.coef[k * nFeatures + j];
      const mean = means[j];
      for (let i = 0; i < x.nRows; i++) values[(i * nOutputs + k) * nFeatures + j] = w * (x.data[j * x.nRows + i] - mean);
    }
  }
  return {
    nRows: x.nRows,
    nOutputs,
    featureNames: [...model.featureNames],
    values,
    expectedValue,
    link: options.link ?? (nOutputs > 1 ? "softmax" : "logit"),
  };
}
