/**
 * The purchase-activity report section (issue #5), and the same section for any `patron
 * classify` run: a run summary → an HTML fragment and the Vega-Lite specs of its charts —
 * model comparison table and chart, holdout ROC curves, SHAP bar and beeswarm, segment
 * profile, the head of the target list and the recommendations. Pure: no I/O, no database,
 * no clock. Each chart is an empty `<div class="chart" data-spec="ID">`; `specs[ID]` is its
 * spec (vega-embed in the dashboard, SVG from `renderPage` in the CLI).
 */
import { beeswarmChart, importanceBarChart } from "../explain/charts.ts";
import type { ShapValues } from "../explain/shap-values.ts";
import type { FeatureImportance } from "../explain/ranking.ts";
import { matrix } from "../core/matrix.ts";
import { escapeHtml } from "./profile-section.ts";

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** What the section reads from a run (ActivitySummary and the classify summary both fit). */
export interface ModelJobSummary {
  rows: number;
  nTrain: number;
  nHoldout: number;
  positives: number;
  droppedZeroRevenue?: number;
  /** How the holdout was chosen, in words. */
  holdoutRule: string;
  /** The label in words: "purchase activity declined". */
  labelName: string;
  candidates: {
    name: string; label: string; description: string; cvRocAuc: number; cvSd: number; holdoutRocAuc: number; nCandidates: number;
    holdoutRoc: { fpr: number[]; tpr: number[] };
  }[];
  chosen: { name: string; label: string; description: string; cvRocAuc: number; holdoutRocAuc: number };
  repeatedCv: { nSplits: number; nRepeats: number; mean: number; sd: number } | null;
  threshold: { threshold: number; rule: string; precision: number; recall: number; f1: number };
  segmentSize: number;
  explanation: {
    method: string; units: string; nExplained: number; backgroundSize: number | null; nPairs: number | null;
    importance: FeatureImportance[];
    sample: { featureNames: string[]; nRows: number; shap: number[]; values: number[] };
  };
  profile: { feature: string; kind: string; segment: number; rest: number; everyone: number; sd: number; category?: string }[];
  topCategories: { category: string; customers: number }[];
  targetListSize: number;
  targetHead: { rank: number; customerId: string; probability: number; value: number | null; category: string | null; reasons: string[] }[];
  drivers: { text: string }[];
  labels?: Readonly<Record<string, string>>;
  valueName?: string;
  categoryName?: string;
}

export interface ReportSection {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? "" : v.toFixed(digits));
const count = (v: number) => v.toLocaleString("en-US");
const labelOf = (s: ModelJobSummary, feature: string) => s.labels?.[feature] ?? feature.replace(/[_.]+/g, " ");

export function comparisonChart(s: ModelJobSummary): VegaLiteSpec {
  const values = s.candidates.flatMap((c) => [
    { model: c.label, measure: "CV (mean ± sd)", auc: c.cvRocAuc, lo: c.cvRocAuc - c.cvSd, hi: c.cvRocAuc + c.cvSd },
    { model: c.label, measure: "holdout", auc: c.holdoutRocAuc, lo: c.holdoutRocAuc, hi: c.holdoutRocAuc },
  ]);
  return {
    $schema: SCHEMA,
    title: "ROC-AUC by model family",
    width: 420,
    data: { values },
    encoding: {
      y: { field: "model", type: "nominal", sort: s.candidates.map((c) => c.label), title: null },
      color: { field: "measure", type: "nominal", title: null },
      yOffset: { field: "measure" },
    },
    layer: [
      { mark: { type: "rule" }, encoding: { x: { field: "lo", type: "quantitative", scale: { zero: false }, title: "ROC-AUC" }, x2: { field: "hi" } } },
      { mark: { type: "point", filled: true, tooltip: true }, encoding: { x: { field: "auc", type: "quantitative" } } },
    ],
  };
}

export function rocChart(s: ModelJobSummary): VegaLiteSpec {
  const values = s.candidates.flatMap((c) =>
    c.holdoutRoc.fpr.map((fpr, t) => ({ model: `${c.label} (${fixed(c.holdoutRocAuc)})`, fpr, tpr: c.holdoutRoc.tpr[t], order: t })),
  );
  return {
    $schema: SCHEMA,
    title: `ROC curves on the holdout (${count(s.nHoldout)} customers)`,
    width: 360,
    height: 360,
    layer: [
      {
        data: { values },
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x: { field: "fpr", type: "quantitative", title: "false positive rate", scale: { domain: [0, 1] } },
          y: { field: "tpr", type: "quantitative", title: "true positive rate", scale: { domain: [0, 1] } },
          color: { field: "model", type: "nominal", title: null },
          order: { field: "order", type: "quantitative" },
        },
      },
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: "line", strokeDash: [4, 4], color: "#999999" },
        encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
      },
    ],
  };
}

