/**
 * Classification metrics on labels and probabilities: accuracy, balanced accuracy, the
 * confusion matrix, precision / recall / F-beta (binary, micro, macro, weighted, per class),
 * log-loss and the Brier score. Definitions and edge cases (zero division, clipping, label
 * sets) follow scikit-learn 1.2's sklearn/metrics/_classification.py so the numbers agree.
 *
 * Labels are numbers: 0/1 for binary problems, class indices (or any integers) for multiclass.
 */
import { PatronError } from "../core/errors.ts";
import {
  checkBinary, checkFinite, checkLabels, checkNotEmpty, checkProbabilities, checkSameLength,
  checkWeights, uniqueLabels, type Numbers,
} from "./check.ts";

export interface WeightOption {
  sampleWeight?: Numbers;
}

function checkPair(yTrue: Numbers, yPred: Numbers, sampleWeight: Numbers | undefined): void {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("y_pred", yPred, yTrue.length);
  checkLabels("y_true", yTrue);
  checkLabels("y_pred", yPred);
  checkWeights(sampleWeight, yTrue.length);
}

/** Share (or weighted share) of rows whose predicted label equals the true one. */
export function accuracy(yTrue: Numbers, yPred: Numbers, options: WeightOption = {}): number {
  checkPair(yTrue, yPred, options.sampleWeight);
  const w = options.sampleWeight;
  let hit = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const weight = w ? w[i] : 1;
    if (yTrue[i] === yPred[i]) hit += weight;
    total += weight;
  }
  return hit / total;
}

export interface ConfusionMatrix {
  /** The label of each row and column, in order (sorted union of y_true and y_pred by default). */
  readonly labels: readonly number[];
  /** Row-major labels × labels: rows are true labels, columns predicted ones. */
  readonly counts: Float64Array;
}

export function confusionMatrix(
  yTrue: Numbers,
  yPred: Numbers,
  options: WeightOption & { labels?: readonly number[]; normalize?: "true" | "pred" | "all" } = {},
): ConfusionMatrix {
  checkPair(yTrue, yPred, options.sampleWeight);
  const labels = options.labels ? [...options.labels] : uniqueLabels(yTrue, yPred);
  if (labels.length === 0) throw new PatronError("E_LABEL", "labels must name at least one class.");
  const index = new Map(labels.map((label, k) => [label, k]));
  if (index.size !== labels.length) throw new PatronError("E_LABEL", `labels must be distinct; found ${labels.join(", ")}.`);
  if (options.labels && !Array.from(yTrue as ArrayLike<number>).some((v) => index.has(v))) {
    throw new PatronError("E_LABEL", `at least one of labels ${labels.join(", ")} must occur in y_true.`);
  }
  const nLabels = labels.length;
  const counts = new Float64Array(nLabels * nLabels);
  const w = options.sampleWeight;
  for (let i = 0; i < yTrue.length; i++) {
    const a = index.get(yTrue[i]);
    const b = index.get(yPred[i]);
    // Rows whose label is not in `labels` are left out, as scikit-learn does.
    if (a !== undefined && b !== undefined) counts[a * nLabels + b] += w ? w[i] : 1;
  }
  if (options.normalize) {
    const rowSum = new Float64Array(nLabels);
    const colSum = new Float64Array(nLabels);
    let all = 0;
    for (let a = 0; a < nLabels; a++) {
      for (let b = 0; b < nLabels; b++) {
        rowSum[a] += counts[a * nLabels + b];
        colSum[b] += counts[a * nLabels + b];
        all += counts[a * nLabels + b];
      }
    }
    for (let a = 0; a < nLabels; a++) {
      for (let b = 0; b < nLabels; b++) {
        const divisor = options.normalize === "true" ? rowSum[a] : options.normalize === "pred" ? colSum[b] : all;
        const value = counts[a * nLabels + b] / divisor;
        counts[a * nLabels + b] = Number.isNaN(value) ? 0 : value; // empty row/column → 0 (nan_to_num)
      }
    }
  }
  return { labels, counts };
}

/**
 * Mean recall over the classes present in y_true; with `adjusted`, rescaled so chance is 0
 * and perfect is 1.
 */
export function balancedAccuracy(yTrue: Numbers, yPred: Numbers, options: WeightOption & { adjusted?: boolean } = {}): number {
  const { labels, counts } = confusionMatrix(yTrue, yPred, { sampleWeight: options.sampleWeight });
  const nLabels = labels.length;
  let sum = 0;
  let nClasses = 0;
  for (let a = 0; a < nLabels; a++) {
    let rowTotal = 0;
    for (let b = 0; b < nLabels; b++) rowTotal += counts[a * nLabels + b];
    if (rowTotal === 0) continue; // a class only predicted, never true: no recall to average
    sum += counts[a * nLabels + a] / rowTotal;
    nClasses++;
  }
  let score = sum / nClasses;
  if (options.adjusted) {
    const chance = 1 / nClasses;
    score = (score - chance) / (1 - chance);
  }
  return score;
}

