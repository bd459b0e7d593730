/**
 * Exact TreeSHAP in polynomial time: Lundberg, Erion & Lee 2018, "Consistent Individualized
 * Feature Attribution for Tree Ensembles", Algorithm 2 (EXTEND / UNWIND over the unique path
 * of features from the root, with cover-weighted "zero" fractions). This is the
 * path-dependent (tree_path_dependent) variant that XGBoost's pred_contribs and the shap
 * package's TreeExplainer compute, so imported XGBoost models give XGBoost's numbers.
 *
 * Hand-written because no JavaScript library implements TreeSHAP, and Patron runs no Python
 * at run time. Cost per row: O(T · L · D²) for T trees, L leaves, depth D.
 *
 * Speed: one preallocated path buffer (flat typed arrays, one segment per recursion level as in
 * XGBoost's tree_shap), per-tree child cover ratios precomputed once, the row gathered into a
 * dense buffer once per row. No allocation per node or per row. tree-shap-prepare.ts holds
 * the per-model precomputation; tree-shap-parallel.ts splits rows across worker threads.
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { TreeEnsemble } from "../models/tree/ensemble.ts";
import type { ShapValues } from "./shap-values.ts";
import { prepareEnsemble, type PreparedEnsemble } from "./tree-shap-prepare.ts";

export { prepareEnsemble, type PreparedEnsemble };

// 1/k for k up to the deepest path: the path loops multiply by these instead of dividing
// (division is several times slower, and these loops are the whole cost of TreeSHAP). Grown
// in explainRange for deeper trees (an unlimited-depth CART can be hundreds of levels deep).
const inverses = (n: number) => Float64Array.from({ length: n }, (_, k) => (k === 0 ? 0 : 1 / k));
let INVERSE: Float64Array = inverses(64);

/*
 * The recursion's state lives in module variables, set once per row and tree, so RECURSE takes
 * only what changes per call (each worker thread has its own copy of this module).
 *
 * PATH is the unique path of Algorithm 2 for all recursion levels at once: level d owns a
 * segment of d + 2 elements, one after another (XGBoost's layout), so a child copies its
 * parent's segment forward instead of allocating. Each element is 4 interleaved doubles
 * (feature, zero fraction, one fraction, permutation weight): one array, contiguous copies.
 */
const FEATURE = 0;
const ZERO = 1;
const ONE = 2;
const WEIGHT = 3;
let PATH: Float64Array = new Float64Array(64);
let X_ROW: Float64Array = new Float64Array(0);
let PHI: Float64Array = new Float64Array(0);
let PHI_OFFSET = 0;
let SCALE = 1;
let T_FEATURE: Int32Array = new Int32Array(0);
let T_THRESHOLD: Float64Array = new Float64Array(0);
let T_LEFT: Int32Array = new Int32Array(0);
let T_RIGHT: Int32Array = new Int32Array(0);
let T_MISSING_LEFT: Uint8Array = new Uint8Array(0);
let T_VALUE: Float64Array = new Float64Array(0);
let T_COVER_RATIO: Float64Array = new Float64Array(0);

function pathSize(depth: number): number {
  return 4 * (((depth + 2) * (depth + 3)) / 2 + 2);
}

// EXTEND: the path of d elements at element `from`, plus a feature with fractions (zero, one),
// written at element `to` (to === from extends in place), with the permutation weights of
// every subset size updated. Copying and extending in one pass reads each weight once.
function extendPath(from: number, to: number, d: number, zero: number, one: number, feature: number): void {
  const P = PATH;
  const src = from << 2;
  const dst = to << 2;
  if (src !== dst) {
    for (let k = 0, n = d << 2; k < n; k += 4) {
      P[dst + k + FEATURE] = P[src + k + FEATURE];
      P[dst + k + ZERO] = P[src + k + ZERO];
      P[dst + k + ONE] = P[src + k + ONE];
    }
  }
  const e = dst + (d << 2);
  P[e + FEATURE] = feature;
  P[e + ZERO] = zero;
  P[e + ONE] = one;
  P[e + WEIGHT] = d === 0 ? 1 : 0;
  const inv = INVERSE[d + 1];
  for (let i = d - 1; i >= 0; i--) {
    const wi = P[src + (i << 2) + WEIGHT];
    const w = dst + (i << 2) + WEIGHT;
    P[w + 4] += one * wi * (i + 1) * inv;
    P[w] = zero * wi * (d - i) * inv;
  }
}

// UNWIND: removes the element at pathIndex (a feature met again deeper in the tree), the
// inverse of EXTEND, then closes the gap.
function unwindPath(s: number, d: number, pathIndex: number): void {
  const P = PATH;
  const b = s << 2;
  const one = P[b + (pathIndex << 2) + ONE];
  const zero = P[b + (pathIndex << 2) + ZERO];
  let nextOnePortion = P[b + (d << 2) + WEIGHT];
  for (let i = d - 1; i >= 0; i--) {
    const w = b + (i << 2) + WEIGHT;
    if (one !== 0) {
      const tmp = P[w];
      P[w] = (nextOnePortion * (d + 1)) / ((i + 1) * one);
      nextOnePortion = tmp - (P[w] * zero * (d - i)) / (d + 1);
    } else {
      P[w] = (P[w] * (d + 1)) / (zero * (d - i));
    }
  }
  for (let i = pathIndex; i < d; i++) {
    const e = b + (i << 2);
    P[e + FEATURE] = P[e + 4 + FEATURE];
    P[e + ZERO] = P[e + 4 + ZERO];
    P[e + ONE] = P[e + 4 + ONE];
  }
}

