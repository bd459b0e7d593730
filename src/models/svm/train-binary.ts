/**
 * One two-class SVM as libsvm's svm_train sets it up inside scikit-learn's SVC: the rows of
 * the first class of the pair come first as y = +1, then the second class as y = −1, in
 * their original order; C_i = C × class weight × sample weight; zero-weight rows are left
 * out (libsvm's remove_zero_weight). Results are in libsvm's orientation: the decision value
 * Σ coef_s K(sv_s, x) − rho is positive for the first class.
 */
import { warn } from "../../core/warn.ts";
import { kernelValue, type KernelParams } from "./kernels.ts";
import { solveSmo } from "./smo.ts";

export interface BinarySvm {
  /** Training row index of each support vector. */
  readonly supportIndex: Int32Array;
  /** α_s y_s per support vector (libsvm's sv_coef). */
  readonly coef: Float64Array;
  readonly rho: number;
  readonly nIter: number;
}

export interface SolverSettings {
  readonly tol: number;
  readonly maxIter: number;
  readonly cacheSizeMb: number;
}

/**
 * Trains on the rows in `index` whose label is pair[0] (+1) or pair[1] (−1).
 * `rows` is row-major; `classC[k]` is C × the weight of class k.
 */
export function trainBinarySvm(
  rows: Float64Array,
  nCols: number,
  index: ArrayLike<number>,
  labels: Float64Array,
  pair: readonly [number, number],
  rowWeight: Float64Array,
  classC: ArrayLike<number>,
  kernel: KernelParams,
  settings: SolverSettings,
): BinarySvm {
  const order: number[] = [];
  for (const cls of pair) {
    for (let r = 0; r < index.length; r++) {
      const i = index[r];
      if (labels[i] === cls && rowWeight[i] > 0) order.push(i);
    }
  }
  const l = order.length;
  const sub = gatherRows(rows, nCols, order);
  const y = new Int8Array(l);
  const upper = new Float64Array(l);
  order.forEach((i, k) => {
    y[k] = labels[i] === pair[0] ? 1 : -1;
    upper[k] = rowWeight[i] * classC[labels[i]];
  });
  const result = solveSmo(
    { rows: sub, nRows: l, nCols, y, upper },
    { kernel, eps: settings.tol, maxIter: settings.maxIter, cacheBytes: settings.cacheSizeMb * 1024 * 1024 },
  );
  if (result.hitMaxIter) {
    warn("W_NOT_CONVERGED", `SVC stopped at maxIter ${settings.maxIter} before reaching tol ${settings.tol}; raise maxIter or scale the features.`);
  }
  const support: number[] = [];
  const coef: number[] = [];
  order.forEach((i, k) => {
    if (result.coef[k] !== 0) {
      support.push(i);
      coef.push(result.coef[k]);
    }
  });
  return { supportIndex: Int32Array.from(support), coef: Float64Array.from(coef), rho: result.rho, nIter: result.nIter };
}

/** The rows at `index` of a row-major array, as a new row-major array. */
export function gatherRows(rows: Float64Array, nCols: number, index: ArrayLike<number>): Float64Array {
  const out = new Float64Array(index.length * nCols);
  for (let k = 0; k < index.length; k++) out.set(rows.subarray(index[k] * nCols, (index[k] + 1) * nCols), k * nCols);
  return out;
}

/** K(sv_s, query_r) for every support vector s and query row r: row-major nQuery × nSupport. */
export function kernelMatrix(kernel: KernelParams, supportVectors: Float64Array, nSupport: number, query: Float64Array, nQuery: number, nCols: number): Float64Array {
  const out = new Float64Array(nQuery * nSupport);
  for (let r = 0; r < nQuery; r++) {
    for (let s = 0; s < nSupport; s++) out[r * nSupport + s] = kernelValue(kernel, supportVectors, s * nCols, query, r * nCols, nCols);
  }
  return out;
}
