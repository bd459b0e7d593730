/**
 * The penalised logistic log-likelihood and its gradient, binary and multinomial, in the form
 * scikit-learn 1.2 minimises (LinearModelLoss with HalfBinomialLoss / HalfMultinomialLoss):
 *
 *   F(θ) = Σ_i s_i · ℓ(y_i, z_i) + (1 / 2C) · ‖w‖²,   z_i = x_i·w + b
 *
 * with s_i the sample × class weight. The intercept is unpenalised, except in liblinear's
 * formulation, where it is the weight of an extra constant feature `interceptScale` and is
 * penalised like every other weight; `penalizeIntercept` selects that.
 *
 * θ layout: binary [w_0 … w_{p−1}, b]; multinomial K blocks [w_k0 … w_k(p−1), b_k].
 * Loops run over columns because the Matrix is column-major.
 */
import type { Matrix } from "../../core/matrix.ts";
import type { ObjectiveWithGradient } from "./lbfgs.ts";

export interface LogisticProblem {
  readonly x: Matrix;
  /** Binary: 0/1. Multinomial: class index. */
  readonly y: Float64Array;
  /** Per-row weight: sample weight × class weight. */
  readonly weight: Float64Array;
  readonly fitIntercept: boolean;
  /** Value of the constant intercept feature (liblinear's intercept_scaling); 1 otherwise. */
  readonly interceptScale: number;
  readonly penalizeIntercept: boolean;
}

/** log(1 + e^z), without overflow. */
export function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** z = X·w + b·scale for the binary layout. */
export function binaryMargins(problem: LogisticProblem, theta: Float64Array, out: Float64Array): void {
  const { x, fitIntercept, interceptScale } = problem;
  const { data, nRows, nCols } = x;
  out.fill(fitIntercept ? theta[nCols] * interceptScale : 0);
  for (let j = 0; j < nCols; j++) {
    const w = theta[j];
    if (w === 0) continue;
    const offset = j * nRows;
    for (let i = 0; i < nRows; i++) out[i] += w * data[offset + i];
  }
}

/** The binary objective for L-BFGS, with L2 strength l2 = 1/C (0 for no penalty). */
export function binaryObjective(problem: LogisticProblem, l2: number): ObjectiveWithGradient {
  const { x, y, weight, fitIntercept, interceptScale, penalizeIntercept } = problem;
  const { data, nRows, nCols } = x;
  const z = new Float64Array(nRows);
  const residual = new Float64Array(nRows);
  return (theta, grad) => {
    binaryMargins(problem, theta, z);
    let loss = 0;
    let residualSum = 0;
    for (let i = 0; i < nRows; i++) {
      const zi = z[i];
      loss += weight[i] * (log1pExp(zi) - y[i] * zi);
      const r = weight[i] * (sigmoid(zi) - y[i]);
      residual[i] = r;
      residualSum += r;
    }
    let penalty = 0;
    for (let j = 0; j < nCols; j++) {
      const offset = j * nRows;
      let s = 0;
      for (let i = 0; i < nRows; i++) s += residual[i] * data[offset + i];
      grad[j] = s + l2 * theta[j];
      penalty += theta[j] * theta[j];
    }
    if (fitIntercept) {
      const b = theta[nCols];
      grad[nCols] = residualSum * interceptScale + (penalizeIntercept ? l2 * b : 0);
      if (penalizeIntercept) penalty += b * b;
    }
    return loss + 0.5 * l2 * penalty;
  };
}

/** z (row-major nRows × K) for the multinomial layout. */
export function multinomialMargins(x: Matrix, theta: Float64Array, nClasses: number, fitIntercept: boolean, out: Float64Array): void {
  const { data, nRows, nCols } = x;
  const stride = nCols + 1;
  for (let i = 0; i < nRows; i++) {
    for (let k = 0; k < nClasses; k++) out[i * nClasses + k] = fitIntercept ? theta[k * stride + nCols] : 0;
  }
  for (let k = 0; k < nClasses; k++) {
    for (let j = 0; j < nCols; j++) {
      const w = theta[k * stride + j];
      if (w === 0) continue;
      const offset = j * nRows;
      for (let i = 0; i < nRows; i++) out[i * nClasses + k] += w * data[offset + i];
    }
  }
}

/** Softmax of each row of z (row-major), in place. Returns log Σ exp per row in logSum. */
export function softmaxRows(z: Float64Array, nClasses: number, logSum?: Float64Array): void {
  for (let base = 0, i = 0; base < z.length; base += nClasses, i++) {
    let max = -Infinity;
    for (let k = 0; k < nClasses; k++) max = Math.max(max, z[base + k]);
    let sum = 0;
    for (let k = 0; k < nClasses; k++) sum += z[base + k] = Math.exp(z[base + k] - max);
    for (let k = 0; k < nClasses; k++) z[base + k] /= sum;
    if (logSum) logSum[i] = max + Math.log(sum);
  }
}

/**
 * The multinomial objective: Σ_i s_i (log Σ_k e^{z_ik} − z_{i,y_i}) + (1/2C) Σ_k ‖w_k‖².
 * Intercepts are unpenalised; starting from zero, L-BFGS keeps Σ_k b_k = 0 (every gradient
 * has zero intercept sum), which is the solution scikit-learn reports.
 */
export function multinomialObjective(problem: LogisticProblem, nClasses: number, l2: number): ObjectiveWithGradient {
  const { x, y, weight, fitIntercept } = problem;
  const { data, nRows, nCols } = x;
  const stride = nCols + 1;
  const z = new Float64Array(nRows * nClasses);
  const logSum = new Float64Array(nRows);
  return (theta, grad) => {
    multinomialMargins(x, theta, nClasses, fitIntercept, z);
    let loss = 0;
    for (let i = 0; i < nRows; i++) loss -= weight[i] * z[i * nClasses + y[i]];
    softmaxRows(z, nClasses, logSum);
    for (let i = 0; i < nRows; i++) {
      loss += weight[i] * logSum[i];
      // z now holds probabilities; turn it into weighted residuals p − onehot(y).
      const base = i * nClasses;
      z[base + y[i]] -= 1;
      for (let k = 0; k < nClasses; k++) z[base + k] *= weight[i];
    }
    let penalty = 0;
    grad.fill(0);
    for (let k = 0; k < nClasses; k++) {
      for (let j = 0; j < nCols; j++) {
        const offset = j * nRows;
        let s = 0;
        for (let i = 0; i < nRows; i++) s += z[i * nClasses + k] * data[offset + i];
        const w = theta[k * stride + j];
        grad[k * stride + j] = s + l2 * w;
        penalty += w * w;
      }
      if (fitIntercept) {
        let s = 0;
        for (let i = 0; i < nRows; i++) s += z[i * nClasses + k];
        grad[k * stride + nCols] = s;
      }
    }
    return loss + 0.5 * l2 * penalty;
  };
}
