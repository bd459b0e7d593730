/**
 * The exact best-split search of CART (Breiman et al. 1984) for one node and one feature, the
 * way scikit-learn's BestSplitter does it (sklearn/tree/_splitter.pyx, _criterion.pyx): scan
 * the node's rows in feature order, move them one by one to the left child, and at every
 * boundary between distinct values score the split with the criterion's proxy (Gini, entropy
 * in bits, or squared error); the first strictly best proxy wins. Values closer than 1e-7 are
 * not split apart (scikit-learn's FEATURE_THRESHOLD).
 *
 * Missing values (NaN) sort last. With missing rows in the node the scan runs twice, missing
 * rows joining the right child and then the left one, and also tries "missing alone on the
 * right" — scikit-learn ≥ 1.3's rule; without them, NaN at prediction follows the child with
 * more training rows. Unlike scikit-learn, a feature whose present values are all equal still
 * offers the "missing or not" split.
 *
 * Hand-written because no JavaScript library has an exact CART split search that is not
 * quadratic (ml-cart took 16.5 s on 4,000 rows here).
 */

export const FEATURE_THRESHOLD = 1e-7;
export const GINI = 0;
export const ENTROPY = 1;
export const SQUARED_ERROR = 2;

export interface SplitProblem {
  readonly data: Float64Array;
  readonly nRows: number;
  /** Classification: class index per row. */
  readonly classOf: Int32Array;
  /** Regression: target per row. */
  readonly target: Float64Array;
  /** 0 for regression. */
  readonly nClasses: number;
  readonly weight: Float64Array;
  readonly criterion: number;
  readonly minSamplesLeaf: number;
  readonly minWeightLeaf: number;
}

/** Weighted sufficient statistics of a set of rows: class weights, or Σw·y and Σw·y². */
export interface Stats {
  weight: number;
  counts: Float64Array;
  sum: number;
  sqSum: number;
}

export function emptyStats(nClasses: number): Stats {
  return { weight: 0, counts: new Float64Array(nClasses), sum: 0, sqSum: 0 };
}

export interface BestSplit {
  proxy: number;
  feature: number;
  /** Rows of the feature-ordered node segment before `pos` (non-missing) go left. */
  pos: number;
  /** scikit-learn's threshold (x ≤ threshold goes left). */
  threshold: number;
  missingLeft: boolean;
  nMissing: number;
}

export function noSplit(): BestSplit {
  return { proxy: -Infinity, feature: -1, pos: -1, threshold: NaN, missingLeft: false, nMissing: 0 };
}

const LN2 = Math.log(2.0);

/** Impurity of a node from its statistics (scikit-learn's node_impurity). */
export function impurity(problem: SplitProblem, s: Stats): number {
  const w = s.weight;
  if (problem.criterion === SQUARED_ERROR) return s.sqSum / w - (s.sum / w) * (s.sum / w);
  if (problem.criterion === GINI) {
    let sq = 0;
    for (let k = 0; k < problem.nClasses; k++) sq += s.counts[k] * s.counts[k];
    return 1.0 - sq / (w * w);
  }
  let entropy = 0;
  for (let k = 0; k < problem.nClasses; k++) {
    const p = s.counts[k] / w;
    if (p > 0) entropy -= p * (Math.log(p) / LN2);
  }
  return entropy;
}

/** Classification proxy: −(wL·impurityL + wR·impurityR), from left counts and node totals. */
function classProxy(criterion: number, left: Float64Array, total: Float64Array, wLeft: number, wRight: number, nClasses: number): number {
  if (criterion === GINI) {
    let sqLeft = 0;
    let sqRight = 0;
    for (let k = 0; k < nClasses; k++) {
      const l = left[k];
      const r = total[k] - l;
      sqLeft += l * l;
      sqRight += r * r;
    }
    return -wRight * (1.0 - sqRight / (wRight * wRight)) - wLeft * (1.0 - sqLeft / (wLeft * wLeft));
  }
  let entropyLeft = 0;
  let entropyRight = 0;
  for (let k = 0; k < nClasses; k++) {
    const pl = left[k] / wLeft;
    const pr = (total[k] - left[k]) / wRight;
    if (pl > 0) entropyLeft -= pl * (Math.log(pl) / LN2);
    if (pr > 0) entropyRight -= pr * (Math.log(pr) / LN2);
  }
  return -wRight * entropyRight - wLeft * entropyLeft;
}

/** The statistics of rows seg[from..to). */
export function addRows(problem: SplitProblem, seg: Int32Array, from: number, to: number, into: Stats): void {
  const { weight, classOf, target, nClasses } = problem;
  for (let p = from; p < to; p++) {
    const i = seg[p];
    const w = weight[i];
    into.weight += w;
    if (nClasses > 0) into.counts[classOf[i]] += w;
    else {
      const wy = w * target[i];
      into.sum += wy;
      into.sqSum += wy * target[i];
    }
  }
}

/**
 * Scans feature j over the node's rows `seg` (ordered by that feature, NaN last) and updates
 * `best` when a split beats it. Returns false when the feature is constant in the node.
 * `scratch` and `missing` are reusable Stats buffers.
 */
