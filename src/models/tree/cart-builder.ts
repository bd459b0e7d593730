/**
 * Grows one CART tree depth-first (scikit-learn's DepthFirstTreeBuilder: node ids in pre-order,
 * left subtree first, so node n here is node n in sklearn's tree_ arrays). Rows are kept
 * presorted per feature and stably partitioned at each split, so the split search never sorts.
 *
 * Training structures (the presorted order, flags, stats) live only here; the result is the
 * flat prediction-time Tree of tree.ts plus per-node impurity and row counts for importances.
 */
import type { Rng } from "../../core/rng.ts";
import { presortColumns } from "./cart-presort.ts";
import {
  addRows, childStats, emptyStats, FEATURE_THRESHOLD, impurity, noSplit, resetStats, searchFeature,
  type SplitProblem, type Stats,
} from "./cart-split.ts";
import type { Tree } from "./tree.ts";

export interface GrowParams {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  minImpurityDecrease: number;
  /** Features examined per node (1..nFeatures); below nFeatures they are drawn at random. */
  maxFeatures: number;
}

export interface GrowInput extends SplitProblem {
  readonly nFeatures: number;
  /** Optional presort of all rows (presortColumns); rows with weight 0 are filtered out of it. */
  readonly presorted?: Int32Array;
  readonly params: GrowParams;
  /** Needed only when maxFeatures < nFeatures. */
  readonly random?: Rng;
}

export interface GrownTree {
  /** value = P(class 1) for binary, the mean for regression, P(class 0) for multiclass. */
  readonly tree: Tree;
  /** Multiclass (and binary): class probabilities per node, row-major nNodes × nClasses. */
  readonly classProba?: Float64Array;
  readonly impurity: Float64Array;
  readonly nodeSamples: Int32Array;
}

const EPSILON = Number.EPSILON;

const bitsF64 = new Float64Array(1);
const bitsU32 = new Uint32Array(bitsF64.buffer);
// Little-endian hosts (x86, ARM): u32[0] is the low word.