// UNWOUNDSUM of Algorithm 2 for a path element whose one-fraction is 1 (the row's own
// direction; one-fractions are always 0 or 1): the total permutation weight the path would
// have without that element, i.e. its Shapley weight at this leaf.
//   readable form, as in the paper:
//     for i = d-1 … 0: tmp = next·(d+1)/((i+1)·o); total += tmp; next = w[i] − tmp·z·(d−i)/(d+1)
//   here with o = 1 and next = w[i] − next·z·(d−i)/(i+1), which shortens the dependency chain.
function unwoundSumHot(b: number, d: number, zero: number): number {
  const P = PATH;
  let next = P[b + (d << 2) + WEIGHT];
  let total = 0;
  for (let i = d - 1; i >= 0; i--) {
    const inv = INVERSE[i + 1];
    total += next * inv;
    next = P[b + (i << 2) + WEIGHT] - next * zero * (d - i) * inv;
  }
  return total * (d + 1);
}

// UNWOUNDSUM for an element with one-fraction 0, times its (0 − z): Σ_i w[i]·(d+1)/(z·(d−i))
// · (0 − z) = −(d+1)·Σ_i w[i]/(d−i). It does not depend on the element, so a leaf computes it
// once for all its cold elements.
function coldSum(b: number, d: number): number {
  const P = PATH;
  let total = 0;
  for (let i = d - 1; i >= 0; i--) total += P[b + (i << 2) + WEIGHT] * INVERSE[d - i];
  return -(d + 1) * total;
}

// Deep unique paths (more than STABLE_DEPTH distinct features from root to leaf) lose
// precision in UNWIND's subtractions: the error grows from 1e-14 at 30 features to 1e-8 at
// 60 and is unbounded beyond. There the weights are rebuilt by EXTEND alone (only products
// and sums of non-negative numbers, so stable), at O(d²) instead of O(d) per use.
const STABLE_DEPTH = 32;
let SCRATCH: Float64Array = new Float64Array(0);

// The permutation weights of elements 0..m of the path at element s, rebuilt from their
// fractions into `out` (out[k] = weight of subset size k).
function rebuildWeights(s: number, m: number, skip: number, out: Float64Array): number {
  const P = PATH;
  out[0] = 1;
  let d = 0;
  for (let k = 1; k <= m; k++) {
    if (k === skip) continue;
    const e = (s + k) << 2;
    const zero = P[e + ZERO];
    const one = P[e + ONE];
    d++;
    out[d] = 0;
    const inv = INVERSE[d + 1];
    for (let i = d - 1; i >= 0; i--) {
      out[i + 1] += one * out[i] * (i + 1) * inv;
      out[i] = zero * out[i] * (d - i) * inv;
    }
  }
  return d;
}

// UNWOUNDSUM of a hot element by rebuilding the path without it: the sum of its weights.
function unwoundSumStable(s: number, d: number, pathIndex: number): number {
  if (SCRATCH.length < d + 2) SCRATCH = new Float64Array(2 * d + 2);
  const m = rebuildWeights(s, d, pathIndex, SCRATCH);
  let total = 0;
  for (let i = 0; i <= m; i++) total += SCRATCH[i];
  return total;
}

// UNWIND by removing the element and rebuilding the remaining path's weights.
function unwindStable(s: number, d: number, pathIndex: number): void {
  const P = PATH;
  const b = s << 2;
  for (let i = pathIndex; i < d; i++) {
    const e = b + (i << 2);
    P[e + FEATURE] = P[e + 4 + FEATURE];
    P[e + ZERO] = P[e + 4 + ZERO];
    P[e + ONE] = P[e + 4 + ONE];
  }
  if (SCRATCH.length < d + 2) SCRATCH = new Float64Array(2 * d + 2);
  rebuildWeights(s, d - 1, -1, SCRATCH);
  for (let i = 0; i < d; i++) P[b + (i << 2) + WEIGHT] = SCRATCH[i];
}

/**
 * RECURSE of Algorithm 2 for the current row and tree: adds SCALE × attributions into PHI.
 * The parent's path (d elements) is at element parentStart; this node's goes at element s:
 * the first child takes a fresh segment after its parent's, the second reuses the parent's
 * (the parent has no further use for it), which halves the copying.
 */
