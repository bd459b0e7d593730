/**
 * Combining the K(K−1)/2 pairwise SVMs of a multiclass SVC, as libsvm and scikit-learn do:
 * - votes: each pair votes for its first class when its decision value is > 0, else for the
 *   second; the class with most votes wins, the lowest on ties (libsvm's predict);
 * - scikit-learn's "ovr"-shaped decision function: votes plus the summed pairwise confidences
 *   squashed into (−1/3, 1/3) so they only break ties (`_ovr_decision_function`);
 * - probabilities by pairwise coupling, method 2 of Wu, Lin & Weng (JMLR 5, 2004), from the
 *   pairwise Platt probabilities clipped to [1e-7, 1 − 1e-7] (libsvm's multiclass_probability).
 * Pairs are ordered (0,1), (0,2), …, (1,2), …; decision values are positive for the first class.
 */

/** Class indices of each pair, in libsvm's order. */
export function classPairs(nClasses: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let a = 0; a < nClasses; a++) for (let b = a + 1; b < nClasses; b++) pairs.push([a, b]);
  return pairs;
}

/** The winning class of one row from its pairwise decision values. */
export function voteWinner(decision: ArrayLike<number>, nClasses: number): number {
  const votes = new Int32Array(nClasses);
  let p = 0;
  for (let a = 0; a < nClasses; a++) {
    for (let b = a + 1; b < nClasses; b++) votes[decision[p++] > 0 ? a : b]++;
  }
  let best = 0;
  for (let k = 1; k < nClasses; k++) if (votes[k] > votes[best]) best = k;
  return best;
}

/** scikit-learn's ovr-shaped decision values of one row, written into out (length nClasses). */
export function ovrDecision(decision: ArrayLike<number>, nClasses: number, out: Float64Array): void {
  const votes = new Float64Array(nClasses);
  const confidence = new Float64Array(nClasses);
  let p = 0;
  for (let a = 0; a < nClasses; a++) {
    for (let b = a + 1; b < nClasses; b++) {
      // scikit-learn passes predictions = (d < 0) and confidences = −d.
      const d = decision[p++];
      confidence[a] += d;
      confidence[b] -= d;
      if (d < 0) votes[b]++;
      else votes[a]++;
    }
  }
  for (let k = 0; k < nClasses; k++) out[k] = votes[k] + confidence[k] / (3 * (Math.abs(confidence[k]) + 1));
}

/**
 * libsvm's multiclass_probability: p minimising Σ_a Σ_{b≠a} (r_ba p_a − r_ab p_b)² with Σp = 1,
 * by its fixed-point iteration. r is row-major k × k with r[a][b] = P(a | a or b).
 */
export function coupleProbabilities(r: Float64Array, k: number, out: Float64Array): void {
  const maxIter = Math.max(100, k);
  const eps = 0.005 / k;
  const Q = new Float64Array(k * k);
  const Qp = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    out[t] = 1 / k;
    Q[t * k + t] = 0;
    for (let j = 0; j < t; j++) {
      Q[t * k + t] += r[j * k + t] * r[j * k + t];
      Q[t * k + j] = Q[j * k + t];
    }
    for (let j = t + 1; j < k; j++) {
      Q[t * k + t] += r[j * k + t] * r[j * k + t];
      Q[t * k + j] = -r[j * k + t] * r[t * k + j];
    }
  }
  for (let iter = 0; iter < maxIter; iter++) {
    // Stopping test with Qp and pQp recomputed for accuracy, as libsvm does.
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      Qp[t] = 0;
      for (let j = 0; j < k; j++) Qp[t] += Q[t * k + j] * out[j];
      pQp += out[t] * Qp[t];
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) maxError = Math.max(maxError, Math.abs(Qp[t] - pQp));
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t] + pQp) / Q[t * k + t];
      out[t] += diff;
      pQp = (pQp + diff * (diff * Q[t * k + t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j] + diff * Q[t * k + j]) / (1 + diff);
        out[j] /= 1 + diff;
      }
    }
  }
}