export type Average = "binary" | "micro" | "macro" | "weighted";

export interface PrfOptions extends WeightOption {
  /** "binary" (default) scores the class `posLabel` alone. */
  average?: Average;
  posLabel?: number;
  /** Labels to include (default: sorted union of y_true and y_pred). */
  labels?: readonly number[];
  /** F-beta's beta; 1 gives F1. */
  beta?: number;
  /** Value when a ratio is 0/0 (no predicted or no true rows for a class). */
  zeroDivision?: 0 | 1;
}

export interface PrfResult {
  precision: number;
  recall: number;
  fScore: number;
}

export interface PrfPerClass {
  labels: number[];
  precision: Float64Array;
  recall: Float64Array;
  fScore: Float64Array;
  support: Float64Array;
}

/** Per-class precision, recall, F-beta and support (true weight per class). */
export function precisionRecallFscorePerClass(yTrue: Numbers, yPred: Numbers, options: Omit<PrfOptions, "average" | "posLabel"> = {}): PrfPerClass {
  checkPair(yTrue, yPred, options.sampleWeight);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new PatronError("E_OPTION", `beta must be ≥ 0; found ${beta}.`);
  const labels = options.labels ? [...options.labels] : uniqueLabels(yTrue, yPred);
  const sums = classSums(yTrue, yPred, labels, options.sampleWeight);
  return { labels, ...divide(sums.tp, sums.predicted, sums.actual, beta, options.zeroDivision ?? 0), support: sums.actual };
}

function classSums(yTrue: Numbers, yPred: Numbers, labels: readonly number[], w: Numbers | undefined) {
  const index = new Map(labels.map((label, k) => [label, k]));
  const tp = new Float64Array(labels.length);
  const predicted = new Float64Array(labels.length);
  const actual = new Float64Array(labels.length);
  for (let i = 0; i < yTrue.length; i++) {
    const weight = w ? w[i] : 1;
    const a = index.get(yTrue[i]);
    const b = index.get(yPred[i]);
    if (a !== undefined) actual[a] += weight;
    if (b !== undefined) predicted[b] += weight;
    if (a !== undefined && yTrue[i] === yPred[i]) tp[a] += weight;
  }
  return { tp, predicted, actual };
}

function divide(tp: Float64Array, predicted: Float64Array, actual: Float64Array, beta: number, zeroDivision: 0 | 1) {
  const n = tp.length;
  const precision = new Float64Array(n);
  const recall = new Float64Array(n);
  const fScore = new Float64Array(n);
  const beta2 = beta * beta;
  for (let k = 0; k < n; k++) {
    precision[k] = predicted[k] === 0 ? zeroDivision : tp[k] / predicted[k];
    recall[k] = actual[k] === 0 ? zeroDivision : tp[k] / actual[k];
    if (beta === Infinity) {
      fScore[k] = recall[k];
    } else {
      const denominator = beta2 * precision[k] + recall[k];
      fScore[k] = ((1 + beta2) * precision[k] * recall[k]) / (denominator === 0 ? 1 : denominator);
    }
  }
  return { precision, recall, fScore };
}

/** Precision, recall and F-beta averaged as asked (scikit-learn's precision_recall_fscore_support). */
export function precisionRecallFscore(yTrue: Numbers, yPred: Numbers, options: PrfOptions = {}): PrfResult {
  checkPair(yTrue, yPred, options.sampleWeight);
  const average = options.average ?? "binary";
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new PatronError("E_OPTION", `beta must be ≥ 0; found ${beta}.`);
  const zeroDivision = options.zeroDivision ?? 0;
  let labels = options.labels ? [...options.labels] : uniqueLabels(yTrue, yPred);
  if (average === "binary") {
    const posLabel = options.posLabel ?? 1;
    const present = uniqueLabels(yTrue, yPred);
    if (present.length > 2) {
      throw new PatronError(
        "E_NOT_BINARY",
        `average "binary" needs at most two labels; found ${present.join(", ")}. Choose average "macro", "micro" or "weighted".`,
      );
    }
    if (present.length === 2 && !present.includes(posLabel)) {
      throw new PatronError("E_LABEL", `posLabel ${posLabel} is not one of the labels ${present.join(", ")}.`);
    }
    labels = [posLabel];
  }
  let { tp, predicted, actual } = classSums(yTrue, yPred, labels, options.sampleWeight);
  if (average === "micro") {
    tp = Float64Array.of(tp.reduce((s, v) => s + v, 0));
    predicted = Float64Array.of(predicted.reduce((s, v) => s + v, 0));
    actual = Float64Array.of(actual.reduce((s, v) => s + v, 0));
  }
  if (average === "weighted") {
    const totalActual = actual.reduce((s, v) => s + v, 0);
    if (totalActual === 0) {
      const totalPredicted = predicted.reduce((s, v) => s + v, 0);
      return totalPredicted === 0
        ? { precision: zeroDivision, recall: zeroDivision, fScore: zeroDivision }
        : { precision: 0, recall: zeroDivision, fScore: 0 };
    }
  }
  const per = divide(tp, predicted, actual, beta, zeroDivision);
  const weights = average === "weighted" ? actual : undefined;
  const mean = (values: Float64Array) => {
    let sum = 0;
    let total = 0;
    for (let k = 0; k < values.length; k++) {
      const w = weights ? weights[k] : 1;
      sum += values[k] * w;
      total += w;
    }
    return sum / total;
  };
  return { precision: mean(per.precision), recall: mean(per.recall), fScore: mean(per.fScore) };
}

