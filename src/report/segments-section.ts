/**
 * The segments section of the report and dashboard: a stored segmentation result
 * (src/jobs/segments/analysis.ts, SegmentResult) → an HTML fragment and Vega-Lite specs. Pure:
 * no I/O, no database, no clock. Charts: the sweep (silhouette by k per space and algorithm),
 * the elbow (within-cluster sum of squares), the segments' shares of customers and revenue,
 * the Insiders' traits against the rest, the out-of-time proof, and the migration matrix.
 */
import type { SegmentResult } from "../jobs/segments/analysis.ts";
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { figureCards, formatMoney, formatNumber, formatPercent, htmlTable, type KeyFigure } from "./report-format.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

const kOf = (parameter: string) => Number(/k=(\d+)/.exec(parameter)?.[1] ?? NaN);

export function sweepSpec(r: SegmentResult, metric: "referenceSilhouette" | "wcss" = "referenceSilhouette"): VegaLiteSpec | undefined {
  const rows = r.sweep?.rows.filter((x) => Number.isFinite(kOf(x.parameter)) && Number.isFinite(x[metric]));
  if (!rows?.length) return undefined;
  const silhouette = metric === "referenceSilhouette";
  return {
    $schema: SCHEMA,
    title: silhouette ? "Silhouette in the scaled feature space (the winner rule's yardstick)" : "Within-cluster sum of squares (elbow), in each space",
    data: { values: rows.map((x) => ({ space: x.space, algorithm: x.algorithm, k: kOf(x.parameter), value: x[metric], eligible: x.eligible })) },
    facet: { column: { field: "space", type: "nominal", title: null } },
    spec: {
      width: 140,
      height: 160,
      mark: { type: "line", point: true, tooltip: true },
      encoding: {
        x: { field: "k", type: "quantitative", title: "k", scale: { zero: false } },
        y: { field: "value", type: "quantitative", title: silhouette ? "silhouette" : "WCSS", ...(silhouette ? {} : { scale: { type: "log" } }) },
        color: { field: "algorithm", type: "nominal" },
      },
    },
    ...(silhouette ? {} : { resolve: { scale: { y: "independent" } } }),
  };
}

export function sharesSpec(r: SegmentResult): VegaLiteSpec {
  const values = r.profiles.flatMap((p) => [
    { segment: p.name, measure: "customers", share: p.shareCustomers },
    { segment: p.name, measure: "revenue", share: p.shareRevenue },
    { segment: p.name, measure: "items", share: p.shareItems },
  ]);
  return {
    $schema: SCHEMA,
    title: "Each segment's share of customers, revenue and items",
    width: 420,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "segment", type: "nominal", title: null },
      yOffset: { field: "measure" },
      x: { field: "share", type: "quantitative", axis: { format: "%" }, title: "share" },
      color: { field: "measure", type: "nominal", title: null },
    },
  };
}

export function traitsSpec(r: SegmentResult): VegaLiteSpec | undefined {
  const q3 = r.questions.find((q) => q.number === 3);
  if (!q3) return undefined;
  const values = Object.keys(q3.figures).filter((k) => k.endsWith("_insiders")).map((k) => {
    const feature = k.slice(0, -"_insiders".length);
    const inside = Number(q3.figures[k]);
    const rest = Number(q3.figures[`${feature}_rest`]);
    // log2 of the ratio on a linear axis: bars grow from "same as the rest" (0) both ways.
    return { feature, log2ratio: rest > 0 && inside > 0 ? Math.log2(inside / rest) : null, insiders: inside, rest };
  }).filter((v) => v.log2ratio !== null);
  return {
    $schema: SCHEMA,
    title: "Insiders' median ÷ the rest's median, per trait",
    width: 420,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "feature", type: "nominal", sort: "-x", title: null },
      x: { field: "log2ratio", type: "quantitative", title: "log2(Insiders' median ÷ the rest's): 1 = twice, −1 = half" },
    },
  };
}

