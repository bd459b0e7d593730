/**
 * Sequential minimal optimisation for the C-SVC dual (Platt 1998), with libsvm's
 * second-order working-set selection WSS2 (Fan, Chen & Lin, JMLR 6, 2005) and its update and
 * bias rules (Chang & Lin 2011, §4), written to follow libsvm's Solver step by step so that
 * the solution — and with it the decision values — match scikit-learn's SVC:
 *
 *   min ½ αᵀQα − eᵀα   s.t. yᵀα = 0, 0 ≤ α_i ≤ C_i,   Q_ij = y_i y_j K(x_i, x_j).
 *
 * Stops when the maximal violation m(α) − M(α) < eps. Rows of Q come from an LRU kernel cache
 * holding float32 values, as libsvm's Qfloat. No shrinking: it saves time on large problems
 * but does not change the solution, and without it the iterates follow libsvm's exactly.
 * Hand-written because no maintained JavaScript SVM solver exists.
 */
import { rowSquares, trainingKernel, type KernelParams } from "./kernels.ts";

/** libsvm's TAU: a floor on the curvature of the two-variable subproblem. */
const TAU = 1e-12;

export interface SmoProblem {
  /** Row-major training rows. */
  readonly rows: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
  /** +1 or −1 per row. */
  readonly y: Int8Array;
  /** Upper bound of each α_i (C × class weight × sample weight). */
  readonly upper: Float64Array;
}

export interface SmoOptions {
  readonly kernel: KernelParams;
  readonly eps: number;
  /** Iteration limit; 0 = none (scikit-learn's max_iter = −1). */
  readonly maxIter: number;
  readonly cacheBytes: number;
}

export interface SmoResult {
  /** α_i y_i, libsvm's sv_coef. */
  readonly coef: Float64Array;
  readonly rho: number;
  readonly nIter: number;
  readonly hitMaxIter: boolean;
}

/** An LRU cache of rows of Q (libsvm's Cache, by rows rather than bytes of partial rows). */
class KernelCache {
  private readonly rows = new Map<number, Float32Array>();
  private readonly capacity: number;

  constructor(
    private readonly nRows: number,
    cacheBytes: number,
    private readonly compute: (i: number, out: Float32Array) => void,
  ) {
    this.capacity = Math.max(2, Math.floor(cacheBytes / (4 * nRows)));
  }

  get(i: number): Float32Array {
    let row = this.rows.get(i);
    if (row) {
      // Re-insert to mark as most recently used (a Map iterates in insertion order).
      this.rows.delete(i);
      this.rows.set(i, row);
      return row;
    }
    if (this.rows.size >= this.capacity) {
      const oldest = this.rows.keys().next().value as number;
      row = this.rows.get(oldest)!;
      this.rows.delete(oldest);
    } else {
      row = new Float32Array(this.nRows);
    }
    this.compute(i, row);
    this.rows.set(i, row);
    return row;
  }
}

