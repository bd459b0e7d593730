/**
 * SVM kernels as libsvm defines them (Chang & Lin 2011, §2): linear ⟨x, z⟩, RBF
 * exp(−γ‖x − z‖²), polynomial (γ⟨x, z⟩ + coef0)^degree and sigmoid tanh(γ⟨x, z⟩ + coef0),
 * with scikit-learn's gamma rules ("scale" = 1 / (nFeatures · Var(X)) over all entries,
 * "auto" = 1 / nFeatures). Rows are row-major here: a kernel value reads two contiguous rows.
 *
 * Training uses libsvm's form of the RBF, ‖x‖² + ‖z‖² − 2⟨x, z⟩ (norms precomputed), and
 * prediction its exact form Σ(x − z)², as libsvm does, so decision values agree to rounding.
 */
export type KernelName = "linear" | "rbf" | "poly" | "sigmoid";

export interface KernelParams {
  readonly kernel: KernelName;
  readonly gamma: number;
  readonly degree: number;
  readonly coef0: number;
}

function dot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, nCols: number): number {
  let s = 0;
  for (let j = 0; j < nCols; j++) s += a[aOffset + j] * b[bOffset + j];
  return s;
}

/** Integer power by squaring, as libsvm's powi (so results match its rounding). */
function powi(base: number, times: number): number {
  let tmp = base;
  let ret = 1;
  for (let t = times; t > 0; t = Math.floor(t / 2)) {
    if (t % 2 === 1) ret *= tmp;
    tmp *= tmp;
  }
  return ret;
}

/** Σ x_j² of each row (libsvm's x_square, used by the training form of the RBF). */
export function rowSquares(rows: Float64Array, nRows: number, nCols: number): Float64Array {
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) out[i] = dot(rows, i * nCols, rows, i * nCols, nCols);
  return out;
}

/** K(row a, row b) for training: both rows from the same row-major array. */
export function trainingKernel(params: KernelParams, rows: Float64Array, nCols: number, squares: Float64Array | undefined) {
  const { gamma, degree, coef0 } = params;
  switch (params.kernel) {
    case "linear":
      return (a: number, b: number) => dot(rows, a * nCols, rows, b * nCols, nCols);
    case "poly":
      return (a: number, b: number) => powi(gamma * dot(rows, a * nCols, rows, b * nCols, nCols) + coef0, degree);
    case "sigmoid":
      return (a: number, b: number) => Math.tanh(gamma * dot(rows, a * nCols, rows, b * nCols, nCols) + coef0);
    case "rbf":
      return (a: number, b: number) => Math.exp(-gamma * (squares![a] + squares![b] - 2 * dot(rows, a * nCols, rows, b * nCols, nCols)));
  }
}

/** K(x, z) for prediction, between a row of `left` and a row of `right` (libsvm's k_function). */
export function kernelValue(params: KernelParams, left: Float64Array, leftOffset: number, right: Float64Array, rightOffset: number, nCols: number): number {
  const { gamma, degree, coef0 } = params;
  switch (params.kernel) {
    case "linear":
      return dot(left, leftOffset, right, rightOffset, nCols);
    case "poly":
      return powi(gamma * dot(left, leftOffset, right, rightOffset, nCols) + coef0, degree);
    case "sigmoid":
      return Math.tanh(gamma * dot(left, leftOffset, right, rightOffset, nCols) + coef0);
    case "rbf": {
      let s = 0;
      for (let j = 0; j < nCols; j++) {
        const d = left[leftOffset + j] - right[rightOffset + j];
        s += d * d;
      }
      return Math.exp(-gamma * s);
    }
  }
}

/** scikit-learn's gamma: a number, "scale" = 1 / (p · Var(X)) (1 if Var(X) = 0), or "auto" = 1 / p. */
export function resolveGamma(gamma: number | "scale" | "auto", data: Float64Array, nCols: number): number {
  if (typeof gamma === "number") return gamma;
  if (gamma === "auto") return 1 / nCols;
  // np.var over all entries: mean first, then the mean squared deviation (two passes).
  let sum = 0;
  for (let k = 0; k < data.length; k++) sum += data[k];
  const mean = sum / data.length;
  let squares = 0;
  for (let k = 0; k < data.length; k++) squares += (data[k] - mean) ** 2;
  const variance = squares / data.length;
  return variance !== 0 ? 1 / (nCols * variance) : 1;
}