/** The smallest double greater than x, so `v < nextUp(t)` ⇔ `v ≤ t` for every double v. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  bitsF64[0] = x;
  // Positive: the next bit pattern up; negative: the next one down (towards zero).
  if (x > 0) {
    if (bitsU32[0] === 0xffffffff) {
      bitsU32[0] = 0;
      bitsU32[1]++;
    } else bitsU32[0]++;
  } else if (bitsU32[0] === 0) {
    bitsU32[0] = 0xffffffff;
    bitsU32[1]--;
  } else bitsU32[0]--;
  return bitsF64[0];
}

export function growTree(input: GrowInput): GrownTree {
  const { nRows, nFeatures, weight, nClasses, params } = input;
  // Rows that take part (weight > 0), in every feature's order.
  let nSamples = 0;
  let totalWeight = 0;
  for (let i = 0; i < nRows; i++) {
    if (weight[i] !== 0) nSamples++;
    totalWeight += weight[i];
  }
  const order = new Int32Array(nSamples * nFeatures);
  const sorted = input.presorted ?? presortColumns(input.data, nRows, nFeatures);
  for (let j = 0; j < nFeatures; j++) {
    let q = j * nSamples;
    const from = j * nRows;
    for (let r = 0; r < nRows; r++) {
      const i = sorted[from + r];
      if (weight[i] !== 0) order[q++] = i;
    }
  }

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const missingLeft: number[] = [];
  const cover: number[] = [];
  const value: number[] = [];
  const proba: number[] = [];
  const nodeImpurity: number[] = [];
  const nodeSamples: number[] = [];

  const goesLeft = new Uint8Array(nRows);
  const buffer = new Int32Array(nSamples);
  const pool = new Int32Array(nFeatures);
  const scratch = emptyStats(nClasses);
  const missing = emptyStats(nClasses);
  const node = emptyStats(nClasses);

  // Per pending node: features known to be constant in it (they stay constant below, so they
  // are neither searched nor partitioned again — one-hot columns die out fast), and a feature
  // whose segment holds the node's rows (the parent's split feature, always partitioned).
  interface Pending {
    start: number; end: number; depth: number; parent: number; isLeft: boolean; impurity: number;
    constant: Uint8Array; rowsFeature: number;
  }
  const stack: Pending[] = [
    { start: 0, end: nSamples, depth: 0, parent: -1, isLeft: false, impurity: NaN, constant: new Uint8Array(nFeatures), rowsFeature: 0 },
  ];
  while (stack.length > 0) {
    const { start, end, depth, parent, isLeft, impurity: knownImpurity, constant, rowsFeature } = stack.pop()!;
    const id = feature.length;
    if (parent >= 0) (isLeft ? left : right)[parent] = id;
    const nNode = end - start;
    const rows = order.subarray(rowsFeature * nSamples + start, rowsFeature * nSamples + end);
    resetStats(node);
    addRows(input, rows, 0, nNode, node);
    const nodeImp = Number.isNaN(knownImpurity) ? impurity(input, node) : knownImpurity;

    feature.push(-1);
    threshold.push(NaN);
    left.push(-1);
    right.push(-1);
    missingLeft.push(0);
    cover.push(node.weight);
    nodeImpurity.push(nodeImp);
    nodeSamples.push(nNode);
    if (nClasses > 0) {
      // Normalised by the sum of class weights, as scikit-learn's predict_proba.
      let sum = 0;
      for (let k = 0; k < nClasses; k++) sum += node.counts[k];
      for (let k = 0; k < nClasses; k++) proba.push(sum === 0 ? 0 : node.counts[k] / sum);
      value.push(sum === 0 ? 0 : node.counts[nClasses === 2 ? 1 : 0] / sum);
    } else {
      value.push(node.sum / node.weight);
    }

    const isLeaf =
      depth >= params.maxDepth ||
      nNode < params.minSamplesSplit ||
      nNode < 2 * params.minSamplesLeaf ||
      node.weight < 2 * params.minWeightLeaf ||
      nodeImp <= EPSILON ||
      isPure(input, rows, node);
    if (isLeaf) {
      // A pure node's impurity is 0, whatever rounding the subtraction left (scikit-learn can
      // leave ±4e-16 there and, above EPSILON, split a pure node).
      if (nodeImp > 0 && isPure(input, rows, node)) nodeImpurity[id] = 0;
      continue;
    }

    const best = noSplit();
    const segment = (j: number) => order.subarray(j * nSamples + start, j * nSamples + end);
    if (params.maxFeatures >= nFeatures) {
      for (let j = 0; j < nFeatures; j++) {
        if (!constant[j] && !searchFeature(input, j, segment(j), node, best, scratch, missing)) constant[j] = 1;
      }
    } else {
      // Draw features without replacement until maxFeatures are visited and at least one was
      // not constant (scikit-learn's rule; known constants count as visited, as there).
      for (let j = 0; j < nFeatures; j++) pool[j] = j;
      let remaining = nFeatures;
      let visited = 0;
      let nConstant = 0;
      while (remaining > 0 && (visited < params.maxFeatures || visited <= nConstant)) {
        const pick = input.random!.int(remaining);
        const j = pool[pick];
        pool[pick] = pool[--remaining];
        visited++;
        if (constant[j] || !searchFeature(input, j, segment(j), node, best, scratch, missing)) {
          constant[j] = 1;
          nConstant++;
        }
      }
    }
    if (best.feature < 0) continue;
    const bestSeg = segment(best.feature);
    const children = childStats(input, bestSeg, node, best, totalWeight, nodeImp);
    if (children.improvement + EPSILON < params.minImpurityDecrease) continue;

    feature[id] = best.feature;
    // scikit-learn sends x ≤ t left; the Tree sends x < threshold left: the next double keeps both equal.
    threshold[id] = nextUp(best.threshold);
    missingLeft[id] = best.missingLeft ? 1 : 0;

    // Stable partition of every feature's segment: left rows first, order kept.
    for (let r = 0; r < nNode; r++) goesLeft[bestSeg[r]] = 0;
    for (let r = 0; r < best.pos; r++) goesLeft[bestSeg[r]] = 1;
    if (best.missingLeft) for (let r = nNode - best.nMissing; r < nNode; r++) goesLeft[bestSeg[r]] = 1;
    let nLeft = 0;
    const { data } = input;
    const leftConstant = constant.slice();
    const rightConstant = constant.slice();
    for (let j = 0; j < nFeatures; j++) {
      if (constant[j]) continue;
      const seg = segment(j);
      const l = partitionSegment(seg, goesLeft, buffer);
      nLeft = l;
      // Sorted segments: a child is constant in j when its first and last values agree.
      const base = j * nRows;
      if (isConstantRun(data, base, seg, 0, l)) leftConstant[j] = 1;
      if (isConstantRun(data, base, seg, l, nNode)) rightConstant[j] = 1;
    }
    // Right is pushed first so the left child gets the next id (pre-order, as scikit-learn).
    const rowsOf = best.feature;
    stack.push({ start: start + nLeft, end, depth: depth + 1, parent: id, isLeft: false, impurity: children.impurityRight, constant: rightConstant, rowsFeature: rowsOf });
    stack.push({ start, end: start + nLeft, depth: depth + 1, parent: id, isLeft: true, impurity: children.impurityLeft, constant: leftConstant, rowsFeature: rowsOf });
  }

  return {
    tree: {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      missingLeft: Uint8Array.from(missingLeft),
      value: Float64Array.from(value),
      cover: Float64Array.from(cover),
    },
    classProba: nClasses > 0 ? Float64Array.from(proba) : undefined,
    impurity: Float64Array.from(nodeImpurity),
    nodeSamples: Int32Array.from(nodeSamples),
  };
}

/**
 * Stable partition of seg: rows flagged in goesLeft first, then the others, each in their
 * order; returns how many went left. A function of its own so that V8 optimises the hot loop
 * apart from the large growTree.
 */
