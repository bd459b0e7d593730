/**
 * The live-decisions section (the offers page of the dashboard, and the report once the service
 * has logged decisions): how many decisions, which offers, and the conversion of treated vs
 * holdout customers — overall and within each policy offer, since only customers the policy
 * would have treated alike are comparable (see src/serve/decide.ts).
 *
 * Intervals: Wilson's score interval for a rate (Wilson 1927; it stays inside [0, 1] and is
 * honest for small counts) and the Wald interval for a difference of two independent rates.
 * Both are 95 %. Pure: counts in, HTML and Vega-Lite specs out.
 */
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { figureCards, formatDateTime, formatNumber, formatPercent, htmlTable, type KeyFigure } from "./report-format.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
const Z95 = 1.959963984540054;

export interface GroupCounts {
  decisions: number;
  conversions: number;
}

export interface DecisionsSummary {
  dataset: string;
  /** First and last decision time (ISO), null when there are none. */
  from: string | null;
  to: string | null;
  /** How a decision counts as converted, in words (shown under the table). */
  conversionRule: string;
  holdout: GroupCounts;
  treated: GroupCounts;
  /** Treated vs holdout within each offer the policy chose. */
  byPolicyOffer: Array<{ policyOffer: string; holdout: GroupCounts; treated: GroupCounts }>;
  /** What was actually offered. */
  byOffer: Array<{ offer: string; group: "holdout" | "treated"; decisions: number; expectedProfit: number | null }>;
  byModel: Array<{ modelVersion: string; experiment: string; decisions: number }>;
}

export interface RateInterval {
  rate: number;
  low: number;
  high: number;
}

/** Wilson score interval of c successes in n trials; NaN rate when n = 0. */
export function wilson(conversions: number, decisions: number, z = Z95): RateInterval {
  if (decisions <= 0) return { rate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const p = conversions / decisions;
  const z2 = z * z;
  const denominator = 1 + z2 / decisions;
  const centre = (p + z2 / (2 * decisions)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / decisions + z2 / (4 * decisions * decisions))) / denominator;
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Treated − holdout rate with a Wald 95 % interval; NaN when either group is empty. */
export function rateDifference(treated: GroupCounts, holdout: GroupCounts, z = Z95): RateInterval {
  if (treated.decisions === 0 || holdout.decisions === 0) return { rate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const p1 = treated.conversions / treated.decisions;
  const p0 = holdout.conversions / holdout.decisions;
  const se = Math.sqrt((p1 * (1 - p1)) / treated.decisions + (p0 * (1 - p0)) / holdout.decisions);
  const d = p1 - p0;
  return { rate: d, low: d - z * se, high: d + z * se };
}

/** "none" stays; a discount level reads "10 %". */
export function offerLabel(offer: string): string {
  return offer === "none" || !/^\d+(\.\d+)?$/.test(offer) ? offer : `${offer} %`;
}

export function conversionSpec(summary: DecisionsSummary): VegaLiteSpec | undefined {
  const rows = [
    { scope: "all decisions", group: "treated", ...summary.treated },
    { scope: "all decisions", group: "holdout", ...summary.holdout },
    ...summary.byPolicyOffer.flatMap((o) => [
      { scope: `policy offer ${offerLabel(o.policyOffer)}`, group: "treated", ...o.treated },
      { scope: `policy offer ${offerLabel(o.policyOffer)}`, group: "holdout", ...o.holdout },
    ]),
  ].filter((r) => r.decisions > 0);
  if (rows.length === 0) return undefined;
  // One row per (scope, group): the interval rule then sits exactly on its bar.
  const values = rows.map((r) => ({ row: `${r.scope} · ${r.group}`, scope: r.scope, group: r.group, decisions: r.decisions, ...wilson(r.conversions, r.decisions) }));
  return {
    $schema: SCHEMA,
    title: "Conversion: treated vs holdout (95 % Wilson interval)",
    width: 360,
    data: { values },
    encoding: {
      y: { field: "row", type: "nominal", title: null, sort: null, axis: { labelLimit: 260 } },
    },
    layer: [
      {
        mark: { type: "bar", tooltip: true },
        encoding: {
          x: { field: "rate", type: "quantitative", title: "conversion rate", axis: { format: "%" }, scale: { domain: [0, 1] } },
          color: { field: "group", type: "nominal", scale: { domain: ["treated", "holdout"], range: ["#2f5d9e", "#9aa3b2"] } },
        },
      },
      { mark: { type: "rule", color: "#1d2330" }, encoding: { x: { field: "low", type: "quantitative" }, x2: { field: "high" } } },
    ],
  };
}

export function offersSpec(summary: DecisionsSummary): VegaLiteSpec | undefined {
  if (summary.byOffer.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: "Decisions by offer given",
    width: 360,
    data: { values: summary.byOffer.map((o) => ({ offer: offerLabel(o.offer), group: o.group, decisions: o.decisions })) },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "offer", type: "nominal", title: "offer", sort: null },
      x: { field: "decisions", type: "quantitative", title: "decisions", stack: true },
      color: { field: "group", type: "nominal", scale: { domain: ["treated", "holdout"], range: ["#2f5d9e", "#9aa3b2"] } },
    },
  };
}

