/**
 * Platt scaling of SVM decision values into probabilities (Platt 1999), in the improved
 * form of Lin, Lin & Weng (2007) that libsvm uses: P(y = +1 | f) = 1 / (1 + exp(A·f + B)),
 * fitted by Newton's method with backtracking on smoothed targets (N₊ + 1)/(N₊ + 2) and
 * 1/(N₋ + 2), from decision values obtained by 5-fold cross-validation so the sigmoid is not
 * fitted on the training margins. The fold permutation comes from our seeded Rng, so the
 * folds — and A, B — differ from scikit-learn's (whose libsvm draws from its own generator);
 * `sigmoidTrain` itself equals libsvm's on the same decision values.
 */
import type { Rng } from "../../core/rng.ts";

/** libsvm's sigmoid_train: labels > 0 are the positive class. Returns A and B. */
export function sigmoidTrain(decision: Float64Array, positive: Uint8Array): { a: number; b: number } {
  const l = decision.length;
  let prior1 = 0;
  let prior0 = 0;
  for (let i = 0; i < l; i++) {
    if (positive[i]) prior1++;
    else prior0++;
  }
  const maxIter = 100;
  const minStep = 1e-10;
  const sigma = 1e-12;
  const eps = 1e-5;
  const hiTarget = (prior1 + 1) / (prior1 + 2);
  const loTarget = 1 / (prior0 + 2);
  const t = new Float64Array(l);
  let A = 0;
  let B = Math.log((prior0 + 1) / (prior1 + 1));
  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < l; i++) {
      const fApB = decision[i] * a + b;
      f += fApB >= 0 ? t[i] * fApB + Math.log(1 + Math.exp(-fApB)) : (t[i] - 1) * fApB + Math.log(1 + Math.exp(fApB));
    }
    return f;
  };
  for (let i = 0; i < l; i++) t[i] = positive[i] ? hiTarget : loTarget;
  let fval = objective(A, B);
  for (let iter = 0; iter < maxIter; iter++) {
    // Gradient and Hessian, with H + σI kept strictly positive definite.
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < l; i++) {
      const fApB = decision[i] * A + B;
      let p: number;
      let q: number;
      if (fApB >= 0) {
        p = Math.exp(-fApB) / (1 + Math.exp(-fApB));
        q = 1 / (1 + Math.exp(-fApB));
      } else {
        p = 1 / (1 + Math.exp(fApB));
        q = Math.exp(fApB) / (1 + Math.exp(fApB));
      }
      const d2 = p * q;
      h11 += decision[i] * decision[i] * d2;
      h22 += d2;
      h21 += decision[i] * d2;
      const d1 = t[i] - p;
      g1 += decision[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= minStep) {
      const newA = A + step * dA;
      const newB = B + step * dB;
      const newF = objective(newA, newB);
      if (newF < fval + 0.0001 * step * gd) {
        A = newA;
        B = newB;
        fval = newF;
        break;
      }
      step /= 2;
    }
    if (step < minStep) break;
  }
  return { a: A, b: B };
}

/** libsvm's sigmoid_predict: P(y = +1) = 1 / (1 + exp(A·f + B)), without cancellation. */
export function sigmoidPredict(decision: number, a: number, b: number): number {
  const fApB = decision * a + b;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}

/**
 * Out-of-fold decision values by libsvm's svm_binary_svc_probability: a random permutation
 * split into 5 contiguous folds; a fold whose training part has one class only gets ±1.
 * `fitAndDecide(trainRows, testRows)` trains on the rows given and returns decision values
 * for the test rows (positive = the +1 class).
 */
export function crossValidatedDecisions(
  positive: Uint8Array,
  random: Rng,
  fitAndDecide: (trainRows: Int32Array, testRows: Int32Array) => Float64Array,
): Float64Array {
  const l = positive.length;
  const nFolds = 5;
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  for (let i = 0; i < l; i++) {
    const j = i + random.int(l - i);
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  const decision = new Float64Array(l);
  for (let fold = 0; fold < nFolds; fold++) {
    const begin = Math.floor((fold * l) / nFolds);
    const end = Math.floor(((fold + 1) * l) / nFolds);
    const trainRows = Int32Array.from([...perm.subarray(0, begin), ...perm.subarray(end)]);
    const testRows = perm.subarray(begin, end);
    let nPositive = 0;
    for (const i of trainRows) nPositive += positive[i];
    const nNegative = trainRows.length - nPositive;
    if (nPositive === 0 || nNegative === 0) {
      const value = nPositive > 0 ? 1 : nNegative > 0 ? -1 : 0;
      for (const i of testRows) decision[i] = value;
      continue;
    }
    const values = fitAndDecide(trainRows, Int32Array.from(testRows));
    testRows.forEach((i, k) => (decision[i] = values[k]));
  }
  return decision;
}
