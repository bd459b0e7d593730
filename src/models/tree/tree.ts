/**
 * The prediction-time tree: flat typed arrays, the one layout that prediction, TreeSHAP and
 * SQL export read (STYLE.md §3). Training structures (grower, CART builder) produce it and
 * never share their scratch buffers with it.
 *
 * Node n is a leaf when feature[n] === -1. At a split, a row goes left when
 * x[feature] < threshold (XGBoost's convention, so imported XGBoost trees need no conversion),
 * right otherwise; a missing value (NaN) goes left when missingLeft[n] === 1.
 * cover[n] is the training weight (hessian sum for boosting, sample count for CART) that
 * reached the node; TreeSHAP needs it.
 */
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";

export interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
}

export interface TreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  missingLeft: number[];
  value: number[];
  cover: number[];
}

export function nodeCount(tree: Tree): number {
  return tree.feature.length;
}

/** The leaf that row i of x falls into. */
export function leafIndex(tree: Tree, x: Matrix, i: number): number {
  const { feature, threshold, left, right, missingLeft } = tree;
  const { data, nRows } = x;
  let n = 0;
  while (feature[n] !== -1) {
    const v = data[feature[n] * nRows + i];
    n = v < threshold[n] ? left[n] : v >= threshold[n] ? right[n] : missingLeft[n] ? left[n] : right[n];
  }
  return n;
}

/** Adds weight × leaf value of every row to out (so ensembles accumulate without temporaries). */
export function addTreePrediction(tree: Tree, x: Matrix, out: Float64Array, weight = 1): void {
  for (let i = 0; i < x.nRows; i++) out[i] += weight * tree.value[leafIndex(tree, x, i)];
}

export function maxDepth(tree: Tree): number {
  const depth = new Int32Array(nodeCount(tree));
  let deepest = 0;
  for (let n = 0; n < depth.length; n++) {
    if (tree.feature[n] === -1) continue;
    depth[tree.left[n]] = depth[n] + 1;
    depth[tree.right[n]] = depth[n] + 1;
    deepest = Math.max(deepest, depth[n] + 1);
  }
  return deepest;
}

export function treeToJSON(tree: Tree): TreeJSON {
  return {
    feature: Array.from(tree.feature),
    threshold: Array.from(tree.threshold),
    left: Array.from(tree.left),
    right: Array.from(tree.right),
    missingLeft: Array.from(tree.missingLeft),
    value: Array.from(tree.value),
    cover: Array.from(tree.cover),
  };
}

/** Rebuilds a tree from JSON, checking that every child index points forward inside the tree. */
export function treeFromJSON(json: TreeJSON, nFeatures: number): Tree {
  const n = json.feature.length;
  const fields = ["threshold", "left", "right", "missingLeft", "value", "cover"] as const;
  for (const field of fields) {
    if (!Array.isArray(json[field]) || json[field].length !== n) {
      throw new PatronError("E_MODEL_JSON", `tree field "${field}" must have ${n} entries`);
    }
  }
  const tree: Tree = {
    feature: Int32Array.from(json.feature),
    threshold: Float64Array.from(json.threshold, (v) => (v === null ? NaN : v)),
    left: Int32Array.from(json.left),
    right: Int32Array.from(json.right),
    missingLeft: Uint8Array.from(json.missingLeft),
    value: Float64Array.from(json.value),
    cover: Float64Array.from(json.cover),
  };
  for (let k = 0; k < n; k++) {
    const f = tree.feature[k];
    if (f === -1) continue;
    if (f < 0 || f >= nFeatures) {
      throw new PatronError("E_MODEL_JSON", `tree node ${k} splits on feature ${f}, but the model has ${nFeatures}`);
    }
    if (!(tree.left[k] > k && tree.left[k] < n && tree.right[k] > k && tree.right[k] < n)) {
      throw new PatronError("E_MODEL_JSON", `tree node ${k} has children outside the tree or before it`);
    }
  }
  return tree;
}