export function decisionFigures(summary: DecisionsSummary): KeyFigure[] {
  const t = wilson(summary.treated.conversions, summary.treated.decisions);
  const h = wilson(summary.holdout.conversions, summary.holdout.decisions);
  const d = rateDifference(summary.treated, summary.holdout);
  const interval = (r: RateInterval) => (Number.isFinite(r.low) ? `95 %: ${formatPercent(r.low)} – ${formatPercent(r.high)}` : undefined);
  return [
    { label: "decisions logged", value: summary.treated.decisions + summary.holdout.decisions, format: "integer" },
    { label: "treated conversion", value: t.rate, format: "percent", note: interval(t) },
    { label: "holdout conversion", value: h.rate, format: "percent", note: interval(h) },
    { label: "treated − holdout", value: d.rate, format: "percent", note: interval(d) },
  ];
}

function groupRow(label: string, treated: GroupCounts, holdout: GroupCounts): (string | number)[] {
  const t = wilson(treated.conversions, treated.decisions);
  const h = wilson(holdout.conversions, holdout.decisions);
  const d = rateDifference(treated, holdout);
  const range = (r: RateInterval) => (Number.isFinite(r.low) ? `${formatPercent(r.low)} – ${formatPercent(r.high)}` : "–");
  return [label, treated.decisions, treated.conversions, formatPercent(t.rate), holdout.decisions, holdout.conversions, formatPercent(h.rate), formatPercent(d.rate), range(d)];
}

export function decisionsSection(summary: DecisionsSummary): { html: string; specs: Record<string, VegaLiteSpec> } {
  const specs: Record<string, VegaLiteSpec> = {};
  const chart = (id: string, spec: VegaLiteSpec | undefined) => {
    if (!spec) return "";
    specs[id] = spec;
    return `<div class="chart" data-spec="${id}"></div>`;
  };
  const total = summary.treated.decisions + summary.holdout.decisions;
  const parts = [`<section class="decisions"><h2>Live decisions</h2>`];
  parts.push(
    `<p>${formatNumber(total)} decisions on dataset ${escapeHtml(summary.dataset)} from ${escapeHtml(formatDateTime(summary.from))} to ${escapeHtml(formatDateTime(summary.to))}. ` +
      `Holdout customers get no offer whatever the policy says, so treated vs holdout within the same policy offer is the offer's measured effect.</p>`,
  );
  parts.push(figureCards(decisionFigures(summary)));
  parts.push(`<h3>Treated vs holdout conversion</h3>`);
  const head = ["policy offer", "treated", "converted", "rate", "holdout", "converted", "rate", "difference", "95 % interval"];
  const rows = [groupRow("all", summary.treated, summary.holdout), ...summary.byPolicyOffer.map((o) => groupRow(offerLabel(o.policyOffer), o.treated, o.holdout))];
  parts.push(`<div class="table-wrap">${htmlTable(head, rows, "decision-groups")}</div>`);
  parts.push(`<p class="run-facts">${escapeHtml(summary.conversionRule)}</p>`);
  parts.push(`<div class="charts">${chart("conversion", conversionSpec(summary))}${chart("offers", offersSpec(summary))}</div>`);
  if (summary.byModel.length > 0) {
    parts.push(`<h3>Models and experiments</h3>`);
    parts.push(htmlTable(["model version", "experiment", "decisions"], summary.byModel.map((m) => [m.modelVersion, m.experiment, m.decisions]), "decision-models"));
  }
  parts.push(`</section>`);
  return { html: parts.filter((p) => p !== "").join("\n"), specs };
}