export function ootSpec(r: SegmentResult): VegaLiteSpec | undefined {
  const o = r.oot;
  if (!o) return undefined;
  return {
    $schema: SCHEMA,
    title: `Chosen with data before ${o.cutoff}: share of revenue before and after`,
    width: 360,
    data: {
      values: [
        { group: `Insiders (${o.insiders})`, period: `before ${o.cutoff}`, share: o.insidersPastShare },
        { group: `Insiders (${o.insiders})`, period: `${o.cutoff} … ${o.end}`, share: o.insidersFutureShare },
        { group: `top ${o.insiders} past spenders`, period: `before ${o.cutoff}`, share: o.baselinePastShare },
        { group: `top ${o.insiders} past spenders`, period: `${o.cutoff} … ${o.end}`, share: o.baselineFutureShare },
      ],
    },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "group", type: "nominal", title: null },
      yOffset: { field: "period" },
      x: { field: "share", type: "quantitative", axis: { format: "%" }, scale: { domain: [0, 1] }, title: "share of revenue" },
      color: { field: "period", type: "nominal", title: null },
    },
  };
}

export function migrationSpec(r: SegmentResult): VegaLiteSpec | undefined {
  const m = r.migration;
  if (!m || m.cells.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: `Customers moving between segments, ${m.previousAsOf} → ${r.asOf}`,
    data: { values: m.cells },
    mark: { type: "rect", tooltip: true },
    encoding: {
      x: { field: "to", type: "nominal", title: `segment as of ${r.asOf}` },
      y: { field: "from", type: "nominal", title: `segment as of ${m.previousAsOf}` },
      color: { field: "customers", type: "quantitative", scale: { type: "log" } },
    },
  };
}

export function segmentsFigures(r: SegmentResult): KeyFigure[] {
  return [
    { label: "customers", value: r.customers, format: "integer" },
    { label: "segments", value: r.profiles.filter((p) => p.segment >= 0).length, format: "integer", note: `${r.config.algorithm} · ${r.config.space}` },
    { label: "Insiders", value: r.insiders.customers, format: "integer", note: `${formatPercent(r.insiders.shareCustomers)} of customers` },
    { label: "Insiders' revenue share", value: r.insiders.shareRevenue, format: "share" },
    ...(r.oot ? [{ label: "out of time: Insiders vs baseline", value: `${formatPercent(r.oot.insidersFutureShare)} vs ${formatPercent(r.oot.baselineFutureShare)}`, note: `revenue after ${r.oot.cutoff}` }] : []),
    ...(r.migration ? [{ label: "Insiders retained since last run", value: r.migration.retention, format: "share" as const }] : []),
  ];
}

