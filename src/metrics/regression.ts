/**
 * Regression metrics: MAE, MSE, RMSE and R², optionally weighted, as scikit-learn 1.2's
 * sklearn/metrics/_regression.py (R² with force_finite: a constant y_true scores 1 when
 * predicted exactly and 0 otherwise, instead of NaN or −∞).
 */
import { checkFinite, checkNotEmpty, checkSameLength, checkWeights, type Numbers } from "./check.ts";

export interface WeightOption {
  sampleWeight?: Numbers;
}

function checkRegression(yTrue: Numbers, yPred: Numbers, sampleWeight: Numbers | undefined): void {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("y_pred", yPred, yTrue.length);
  checkFinite("y_true", yTrue);
  checkFinite("y_pred", yPred);
  checkWeights(sampleWeight, yTrue.length);
}

function weightedMean(values: (i: number) => number, n: number, w: Numbers | undefined): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const weight = w ? w[i] : 1;
    sum += values(i) * weight;
    total += weight;
  }
  return sum / total;
}

export function meanAbsoluteError(yTrue: Numbers, yPred: Numbers, options: WeightOption = {}): number {
  checkRegression(yTrue, yPred, options.sampleWeight);
  return weightedMean((i) => Math.abs(yPred[i] - yTrue[i]), yTrue.length, options.sampleWeight);
}

export function meanSquaredError(yTrue: Numbers, yPred: Numbers, options: WeightOption = {}): number {
  checkRegression(yTrue, yPred, options.sampleWeight);
  return weightedMean((i) => (yTrue[i] - yPred[i]) ** 2, yTrue.length, options.sampleWeight);
}

export function rootMeanSquaredError(yTrue: Numbers, yPred: Numbers, options: WeightOption = {}): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred, options));
}

/** Coefficient of determination; NaN for fewer than two rows (undefined, as scikit-learn). */
export function r2Score(yTrue: Numbers, yPred: Numbers, options: WeightOption & { forceFinite?: boolean } = {}): number {
  checkRegression(yTrue, yPred, options.sampleWeight);
  const n = yTrue.length;
  if (n < 2) return NaN;
  const w = options.sampleWeight;
  const mean = weightedMean((i) => yTrue[i], n, w);
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < n; i++) {
    const weight = w ? w[i] : 1;
    numerator += weight * (yTrue[i] - yPred[i]) ** 2;
    denominator += weight * (yTrue[i] - mean) ** 2;
  }
  if (options.forceFinite === false || (numerator !== 0 && denominator !== 0)) return 1 - numerator / denominator;
  return numerator === 0 ? 1 : 0;
}
