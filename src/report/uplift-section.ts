/**
 * The uplift report section (issue #6, Hillstrom): a stored UpliftJobResult → an HTML fragment
 * and the Vega-Lite specs of its charts — the learners compared (cross-validation and holdout),
 * each holdout figure against its bootstrap sd and the random-score band, the Qini and uplift
 * curves with their random and perfect lines, uplift by percentile, the economics table and
 * profit chart, customer types and profiles, the SHAP of the uplift, the 3-arm e-mail policy and
 * the Mens E-Mail comparison. Pure: no I/O, no database, no clock; each chart is an empty
 * `<div class="chart" data-spec="ID">` filled from `specs[ID]`.
 */
import type { ComparisonResult, UpliftJobResult } from "../jobs/uplift/hillstrom-job.ts";
import type { Curve, Figure } from "../jobs/uplift/evaluate.ts";
import { profitChartSpec } from "../uplift/economics.ts";
import { escapeHtml } from "./profile-section.ts";
import { figureCards, formatMoney, formatNumber, formatPercent, htmlTable, type KeyFigure } from "./report-format.ts";

export type VegaLiteSpec = Record<string, unknown>;

export interface UpliftSection {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const f3 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(3));
const f4 = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(4));
const chart = (id: string) => `<div class="chart" data-spec="${id}"></div>`;

/** The key figures for the overview: Womens E-Mail vs none on the holdout. */
export function upliftFigures(result: UpliftJobResult): KeyFigure[] {
  const w = result.comparisons[0];
  const h = w.holdout;
  return [
    { label: "uplift@30% (holdout)", value: h.upliftAt30.value, format: "score", note: `± ${f3(h.upliftAt30.sd)}; random ≤ ${f3(h.upliftAt30.random.p975)}` },
    { label: "Qini AUC (holdout)", value: h.qiniAuc.value, format: "score", note: `± ${f3(h.qiniAuc.sd)}; random ≤ ${f3(h.qiniAuc.random.p975)}` },
    { label: "learner (chosen by CV)", value: w.chosen.name },
    { label: "best share to contact", value: w.economics.best.percent / 100, format: "percent", note: `profit ${formatMoney(w.economics.best.profit)}` },
  ];
}

/** Curves with their perfect line and the random line (a straight line to the curve's end), in % of customers targeted. */
export function curveSpec(title: string, actual: Curve, perfect: Curve, yTitle: string): VegaLiteSpec {
  const n = actual.x[actual.x.length - 1] || 1;
  const end = actual.y[actual.y.length - 1];
  const values = [
    ...actual.x.map((x, i) => ({ series: "model", percent: (100 * x) / n, value: actual.y[i] })),
    ...perfect.x.map((x, i) => ({ series: "perfect", percent: (100 * x) / n, value: perfect.y[i] })),
    { series: "random", percent: 0, value: 0 },
    { series: "random", percent: 100, value: end },
  ];
  return {
    $schema: SCHEMA,
    title,
    width: 360,
    height: 240,
    data: { values },
    mark: { type: "line", interpolate: "linear" },
    encoding: {
      x: { field: "percent", type: "quantitative", title: "customers targeted, best uplift first (%)", scale: { domain: [0, 100] } },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "series", type: "nominal", title: null, scale: { domain: ["model", "perfect", "random"], range: ["#2f5d9e", "#1e7b34", "#9aa3b2"] } },
      strokeDash: { field: "series", type: "nominal", legend: null, scale: { domain: ["model", "perfect", "random"], range: [[1, 0], [6, 3], [2, 2]] } },
    },
  };
}

/** Each holdout figure with ± 1 sd against the band random scores reach (2.5–97.5 %). */
export function noiseSpec(c: ComparisonResult): VegaLiteSpec {
  const rows: Array<[string, Figure]> = [["uplift@30%", c.holdout.upliftAt30], ["uplift@30% by group", c.holdout.upliftAt30ByGroup], ["Qini AUC", c.holdout.qiniAuc], ["uplift AUC", c.holdout.upliftAuc]];
  const values = rows.map(([metric, f]) => ({
    metric, value: f.value, lo: f.value - f.sd, hi: f.value + f.sd, randomLo: f.random.mean - 1.96 * f.random.sd, randomHi: f.random.p975, randomMean: f.random.mean,
  }));
  return {
    $schema: SCHEMA,
    title: `${c.arm}: holdout figures (± 1 bootstrap sd) and the random-score band`,
    width: 360,
    data: { values },
    encoding: { y: { field: "metric", type: "nominal", title: null, sort: rows.map((r) => r[0]) } },
    layer: [
      { mark: { type: "bar", color: "#dde1e8", height: 14 }, encoding: { x: { field: "randomLo", type: "quantitative", title: "value" }, x2: { field: "randomHi" } } },
      { mark: { type: "rule", color: "#2f5d9e" }, encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } } },
      { mark: { type: "point", filled: true, color: "#2f5d9e", tooltip: true }, encoding: { x: { field: "value", type: "quantitative" } } },
    ],
  };
}