function recurse(node: number, d: number, parentStart: number, s: number, parentZero: number, parentOne: number, parentFeature: number): void {
  const P = PATH;
  const b = s << 2;
  extendPath(parentStart, s, d, parentZero, parentOne, parentFeature);

  const j = T_FEATURE[node];
  if (j === -1) {
    // for each element i ≥ 1 of the path: φ[feature] += UNWOUNDSUM(i) · (o_i − z_i) · leaf
    const leaf = T_VALUE[node] * SCALE;
    let cold = NaN;
    for (let i = 1; i <= d; i++) {
      const e = b + (i << 2);
      const feature = PHI_OFFSET + P[e + FEATURE];
      if (P[e + ONE] !== 0) {
        const zero = P[e + ZERO];
        const w = d <= STABLE_DEPTH ? unwoundSumHot(b, d, zero) : unwoundSumStable(s, d, i);
        PHI[feature] += w * (1 - zero) * leaf;
      } else {
        if (cold !== cold) cold = coldSum(b, d) * leaf;
        PHI[feature] += cold;
      }
    }
    return;
  }
  const v = X_ROW[j];
  const left = T_LEFT[node];
  const right = T_RIGHT[node];
  const goesLeft = v < T_THRESHOLD[node] || (v !== v && T_MISSING_LEFT[node] === 1);
  const hot = goesLeft ? left : right;
  const cold = goesLeft ? right : left;
  let incomingZero = 1;
  let incomingOne = 1;
  // a feature already on the path is unwound and re-extended here with combined fractions
  let pathIndex = 0;
  while (pathIndex <= d && P[b + (pathIndex << 2) + FEATURE] !== j) pathIndex++;
  let depth = d;
  if (pathIndex !== d + 1) {
    incomingZero = P[b + (pathIndex << 2) + ZERO];
    incomingOne = P[b + (pathIndex << 2) + ONE];
    if (depth <= STABLE_DEPTH) unwindPath(s, depth, pathIndex);
    else unwindStable(s, depth, pathIndex);
    depth -= 1;
  }
  recurse(hot, depth + 1, s, s + depth + 2, T_COVER_RATIO[hot] * incomingZero, incomingOne, j);
  recurse(cold, depth + 1, s, s, T_COVER_RATIO[cold] * incomingZero, 0, j);
}

/**
 * Explains rows [from, to) of x into `values` (row-major, already zeroed; row i of the range at
 * (i - from) * nOutputs * nFeatures). Exposed for the worker task; use explainTrees.
 */
export function explainRange(prepared: PreparedEnsemble, x: Matrix, from: number, to: number, values: Float64Array): void {
  const { model, trees, nOutputs } = prepared;
  const nFeatures = x.nCols;
  const nRows = x.nRows;
  const data = x.data;
  const xRow = new Float64Array(nFeatures);
  if (PATH.length < pathSize(prepared.maxDepth + 1)) PATH = new Float64Array(pathSize(prepared.maxDepth + 1));
  if (INVERSE.length < prepared.maxDepth + 4) INVERSE = inverses(prepared.maxDepth + 4);
  X_ROW = xRow;
  PHI = values;
  SCALE = model.treeWeight;
  const treeClass = model.treeClass;
  for (let i = from; i < to; i++) {
    for (let j = 0; j < nFeatures; j++) xRow[j] = data[j * nRows + i];
    const rowOffset = (i - from) * nOutputs * nFeatures;
    for (let t = 0; t < trees.length; t++) {
      const prepared = trees[t];
      const tree = prepared.tree;
      T_FEATURE = tree.feature;
      T_THRESHOLD = tree.threshold;
      T_LEFT = tree.left;
      T_RIGHT = tree.right;
      T_MISSING_LEFT = tree.missingLeft;
      T_VALUE = tree.value;
      T_COVER_RATIO = prepared.coverRatio;
      PHI_OFFSET = rowOffset + (nOutputs > 1 ? treeClass![t] * nFeatures : 0);
      // the root's "parent" is a dummy element (feature -1) that every leaf skips (i ≥ 1)
      recurse(0, 0, 0, 0, 1, 1, -1);
    }
  }
}

export function checkFeatures(model: TreeEnsemble, x: Matrix): void {
  if (x.nCols !== model.nFeatures) {
    throw new PatronError(
      "E_SHAPE",
      `the model was trained on ${model.nFeatures} features but the matrix has ${x.nCols} (${x.columns.slice(0, 8).join(", ")}${x.nCols > 8 ? ", …" : ""}); pass the same encoded columns as in training.`,
    );
  }
}

/**
 * Exact SHAP values of a tree ensemble (decision tree, random forest, gradient boosting,
 * imported XGBoost) in margin space, in this thread. For many rows, explainTreesParallel.
 */
export function explainTrees(model: TreeEnsemble, x: Matrix, prepared: PreparedEnsemble = prepareEnsemble(model)): ShapValues {
  checkFeatures(model, x);
  const values = new Float64Array(x.nRows * prepared.nOutputs * x.nCols);
  explainRange(prepared, x, 0, x.nRows, values);
  return {
    nRows: x.nRows,
    nOutputs: prepared.nOutputs,
    featureNames: x.columns,
    values,
    expectedValue: prepared.expectedValue,
    link: model.link,
  };
}
