/**
 * What TreeSHAP (tree-shap.ts) computes once per model and shares across rows and threads:
 * each node's share of its parent's cover (the "zero fraction" of Lundberg et al. 2018,
 * Algorithm 2), each tree's expected value and depth, and the ensemble's expected value per
 * output (the baseline the SHAP values add up from).
 */
import { PatronError } from "../core/errors.ts";
import type { TreeEnsemble } from "../models/tree/ensemble.ts";
import { maxDepth, type Tree } from "../models/tree/tree.ts";

/** What TreeSHAP needs of a tree, computed once per model: shared by every row. */
export interface PreparedTree {
  readonly tree: Tree;
  /** cover[n] / cover[parent(n)]: the share of the parent's training weight that reaches n. */
  readonly coverRatio: Float64Array;
  /** Cover-weighted mean leaf value below the root: the tree's expected value. */
  readonly meanValue: number;
  readonly depth: number;
}

export interface PreparedEnsemble {
  readonly model: TreeEnsemble;
  readonly trees: readonly PreparedTree[];
  readonly nOutputs: number;
  readonly expectedValue: Float64Array;
  readonly maxDepth: number;
}

/** The cover-weighted mean of the leaves under each node, with the node's own cover as
 * denominator (as XGBoost's FillNodeMeanValues: then the expected value matches TreeSHAP's
 * own path fractions even when float32 covers do not add up exactly). */
function nodeMeanValues(tree: Tree): Float64Array {
  const n = tree.feature.length;
  const mean = new Float64Array(n);
  // Children always come after their parent (tree.ts), so a reverse scan sees children first.
  for (let node = n - 1; node >= 0; node--) {
    if (tree.feature[node] === -1) {
      mean[node] = tree.value[node];
    } else {
      const l = tree.left[node];
      const r = tree.right[node];
      mean[node] = (tree.cover[l] * mean[l] + tree.cover[r] * mean[r]) / tree.cover[node];
    }
  }
  return mean;
}

function prepareTree(tree: Tree): PreparedTree {
  const n = tree.feature.length;
  for (let node = 0; node < n; node++) {
    if (tree.feature[node] !== -1 && !(tree.left[node] > node && tree.right[node] > node)) {
      throw new PatronError("E_TREE_LAYOUT", `tree node ${node} has a child before it; TreeSHAP needs children after their parent (tree.ts).`);
    }
  }
  const coverRatio = new Float64Array(n);
  coverRatio[0] = 1;
  for (let node = 0; node < n; node++) {
    if (tree.feature[node] === -1) continue;
    const w = tree.cover[node];
    // A node no training row reached has no share to hand down; 0 keeps NaN out of the sums.
    coverRatio[tree.left[node]] = w > 0 ? tree.cover[tree.left[node]] / w : 0;
    coverRatio[tree.right[node]] = w > 0 ? tree.cover[tree.right[node]] / w : 0;
  }
  const mean = nodeMeanValues(tree);
  return { tree, coverRatio, meanValue: n > 0 && tree.cover[0] > 0 ? mean[0] : tree.value[0], depth: maxDepth(tree) };
}

/** Precomputes what every row shares (cover ratios, expected values, buffer sizes). */
export function prepareEnsemble(model: TreeEnsemble): PreparedEnsemble {
  const nOutputs = model.nClasses ?? 1;
  if (nOutputs > 1 && (!model.treeClass || model.treeClass.length !== model.trees.length)) {
    throw new PatronError("E_MODEL", `a multiclass ensemble needs treeClass for each of its ${model.trees.length} trees.`);
  }
  const trees = model.trees.map(prepareTree);
  const expectedValue = new Float64Array(nOutputs).fill(model.baseMargin);
  trees.forEach((t, index) => {
    expectedValue[nOutputs > 1 ? model.treeClass![index] : 0] += model.treeWeight * t.meanValue;
  });
  return { model, trees, nOutputs, expectedValue, maxDepth: Math.max(0, ...trees.map((t) => t.depth)) };
}