export function percentileSpec(c: ComparisonResult): VegaLiteSpec {
  const values = c.holdout.byPercentile.filter((r) => r.percentile !== "total").map((r) => ({
    percentile: r.percentile, uplift: r.uplift, lo: r.uplift - (r.stdUplift ?? 0), hi: r.uplift + (r.stdUplift ?? 0),
  }));
  return {
    $schema: SCHEMA,
    title: `${c.arm}: observed uplift by decile of predicted uplift (± 1 sd)`,
    width: 360,
    height: 220,
    data: { values },
    encoding: { x: { field: "percentile", type: "ordinal", sort: values.map((v) => v.percentile), title: "percentile of predicted uplift" } },
    layer: [
      { mark: { type: "bar", color: "#2f5d9e", tooltip: true }, encoding: { y: { field: "uplift", type: "quantitative", title: "treated rate − control rate" } } },
      { mark: { type: "rule", color: "#1d2330" }, encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
    ],
  };
}

export function typesSpec(c: ComparisonResult): VegaLiteSpec {
  const values = c.types.profiles.map((p) => ({ type: p.type, customers: p.count, uplift: p.meanUplift }));
  return {
    $schema: SCHEMA,
    title: `Customer types (θ = ${f3(c.types.threshold)})`,
    width: 300,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "type", type: "nominal", title: null, sort: values.map((v) => v.type) },
      x: { field: "customers", type: "quantitative", title: "customers" },
      color: { field: "type", type: "nominal", legend: null, scale: { domain: ["persuadable", "sure thing", "lost cause", "do-not-disturb"], range: ["#1e7b34", "#2f5d9e", "#9aa3b2", "#b3261e"] } },
    },
  };
}

export function shapSpec(c: ComparisonResult): VegaLiteSpec | undefined {
  const e = c.explanation;
  if (!e) return undefined;
  const values = e.features.map((f) => ({ feature: f.feature, meanAbs: f.meanAbs, mean: f.mean, persuadable: f.meanPersuadable }));
  return {
    $schema: SCHEMA,
    title: "What drives the uplift: mean |SHAP| of the predicted uplift",
    width: 320,
    data: { values },
    mark: { type: "bar", color: "#2f5d9e", tooltip: true },
    encoding: {
      y: { field: "feature", type: "nominal", sort: "-x", title: null },
      x: { field: "meanAbs", type: "quantitative", title: "mean |φ| (probability points of uplift)" },
    },
  };
}

export function policySpec(result: UpliftJobResult): VegaLiteSpec {
  const values = result.policy.rows.map((r) => ({ policy: r.policy, value: r.profit.value, lo: r.profit.ci[0], hi: r.profit.ci[1] }));
  return {
    $schema: SCHEMA,
    title: "Which e-mail, or none: profit per customer (SNIPW, 95 % interval)",
    width: 360,
    data: { values },
    encoding: { y: { field: "policy", type: "nominal", title: null, sort: values.map((v) => v.policy) } },
    layer: [
      { mark: { type: "rule" }, encoding: { x: { field: "lo", type: "quantitative", title: "profit per customer", scale: { zero: false } }, x2: { field: "hi" } } },
      { mark: { type: "point", filled: true, tooltip: true }, encoding: { x: { field: "value", type: "quantitative" } } },
    ],
  };
}

function learnersTable(c: ComparisonResult): string {
  return htmlTable(
    ["learner", "CV uplift@30% (mean ± sd)", "CV Qini AUC (mean ± sd)", "holdout uplift@30%", "holdout Qini AUC", "holdout uplift AUC"],
    c.selection.candidates.map((s) => {
      const h = c.learnersOnHoldout.find((l) => l.name === s.name);
      return [
        `${s.name === c.chosen.name ? "▶ " : ""}${s.label}`, `${f4(s.upliftAt30.mean)} ± ${f4(s.upliftAt30.sd)}`, `${f4(s.qiniAuc.mean)} ± ${f4(s.qiniAuc.sd)}`,
        f4(h?.upliftAt30), f4(h?.qiniAuc), f4(h?.upliftAuc),
      ];
    }),
  );
}

