import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { bgNbd, bgNbdFromJSON, bgNbdModel, bgNbdNegLogLikelihood } from "../../src/clv/bgnbd.ts";
import { parseCdnow } from "../../src/clv/cdnow.ts";
import { clvBySegment, clvFromTransactions, clvParameters, holdoutCheck } from "../../src/clv/clv.ts";
import { gammaGamma, gammaGammaFromJSON, gammaGammaModel, gammaGammaNegLogLikelihood } from "../../src/clv/gamma-gamma.ts";
import { hyp2f1Parts, lgamma } from "../../src/clv/special.ts";
import { calibrationAndHoldout, rfmSummary, transactions } from "../../src/clv/summary.ts";

const root = new URL("../../", import.meta.url);
const ref = JSON.parse(readFileSync(new URL("test/reference/clv.json", root), "utf8"));
const cdnow = parseCdnow(gunzipSync(readFileSync(new URL("data/cdnow/CDNOW_sample.txt.gz", root))).toString());
const summary = rfmSummary(cdnow, { observationEnd: "1997-09-30", unit: "weeks", decimals: 2 });
const published = ref.bgnbd_params;

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe("special functions", () => {
  it("lgamma matches closed forms", () => {
    assert.ok(Math.abs(lgamma(1)) < 1e-14);
    assert.ok(Math.abs(lgamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-14);
    assert.ok(Math.abs(lgamma(10) - Math.log(362880)) < 1e-12);
    // Python's math.lgamma at these points (printed with repr): agreement to ~1e-13 relative.
    const python: [number, number][] = [[3.7, 1.4280723266653883], [0.1, 2.2527126517342055], [171.5, 709.1431630309282], [1e-3, 6.907178885383854], [25.3, 55.746181183584596]];
    for (const [x, value] of python) assert.ok(Math.abs(lgamma(x) - value) < 1e-13 * Math.max(1, value), `lgamma(${x}) = ${lgamma(x)}`);
  });
  it("2F1 equals SciPy's hyp2f1 in sign and log-magnitude to 1e-11 (both sum the same series to machine precision), also astronomically large values and negative c", () => {
    for (const c of ref.hyp2f1) {
      const ours = hyp2f1Parts(c.a, c.b, c.c, c.z);
      assert.equal(ours.sign, Math.sign(c.value));
      assert.ok(Math.abs(ours.logAbs - Math.log(Math.abs(c.value))) < 1e-11, `2F1(${c.a},${c.b};${c.c};${c.z}): ${ours.sign * Math.exp(ours.logAbs)} vs ${c.value}`);
    }
  });
});

describe("RFM summary (lifetimes' summary_data_from_transaction_data)", () => {
  it("equals the pandas reproduction customer by customer on CDNOW, calibration to 1997-09-30", () => {
    assert.deepEqual(summary.customers, ref.summary.customers);
    assert.deepEqual(Array.from(summary.frequency), ref.summary.frequency);
    assert.deepEqual(Array.from(summary.recency), ref.summary.recency);
    assert.deepEqual(Array.from(summary.T), ref.summary.T);
    close(summary.monetaryValue, ref.summary.monetary_value, 1e-12, "monetary value");
  });
  it("counts holdout purchase days as calibration_and_holdout_data does", () => {
    const split = calibrationAndHoldout(cdnow, { calibrationEnd: "1997-09-30", observationEnd: "1998-06-30", decimals: 2 });
    assert.deepEqual(Array.from(split.frequencyHoldout), ref.summary.frequency_holdout);
    assert.equal(split.durationHoldout, 273 / 7);
  });
  it("sums same-day purchases, excludes the first day from monetary value, and works in days", () => {
    const tx = transactions({ customer: ["a", "a", "a", "b", "a"], time: ["2020-01-01", "2020-01-01", "2020-01-08", "2020-01-05", "2020-01-15T13:00:00Z"], amount: [5, 5, 20, 7, 40] });
    const s = rfmSummary(tx, { unit: "days" });
    assert.deepEqual(s.customers, ["a", "b"]);
    assert.deepEqual(Array.from(s.frequency), [2, 0]);
    assert.deepEqual(Array.from(s.recency), [14, 0]);
    assert.deepEqual(Array.from(s.T), [14, 10]);
    assert.deepEqual(Array.from(s.monetaryValue), [30, 0]);
  });
  it("rejects unparseable dates naming the row and column", () => {
    assert.throws(() => transactions({ customer: ["a"], time: ["yesterday"], amount: [1] }, "orders.csv"), /orders\.csv row 1, column time/);
  });
});

describe("BG/NBD", () => {
  it("fits lifetimes' published CDNOW parameters to 1e-3 (the MLE is unique; tolerance from the brief)", () => {
    const model = bgNbd().fit(summary);
    for (const key of ["r", "alpha", "a", "b"] as const) {
      assert.ok(Math.abs(model.params[key] - published[key]) < 1e-3, `${key}: ${model.params[key]} vs ${published[key]}`);
    }
    assert.ok(Math.abs(model.logLikelihood - ref.bgnbd_mean_loglik) < 1e-6);
  });
  it("log-likelihood, conditional expectation, P(alive) and eq. 9 equal SciPy at the published parameters (1e-10 relative: same closed forms)", () => {
    assert.ok(Math.abs(-bgNbdNegLogLikelihood(published, summary) - ref.bgnbd_mean_loglik) < 1e-11);
    const model = bgNbdModel(published, 0, summary.customers.length);
    close(model.conditionalExpectedPurchases(39, summary), ref.conditional_expected_39, 1e-10, "E[X(39)]");
    close(model.conditionalExpectedPurchases(200, summary), ref.conditional_expected_200, 1e-10, "E[X(200)]");
    close(model.probabilityAlive(summary), ref.p_alive, 1e-12, "P(alive)");
    // a + b < 1: 2F1 with negative c (its value can be negative); still SciPy's numbers.
    close(bgNbdModel(ref.small_ab_params, 0, 1).conditionalExpectedPurchases(13, summary), ref.conditional_expected_small_ab_13, 1e-9, "E[X(13)], a + b < 1");
    for (const [t, value] of Object.entries(ref.unconditional)) close([model.expectedPurchases(Number(t))], [value as number], 1e-10, `E[X(${t})]`);
  });
  it("round-trips through JSON and rejects a malformed model", () => {
    const model = bgNbdModel(published, -4, 10);
    const back = bgNbdFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.probabilityAlive(summary), model.probabilityAlive(summary));
    assert.throws(() => bgNbdFromJSON({ kind: "bgnbd", schemaVersion: 1, params: { r: -1, alpha: 1, a: 1, b: 1 }, logLikelihood: 0, nCustomers: 1 }), { code: "E_MODEL_JSON" });
  });
  it("reports a fit without visible dropout as a convergence error with advice, not NaN", () => {
    // Every customer buys every week up to T: no dropout, a/b have no finite MLE.
    const n = 40;
    const frequency = Float64Array.from({ length: n }, (_, i) => 10 + (i % 5));
    const T = Float64Array.from(frequency, (x) => x + 0.5);
    assert.throws(() => bgNbd().fit({ frequency, recency: T.map((t) => t - 0.5), T }), (e: { code: string; message: string }) => e.code === "E_CLV_CONVERGENCE" && /penalizer/.test(e.message));
  });
  it("rejects recency greater than T", () => {
    assert.throws(() => bgNbd().fit({ frequency: Float64Array.of(1, 2), recency: Float64Array.of(5, 1), T: Float64Array.of(4, 3) }), { code: "E_RFM" });
  });
});