export const precision = (yTrue: Numbers, yPred: Numbers, options: PrfOptions = {}) => precisionRecallFscore(yTrue, yPred, options).precision;
export const recall = (yTrue: Numbers, yPred: Numbers, options: PrfOptions = {}) => precisionRecallFscore(yTrue, yPred, options).recall;
export const f1 = (yTrue: Numbers, yPred: Numbers, options: Omit<PrfOptions, "beta"> = {}) =>
  precisionRecallFscore(yTrue, yPred, { ...options, beta: 1 }).fScore;
export const fBeta = (yTrue: Numbers, yPred: Numbers, beta: number, options: Omit<PrfOptions, "beta"> = {}) =>
  precisionRecallFscore(yTrue, yPred, { ...options, beta }).fScore;

/** Predicted 0/1 labels from P(y = 1): 1 when P > threshold (scikit-learn's argmax sends an exact 0.5 to class 0). */
export function labelsAt(proba: Numbers, threshold = 0.5): Float64Array {
  return Float64Array.from(proba as ArrayLike<number>, (p) => (p > threshold ? 1 : 0));
}

export interface LogLossOptions extends WeightOption {
  /** Probabilities are clipped to [eps, 1 − eps]; default the float64 machine epsilon (sklearn's "auto"). */
  eps?: number;
  /** Multiclass only: number of columns in the row-major probability matrix. */
  nClasses?: number;
}

/**
 * Mean negative log-likelihood. Binary: y in {0, 1} and P(y = 1) per row. Multiclass: labels
 * 0..K−1 and row-major n × K probabilities (set `nClasses`); rows are clipped then renormalised,
 * exactly as scikit-learn does.
 */
export function logLoss(yTrue: Numbers, proba: Numbers, options: LogLossOptions = {}): number {
  checkNotEmpty("y_true", yTrue);
  const nRows = yTrue.length;
  const nClasses = options.nClasses ?? 2;
  const binary = options.nClasses === undefined;
  checkSameLength("proba", proba, binary ? nRows : nRows * nClasses, binary ? "y_true" : `y_true × ${nClasses} classes`);
  checkFinite("proba", proba);
  checkWeights(options.sampleWeight, nRows);
  const eps = options.eps ?? Number.EPSILON;
  if (binary) {
    checkBinary("y_true", yTrue);
    const seen = uniqueLabels(yTrue);
    if (seen.length < 2) {
      throw new PatronError("E_ONE_CLASS", `log-loss needs both classes in y_true to know the label set; found only ${seen[0]}. Pass nClasses: 2 with a 2-column matrix to score anyway.`);
    }
  } else {
    checkLabels("y_true", yTrue);
    for (let i = 0; i < nRows; i++) {
      if (yTrue[i] < 0 || yTrue[i] >= nClasses) {
        throw new PatronError("E_LABEL", `y_true must hold class indices 0..${nClasses - 1}; found ${yTrue[i]} at row ${i}.`);
      }
    }
  }
  const w = options.sampleWeight;
  let sum = 0;
  let total = 0;
  const row = new Float64Array(nClasses);
  for (let i = 0; i < nRows; i++) {
    if (binary) {
      const p = Math.min(Math.max(proba[i], eps), 1 - eps);
      row[0] = 1 - p;
      row[1] = p;
    } else {
      for (let k = 0; k < nClasses; k++) row[k] = Math.min(Math.max(proba[i * nClasses + k], eps), 1 - eps);
    }
    let rowSum = 0;
    for (let k = 0; k < nClasses; k++) rowSum += row[k];
    const loss = -Math.log(row[yTrue[i]] / rowSum);
    const weight = w ? w[i] : 1;
    sum += loss * weight;
    total += weight;
  }
  return sum / total;
}

/** Mean squared difference between P(y = 1) and the 0/1 outcome. */
export function brierScore(yTrue: Numbers, proba: Numbers, options: WeightOption = {}): number {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("proba", proba, yTrue.length);
  checkBinary("y_true", yTrue);
  checkFinite("proba", proba);
  checkProbabilities("proba", proba);
  checkWeights(options.sampleWeight, yTrue.length);
  const w = options.sampleWeight;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const weight = w ? w[i] : 1;
    const d = yTrue[i] - proba[i];
    sum += d * d * weight;
    total += weight;
  }
  return sum / total;
}