/**
 * Numeric features: the segment's mean minus the rest's, in standard deviations of everyone
 * (a standardised mean difference, so revenue and pages per visit share one axis and a
 * feature whose mean is near zero is not blown up as a percentage would be).
 */
export function profileChart(s: ModelJobSummary): VegaLiteSpec {
  const values = s.profile
    .filter((p) => p.kind === "numeric" && p.feature !== "probability" && p.sd > 0 && Number.isFinite(p.segment) && Number.isFinite(p.rest))
    .map((p) => ({ feature: labelOf(s, p.feature), difference: (p.segment - p.rest) / p.sd, segment: p.segment, rest: p.rest }));
  return {
    $schema: SCHEMA,
    title: "Segment vs the rest: difference of means",
    width: 360,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "feature", type: "nominal", sort: "-x", title: null },
      x: { field: "difference", type: "quantitative", title: "(segment − rest) / standard deviation" },
      color: { condition: { test: "datum.difference < 0", value: "#008bfb" }, value: "#ff0051" },
    },
  };
}

function sampleShap(s: ModelJobSummary): { shap: ShapValues; values: ReturnType<typeof matrix> } {
  const sample = s.explanation.sample;
  const shap: ShapValues = {
    nRows: sample.nRows, nOutputs: 1, featureNames: sample.featureNames, values: Float64Array.from(sample.shap),
    expectedValue: Float64Array.of(0), link: s.explanation.units === "log-odds" ? "logit" : "identity",
  };
  return { shap, values: matrix(Float64Array.from(sample.values, (v) => (v === null ? NaN : v)), sample.nRows, sample.featureNames) };
}

function table(head: string[], rows: string[][], cls: string): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