describe("Gamma-Gamma", () => {
  it("fits the published CDNOW values p = 6.25, q = 3.74, v = 15.44–15.45 from a method-of-moments start", () => {
    const model = gammaGamma().fit(summary);
    assert.ok(Math.abs(model.params.p - 6.25) < 5e-3, `p ${model.params.p}`);
    assert.ok(Math.abs(model.params.q - 3.74) < 5e-3, `q ${model.params.q}`);
    assert.ok(model.params.v >= 15.435 && model.params.v <= 15.455, `v ${model.params.v}`);
    assert.equal(model.nCustomers, summary.frequency.filter((x) => x > 0).length);
  });
  it("likelihood and conditional mean spend equal SciPy at the published parameters", () => {
    assert.ok(Math.abs(-gammaGammaNegLogLikelihood(ref.gg_params, summary) - ref.gg_mean_loglik) < 1e-11);
    const model = gammaGammaModel(ref.gg_params, 0, 1);
    close(model.conditionalExpectedAverageValue(summary), ref.gg_conditional_mean, 1e-12, "E[M]");
    assert.deepEqual(gammaGammaFromJSON(model.toJSON()).params, model.params);
  });
  it("rejects non-positive repeat spend with advice", () => {
    assert.throws(() => gammaGamma().fit({ frequency: Float64Array.of(1, 2, 3), monetaryValue: Float64Array.of(10, -5, 3) }), /returns/);
  });
});

