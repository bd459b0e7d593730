/**
 * A sum of trees in margin space: margin(x) = baseMargin + treeWeight × Σ_t tree_t(x).
 * Gradient boosting uses treeWeight 1 (the learning rate is already in the leaf values) and a
 * logit link for binary log-loss; a random forest uses treeWeight 1/nTrees and the identity
 * link (its leaves hold class-1 probabilities or regression means). Multiclass boosting keeps
 * one margin per class: tree t adds to class treeClass[t].
 *
 * This is the shape TreeSHAP explains, SQL export compiles and XGBoost import produces.
 */
import type { Matrix } from "../../core/matrix.ts";
import { addTreePrediction, type Tree } from "./tree.ts";

export type Link = "identity" | "logit" | "softmax";

export interface TreeEnsemble {
  readonly trees: readonly Tree[];
  readonly baseMargin: number;
  readonly treeWeight: number;
  readonly link: Link;
  readonly nFeatures: number;
  /** Multiclass only: how many classes and which class each tree adds to. */
  readonly nClasses?: number;
  readonly treeClass?: Int32Array;
}

/** Raw margins; for multiclass, row-major nRows × nClasses. */
export function ensembleMargin(model: TreeEnsemble, x: Matrix): Float64Array {
  const nClasses = model.nClasses ?? 1;
  if (nClasses === 1) {
    const out = new Float64Array(x.nRows).fill(model.baseMargin);
    for (const tree of model.trees) addTreePrediction(tree, x, out, model.treeWeight);
    return out;
  }
  const out = new Float64Array(x.nRows * nClasses).fill(model.baseMargin);
  const perClass = new Float64Array(x.nRows);
  model.trees.forEach((tree, t) => {
    perClass.fill(0);
    addTreePrediction(tree, x, perClass, model.treeWeight);
    const k = model.treeClass![t];
    for (let i = 0; i < x.nRows; i++) out[i * nClasses + k] += perClass[i];
  });
  return out;
}

export function sigmoid(margin: number): number {
  return margin >= 0 ? 1 / (1 + Math.exp(-margin)) : Math.exp(margin) / (1 + Math.exp(margin));
}

/** Applies the link: probabilities for logit/softmax, the margin itself for identity. */
export function applyLink(model: TreeEnsemble, margin: Float64Array): Float64Array {
  if (model.link === "identity") return margin;
  if (model.link === "logit") return margin.map(sigmoid);
  const nClasses = model.nClasses!;
  const out = new Float64Array(margin.length);
  for (let i = 0; i < margin.length; i += nClasses) {
    let max = -Infinity;
    for (let k = 0; k < nClasses; k++) max = Math.max(max, margin[i + k]);
    let sum = 0;
    for (let k = 0; k < nClasses; k++) sum += out[i + k] = Math.exp(margin[i + k] - max);
    for (let k = 0; k < nClasses; k++) out[i + k] /= sum;
  }
  return out;
}
