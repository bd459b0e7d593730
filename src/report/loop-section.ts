/**
 * The measured-effect section of the report and of the dashboard's offers page: what the live
 * decisions actually changed, measured against their holdout from the outcomes the shop reported
 * (src/loop/effect.ts) — per policy version and period, conversion and revenue per customer
 * treated vs holdout, the difference with its 95 % interval, incremental profit after discount
 * costs, and how many customers it takes to detect the effect seen so far. Also the model
 * registry's offers versions with their offline evaluation (retraining, src/loop/retrain.ts).
 * Pure: the effect report in, HTML and Vega-Lite specs out.
 */
import type { EffectCell } from "../loop/effect.ts";
import type { EffectReport } from "../loop/effect-store.ts";
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { figureCards, formatDateTime, formatMoney, formatNumber, formatPercent, htmlTable, type KeyFigure } from "./report-format.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export interface RegistryVersion {
  version: number;
  active: boolean;
  createdAt: string;
  description: string | null;
  metrics: Record<string, unknown>;
  trainingRange: Record<string, unknown> | null;
}

export interface LoopSectionInput {
  effect: EffectReport;
  /** Offers versions, newest first (optional). */
  versions?: readonly RegistryVersion[];
}

const range = (low: number, high: number, format: (v: number) => string) => (Number.isFinite(low) ? `${format(low)} – ${format(high)}` : "–");
const size = (n: number) => (Number.isFinite(n) ? formatNumber(n) : "∞");
const periodLabel = (p: string) => (p === "all" ? "whole range" : /^\d{4}-\d{2}-\d{2}$/.test(p) ? p : p);

/** The cell the headline figures describe: the whole range of the policy with the most customers. */
export function headlineCell(cells: readonly EffectCell[]): EffectCell | undefined {
  const overall = cells.filter((c) => c.period === "all" && c.scope === "all");
  return overall.sort((a, b) => b.treated.customers + b.holdout.customers - (a.treated.customers + a.holdout.customers))[0];
}

export function loopFigures(report: EffectReport): KeyFigure[] {
  const cell = headlineCell(report.cells);
  if (!cell) return [{ label: "decisions measured", value: report.decisions, format: "integer" }];
  return [
    { label: "customers treated · holdout", value: `${formatNumber(cell.treated.customers)} · ${formatNumber(cell.holdout.customers)}`, note: cell.policyVersion },
    { label: "conversion uplift", value: cell.conversionDiff.estimate, format: "percent", note: `95 %: ${range(cell.conversionDiff.low, cell.conversionDiff.high, formatPercent)}` },
    { label: "incremental profit", value: cell.incrementalProfit.estimate, format: "money", note: `95 %: ${range(cell.incrementalProfit.low, cell.incrementalProfit.high, formatMoney)}` },
    { label: "customers needed", value: Number.isFinite(cell.sampleSize.total) ? cell.sampleSize.total : "∞", format: "integer", note: cell.enough ? "reached" : "not reached yet" },
  ];
}

function cellRow(c: EffectCell): (string | number)[] {
  const pair = (a: string, b: string) => `${a} · ${b}`;
  return [
    c.policyVersion,
    periodLabel(c.period),
    pair(formatNumber(c.treated.customers), formatNumber(c.holdout.customers)),
    pair(formatPercent(c.treated.conversion), formatPercent(c.holdout.conversion)),
    `${formatPercent(c.conversionDiff.estimate)} (${range(c.conversionDiff.low, c.conversionDiff.high, formatPercent)})`,
    pair(formatMoney(c.treated.revenuePerCustomer), formatMoney(c.holdout.revenuePerCustomer)),
    `${formatMoney(c.revenueDiff.estimate)} (${range(c.revenueDiff.low, c.revenueDiff.high, formatMoney)})`,
    formatMoney(c.treated.discountCost),
    `${formatMoney(c.incrementalProfit.estimate)} (${range(c.incrementalProfit.low, c.incrementalProfit.high, formatMoney)})`,
    `${size(c.sampleSize.holdout)} + ${size(c.sampleSize.treated)}`,
    c.enough ? "yes" : "no",
  ];
}

const HEAD = [
  "policy", "period", "customers treated · holdout", "conversion treated · holdout", "difference (95 %)",
  "revenue / customer treated · holdout", "difference (95 %)", "discount cost", "incremental profit (95 %)",
  "customers needed holdout + treated", "enough",
];

const ROW = { field: "row", type: "nominal", title: null, sort: null, axis: { labelLimit: 260 } };

export function upliftSpec(cells: readonly EffectCell[]): VegaLiteSpec | undefined {
  const values = cells
    .filter((c) => c.scope === "all" && Number.isFinite(c.conversionDiff.low))
    .map((c) => ({ row: `${c.policyVersion} · ${periodLabel(c.period)}`, policy: c.policyVersion, estimate: c.conversionDiff.estimate, low: c.conversionDiff.low, high: c.conversionDiff.high }));
  if (values.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: "Conversion uplift, treated − holdout (95 % interval)",
    width: 360,
    data: { values },
    layer: [
      // The zero line first (under the intervals), spanning the whole height: no y of its own.
      { data: { values: [{ zero: 0 }] }, mark: { type: "rule", strokeDash: [4, 3], color: "#9aa3b2" }, encoding: { x: { field: "zero", type: "quantitative" } } },
      { mark: { type: "rule", color: "#1d2330" }, encoding: { y: ROW, x: { field: "low", type: "quantitative", title: "conversion difference", axis: { format: "%" } }, x2: { field: "high" } } },
      { mark: { type: "point", filled: true, size: 60, tooltip: true }, encoding: { y: ROW, x: { field: "estimate", type: "quantitative" }, color: { field: "policy", type: "nominal", title: "policy" } } },
    ],
  };
}