describe("clvFromTransactions", () => {
  it("fits from transaction rows up to asOf, in weeks or days, with forecasts per customer and segment", () => {
    const rows = Array.from({ length: cdnow.day.length }, (_, i) => ({ customer: cdnow.customer[i], time: cdnow.day[i] * 86_400_000, amount: cdnow.amount[i] }));
    const weeks = clvFromTransactions({ transactions: rows, asOf: "1997-09-30", unit: "weeks", decimals: 2, horizonMonths: 9 });
    // The `patron clv --preset cdnow --json` contract.
    const printed = clvParameters(weeks);
    for (const key of ["r", "alpha", "a", "b"] as const) assert.ok(Math.abs(printed.bgnbd[key] - published[key]) < 1e-3, key);
    assert.ok(Math.abs(printed.gamma_gamma.p - 6.25) < 5e-3 && Math.abs(printed.gamma_gamma.q - 3.74) < 5e-3 && Math.abs(printed.gamma_gamma.v - 15.445) <= 0.01);
    assert.equal(weeks.asOf, "1997-09-30");
    // Days: α scales by 7, the shapes are unchanged (time-unit invariance of the model).
    const days = clvFromTransactions({ transactions: cdnow, asOf: "1997-09-30", unit: "days", horizonMonths: 9 });
    assert.ok(Math.abs(days.bgnbd.params.alpha / 7 - published.alpha) < 2e-2, `alpha/7 ${days.bgnbd.params.alpha / 7}`);
    assert.ok(Math.abs(days.bgnbd.params.r - published.r) < 2e-3);
    // Forecast totals are close between units (they differ only through rounding of T).
    const total = (r: typeof weeks) => r.customers.reduce((s, c) => s + c.expectedRevenue, 0);
    assert.ok(Math.abs(total(days) / total(weeks) - 1) < 0.01);
    // Revenue = purchases × mean value with no discounting.
    for (const c of weeks.customers.slice(0, 50)) assert.ok(Math.abs(c.expectedRevenue - c.expectedPurchases * c.expectedAverageValue) < 1e-9 * (1 + c.expectedRevenue));
    const segments = clvBySegment(weeks.customers, (id) => (Number(id) % 2 === 0 ? "even" : "odd"));
    assert.equal(segments.reduce((s, g) => s + g.customers, 0), weeks.customers.length);
    assert.ok(Math.abs(segments.reduce((s, g) => s + g.revenueShare, 0) - 1) < 1e-12);
  });
  it("holdout check: predicted holdout purchases track the actual ones (BG/NBD paper, Fig. 4)", () => {
    const check = holdoutCheck({ transactions: cdnow, calibrationEnd: "1997-09-30", observationEnd: "1998-06-30", decimals: 2 });
    assert.equal(check.customers, 2357);
    // Measured: 1,653 predicted vs 1,882 actual. BG/NBD under-forecasts this holdout in
    // aggregate (it has no seasonality; weeks 40–78 include the 1997 year-end peak), so the
    // band is wide: it catches a broken forecast (off by a factor), not model error.
    assert.ok(check.predictedPurchases / check.actualPurchases > 0.8 && check.predictedPurchases / check.actualPurchases < 1.05, `${check.predictedPurchases} vs ${check.actualPurchases}`);
    // Per calibration-frequency bucket (the paper's Fig. 4) the means rise together.
    const buckets = check.byFrequency;
    for (let f = 1; f < buckets.length; f++) assert.ok(buckets[f].predicted > buckets[f - 1].predicted);
    assert.ok(buckets[buckets.length - 1].actual > 4 * buckets[0].actual);
    assert.ok(check.correlation > 0.5);
  });
});
