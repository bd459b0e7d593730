/**
 * GBDT against XGBoost 1.7.4 tree_method="hist", tree by tree (test/reference/gbdt_trees.json,
 * written by scripts/reference/gbdt_trees.py). The cases bin exactly in both (≤ 24 distinct
 * multiples of 1/8 per feature), so every node must agree:
 * - split feature, children and default direction: identical;
 * - threshold: XGBoost prints float32, we keep the float64 data value → 1e-6 relative;
 * - leaf value, cover and gain: XGBoost computes and prints float32 → 1e-6 relative (1e-5 for
 *   gain, which is a difference of float32 sums);
 * - margins: XGBoost accumulates float32 → 1e-6.
 * Multiclass margins differ by XGBoost 1.7's base_score 0.5 added to every class (softmax is
 * shift-invariant; we start at 0), so that case compares probabilities.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { matrix } from "../../src/core/matrix.ts";
import { gbdt, type GbdtInput } from "../../src/models/tree/gbdt.ts";

interface RefTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  missingLeft: number[];
  value: (number | null)[];
  cover: number[];
  gain: number[];
}

interface RefCase {
  name: string;
  nRows: number;
  nFeatures: number;
  x: (number | null)[];
  y: number[];
  weights: number[] | null;
  patronOptions: GbdtInput;
  trees: RefTree[];
  margin: number[];
}

const reference = JSON.parse(readFileSync(new URL("../reference/gbdt_trees.json", import.meta.url), "utf8")) as {
  versions: { xgboost: string };
  cases: RefCase[];
};

function close(actual: number, expected: number, relative: number): boolean {
  return Math.abs(actual - expected) <= relative * Math.max(1, Math.abs(expected));
}

describe(`GBDT trees equal XGBoost ${reference.versions.xgboost} hist`, () => {
  for (const c of reference.cases) {
    it(c.name, () => {
      const x = matrix(Float64Array.from(c.x, (v) => (v === null ? NaN : v)), c.nRows, Array.from({ length: c.nFeatures }, (_, j) => `f${j}`));
      const y = Float64Array.from(c.y);
      const model = gbdt(c.patronOptions).fit(x, y, c.weights ? { sampleWeight: Float64Array.from(c.weights) } : {});
      const trees = model.ensemble.trees;
      assert.equal(trees.length, c.trees.length, "number of trees");
      c.trees.forEach((expected, t) => {
        const tree = trees[t];
        assert.equal(tree.feature.length, expected.feature.length, `tree ${t}: node count`);
        for (let n = 0; n < expected.feature.length; n++) {
          const at = `tree ${t} node ${n}`;
          assert.equal(tree.feature[n], expected.feature[n], `${at}: feature`);
          assert.ok(close(tree.cover[n], expected.cover[n], 1e-6), `${at}: cover ${tree.cover[n]} vs ${expected.cover[n]}`);
          if (expected.feature[n] >= 0) {
            assert.ok(close(tree.threshold[n], expected.threshold[n], 1e-6), `${at}: threshold ${tree.threshold[n]} vs ${expected.threshold[n]}`);
            assert.equal(tree.left[n], expected.left[n], `${at}: left`);
            assert.equal(tree.right[n], expected.right[n], `${at}: right`);
            assert.equal(tree.missingLeft[n], expected.missingLeft[n], `${at}: missing direction`);
            assert.ok(close(model.gains[t][n], expected.gain[n], 1e-5), `${at}: gain ${model.gains[t][n]} vs ${expected.gain[n]}`);
          } else {
            assert.ok(close(tree.value[n], expected.value[n]!, 1e-6), `${at}: leaf ${tree.value[n]} vs ${expected.value[n]}`);
          }
        }
      });
      if (model.task === "multiclass") {
        const k = model.nClasses;
        const proba = model.predictProba(x);
        for (let i = 0; i < c.nRows; i++) {
          let max = -Infinity;
          for (let q = 0; q < k; q++) max = Math.max(max, c.margin[i * k + q]);
          let sum = 0;
          for (let q = 0; q < k; q++) sum += Math.exp(c.margin[i * k + q] - max);
          for (let q = 0; q < k; q++) {
            assert.ok(Math.abs(proba[i * k + q] - Math.exp(c.margin[i * k + q] - max) / sum) < 1e-6, `row ${i} class ${q}`);
          }
        }
      } else {
        const margin = model.decisionFunction(x);
        for (let i = 0; i < c.nRows; i++) assert.ok(Math.abs(margin[i] - c.margin[i]) < 1e-6, `row ${i}: margin ${margin[i]} vs ${c.margin[i]}`);
      }
    });
  }
});