function versionsTable(versions: readonly RegistryVersion[]): string {
  const rows = versions.map((v) => {
    const m = v.metrics as { challenger?: { snipw?: number; snipwCi?: number[] }; difference?: { difference?: number; ci?: number[] }; promoted?: boolean; margin?: number };
    const t = v.trainingRange as { from?: string; to?: string; decisions?: number } | null;
    return [
      `v${v.version}${v.active ? " (active)" : ""}`,
      formatDateTime(v.createdAt),
      t?.from ? `${formatDateTime(t.from)} – ${formatDateTime(t.to ?? null)}` : "–",
      typeof t?.decisions === "number" ? t.decisions : "–",
      typeof m.challenger?.snipw === "number" ? formatMoney(m.challenger.snipw) : "–",
      m.difference?.ci ? `${formatMoney(m.difference.difference ?? NaN)} (${range(m.difference.ci[0], m.difference.ci[1], formatMoney)})` : "–",
      m.promoted === undefined ? "–" : m.promoted ? "promoted" : "kept champion",
      v.description ?? "",
    ];
  });
  return htmlTable(["version", "registered", "trained on decisions", "rows", "profit / decision (SNIPW)", "vs champion (95 %)", "outcome", "description"], rows, "loop-versions");
}

export function loopSection(input: LoopSectionInput): { html: string; specs: Record<string, VegaLiteSpec> } {
  const { effect } = input;
  const specs: Record<string, VegaLiteSpec> = {};
  const parts = [`<section class="loop"><h2>Measured effect of live decisions</h2>`];
  parts.push(
    `<p>${formatNumber(effect.decisions)} decisions on dataset ${escapeHtml(effect.dataset)} from ${escapeHtml(formatDateTime(effect.from))} to ${escapeHtml(formatDateTime(effect.to))}, ` +
      `${formatNumber(effect.outcomes)} outcomes reported. Customers are assigned to the holdout at random (no offer, whatever the policy says), so the difference ` +
      `between treated and holdout customers is what the policy changed. The unit is the customer; intervals are 95 % (Wald for conversion, Welch for money); ` +
      `the sample size is what a two-sided test at α 0.05 needs for 80 % power to detect the conversion difference seen so far, at the current split.</p>`,
  );
  parts.push(figureCards(loopFigures(effect)));
  const all = effect.cells.filter((c) => c.scope === "all");
  const targeted = effect.cells.filter((c) => c.scope === "targeted");
  parts.push(`<h3>All customers the policy decided for</h3>`);
  parts.push(all.length ? `<div class="table-wrap">${htmlTable(HEAD, all.map(cellRow), "loop-effect")}</div>` : `<p>No decisions in this range.</p>`);
  const spec = upliftSpec(effect.cells);
  if (spec) {
    specs.uplift = spec;
    parts.push(`<div class="charts"><div class="chart" data-spec="uplift"></div></div>`);
  }
  parts.push(`<h3>Where the policy chose an offer</h3>`);
  parts.push(`<p>Only the decisions where the policy chose a discount (for holdout customers: would have), so the effect of the offers alone.</p>`);
  parts.push(targeted.length ? `<div class="table-wrap">${htmlTable(HEAD, targeted.map(cellRow), "loop-effect-targeted")}</div>` : `<p>The policy has not chosen an offer yet.</p>`);
  const links = effect.links;
  const unlinked = links["unknown-decision"] + links["customer-mismatch"] + links["no-decision-in-window"];
  const margins = Object.entries(effect.marginRates).map(([version, m]) => `${version} ${formatPercent(m.rate)} (${m.source})`).join(", ");
  parts.push(
    `<p class="run-facts">Outcomes linked by decision id ${formatNumber(links.id)}, by customer and time window ${formatNumber(links.window)}, not linked ${formatNumber(unlinked)}` +
      `${unlinked ? ` (unknown decision ${formatNumber(links["unknown-decision"])}, other customer ${formatNumber(links["customer-mismatch"])}, no decision in the window ${formatNumber(links["no-decision-in-window"])})` : ""}. ` +
      `Profit = list price × margin − discount; margin rates: ${escapeHtml(margins || "–")}.</p>`,
  );
  if (input.versions && input.versions.length > 0) {
    parts.push(`<h3>Policy versions and retraining</h3>`);
    parts.push(`<p>Every offers model in the registry. A retrained challenger is evaluated offline on the newest logged decisions (self-normalised inverse propensity weighting with the logged propensities) and promoted only when its gain over the champion clears the stated margin with 95 % confidence.</p>`);
    parts.push(`<div class="table-wrap">${versionsTable(input.versions)}</div>`);
  }
  parts.push(`</section>`);
  return { html: parts.join("\n"), specs };
}

/** The section as a job result for the report and the dashboard (src/serve/dashboard/jobs.ts); null when nothing was decided. */
export function loopJob(input: LoopSectionInput): { ranAt: string | null; facts: Array<readonly [string, string]>; figures: KeyFigure[]; section: { html: string; specs: Record<string, VegaLiteSpec> } } | null {
  if (input.effect.decisions === 0) return null;
  return {
    ranAt: input.effect.to,
    facts: [["dataset", input.effect.dataset], ["period", input.effect.period]],
    figures: loopFigures(input.effect),
    section: loopSection(input),
  };
}