export function segmentsSection(r: SegmentResult): { html: string; specs: Record<string, VegaLiteSpec> } {
  const specs: Record<string, VegaLiteSpec> = {};
  const chart = (id: string, spec: VegaLiteSpec | undefined) => {
    if (!spec) return "";
    specs[id] = spec;
    return `<div class="chart" data-spec="${id}"></div>`;
  };
  const i = r.insiders;
  const parts: string[] = [`<section class="segments"><h2>Segments and Insiders</h2>`];
  parts.push(`<p>${formatNumber(r.customers)} customers of <b>${escapeHtml(r.dataset)}</b> with their history before ${escapeHtml(r.asOf)} (run ${escapeHtml(r.runId)}, ${escapeHtml(r.mode)}).</p>`);
  parts.push(figureCards(segmentsFigures(r)));
  if (r.sweep) {
    parts.push(`<h3>The sweep</h3><p>${r.sweep.rows.length} candidates (algorithm × space × k). Rule: ${escapeHtml(r.sweep.rule)}. Winner: <b>${escapeHtml(r.config.algorithm)}</b> in the <b>${escapeHtml(r.config.space)}</b> space${r.config.k ? `, k = ${r.config.k}` : ""}, silhouette ${formatNumber(r.silhouette, 3)}.</p>`);
    parts.push(chart("sweep", sweepSpec(r)), chart("elbow", sweepSpec(r, "wcss")));
    const best = r.sweep.rows.filter((x) => x.eligible).sort((a, b) => b.referenceSilhouette - a.referenceSilhouette).slice(0, 10);
    parts.push(htmlTable(["space", "algorithm", "parameter", "clusters", "silhouette (features)", "silhouette (own space)", "WCSS", "Davies-Bouldin"], best.map((x) => [x.space, x.algorithm, x.parameter, x.nClusters, x.referenceSilhouette, x.silhouette, x.wcss, x.daviesBouldin])));
  }
  parts.push(`<h3>Segments</h3>`, chart("shares", sharesSpec(r)));
  parts.push(htmlTable(["id", "segment", "customers", "customers %", "revenue %", "items %", "median revenue", "median CLV", "mean P(alive)"],
    r.profiles.map((p) => [p.segment, p.name, p.customers, formatPercent(p.shareCustomers), formatPercent(p.shareRevenue), formatPercent(p.shareItems), formatMoney(p.medianNetRevenue), formatMoney(p.medianExpectedRevenue), formatNumber(p.meanProbabilityAlive, 3)])));
  parts.push(`<h3>The Insiders</h3><p>Criterion: ${escapeHtml(r.insiderCriterion)}. ${formatNumber(i.customers)} customers (${formatPercent(i.shareCustomers)}) hold ${formatPercent(i.shareRevenue)} of net revenue and ${formatPercent(i.shareItems)} of items. Median revenue ${formatMoney(i.medianRevenue)} against ${formatMoney(i.medianRevenueRest)} for the rest; ${Math.round(100 * i.medianDifference.level)}% bootstrap interval of the difference ${formatMoney(i.medianDifference.low)} … ${formatMoney(i.medianDifference.high)} (${i.medianDifference.resamples} resamples); Mann-Whitney U ${formatNumber(i.mannWhitney.u)}, one-sided p ${i.mannWhitney.pGreater < 1e-15 ? "&lt; 1e-15" : formatNumber(i.mannWhitney.pGreater, 2)}, P(Insider &gt; other) ${formatNumber(i.mannWhitney.effectSize, 3)}.</p>`);
  parts.push(chart("traits", traitsSpec(r)));
  parts.push(`<h3>Entry and exit rules</h3><p>A shallow decision tree on the features in their own units explains membership: accuracy ${formatPercent(r.rules.accuracy)}, precision ${formatPercent(r.rules.precision)}, recall ${formatPercent(r.rules.recall)} against the cluster labels.</p>`);
  parts.push(htmlTable(["enters when", "customers", "of them Insiders", "leaves when"], r.rules.entry.map((e, k) => [e.text, e.customers, e.members, r.rules.exit[k].replace(/^leaves when /, "")])));
  if (r.oot) {
    const o = r.oot;
    parts.push(`<h3>Out-of-time proof</h3><p>The whole choice was made again with data before ${escapeHtml(o.cutoff)} only (${escapeHtml(o.config.algorithm)} in ${escapeHtml(o.config.space)}, ${formatNumber(o.insiders)} Insiders of ${formatNumber(o.customersAtCutoff)} customers). From ${escapeHtml(o.cutoff)} to ${escapeHtml(o.end)} they brought <b>${formatPercent(o.insidersFutureShare)}</b> of all customers' revenue; the same number of customers ranked by past revenue brought <b>${formatPercent(o.baselineFutureShare)}</b> (${formatNumber(o.overlap)} customers are in both). Counting only the customers known at the cut-off (new customers left out of the total): ${formatPercent(o.insidersFutureShareKnown)} against ${formatPercent(o.baselineFutureShareKnown)}. Goal ≥ baseline: <b>${o.beatsBaseline ? "met" : "not met"}</b>; goal ≥ 50%: <b>${o.atLeastHalf ? "met" : "not met"}</b>.</p>`);
    parts.push(chart("oot", ootSpec(r)));
  }
  if (r.migration) {
    const m = r.migration;
    parts.push(`<h3>Runs over time</h3><p>Since the run as of ${escapeHtml(m.previousAsOf)}: ${formatNumber(m.stillInsiders)} of ${formatNumber(m.previousInsiders)} Insiders stayed (${formatPercent(m.retention)}); ${formatNumber(m.entered)} entered and ${formatNumber(m.left)} left.</p>`);
    parts.push(chart("migration", migrationSpec(r)));
    parts.push(htmlTable(["customer", "change", "why"], m.changes.slice(0, 15).map((c) => [c.customer, c.change, c.reason])));
  }
  parts.push(`<h3>The nine questions</h3><ol class="questions">${r.questions.map((q) => `<li><b>${escapeHtml(q.question)}</b><br>${escapeHtml(q.answer)}</li>`).join("")}</ol>`);
  parts.push(`</section>`);
  return { html: parts.filter(Boolean).join("\n"), specs };
}