export function solveSmo(problem: SmoProblem, options: SmoOptions): SmoResult {
  const { rows, nRows: l, nCols, y, upper } = problem;
  const squares = options.kernel.kernel === "rbf" ? rowSquares(rows, l, nCols) : undefined;
  const kernel = trainingKernel(options.kernel, rows, nCols, squares);
  const cache = new KernelCache(l, options.cacheBytes, (i, out) => {
    const yi = y[i];
    for (let j = 0; j < l; j++) out[j] = yi * y[j] * kernel(i, j);
  });
  const QD = new Float64Array(l);
  for (let i = 0; i < l; i++) QD[i] = kernel(i, i);

  const alpha = new Float64Array(l);
  // Gradient of the objective: G = Qα − e; α = 0 at the start.
  const G = new Float64Array(l).fill(-1);
  const isUpper = (i: number) => alpha[i] >= upper[i];
  const isLower = (i: number) => alpha[i] <= 0;

  let iter = 0;
  let hitMaxIter = false;
  for (;;) {
    if (options.maxIter > 0 && iter >= options.maxIter) {
      hitMaxIter = true;
      break;
    }
    // WSS2: i maximises −y_t G_t over I_up; j minimises the second-order decrease over I_low.
    let gMax = -Infinity;
    let gMax2 = -Infinity;
    let iSel = -1;
    let jSel = -1;
    let objDiffMin = Infinity;
    for (let t = 0; t < l; t++) {
      if (y[t] === 1) {
        if (!isUpper(t) && -G[t] >= gMax) {
          gMax = -G[t];
          iSel = t;
        }
      } else if (!isLower(t) && G[t] >= gMax) {
        gMax = G[t];
        iSel = t;
      }
    }
    const Qi = iSel !== -1 ? cache.get(iSel) : undefined;
    for (let t = 0; t < l; t++) {
      if (y[t] === 1) {
        if (isLower(t)) continue;
        const gradDiff = gMax + G[t];
        if (G[t] >= gMax2) gMax2 = G[t];
        if (gradDiff > 0) {
          const quad = QD[iSel] + QD[t] - 2 * y[iSel] * Qi![t];
          const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
          if (objDiff <= objDiffMin) {
            jSel = t;
            objDiffMin = objDiff;
          }
        }
      } else {
        if (isUpper(t)) continue;
        const gradDiff = gMax - G[t];
        if (-G[t] >= gMax2) gMax2 = -G[t];
        if (gradDiff > 0) {
          const quad = QD[iSel] + QD[t] + 2 * y[iSel] * Qi![t];
          const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
          if (objDiff <= objDiffMin) {
            jSel = t;
            objDiffMin = objDiff;
          }
        }
      }
    }
    if (gMax + gMax2 < options.eps || jSel === -1) break;
    iter++;

    const i = iSel;
    const j = jSel;
    const QI = cache.get(i);
    const QJ = cache.get(j);
    const Ci = upper[i];
    const Cj = upper[j];
    const oldI = alpha[i];
    const oldJ = alpha[j];
    // The two-variable subproblem, clipped to the box as libsvm does.
    if (y[i] !== y[j]) {
      let quad = QD[i] + QD[j] + 2 * QI[j];
      if (quad <= 0) quad = TAU;
      const delta = (-G[i] - G[j]) / quad;
      const diff = alpha[i] - alpha[j];
      alpha[i] += delta;
      alpha[j] += delta;
      if (diff > 0) {
        if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = diff;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = -diff;
      }
      if (diff > Ci - Cj) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = Ci - diff;
        }
      } else if (alpha[j] > Cj) {
        alpha[j] = Cj;
        alpha[i] = Cj + diff;
      }
    } else {
      let quad = QD[i] + QD[j] - 2 * QI[j];
      if (quad <= 0) quad = TAU;
      const delta = (G[i] - G[j]) / quad;
      const sum = alpha[i] + alpha[j];
      alpha[i] -= delta;
      alpha[j] += delta;
      if (sum > Ci) {
        if (alpha[i] > Ci) {
          alpha[i] = Ci;
          alpha[j] = sum - Ci;
        }
      } else if (alpha[j] < 0) {
        alpha[j] = 0;
        alpha[i] = sum;
      }
      if (sum > Cj) {
        if (alpha[j] > Cj) {
          alpha[j] = Cj;
          alpha[i] = sum - Cj;
        }
      } else if (alpha[i] < 0) {
        alpha[i] = 0;
        alpha[j] = sum;
      }
    }
    const dI = alpha[i] - oldI;
    const dJ = alpha[j] - oldJ;
    for (let t = 0; t < l; t++) G[t] += QI[t] * dI + QJ[t] * dJ;
  }

  // ρ: the mean of y_i G_i over free variables, else the middle of the feasible interval.
  let nFree = 0;
  let sumFree = 0;
  let ub = Infinity;
  let lb = -Infinity;
  for (let i = 0; i < l; i++) {
    const yG = y[i] * G[i];
    if (isUpper(i)) {
      if (y[i] === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (isLower(i)) {
      if (y[i] === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      nFree++;
      sumFree += yG;
    }
  }
  const rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
  const coef = new Float64Array(l);
  for (let i = 0; i < l; i++) coef[i] = alpha[i] * y[i];
  return { coef, rho, nIter: iter, hitMaxIter };
}
