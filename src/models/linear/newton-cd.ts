/**
 * L1 and elastic-net logistic regression by proximal Newton with coordinate descent — the
 * newGLMNET method of Yuan, Ho & Lin (2012), which liblinear uses for L1-regularised
 * logistic regression. Each outer step builds the quadratic model of the log-loss at θ
 * (gradient g, Hessian XᵀDX with D = s·p(1−p)), minimises it plus the L1 term by cyclic
 * coordinate descent with soft-thresholding, then backtracks along the direction until the
 * Armijo condition holds for the full objective
 *
 *   F(θ) = Σ_i s_i ℓ(y_i, z_i) + λ1 Σ_j |θ_j| + (λ2 / 2) Σ_j θ_j²   (penalised coordinates).
 *
 * Column-major data makes each coordinate pass one contiguous sweep. Hand-written because no
 * JavaScript library solves L1 logistic regression. Stops when the largest component of the
 * minimum-norm subgradient is ≤ tol, or when F stops changing in floating point.
 */
import { binaryMargins, log1pExp, sigmoid, type LogisticProblem } from "./logistic-loss.ts";

export interface NewtonCdOptions {
  l1: number;
  l2: number;
  maxIter: number;
  tol: number;
}

export interface NewtonCdResult {
  theta: Float64Array;
  nIter: number;
  converged: boolean;
}

const ARMIJO = 0.01;
const MAX_INNER_PASSES = 100;

export function fitNewtonCd(problem: LogisticProblem, options: NewtonCdOptions): NewtonCdResult {
  const { x, y, weight, fitIntercept, interceptScale, penalizeIntercept } = problem;
  const { data, nRows, nCols } = x;
  const { l1, l2 } = options;
  const nParams = nCols + (fitIntercept ? 1 : 0);
  const interceptColumn = new Float64Array(nRows).fill(interceptScale);
  const columnOf = (j: number): Float64Array => (j < nCols ? data.subarray(j * nRows, (j + 1) * nRows) : interceptColumn);
  const penalized = (j: number): boolean => j < nCols || penalizeIntercept;

  const theta = new Float64Array(nCols + 1);
  const z = new Float64Array(nRows);
  const zTrial = new Float64Array(nRows);
  const hessianWeight = new Float64Array(nRows);
  const residual = new Float64Array(nRows);
  const grad = new Float64Array(nParams);
  const diag = new Float64Array(nParams);
  const d = new Float64Array(nParams);
  const xd = new Float64Array(nRows);

  const smoothLoss = (margins: Float64Array, params: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < nRows; i++) loss += weight[i] * (log1pExp(margins[i]) - y[i] * margins[i]);
    let ridge = 0;
    let lasso = 0;
    for (let j = 0; j < nParams; j++) {
      if (!penalized(j)) continue;
      ridge += params[j] * params[j];
      lasso += Math.abs(params[j]);
    }
    return loss + 0.5 * l2 * ridge + l1 * lasso;
  };

  binaryMargins(problem, theta, z);
  let objective = smoothLoss(z, theta);
  for (let iter = 0; iter < options.maxIter; iter++) {
    for (let i = 0; i < nRows; i++) {
      const p = sigmoid(z[i]);
      residual[i] = weight[i] * (p - y[i]);
      hessianWeight[i] = weight[i] * p * (1 - p);
    }
    let violation = 0;
    for (let j = 0; j < nParams; j++) {
      const col = columnOf(j);
      let g = 0;
      let h = 0;
      for (let i = 0; i < nRows; i++) {
        g += residual[i] * col[i];
        h += hessianWeight[i] * col[i] * col[i];
      }
      if (penalized(j)) {
        g += l2 * theta[j];
        h += l2;
      }
      grad[j] = g;
      // A tiny ridge keeps the coordinate step finite on a column of zeros.
      diag[j] = h + 1e-12;
      violation = Math.max(violation, subgradientViolation(theta[j], g, penalized(j) ? l1 : 0));
    }
    if (violation <= options.tol) return { theta: theta.slice(0, nParams), nIter: iter, converged: true };

    // Inner coordinate descent on the quadratic model, solved to a fraction of the outer violation.
    d.fill(0);
    xd.fill(0);
    const innerTol = 0.05 * violation;
    for (let pass = 0; pass < MAX_INNER_PASSES; pass++) {
      let largest = 0;
      for (let j = 0; j < nParams; j++) {
        const col = columnOf(j);
        let hd = 0;
        for (let i = 0; i < nRows; i++) hd += hessianWeight[i] * col[i] * xd[i];
        if (penalized(j)) hd += l2 * d[j];
        const gj = grad[j] + hd;
        const hj = diag[j];
        const wj = theta[j] + d[j];
        const lambda = penalized(j) ? l1 : 0;
        let step: number;
        if (gj + lambda <= hj * wj) step = -(gj + lambda) / hj;
        else if (gj - lambda >= hj * wj) step = -(gj - lambda) / hj;
        else step = -wj;
        if (step === 0) continue;
        d[j] += step;
        for (let i = 0; i < nRows; i++) xd[i] += step * col[i];
        largest = Math.max(largest, hj * Math.abs(step));
      }
      if (largest <= innerTol) break;
    }

    // Armijo backtracking on F along d: Δ = gᵀd + λ1 (‖θ + d‖₁ − ‖θ‖₁) (Tseng & Yun 2009).
    let delta = 0;
    for (let j = 0; j < nParams; j++) {
      delta += grad[j] * d[j];
      if (penalized(j)) delta += l1 * (Math.abs(theta[j] + d[j]) - Math.abs(theta[j]));
    }
    const trial = new Float64Array(nCols + 1);
    let step = 1;
    let accepted = false;
    let stalled = false;
    for (let backtrack = 0; backtrack < 60; backtrack++) {
      for (let j = 0; j < nParams; j++) trial[j] = theta[j] + step * d[j];
      for (let i = 0; i < nRows; i++) zTrial[i] = z[i] + step * xd[i];
      const value = smoothLoss(zTrial, trial);
      if (value <= objective + ARMIJO * step * delta) {
        // A step that no longer changes F in floating point means θ is optimal to machine
        // precision (the gradient's own rounding error is then above a very small tol).
        stalled = objective - value <= 1e-15 * Math.abs(objective);
        theta.set(trial);
        z.set(zTrial);
        objective = value;
        accepted = true;
        break;
      }
      step /= 2;
    }
    // No decrease is representable any more: θ is optimal to floating-point precision.
    if (!accepted || stalled) return { theta: theta.slice(0, nParams), nIter: iter + 1, converged: true };
  }
  return { theta: theta.slice(0, nParams), nIter: options.maxIter, converged: false };
}

/** The largest change of F's minimum-norm subgradient at coordinate θ_j (0 at an optimum). */
function subgradientViolation(theta: number, g: number, lambda: number): number {
  if (theta > 0) return Math.abs(g + lambda);
  if (theta < 0) return Math.abs(g - lambda);
  return Math.max(Math.abs(g) - lambda, 0);
}
