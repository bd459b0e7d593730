/**
 * The one result type every explainer returns (TreeSHAP, linear SHAP, grouping): additive
 * feature attributions per row, in the model's margin space, such that for every row and
 * output k, expectedValue[k] + Σ_j values[i, k, j] = the model's margin for that row.
 *
 * Row-major because the consumers read one row at a time (top reasons, waterfalls) and the
 * explainers write one row at a time; the global ranking reads it once per call.
 */
import { PatronError } from "../core/errors.ts";
import type { Link } from "../models/tree/ensemble.ts";

export interface ShapValues {
  readonly nRows: number;
  /** 1 for regression and binary models; nClasses for multiclass margins. */
  readonly nOutputs: number;
  readonly featureNames: readonly string[];
  /** values[(i * nOutputs + k) * nFeatures + j]: row i, output k, feature j. */
  readonly values: Float64Array;
  /** Per output k: the margin when no feature is known (baseline of the explanation). */
  readonly expectedValue: Float64Array;
  /**
   * How the margin becomes the model's output: "identity" (values are in output units),
   * "logit" (values are log-odds), "softmax" (values are per-class margins).
   */
  readonly link: Link;
}

export function nFeaturesOf(shap: ShapValues): number {
  return shap.featureNames.length;
}

/** The attribution of feature j for row i (output k). */
export function shapAt(shap: ShapValues, i: number, j: number, k = 0): number {
  return shap.values[(i * shap.nOutputs + k) * shap.featureNames.length + j];
}

/** expectedValue[k] + Σ_j values: the margin the explanation adds up to, per row (output k). */
export function shapMargin(shap: ShapValues, k = 0): Float64Array {
  const nFeatures = shap.featureNames.length;
  const out = new Float64Array(shap.nRows);
  for (let i = 0; i < shap.nRows; i++) {
    const offset = (i * shap.nOutputs + k) * nFeatures;
    let sum = shap.expectedValue[k];
    for (let j = 0; j < nFeatures; j++) sum += shap.values[offset + j];
    out[i] = sum;
  }
  return out;
}

export function checkOutput(shap: ShapValues, k: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= shap.nOutputs) {
    throw new PatronError(
      "E_SHAP_OUTPUT",
      `output must be an integer in [0, ${shap.nOutputs - 1}]; found ${k}. Multiclass explanations have one output per class.`,
    );
  }
}

export function checkRow(shap: ShapValues, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= shap.nRows) {
    throw new PatronError("E_SHAP_ROW", `row must be an integer in [0, ${shap.nRows - 1}]; found ${i}.`);
  }
}

function softmaxAt(values: ArrayLike<number>, k: number): number {
  let max = -Infinity;
  for (let c = 0; c < values.length; c++) max = Math.max(max, values[c]);
  let sum = 0;
  for (let c = 0; c < values.length; c++) sum += Math.exp(values[c] - max);
  return Math.exp(values[k] - max) / sum;
}

export type ContributionScale = "margin" | "probability";

/**
 * How row i's attributions read on a chosen scale. On the margin scale they are exact. On the
 * probability scale (logit or softmax links) each φ_j is multiplied by (p − p₀)/(m − m₀), so
 * the contributions add up exactly to the change from the baseline probability p₀ to the
 * row's probability p while keeping their margin proportions (SHAP is not additive in
 * probability space, so this is a presentation, not a second explanation). When m − m₀ is ~0
 * the slope of the link at m is used.
 */
export function outputScale(shap: ShapValues, i: number, k: number, scale: ContributionScale): { base: number; prediction: number; factor: number } {
  const nFeatures = shap.featureNames.length;
  const margin = (r: number, c: number) => {
    let sum = shap.expectedValue[c];
    const offset = (r * shap.nOutputs + c) * nFeatures;
    for (let j = 0; j < nFeatures; j++) sum += shap.values[offset + j];
    return sum;
  };
  const m = margin(i, k);
  const m0 = shap.expectedValue[k];
  if (scale === "margin" || shap.link === "identity") return { base: m0, prediction: m, factor: 1 };
  let p: number;
  let p0: number;
  if (shap.link === "logit") {
    p = 1 / (1 + Math.exp(-m));
    p0 = 1 / (1 + Math.exp(-m0));
  } else {
    const all = Array.from({ length: shap.nOutputs }, (_, c) => margin(i, c));
    p = softmaxAt(all, k);
    p0 = softmaxAt(shap.expectedValue, k);
  }
  const factor = Math.abs(m - m0) > 1e-12 ? (p - p0) / (m - m0) : p * (1 - p);
  return { base: p0, prediction: p, factor };
}
