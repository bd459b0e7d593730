/**
 * Quantile binning: the cuts of small columns are their distinct values (XGBoost's exact
 * case), the codes agree with the thresholds trees store (x < cut[b] ⇔ code ≤ b), large
 * columns get ≤ 256 near-equal-mass bins, and weights act as repetitions. That the cuts are
 * XGBoost's on large columns is shown end to end in gbdt-datasets.test.ts (Hillstrom: the same
 * probabilities as XGBoost from 44,800 rows).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rng } from "../../src/core/rng.ts";
import { binColumn, featureCuts, MAX_BINS, sketchSample } from "../../src/models/tree/binning.ts";

function codesOf(column: Float64Array, maxBins = 256) {
  const fc = featureCuts(column, maxBins);
  const codes = new Uint8Array(column.length);
  binColumn(column, fc.cuts, fc.cuts.length, codes);
  return { ...fc, codes };
}

/**
 * x < threshold(b) ⇔ code ≤ b for every bin b (so prediction on raw x equals training on
 * bins), NaN → the missing code. With strictly increasing cuts this is: cut[code − 1] ≤ x <
 * cut[code].
 */
function assertConsistent(column: Float64Array, fc: ReturnType<typeof codesOf>): void {
  const nBins = fc.cuts.length;
  for (let b = 1; b < nBins; b++) assert.ok(fc.cuts[b - 1] < fc.cuts[b], `cuts increase at ${b}`);
  let violations = 0;
  let first = -1;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    const code = fc.codes[i];
    const ok = Number.isNaN(v)
      ? code === nBins
      : code < nBins && v >= fc.minValue && v < fc.cuts[code] && (code === 0 || v >= fc.cuts[code - 1]);
    if (!ok && violations++ === 0) first = i;
  }
  assert.equal(violations, 0, `first violation at row ${first}: ${column[first]} → code ${fc.codes[first]}`);
}

describe("gbdt binning", () => {
  it("cuts a few distinct values at each value after the smallest, plus a sentinel", () => {
    const column = Float64Array.of(3, 1, 2, 2, 5, 1, NaN, 3);
    const fc = codesOf(column);
    assert.deepEqual(Array.from(fc.cuts), [2, 3, 5, 5 + 5 + 1e-5]);
    assert.equal(fc.minValue, 1 - (1 + 1e-5));
    assert.equal(fc.hasMissing, true);
    assert.deepEqual(Array.from(fc.codes), [2, 0, 1, 1, 3, 0, 4, 2]);
    assertConsistent(column, fc);
  });

  it("keeps codes and thresholds consistent on continuous, tied, skewed and missing data", () => {
    const random = rng(1);
    const columns = [
      Float64Array.from({ length: 20_000 }, () => random.normal()),
      Float64Array.from({ length: 20_000 }, () => random.int(7) / 3),
      Float64Array.from({ length: 20_000 }, (_, i) => (i === 5 ? 1e9 : Math.exp(3 * random.normal()))),
      Float64Array.from({ length: 20_000 }, () => (random.next() < 0.3 ? NaN : Math.round(random.normal() * 1000))),
    ];
    for (const column of columns) {
      const fc = codesOf(column);
      assert.ok(fc.cuts.length <= (fc.hasMissing ? MAX_BINS - 1 : MAX_BINS));
      assertConsistent(column, fc);
    }
  });

  it("spreads a large continuous column over 256 bins of near-equal mass", () => {
    const random = rng(2);
    const column = Float64Array.from({ length: 100_000 }, () => random.next());
    const fc = codesOf(column);
    assert.equal(fc.cuts.length, 256);
    const counts = new Float64Array(256);
    for (const code of fc.codes) counts[code]++;
    // The sketch guarantees rank error ≤ eps·n = n/2048 per cut: a bin holds n/256 ± 2·n/2048.
    for (let b = 0; b < 256; b++) assert.ok(Math.abs(counts[b] - 100_000 / 256) <= (2 * 100_000) / 2048, `bin ${b}: ${counts[b]}`);
  });

  it("honours maxBins, and 255 value bins beside the missing code", () => {
    const random = rng(3);
    const dense = Float64Array.from({ length: 5000 }, () => random.normal());
    assert.equal(featureCuts(dense, 16).cuts.length, 16);
    const withMissing = dense.map((v, i) => (i % 10 === 0 ? NaN : v));
    const fc = codesOf(withMissing);
    assert.equal(fc.cuts.length, 255);
    assertConsistent(withMissing, fc);
  });

  it("treats a weight as that many repetitions of the row while the sketch is exact", () => {
    // ~200 distinct values in 600 rows: both sketches hold every value (no pruning before the
    // final cut), as XGBoost's does. Beyond that the streaming sketch is only ε-approximate and
    // depends on how many entries it sees, so weights and repetitions prune differently.
    const random = rng(4);
    const values = Float64Array.from({ length: 600 }, () => Math.round(random.normal() * 50) / 10);
    const weights = Float64Array.from({ length: 600 }, (_, i) => 1 + (i % 3));
    const repeated = Float64Array.from(Array.from(values).flatMap((v, i) => Array(weights[i]).fill(v)));
    assert.deepEqual(Array.from(featureCuts(values, 64, weights).cuts), Array.from(featureCuts(repeated, 64).cuts));
  });

  it("samples large inputs reproducibly, and the codes stay consistent", () => {
    const draw = (seed: number) => {
      const random = rng(seed);
      return sketchSample(50_000, 5_000, random.next);
    };
    const a = draw(5);
    assert.deepEqual(a, draw(5));
    assert.ok(a !== undefined && Math.abs(a.length - 5000) < 400);
    assert.equal(sketchSample(4000, 5000, rng(1).next), undefined);
    const random = rng(6);
    const column = Float64Array.from({ length: 50_000 }, () => random.normal());
    const fc = featureCuts(column, 256, undefined, a);
    const codes = new Uint8Array(column.length);
    binColumn(column, fc.cuts, fc.cuts.length, codes);
    assertConsistent(column, { ...fc, codes });
  });

  it("gives a constant column one bin and an all-missing column only the missing code", () => {
    const constant = codesOf(new Float64Array(10).fill(4));
    assert.deepEqual(Array.from(constant.codes), new Array(10).fill(0));
    const missing = codesOf(new Float64Array(10).fill(NaN));
    assert.deepEqual(Array.from(missing.codes), new Array(10).fill(1));
  });
});