function figuresTable(c: ComparisonResult): string {
  const rows: Array<[string, Figure]> = [["uplift@30% (overall)", c.holdout.upliftAt30], ["uplift@30% (by group)", c.holdout.upliftAt30ByGroup], ["Qini AUC", c.holdout.qiniAuc], ["uplift AUC", c.holdout.upliftAuc]];
  return htmlTable(
    ["metric", "holdout", "bootstrap sd", "95 % interval", "random: mean", "random: 97.5 %", "random: max"],
    rows.map(([name, f]) => [name, f4(f.value), f4(f.sd), `${f4(f.ci[0])} … ${f4(f.ci[1])}`, f4(f.random.mean), f4(f.random.p975), f4(f.random.max)]),
  );
}

function economicsTable(c: ComparisonResult): string {
  const e = c.economics;
  const shown = e.rows.filter((r) => r.percent === 0 || r.percent % 10 === 0 || r.percent === e.best.percent);
  return htmlTable(
    ["contacted", "contacts", "cost", "incremental conversions", "incremental margin", "profit"],
    shown.map((r) => [
      `${r.percent === 0 ? "nobody" : r.percent === 100 ? "everybody" : `top ${r.percent} %`}${r.percent === e.best.percent ? " ◀ best" : ""}`,
      formatNumber(Math.round(r.contacts)), formatMoney(r.cost), formatNumber(Math.round(r.incrementalConversions)), formatMoney(r.incrementalRevenue), formatMoney(r.profit),
    ]),
  );
}

function typesTable(c: ComparisonResult): string {
  const features = Object.keys(c.types.profiles[0]?.features ?? {}).slice(0, 5);
  return htmlTable(
    ["type", "customers", "share", "P(respond) without", "P(respond) with", "mean uplift", ...features.map((f) => `mean ${f}`)],
    c.types.profiles.map((p) => [p.type, p.count, formatPercent(p.share), f3(p.meanControl), f3(p.meanTreated), f4(p.meanUplift), ...features.map((f) => formatNumber(p.features[f], 3))]),
  );
}

function explanationHtml(c: ComparisonResult): string {
  const e = c.explanation;
  if (!e) return "";
  const top = htmlTable(
    ["customer", "predicted uplift", "strongest reasons (feature = value: contribution)"],
    e.topCustomers.map((t) => [t.customerId, f4(t.uplift), t.reasons.map((r) => `${r.feature} = ${formatNumber(r.value, 3)}: ${r.contribution >= 0 ? "+" : ""}${f4(r.contribution)}`).join("; ")]),
  );
  const persuadable = e.features.slice(0, 5).map((f) => `${escapeHtml(f.feature)} (${f.meanPersuadable >= 0 ? "+" : ""}${f4(f.meanPersuadable)})`).join(", ");
  return `<h3>Why a customer is persuadable</h3>
<p>Exact SHAP values of the predicted uplift (TreeSHAP of the ${escapeHtml(e.explained)}), on ${formatNumber(e.nRows)} holdout customers, in probability points of uplift. Mean contribution among persuadables: ${persuadable}.</p>
<div class="charts">${chart("shap")}</div>${top}`;
}

