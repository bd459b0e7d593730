import assert from "node:assert/strict";
import { test } from "node:test";
import { row } from "../../src/core/matrix.ts";
import { ensembleMargin } from "../../src/models/tree/ensemble.ts";
import { shapAt, shapMargin } from "../../src/explain/shap-values.ts";
import { explainTrees } from "../../src/explain/tree-shap.ts";
import { bruteForceShap, randomEnsemble, randomMatrix } from "./trees.ts";

// Brute force and TreeSHAP compute the same sums in different orders: equal to rounding.
const EXACT = 1e-10;

test("TreeSHAP equals the brute-force Shapley definition on single trees with repeated features and NaNs", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const model = randomEnsemble(seed, { nTrees: 1, nFeatures: 4, depth: 5 });
    const x = randomMatrix(100 + seed, 20, 4);
    const shap = explainTrees(model, x);
    for (let i = 0; i < x.nRows; i++) {
      const expected = bruteForceShap(model, row(x, i));
      for (let j = 0; j < 4; j++) assert.ok(Math.abs(shapAt(shap, i, j) - expected[j]) < EXACT, `seed ${seed} row ${i} feature ${j}`);
    }
  }
});

test("TreeSHAP equals brute force on a forest (treeWeight 1/n) and on multiclass boosting", () => {
  const forest = randomEnsemble(5, { nTrees: 6, nFeatures: 5, depth: 4, treeWeight: 1 / 6, baseMargin: 0 });
  const x = randomMatrix(9, 15, 5);
  const shap = explainTrees(forest, x);
  for (let i = 0; i < x.nRows; i++) {
    const expected = bruteForceShap(forest, row(x, i));
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(shapAt(shap, i, j) - expected[j]) < EXACT);
  }
  const multi = randomEnsemble(6, { nTrees: 9, nFeatures: 4, depth: 3, nClasses: 3 });
  const xm = randomMatrix(9, 15, 4);
  const shapM = explainTrees(multi, xm);
  assert.equal(shapM.nOutputs, 3);
  for (let i = 0; i < xm.nRows; i++) {
    for (let k = 0; k < 3; k++) {
      const expected = bruteForceShap(multi, row(xm, i), k);
      for (let j = 0; j < 4; j++) assert.ok(Math.abs(shapAt(shapM, i, j, k) - expected[j]) < EXACT);
    }
  }
});

test("values plus the expected value equal the margin to 1e-9 for every row: tree, forest, boosting", () => {
  const cases = [
    randomEnsemble(21, { nTrees: 1, nFeatures: 8, depth: 8 }),
    randomEnsemble(22, { nTrees: 50, nFeatures: 8, depth: 6, treeWeight: 1 / 50, baseMargin: 0 }),
    randomEnsemble(23, { nTrees: 80, nFeatures: 8, depth: 6, baseMargin: -1.2, link: "logit" }),
  ];
  const x = randomMatrix(77, 300, 8);
  for (const model of cases) {
    const margin = ensembleMargin(model, x);
    const sum = shapMargin(explainTrees(model, x));
    for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(sum[i] - margin[i]) < 1e-9, `row ${i}: ${sum[i]} vs ${margin[i]}`);
  }
  const multi = randomEnsemble(24, { nTrees: 30, nFeatures: 8, depth: 5, nClasses: 3 });
  const margin = ensembleMargin(multi, x);
  const shap = explainTrees(multi, x);
  for (let k = 0; k < 3; k++) {
    const sum = shapMargin(shap, k);
    for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(sum[i] - margin[i * 3 + k]) < 1e-9);
  }
});

test("a feature the trees never split on gets exactly zero", () => {
  const model = randomEnsemble(31, { nTrees: 10, nFeatures: 3, depth: 4 });
  const wide = randomMatrix(32, 40, 4); // column 3 is never used: the trees know 3 features
  const widened = { ...model, nFeatures: 4 };
  const shap = explainTrees(widened, wide);
  for (let i = 0; i < wide.nRows; i++) assert.equal(shapAt(shap, i, 3), 0);
});

test("a matrix with the wrong number of columns is rejected", () => {
  const model = randomEnsemble(1, { nTrees: 1, nFeatures: 3, depth: 2 });
  assert.throws(() => explainTrees(model, randomMatrix(1, 5, 4)), { code: "E_SHAPE" });
});

test("deep trees (120 levels, as an unlimited CART can grow) still add up to their margin to 1e-9", () => {
  // a chain: level l splits feature l (or l mod 45, so features repeat and are unwound deep in
  // the path) and sends one side to a leaf; the unique path grows to 120 (or 45) features,
  // where UNWIND's subtractions alone would be off by 4e-2 (at 100 features; 3e-5 at 80)
  const depth = 120;
  for (const nFeatures of [depth, 45]) {
    const n = 2 * depth + 1;
    const tree = {
      feature: new Int32Array(n).fill(-1), threshold: new Float64Array(n), left: new Int32Array(n).fill(-1),
      right: new Int32Array(n).fill(-1), missingLeft: new Uint8Array(n), value: new Float64Array(n), cover: new Float64Array(n),
    };
    for (let level = 0; level < depth; level++) {
      const node = 2 * level;
      tree.feature[node] = level % nFeatures;
      tree.threshold[node] = ((level * 3) % 7) / 7 - 0.5;
      tree.left[node] = node + 1;
      tree.right[node] = node + 2;
      tree.value[node + 1] = Math.sin(level);
      tree.cover[node + 1] = 1 + (level % 3);
    }
    tree.value[n - 1] = 2;
    tree.cover[n - 1] = 1;
    for (let node = 2 * (depth - 1); node >= 0; node -= 2) tree.cover[node] = tree.cover[node + 1] + tree.cover[node + 2];
    const model = { trees: [tree], baseMargin: 0, treeWeight: 1, link: "identity" as const, nFeatures };
    const x = randomMatrix(5, 6, nFeatures, 0.1);
    const sum = shapMargin(explainTrees(model, x));
    const margin = ensembleMargin(model, x);
    for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(sum[i] - margin[i]) < 1e-9, `${nFeatures} features, row ${i}: ${sum[i]} vs ${margin[i]}`);
  }
});
