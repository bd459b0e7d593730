/**
 * The CLV section of the report and dashboard: a stored CLV run (src/jobs/clv/clv-job.ts,
 * ClvJobResult) → an HTML fragment and Vega-Lite specs. Pure: no I/O, no clock. Shows the
 * fitted BG/NBD and Gamma-Gamma parameters (beside lifetimes' published CDNOW values when the
 * dataset is CDNOW), the calibration/holdout check by calibration frequency (the BG/NBD paper's
 * Figure 4), the forecast per segment and the most valuable customers.
 */
import type { ClvJobResult } from "../jobs/clv/clv-job.ts";
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { figureCards, formatMoney, formatNumber, htmlTable, type KeyFigure } from "./report-format.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** lifetimes' documented fit on the CDNOW sample (calibration to 1997-09-30, weeks). */
export const LIFETIMES_CDNOW = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425752, p: 6.25, q: 3.74, v: 15.445 };

export function holdoutSpec(r: ClvJobResult): VegaLiteSpec | undefined {
  if (!r.holdout) return undefined;
  const values = r.holdout.byFrequency.flatMap((b) => [
    { frequency: b.frequency, series: "actual", purchases: b.actual },
    { frequency: b.frequency, series: "BG/NBD", purchases: b.predicted },
  ]);
  return {
    $schema: SCHEMA,
    title: `Mean repeat purchases ${r.holdout.calibrationEnd} … ${r.holdout.observationEnd} by calibration repeat purchases`,
    width: 360,
    height: 200,
    data: { values },
    mark: { type: "line", point: true, tooltip: true },
    encoding: {
      x: { field: "frequency", type: "ordinal", title: "repeat purchases in calibration (last = that many or more)" },
      y: { field: "purchases", type: "quantitative", title: "mean holdout purchases" },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}

export function clvSegmentsSpec(r: ClvJobResult): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: `Expected revenue in the next ${r.horizonMonths} months by segment`,
    width: 360,
    data: { values: r.segments.map((s) => ({ segment: s.segment, revenue: s.expectedRevenue, customers: s.customers, pAlive: s.meanProbabilityAlive })) },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", sort: "-x", title: null },
      x: { field: "revenue", type: "quantitative", title: "expected revenue" },
    },
  };
}

export function clvFigures(r: ClvJobResult): KeyFigure[] {
  return [
    { label: "customers", value: r.customers, format: "integer", note: `${formatNumber(r.repeatCustomers)} repeat buyers` },
    { label: `expected revenue, next ${r.horizonMonths} months`, value: r.totals.expectedRevenue, format: "money" },
    { label: "mean P(alive)", value: r.totals.meanProbabilityAlive, format: "share" },
    ...(r.holdout ? [{ label: "holdout purchases, predicted vs actual", value: `${formatNumber(Math.round(r.holdout.predictedPurchases))} vs ${formatNumber(Math.round(r.holdout.actualPurchases))}` }] : []),
  ];
}

export function clvSection(r: ClvJobResult): { html: string; specs: Record<string, VegaLiteSpec> } {
  const specs: Record<string, VegaLiteSpec> = {};
  const chart = (id: string, spec: VegaLiteSpec | undefined) => {
    if (!spec) return "";
    specs[id] = spec;
    return `<div class="chart" data-spec="${id}"></div>`;
  };
  const p = r.parameters;
  const cdnow = r.dataset === "cdnow";
  const parts = [`<section class="clv"><h2>Customer lifetime value</h2>`];
  parts.push(`<p>BG/NBD (purchases) and Gamma-Gamma (spend per purchase), fitted by maximum likelihood on <b>${escapeHtml(r.dataset)}</b> purchases up to ${escapeHtml(r.asOf)}, time in ${escapeHtml(r.unit)} (Fader, Hardie &amp; Lee 2005).</p>`);
  parts.push(figureCards(clvFigures(r)));
  const rows: Array<[string, number, number | string]> = [
    ["BG/NBD r", p.bgnbd.r, cdnow ? LIFETIMES_CDNOW.r : ""], ["BG/NBD α", p.bgnbd.alpha, cdnow ? LIFETIMES_CDNOW.alpha : ""],
    ["BG/NBD a", p.bgnbd.a, cdnow ? LIFETIMES_CDNOW.a : ""], ["BG/NBD b", p.bgnbd.b, cdnow ? LIFETIMES_CDNOW.b : ""],
    ["Gamma-Gamma p", p.gamma_gamma.p, cdnow ? LIFETIMES_CDNOW.p : ""], ["Gamma-Gamma q", p.gamma_gamma.q, cdnow ? LIFETIMES_CDNOW.q : ""],
    ["Gamma-Gamma v", p.gamma_gamma.v, cdnow ? "15.44–15.45" : ""],
  ];
  parts.push(`<h3>Parameters</h3>`, htmlTable(["parameter", "Patron", ...(cdnow ? ["lifetimes (published)"] : [])], rows.map(([name, ours, ref]) => (cdnow ? [name, ours, ref] : [name, ours]))));
  if (r.excludedFromSpendModel > 0) parts.push(`<p>${formatNumber(r.excludedFromSpendModel)} repeat customers whose repeat purchases sum to ≤ 0 were left out of the spend model and valued at the population mean.</p>`);
  if (Math.abs(r.frequencySpendCorrelation) > 0.3) parts.push(`<p>Frequency and spend correlate (ρ = ${formatNumber(r.frequencySpendCorrelation, 2)}); Gamma-Gamma assumes independence, so read the revenue forecast with care.</p>`);
  if (r.holdout) {
    const h = r.holdout;
    parts.push(`<h3>Calibration and holdout</h3><p>Fitted up to ${escapeHtml(h.calibrationEnd)}, the model predicted ${formatNumber(Math.round(h.predictedPurchases))} repeat purchases until ${escapeHtml(h.observationEnd)}; ${formatNumber(Math.round(h.actualPurchases))} happened. Mean absolute error per customer ${formatNumber(h.meanAbsoluteError, 3)}, correlation ${formatNumber(h.correlation, 3)}.</p>`, chart("holdout", holdoutSpec(r)));
  }
  parts.push(`<h3>Forecast by segment</h3><p>Segments: ${escapeHtml(r.segmentBasis)}.</p>`, chart("segments", clvSegmentsSpec(r)));
  parts.push(htmlTable(["segment", "customers", "expected purchases", "expected revenue", "revenue share", "mean P(alive)"], r.segments.map((s) => [s.segment, s.customers, s.expectedPurchases, formatMoney(s.expectedRevenue), s.revenueShare, s.meanProbabilityAlive])));
  parts.push(`<h3>Most valuable customers</h3>`, htmlTable(["customer", "repeat purchases", "recency", "T", "P(alive)", "expected purchases", "expected revenue"], r.top.slice(0, 10).map((c) => [c.customer, c.frequency, c.recency, c.T, c.probabilityAlive, c.expectedPurchases, formatMoney(c.expectedRevenue)])));
  parts.push(`</section>`);
  return { html: parts.filter(Boolean).join("\n"), specs };
}