export function modelJobSection(s: ModelJobSummary, title: string): ReportSection {
  const specs: Record<string, VegaLiteSpec> = {};
  const chart = (id: string, spec: VegaLiteSpec) => {
    // Feature names are long ("marketing contacts per month (6 months)"): let labels show whole.
    specs[id] = { ...spec, config: { axis: { labelLimit: 400 }, legend: { labelLimit: 400 } } };
    return `<div class="chart" data-spec="${id}"></div>`;
  };
  const units = s.explanation.units;
  const { shap, values } = sampleShap(s);
  const parts: string[] = [`<section class="model-job"><h2>${escapeHtml(title)}</h2>`];
  parts.push(
    `<p>${count(s.rows)} customers${s.droppedZeroRevenue ? ` (${count(s.droppedZeroRevenue)} dropped for zero revenue in a month)` : ""}, ` +
      `${count(s.positives)} with ${escapeHtml(s.labelName)} (${fixed((100 * s.positives) / Math.max(1, s.rows), 1)} %). ` +
      `Training part ${count(s.nTrain)}, holdout ${count(s.nHoldout)} (${escapeHtml(s.holdoutRule)}). ` +
      `The model is chosen by cross-validated ROC-AUC on the training part only; the holdout is reported, never used to choose.</p>`,
  );
  parts.push(
    `<p class="headline"><strong>Chosen: ${escapeHtml(s.chosen.description)}</strong> — CV ROC-AUC ${fixed(s.chosen.cvRocAuc)}, ` +
      `holdout ROC-AUC ${fixed(s.chosen.holdoutRocAuc)}` +
      (s.repeatedCv ? `, repeated ${s.repeatedCv.nRepeats}×${s.repeatedCv.nSplits}-fold CV on all customers ${fixed(s.repeatedCv.mean)} ± ${fixed(s.repeatedCv.sd)}` : "") +
      `. With ${count(s.nHoldout)} holdout customers its ROC-AUC has a standard error of about ${fixed(holdoutStandardError(s.chosen.holdoutRocAuc, s), 3)}.</p>`,
  );
  parts.push(`<h3>Model comparison</h3>`);
  parts.push(table(
    ["model", "best configuration", "grid points", "CV ROC-AUC", "CV sd", "holdout ROC-AUC"],
    s.candidates.map((c) => [
      (c.name === s.chosen.name ? "<strong>" : "") + escapeHtml(c.label) + (c.name === s.chosen.name ? " (chosen)</strong>" : ""),
      escapeHtml(c.description), count(c.nCandidates), fixed(c.cvRocAuc, 4), fixed(c.cvSd, 4), fixed(c.holdoutRocAuc, 4),
    ]),
    "model-comparison",
  ));
  parts.push(`<div class="charts">${chart("comparison", comparisonChart(s))}${chart("roc", rocChart(s))}</div>`);
  parts.push(`<h3>What drives the prediction (SHAP)</h3>`);
  parts.push(
    `<p>${s.explanation.method === "exact" ? "Exact SHAP values" : `Permutation SHAP values (${s.explanation.nPairs} antithetic pair${s.explanation.nPairs === 1 ? "" : "s"} of feature orders per customer, ${s.explanation.backgroundSize} background customers)`} ` +
      `of ${count(s.explanation.nExplained)} customers, each explained by the model that did not see them, in ${escapeHtml(units)} units.` +
      (s.explanation.method === "exact" ? "" : " They are sampling estimates: drivers of similar size may trade places between runs.") + `</p>`,
  );
  parts.push(`<div class="charts">${chart("shap-bar", importanceBarChart(s.explanation.importance, { labels: s.labels, maxFeatures: 15, axisTitle: `mean |SHAP value| (${units})`, title: "Global importance" }))}` +
    `${chart("shap-beeswarm", beeswarmChart(shap, values, { labels: s.labels, maxFeatures: 12, axisTitle: `SHAP value (${units})`, title: "Per customer" }))}</div>`);
  parts.push(`<h3>Segment: ${count(s.segmentSize)} customers above the threshold</h3>`);
  parts.push(
    `<p>Threshold ${fixed(s.threshold.threshold)} (${escapeHtml(s.threshold.rule)}): precision ${fixed(s.threshold.precision)}, ` +
      `recall ${fixed(s.threshold.recall)}, F1 ${fixed(s.threshold.f1)} against the known labels.` +
      (s.topCategories.length > 0 ? ` Top ${s.topCategories.length} ${escapeHtml(labelOf(s, s.categoryName ?? "category"))} values in the segment: ${s.topCategories.map((t) => `${escapeHtml(t.category)} (${count(t.customers)})`).join(", ")}.` : "") +
      `</p>`,
  );
  parts.push(table(
    ["feature", "segment", "rest", "everyone"],
    s.profile.map((p) => p.kind === "numeric"
      ? [escapeHtml(labelOf(s, p.feature)), fixed(p.segment), fixed(p.rest), fixed(p.everyone)]
      : [`${escapeHtml(labelOf(s, p.feature))} = ${escapeHtml(p.category ?? "")}`, pct(p.segment), pct(p.rest), pct(p.everyone)]),
    "segment-profile",
  ));
  parts.push(`<div class="charts">${chart("profile", profileChart(s))}</div>`);
  parts.push(`<h3>Target list (${count(s.targetListSize)} customers; first ${Math.min(s.targetHead.length, s.targetListSize)})</h3>`);
  parts.push(table(
    ["rank", "customer", "probability", s.valueName ? labelOf(s, s.valueName) : "value", s.categoryName ? labelOf(s, s.categoryName) : "category", "top reasons"],
    s.targetHead.map((t) => [String(t.rank), escapeHtml(t.customerId), fixed(t.probability), fixed(t.value, 2), escapeHtml(t.category ?? ""), escapeHtml(t.reasons.join("; "))]),
    "target-list",
  ));
  parts.push(`<h3>Recommendations</h3><ul class="recommendations">${s.drivers.map((d) => `<li>${escapeHtml(d.text)}</li>`).join("")}</ul>`);
  parts.push("</section>");
  return { html: parts.join("\n"), specs };
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "");

/** Hanley & McNeil (1982): the standard error of a ROC-AUC from the class counts. */
export function holdoutStandardError(auc: number, s: Pick<ModelJobSummary, "nHoldout" | "positives" | "rows">): number {
  const nPos = Math.max(1, Math.round((s.nHoldout * s.positives) / Math.max(1, s.rows)));
  const nNeg = Math.max(1, s.nHoldout - nPos);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  return Math.sqrt((auc * (1 - auc) + (nPos - 1) * (q1 - auc * auc) + (nNeg - 1) * (q2 - auc * auc)) / (nPos * nNeg));
}

export function activitySection(s: ModelJobSummary): ReportSection {
  return modelJobSection(s, "Purchase activity: who will buy less, why, and whom to offer what");
}

/**
 * A standalone page: the section with each chart rendered to SVG by Vega (no scripts needed).
 * Async because Vega renders asynchronously; still no I/O — the caller writes the string.
 */
export async function renderPage(section: ReportSection, title: string): Promise<string> {
  const vega = await import("vega");
  const { compile } = await import("vega-lite");
  let html = section.html;
  for (const [id, spec] of Object.entries(section.specs)) {
    const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    html = html.replace(`<div class="chart" data-spec="${id}"></div>`, `<div class="chart" data-spec="${id}">${svg}</div>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:sans-serif;margin:1.5em;max-width:1200px}.charts{display:flex;flex-wrap:wrap;gap:1.5em}table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}</style>` +
    `</head><body>${html}</body></html>\n`;
}
