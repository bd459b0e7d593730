/**
 * Profile statistics against pandas / numpy / scipy / scikit-learn on the same data
 * (test/reference/profile.json from scripts/reference/profile.py), on both stores.
 *
 * Tolerances: counts and histogram bins are exact. Means, quantiles, correlations, AUC,
 * mutual information and PSI are the same formulas evaluated in double precision with a
 * different summation order, so they agree to ~1e-12 relative; we allow 1e-9. Skewness and
 * kurtosis divide third/fourth central moments and allow 1e-8.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { driftBetween, profileTable } from "../../src/profile/profile.ts";
import { describeTable } from "../../src/profile/relation.ts";
import type { TableProfile } from "../../src/profile/types.ts";
import { storeKinds, type TestStore } from "../helpers/stores.ts";
import { loadFixture, reference } from "./fixture.ts";

const ex = reference.expected;

function close(actual: number | null | undefined, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null && actual !== undefined, `${what}: got ${actual}`);
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${what}: ${actual} vs ${expected}`);
}

for (const kind of storeKinds) {
  describe(`profile statistics vs pandas/scikit-learn on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    let binary: TableProfile;
    let multiclass: TableProfile;

    before(async () => {
      if (skip) return;
      ts = await kind.open();
      await loadFixture(ts.store);
      const relation = await describeTable(ts.store, "fixture");
      binary = (await profileTable(ts.store, relation, "fixture", { label: "label" })).profile;
      multiclass = (await profileTable(ts.store, relation, "fixture", { label: "cls" })).profile;
    });
    after(async () => {
      if (!skip) await ts.cleanup();
    });

    it("counts rows, missing, distinct values and exact duplicate rows like pandas", { skip }, () => {
      assert.equal(binary.nRows, ex.nRows);
      for (const c of binary.columns) {
        assert.equal(c.nMissing, ex.columns[c.name].nMissing, `${c.name} missing`);
        assert.equal(c.nDistinct, ex.columns[c.name].nDistinct, `${c.name} distinct`);
      }
      assert.equal(binary.duplicates.nDuplicateRows, ex.nDuplicateRows);
    });

    it("matches describe(), skew() and kurt() on numeric columns", { skip }, () => {
      for (const name of ["x_norm", "x_int", "x_skew"]) {
        const n = binary.columns.find((c) => c.name === name)!.numeric!;
        const e = ex.columns[name];
        for (const key of ["min", "max", "mean", "std"] as const) close(n[key], e[key], 1e-9, `${name}.${key}`);
        for (const [q, value] of Object.entries(e.quantiles)) close(n.quantiles[q], value as number, 1e-9, `${name} q${q}`);
        close(n.skew, e.skew, 1e-8, `${name}.skew`);
        close(n.kurtosis, e.kurtosis, 1e-8, `${name}.kurtosis`);
        assert.equal(n.nZero, e.nZero);
        assert.equal(n.nNegative, e.nNegative);
      }
    });

    it("bins histograms exactly as numpy.histogram over the chosen range", { skip }, () => {
      for (const name of ["x_norm", "x_int", "x_skew"]) {
        const h = binary.columns.find((c) => c.name === name)!.histogram!;
        const e = ex.histograms[name];
        assert.deepEqual(h.counts, e.counts, `${name} counts`);
        assert.equal(h.below, e.below);
        assert.equal(h.above, e.above);
        h.edges.forEach((edge, b) => close(edge, e.edges[b], 1e-12, `${name} edge ${b}`));
      }
    });

    it("counts IQR and robust z-score outliers like the numpy formulas", { skip }, () => {
      for (const name of ["x_norm", "x_int", "x_skew"]) {
        const o = binary.columns.find((c) => c.name === name)!.outliers!;
        const e = ex.outliers[name];
        for (const key of ["nBelowIqr", "nAboveIqr", "nFarOut", "nRobustZ"] as const) assert.equal(o[key], e[key], `${name}.${key}`);
        for (const key of ["iqrLow", "iqrHigh", "median", "mad", "maxAbsRobustZ"] as const) close(o[key], e[key], 1e-9, `${name}.${key}`);
      }
      const skew = binary.columns.find((c) => c.name === "x_skew")!.outliers!;
      assert.deepEqual(skew.examples.slice(0, 3).map((x) => x.value), [1200.5, 950, -40]);
    });

    it("matches DataFrame.corr() Pearson and Spearman (pairwise complete, average ranks)", { skip }, () => {
      const names = ["x_norm", "x_int", "x_skew"];
      assert.deepEqual(binary.correlation.columns, names);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          close(binary.correlation.pearson[a][b], ex.pearson[a][b], 1e-9, `pearson ${a},${b}`);
          close(binary.correlation.spearman[a][b], ex.spearman[a][b], 1e-9, `spearman ${a},${b}`);
        }
      }
    });

    it("matches roc_auc_score and mutual_info_classif for a binary label", { skip }, () => {
      const label = binary.label!;
      assert.equal(label.task, "binary");
      assert.equal(label.positive, "1");
      close(label.labelEntropy, ex.binary.labelEntropy, 1e-9, "H(label)");
      for (const [name, auc] of Object.entries(ex.binary.auc)) {
        close(label.features.find((f) => f.column === name)!.auc, auc as number, 1e-9, `${name} AUC`);
      }
      for (const [name, mi] of Object.entries(ex.binary.mutualInfo)) {
        close(label.features.find((f) => f.column === name)!.mutualInfo, mi as number, 1e-9, `${name} MI`);
      }
    });

    it("matches mutual_info_score for a multiclass label", { skip }, () => {
      const label = multiclass.label!;
      assert.equal(label.task, "multiclass");
      assert.equal(label.positive, undefined);
      close(label.labelEntropy, ex.multiclass.labelEntropy, 1e-9, "H(cls)");
      for (const [name, mi] of Object.entries(ex.multiclass.mutualInfo)) {
        close(label.features.find((f) => f.column === name)!.mutualInfo, mi as number, 1e-9, `${name} MI`);
      }
    });

    it("computes the population stability index like the numpy formula", { skip }, async () => {
      const baseline = await describeTable(ts.store, "fixture");
      const current = await describeTable(ts.store, "fixture_current");
      const { report, warnings } = await driftBetween(ts.store, "fixture", baseline, current);
      for (const [name, value] of Object.entries(ex.psi)) {
        close(report.columns.find((c) => c.column === name)!.psi, value as number, 1e-9, `${name} PSI`);
      }
      // x_norm moved by 0.6 σ: PSI 0.38, flagged significant; cat did not move.
      assert.ok(warnings.some((w) => w.column === "x_norm" && w.code === "DRIFT_SIGNIFICANT"));
      assert.ok(!warnings.some((w) => w.column === "cat"));
    });
  });
}