function partitionSegment(seg: Int32Array, goesLeft: Uint8Array, buffer: Int32Array): number {
  const n = seg.length;
  let l = 0;
  let r = 0;
  for (let p = 0; p < n; p++) {
    const i = seg[p];
    if (goesLeft[i] === 1) seg[l++] = i;
    else buffer[r++] = i;
  }
  for (let p = 0; p < r; p++) seg[l + p] = buffer[p];
  return l;
}

/** Rows seg[from..to) (sorted by the feature, NaN last) hold one value, or are all missing. */
function isConstantRun(data: Float64Array, base: number, seg: Int32Array, from: number, to: number): boolean {
  if (to - from < 2) return true;
  const first = data[base + seg[from]];
  const last = data[base + seg[to - 1]];
  if (Number.isNaN(last)) return Number.isNaN(first);
  return last <= first + FEATURE_THRESHOLD;
}

/** All rows of one class (classification) or one target value (regression). */
function isPure(problem: SplitProblem, rows: Int32Array, node: Stats): boolean {
  if (problem.nClasses > 0) {
    let nonEmpty = 0;
    for (let k = 0; k < problem.nClasses; k++) if (node.counts[k] > 0) nonEmpty++;
    return nonEmpty <= 1;
  }
  const first = problem.target[rows[0]];
  for (let r = 1; r < rows.length; r++) if (problem.target[rows[r]] !== first) return false;
  return true;
}

/** Mean decrease in impurity per feature, normalised to sum 1 (scikit-learn's feature_importances_). */
export function impurityImportances(grown: GrownTree, nFeatures: number): Float64Array {
  const { tree, impurity: imp } = grown;
  const out = new Float64Array(nFeatures);
  for (let n = 0; n < tree.feature.length; n++) {
    const j = tree.feature[n];
    if (j === -1) continue;
    const l = tree.left[n];
    const r = tree.right[n];
    out[j] += tree.cover[n] * imp[n] - tree.cover[l] * imp[l] - tree.cover[r] * imp[r];
  }
  const rootWeight = tree.cover[0];
  let total = 0;
  for (let j = 0; j < nFeatures; j++) {
    out[j] /= rootWeight;
    total += out[j];
  }
  if (total > 0) for (let j = 0; j < nFeatures; j++) out[j] /= total;
  return out;
}
