/**
 * Test helpers for explanations: seeded random trees and ensembles in Patron's flat format
 * (features repeat along paths so TreeSHAP's UNWIND is exercised; missing values go both
 * ways), random matrices with NaNs, and the brute-force Shapley definition that TreeSHAP must
 * equal: φ_j = Σ_{S ⊆ F∖{j}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {j}) − v(S)), with v(S) the
 * path-dependent conditional expectation (Lundberg et al. 2018, Algorithm 1, EXPVALUE).
 * Exponential in the number of features: for small trees only.
 */
import { matrix, type Matrix } from "../../src/core/matrix.ts";
import { rng as makeRng, type Rng } from "../../src/core/rng.ts";
import type { Link, TreeEnsemble } from "../../src/models/tree/ensemble.ts";
import type { Tree } from "../../src/models/tree/tree.ts";

export function randomTree(random: Rng, nFeatures: number, depth: number, pLeaf = 0.15): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const missingLeft: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  // Build depth-first so children follow their parent; covers are assigned bottom-up so that a
  // node's cover is the sum of its children's, as in a fitted tree.
  const build = (level: number): number => {
    const n = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    missingLeft.push(0);
    value.push(0);
    cover.push(0);
    if (level === depth || (level > 0 && random.next() < pLeaf)) {
      value[n] = Math.round(random.normal() * 1000) / 1000;
      cover[n] = 1 + random.int(50);
      return n;
    }
    feature[n] = random.int(nFeatures);
    threshold[n] = Math.round(random.normal() * 100) / 100;
    missingLeft[n] = random.int(2);
    left[n] = build(level + 1);
    right[n] = build(level + 1);
    cover[n] = cover[left[n]] + cover[right[n]];
    return n;
  };
  build(0);
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    missingLeft: Uint8Array.from(missingLeft),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
  };
}

export function randomEnsemble(
  seed: number,
  options: { nTrees: number; nFeatures: number; depth: number; treeWeight?: number; baseMargin?: number; link?: Link; nClasses?: number },
): TreeEnsemble {
  const random = makeRng(seed);
  const trees = Array.from({ length: options.nTrees }, () => randomTree(random, options.nFeatures, options.depth));
  const nClasses = options.nClasses ?? 1;
  return {
    trees,
    baseMargin: options.baseMargin ?? 0.5,
    treeWeight: options.treeWeight ?? 1,
    link: options.link ?? (nClasses > 1 ? "softmax" : "identity"),
    nFeatures: options.nFeatures,
    ...(nClasses > 1 ? { nClasses, treeClass: Int32Array.from(trees, (_, t) => t % nClasses) } : {}),
  };
}

/** Normal values rounded to 2 decimals (so some land exactly on thresholds), with NaNs. */
export function randomMatrix(seed: number, nRows: number, nFeatures: number, pMissing = 0.15): Matrix {
  const random = makeRng(seed);
  const data = new Float64Array(nRows * nFeatures);
  for (let k = 0; k < data.length; k++) data[k] = random.next() < pMissing ? NaN : Math.round(random.normal() * 100) / 100;
  return matrix(data, nRows, Array.from({ length: nFeatures }, (_, j) => `x${j}`));
}

function conditionalExpectation(tree: Tree, xRow: Float64Array, known: number, node = 0): number {
  const j = tree.feature[node];
  if (j === -1) return tree.value[node];
  if (known & (1 << j)) {
    const v = xRow[j];
    const goesLeft = v < tree.threshold[node] || (Number.isNaN(v) && tree.missingLeft[node] === 1);
    return conditionalExpectation(tree, xRow, known, goesLeft ? tree.left[node] : tree.right[node]);
  }
  const l = tree.left[node];
  const r = tree.right[node];
  return (
    (tree.cover[l] * conditionalExpectation(tree, xRow, known, l) + tree.cover[r] * conditionalExpectation(tree, xRow, known, r)) /
    tree.cover[node]
  );
}

/** Brute-force SHAP values of one output for one row: the definition, over all 2^M subsets. */
export function bruteForceShap(model: TreeEnsemble, xRow: Float64Array, k = 0): Float64Array {
  const m = model.nFeatures;
  const trees = model.trees.filter((_, t) => (model.nClasses ?? 1) === 1 || model.treeClass![t] === k);
  const v = new Float64Array(1 << m);
  for (let known = 0; known < 1 << m; known++) {
    let sum = 0;
    for (const tree of trees) sum += model.treeWeight * conditionalExpectation(tree, xRow, known);
    v[known] = sum;
  }
  const factorial = [1];
  for (let n = 1; n <= m; n++) factorial[n] = factorial[n - 1] * n;
  const phi = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    for (let known = 0; known < 1 << m; known++) {
      if (known & (1 << j)) continue;
      let size = 0;
      for (let b = known; b; b >>= 1) size += b & 1;
      phi[j] += ((factorial[size] * factorial[m - size - 1]) / factorial[m]) * (v[known | (1 << j)] - v[known]);
    }
  }
  return phi;
}