export function searchFeature(
  problem: SplitProblem, j: number, seg: Int32Array, node: Stats, best: BestSplit, scratch: Stats, missing: Stats,
): boolean {
  const { data, nRows, weight, classOf, target, nClasses, criterion, minSamplesLeaf, minWeightLeaf } = problem;
  const base = j * nRows;
  const n = seg.length;
  let nMissing = 0;
  while (nMissing < n && Number.isNaN(data[base + seg[n - 1 - nMissing]])) nMissing++;
  const endNonMissing = n - nMissing;
  if (endNonMissing === 0) return false;
  // Constant apart from missing values still splits "missing or not" (scikit-learn skips such a
  // feature as constant; an is-missing signal is too useful to drop).
  if (nMissing === 0 && data[base + seg[endNonMissing - 1]] <= data[base + seg[0]] + FEATURE_THRESHOLD) return false;
  if (nMissing > 0) {
    resetStats(missing);
    addRows(problem, seg, endNonMissing, n, missing);
  }
  const total = node.counts;
  const wTotal = node.weight;
  const left = scratch.counts;
  for (let pass = 0; pass < (nMissing > 0 ? 2 : 1); pass++) {
    const missingGoLeft = pass === 1;
    let wLeft = 0;
    let sumLeft = 0;
    left.fill(0);
    if (missingGoLeft) {
      wLeft = missing.weight;
      sumLeft = missing.sum;
      left.set(missing.counts);
    }
    for (let p = 0; p < endNonMissing - 1; p++) {
      const i = seg[p];
      const w = weight[i];
      wLeft += w;
      if (nClasses > 0) left[classOf[i]] += w;
      else sumLeft += w * target[i];
      const value = data[base + i];
      const next = data[base + seg[p + 1]];
      if (next <= value + FEATURE_THRESHOLD) continue;
      const nLeft = p + 1 + (missingGoLeft ? nMissing : 0);
      const nRight = endNonMissing - p - 1 + (missingGoLeft ? 0 : nMissing);
      if (nLeft < minSamplesLeaf || nRight < minSamplesLeaf) continue;
      const wRight = wTotal - wLeft;
      if (wLeft < minWeightLeaf || wRight < minWeightLeaf) continue;
      const proxy =
        nClasses > 0
          ? classProxy(criterion, left, total, wLeft, wRight, nClasses)
          : (sumLeft * sumLeft) / wLeft + ((node.sum - sumLeft) * (node.sum - sumLeft)) / wRight;
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = j;
        best.pos = p + 1;
        // Sum of halves cannot overflow; fall back to the lower value if rounding reaches the upper.
        let threshold = value / 2.0 + next / 2.0;
        if (threshold === next || threshold === Infinity || threshold === -Infinity) threshold = value;
        best.threshold = threshold;
        best.nMissing = nMissing;
        best.missingLeft = nMissing === 0 ? nLeft > nRight : missingGoLeft;
      }
    }
  }
  if (nMissing > 0 && endNonMissing >= minSamplesLeaf && nMissing >= minSamplesLeaf) {
    // Every non-missing row left, the missing ones alone on the right.
    const wLeft = wTotal - missing.weight;
    const wRight = missing.weight;
    if (wLeft >= minWeightLeaf && wRight >= minWeightLeaf) {
      for (let k = 0; k < nClasses; k++) left[k] = total[k] - missing.counts[k];
      const sumLeft = node.sum - missing.sum;
      const proxy =
        nClasses > 0
          ? classProxy(criterion, left, total, wLeft, wRight, nClasses)
          : (sumLeft * sumLeft) / wLeft + ((node.sum - sumLeft) * (node.sum - sumLeft)) / wRight;
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = j;
        best.pos = endNonMissing;
        best.threshold = Infinity;
        best.nMissing = nMissing;
        best.missingLeft = false;
      }
    }
  }
  return true;
}

export function resetStats(s: Stats): void {
  s.weight = 0;
  s.sum = 0;
  s.sqSum = 0;
  s.counts.fill(0);
}

/**
 * Statistics of both children of the best split (right = node − left, as scikit-learn), and
 * the split's impurity improvement weighted by the node's share of the total weight.
 */
export function childStats(problem: SplitProblem, seg: Int32Array, node: Stats, best: BestSplit, totalWeight: number, nodeImpurity: number) {
  const left = emptyStats(problem.nClasses);
  addRows(problem, seg, 0, best.pos, left);
  if (best.missingLeft && best.nMissing > 0) addRows(problem, seg, seg.length - best.nMissing, seg.length, left);
  const right = emptyStats(problem.nClasses);
  right.weight = node.weight - left.weight;
  right.sum = node.sum - left.sum;
  right.sqSum = node.sqSum - left.sqSum;
  for (let k = 0; k < problem.nClasses; k++) right.counts[k] = node.counts[k] - left.counts[k];
  const impurityLeft = impurity(problem, left);
  const impurityRight = impurity(problem, right);
  const improvement =
    (node.weight / totalWeight) *
    (nodeImpurity - (right.weight / node.weight) * impurityRight - (left.weight / node.weight) * impurityLeft);
  return { left, right, impurityLeft, impurityRight, improvement };
}
