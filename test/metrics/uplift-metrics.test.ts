/**
 * Uplift metrics against scikit-uplift 0.5.1: hand-computed tiny cases, then every function on
 * the fixtures written by scripts/reference/uplift_metrics.py (a faithful numpy port of
 * sklift/metrics/metrics.py). Tolerance 1e-12 (relative to max(1, |value|)): the TypeScript
 * follows the same operations in the same order, including numpy's pairwise summation in the
 * areas, so most values are bit-identical; the slack covers weighted_average_uplift, whose
 * np.dot goes through BLAS with its own summation order.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  perfectQiniCurve, perfectUpliftCurve, qiniAucScore, qiniCurve, upliftAucScore, upliftCurve,
} from "../../src/metrics/uplift-curves.ts";
import { upliftAtK } from "../../src/metrics/uplift-at-k.ts";
import {
  responseRateByPercentile, treatmentBalanceCurve, upliftByPercentile, weightedAverageUplift,
} from "../../src/metrics/uplift-percentile.ts";
import { numpySum } from "../../src/metrics/uplift-common.ts";

const TOL = 1e-12;

function close(actual: number, expected: number | null, what: string): void {
  if (expected === null) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= TOL * scale, `${what}: expected ${expected}, got ${actual}`);
}

function closeArray(actual: ArrayLike<number>, expected: (number | null)[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${what}[${i}]`);
}

// ---- hand-computed ---------------------------------------------------------------------------
// Rows (uplift, treatment, y): (0.9,1,1) (0.5,0,0) (0.5,1,1) (0.1,0,1) (0.1,1,0) (-0.2,0,0).
// Ranked: 0 | 2 1 | 4 3 | 5 (ties in reverse row order). At N = 1, 3, 5, 6 targeted:
// treated 1/1, 2/2, 2/3, 2/3 responded; control –, 0/1, 1/2, 1/3.
const y = [1, 0, 1, 1, 0, 0];
const u = [0.9, 0.5, 0.5, 0.1, 0.1, -0.2];
const t = [1, 0, 1, 0, 1, 0];

test("uplift and Qini curves by hand", () => {
  const uplift = upliftCurve(y, u, t);
  assert.deepEqual(Array.from(uplift.x), [0, 1, 3, 5, 6]);
  closeArray(uplift.y, [0, 1, 3, (2 / 3 - 1 / 2) * 5, 2], "uplift curve");
  const qini = qiniCurve(y, u, t);
  assert.deepEqual(Array.from(qini.x), [0, 1, 3, 5, 6]);
  closeArray(qini.y, [0, 1, 2, 0.5, 1], "qini curve");
});

test("perfect curves by hand", () => {
  // Perfect Qini scores y·t − y·(1−t): treated responders first, control responders last.
  const qini = perfectQiniCurve(y, t);
  assert.deepEqual(Array.from(qini.x), [0, 2, 5, 6]);
  closeArray(qini.y, [0, 2, 2, 1], "perfect qini");
  const flat = perfectQiniCurve(y, t, { negativeEffect: false });
  closeArray(flat.x, [0, 1, 6], "flat perfect qini x");
  closeArray(flat.y, [0, 1, 1], "flat perfect qini y");
  // Control responders (1) do not outnumber treated non-responders (1): summand = treatment.
  const uplift = perfectUpliftCurve(y, t);
  assert.deepEqual(Array.from(uplift.x), [0, 2, 4, 5, 6]);
  closeArray(uplift.y, [0, 2, 4, 10 / 3, 2], "perfect uplift");
});

test("normalised areas by hand", () => {
  // Qini: actual area 6.75, perfect 9.5, random line 3 → (6.75 − 3) / (9.5 − 3) = 15/26.
  close(qiniAucScore(y, u, t), 15 / 26, "qini auc");
  // Uplift: actual 9.75, perfect 43/3, random line 6 → 3.75 / (25/3) = 0.45.
  close(upliftAucScore(y, u, t), 0.45, "uplift auc");
});

test("uplift at k by hand", () => {
  // overall, top 3 = rows 0, 2, 1: treated 2/2, control 0/1.
  close(upliftAtK(y, u, t, { k: 0.5 }), 1, "overall 0.5");
  // by_group, k = 2 rows of each: treated rows 0, 2 → 1; control rows 1, 3 → 0.5.
  close(upliftAtK(y, u, t, { k: 2, strategy: "by_group" }), 0.5, "by_group 2");
  // overall, top 1 = row 0 only: no control row → NaN, as numpy's mean of nothing.
  assert.ok(Number.isNaN(upliftAtK(y, u, t, { k: 1 })));
});

test("uplift by percentile by hand (3 bins of 2 rows)", () => {
  const rows = upliftByPercentile(y, u, t, { bins: 3, std: true, total: true });
  assert.deepEqual(rows.map((r) => r.percentile), ["0-33", "33-67", "67-100", "total"]);
  // Bins in rank order: [0, 2] [1, 4] [3, 5].
  assert.deepEqual(rows.map((r) => r.nTreatment), [2, 1, 0, 3]);
  assert.deepEqual(rows.map((r) => r.nControl), [0, 1, 2, 3]);
  close(rows[1].uplift, 0 - 0, "bin 2 uplift");
  close(rows[3].uplift, 2 / 3 - 1 / 3, "total uplift");
  close(rows[1].stdUplift!, 0, "bin 2 std");
  assert.ok(Number.isNaN(rows[0].uplift));
});

test("numpy pairwise summation differs from a running sum and matches numpy's association", () => {
  // 1 + 1e-16·8 summed left to right loses every small term; pairwise keeps them (8 lanes).
  const values = new Float64Array(16).fill(1e-16);
  values[0] = 1;
  let running = 0;
  for (const v of values) running += v;
  assert.equal(running, 1);
  // numpy: 8 accumulators r[j] = a[j] + a[j+8], then ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)).
  const lanes = Array.from({ length: 8 }, (_, j) => values[j] + values[j + 8]);
  const expected = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  assert.equal(numpySum(values), expected);
  assert.ok(numpySum(values) > 1);
});

test("bad input is refused with a code that says what to fix", () => {
  assert.throws(() => qiniAucScore([1, 0], [0.1, 0.2], [1, 1]), { code: "E_ONE_CLASS" });
  assert.throws(() => qiniAucScore([1, 0], [0.1, 0.2], [1, 2]), { code: "E_NOT_BINARY" });
  assert.throws(() => qiniAucScore([1, 0, 1], [0.1, 0.2], [1, 0, 1]), { code: "E_SHAPE" });
  assert.throws(() => qiniAucScore([1, 0], [NaN, 0.2], [1, 0]), { code: "E_NAN" });
  assert.throws(() => upliftAtK(y, u, t, { k: 1.5 }), { code: "E_OPTION" });
  assert.throws(() => upliftAtK(y, u, t, { k: 6 }), { code: "E_OPTION" });
  assert.throws(() => upliftByPercentile(y, u, t, { bins: 6 }), { code: "E_OPTION" });
  assert.throws(() => treatmentBalanceCurve(u, t, 7), { code: "E_OPTION" });
});

// ---- scikit-uplift reference fixtures --------------------------------------------------------

interface Case {
  name: string;
  y: number[];
  uplift: number[];
  treatment: number[];
  uplift_curve: [number[], number[]];
  perfect_uplift_curve: [number[], number[]];
  uplift_auc_score: number;
  qini_curve: [number[], number[]];
  perfect_qini_curve: { negative_effect: [number[], number[]]; no_negative_effect: [number[], number[]] };
  qini_auc_score: { negative_effect: number; no_negative_effect?: number; no_negative_effect_error?: string };
  uplift_at_k: { strategy: "overall" | "by_group"; k: number; count: boolean; value?: number | null; error?: string }[];
  by_percentile: {
    strategy: "overall" | "by_group";
    bins: number;
    response_rate_by_percentile: Record<"treatment" | "control", { response_rate: (number | null)[]; variance: (number | null)[]; group_size: number[] }>;
    uplift_by_percentile: Record<string, (number | string | null)[]>;
    weighted_average_uplift: number | null;
  }[];
  treatment_balance_curve: { winsize: number; idx: number[]; balance: number[] }[];
}

const fixture = JSON.parse(readFileSync(new URL("../reference/uplift_metrics.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  cases: Case[];
};

test("fixture records the reference versions", () => {
  assert.equal(fixture.versions["scikit-learn"], "1.2.1");
  assert.ok(fixture.cases.length >= 5);
});

for (const c of fixture.cases) {
  test(`curves and areas equal scikit-uplift: ${c.name}`, () => {
    const uc = upliftCurve(c.y, c.uplift, c.treatment);
    closeArray(uc.x, c.uplift_curve[0], "uplift_curve x");
    closeArray(uc.y, c.uplift_curve[1], "uplift_curve y");
    const pu = perfectUpliftCurve(c.y, c.treatment);
    closeArray(pu.x, c.perfect_uplift_curve[0], "perfect_uplift_curve x");
    closeArray(pu.y, c.perfect_uplift_curve[1], "perfect_uplift_curve y");
    close(upliftAucScore(c.y, c.uplift, c.treatment), c.uplift_auc_score, "uplift_auc_score");
    const qc = qiniCurve(c.y, c.uplift, c.treatment);
    closeArray(qc.x, c.qini_curve[0], "qini_curve x");
    closeArray(qc.y, c.qini_curve[1], "qini_curve y");
    for (const [key, negativeEffect] of [["negative_effect", true], ["no_negative_effect", false]] as const) {
      const pq = perfectQiniCurve(c.y, c.treatment, { negativeEffect });
      closeArray(pq.x, c.perfect_qini_curve[key][0], `perfect_qini_curve ${key} x`);
      closeArray(pq.y, c.perfect_qini_curve[key][1], `perfect_qini_curve ${key} y`);
    }
    close(qiniAucScore(c.y, c.uplift, c.treatment), c.qini_auc_score.negative_effect, "qini_auc_score");
    if (c.qini_auc_score.no_negative_effect_error) {
      assert.throws(() => qiniAucScore(c.y, c.uplift, c.treatment, { negativeEffect: false }), { code: "E_NOT_MONOTONIC" });
    } else {
      close(qiniAucScore(c.y, c.uplift, c.treatment, { negativeEffect: false }), c.qini_auc_score.no_negative_effect!, "qini_auc_score ne=False");
    }
  });

  test(`uplift at k equals scikit-uplift: ${c.name}`, () => {
    for (const e of c.uplift_at_k) {
      const run = () => upliftAtK(c.y, c.uplift, c.treatment, { strategy: e.strategy, k: e.k });
      if (e.error !== undefined) assert.throws(run, { code: "E_OPTION" }, `${e.strategy} k=${e.k}`);
      else close(run(), e.value!, `uplift_at_k ${e.strategy} k=${e.k}`);
    }
  });

  test(`percentile metrics equal scikit-uplift: ${c.name}`, () => {
    for (const e of c.by_percentile) {
      const options = { strategy: e.strategy, bins: e.bins };
      const what = `${e.strategy} bins=${e.bins}`;
      for (const group of ["treatment", "control"] as const) {
        const rr = responseRateByPercentile(c.y, c.uplift, c.treatment, group, options);
        const expected = e.response_rate_by_percentile[group];
        closeArray(rr.responseRate, expected.response_rate, `${what} ${group} rate`);
        closeArray(rr.variance, expected.variance, `${what} ${group} variance`);
        closeArray(rr.groupSize, expected.group_size, `${what} ${group} size`);
      }
      const rows = upliftByPercentile(c.y, c.uplift, c.treatment, { ...options, std: true, total: true });
      const table = e.uplift_by_percentile;
      assert.deepEqual(rows.map((r) => r.percentile), table.percentile, `${what} labels`);
      const columns: [keyof typeof rows[number], string][] = [
        ["nTreatment", "n_treatment"], ["nControl", "n_control"],
        ["responseRateTreatment", "response_rate_treatment"], ["responseRateControl", "response_rate_control"],
        ["uplift", "uplift"], ["stdTreatment", "std_treatment"], ["stdControl", "std_control"], ["stdUplift", "std_uplift"],
      ];
      for (const [ours, theirs] of columns) {
        closeArray(rows.map((r) => r[ours] as number), table[theirs] as (number | null)[], `${what} ${theirs}`);
      }
      close(weightedAverageUplift(c.y, c.uplift, c.treatment, options), e.weighted_average_uplift, `${what} weighted_average_uplift`);
    }
  });

  test(`treatment balance curve equals scikit-uplift: ${c.name}`, () => {
    for (const e of c.treatment_balance_curve) {
      const curve = treatmentBalanceCurve(c.uplift, c.treatment, e.winsize);
      closeArray(curve.idx, e.idx, `idx winsize=${e.winsize}`);
      closeArray(curve.balance, e.balance, `balance winsize=${e.winsize}`);
    }
  });
}