function comparisonHtml(c: ComparisonResult, primary: boolean): string {
  const h = c.holdout;
  const beats = h.upliftAt30.value > h.upliftAt30.random.p975;
  const intro = `<p>${formatNumber(c.nTrain)} training and ${formatNumber(h.nRows)} holdout customers; on the holdout the e-mail raised the response from ${formatPercent(h.controlRate)} to ${formatPercent(h.treatedRate)} (average effect ${f4(h.ate)}). ` +
    `The learner was chosen by ${c.selection.nFolds}-fold cross-validation on the training rows only (${escapeHtml(c.selection.criterion)}): <b>${escapeHtml(c.chosen.label)}</b>. ` +
    `Its uplift@30% of ${f4(h.upliftAt30.value)} (sd ${f4(h.upliftAt30.sd)}) ${beats ? "clears" : "does <b>not</b> clear"} what random scores reach on the same rows (97.5 % of 200 seeds: ${f4(h.upliftAt30.random.p975)}).</p>`;
  const parts = [`<h3>${escapeHtml(c.arm)} vs ${escapeHtml(c.control)}</h3>`, intro, learnersTable(c), figuresTable(c)];
  const id = primary ? "" : "mens-";
  parts.push(`<div class="charts">${chart(`${id}noise`)}${primary ? `${chart("qini")}${chart("uplift-curve")}${chart("percentile")}` : chart(`${id}qini`)}</div>`);
  if (primary) {
    parts.push(htmlTable(
      ["percentile", "treated", "control", "rate treated", "rate control", "uplift", "sd"],
      h.byPercentile.map((r) => [r.percentile, r.nTreatment, r.nControl, f4(r.responseRateTreatment), f4(r.responseRateControl), f4(r.uplift), f4(r.stdUplift)]),
    ));
    parts.push(`<p>Weighted average uplift ${f4(h.weightedAverageUplift)}.</p>`);
    const e = c.economics;
    parts.push(`<h3>Economics of contacting the top k %</h3>
<p>Cost ${formatMoney(e.config.costPerContact)} per contact, margin ${formatMoney(e.config.marginPerConversion)} per conversion, scaled to ${formatNumber(e.config.populationSize)} customers. Increments are measured on the holdout (treated minus control rate among the top k %), not predicted. Best: contact the top <b>${e.best.percent} %</b> for a profit of ${formatMoney(e.best.profit)}; everybody: ${formatMoney(e.everybody.profit)}; nobody: 0.</p>
${economicsTable(c)}<div class="charts">${chart("profit")}</div>`);
    parts.push(`<h3>Customer types</h3><p>${escapeHtml(c.types.rule)}, over all ${formatNumber(Object.values(c.types.counts).reduce((a, b) => a + b, 0))} customers.</p>${typesTable(c)}<div class="charts">${chart("types")}</div>`);
    parts.push(explanationHtml(c));
  }
  return parts.join("\n");
}

export function upliftSection(result: UpliftJobResult): UpliftSection {
  const [womens, mens] = result.comparisons;
  const specs: Record<string, VegaLiteSpec> = {
    noise: noiseSpec(womens),
    qini: curveSpec(`${womens.arm}: Qini curve`, womens.holdout.curves.qini, womens.holdout.curves.perfectQini, "incremental responders"),
    "uplift-curve": curveSpec(`${womens.arm}: uplift curve`, womens.holdout.curves.uplift, womens.holdout.curves.perfectUplift, "uplift × customers targeted"),
    percentile: percentileSpec(womens),
    profit: profitChartSpec(womens.economics),
    types: typesSpec(womens),
    policy: policySpec(result),
  };
  const shap = shapSpec(womens);
  if (shap) specs.shap = shap;
  if (mens) {
    specs["mens-noise"] = noiseSpec(mens);
    specs["mens-qini"] = curveSpec(`${mens.arm}: Qini curve`, mens.holdout.curves.qini, mens.holdout.curves.perfectQini, "incremental responders");
  }
  const p = result.policy;
  const v = p.versusBestSingle;
  const policyHtml = `<h3>Which e-mail, or none</h3>
<p>One ${escapeHtml(womens.chosen.label)} over all three arms predicts each e-mail's uplift; the policy sends the e-mail with the largest expected gain (uplift × margin − cost), or none. Valued on the ${formatNumber(p.nRows)} holdout customers by self-normalised inverse-propensity weighting (arm shares ${p.propensity.map((s) => s.toFixed(3)).join(" / ")}), 95 % bootstrap intervals.
Against the best single arm (${escapeHtml(v.baseline)}): ${v.difference >= 0 ? "+" : ""}${f4(v.difference)} per customer (95 % CI ${f4(v.ci[0])} … ${f4(v.ci[1])}), better in ${formatPercent(v.probabilityBetter, 0)} of resamples.</p>
${htmlTable(["policy", "profit / customer", "95 % interval", "conversions / customer", "shares none / womens / mens"],
    p.rows.map((r) => [r.policy, f4(r.profit.value), `${f4(r.profit.ci[0])} … ${f4(r.profit.ci[1])}`, f4(r.conversion.value), r.armShares.map((s) => s.toFixed(2)).join(" / ")]))}
<div class="charts">${chart("policy")}</div>`;
  const html = [
    `<section class="uplift"><h2>Uplift targeting</h2>`,
    `<p>Hillstrom's e-mail experiment, target <b>${escapeHtml(result.target)}</b>. Holdout: ${escapeHtml(result.holdoutRule)} — the same rows any tool can be compared on. Every figure is shown with its bootstrap sd and with what random scores reach; differences smaller than that are noise.</p>`,
    figureCards(upliftFigures(result)),
    comparisonHtml(womens, true),
    policyHtml,
    mens ? comparisonHtml(mens, false) : "",
    `</section>`,
  ].join("\n");
  return { html, specs };
}
