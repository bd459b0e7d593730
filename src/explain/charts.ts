/**
 * Vega-Lite v6 specs (plain JSON objects) for explanations: the global importance bar chart,
 * the beeswarm (one dot per row and feature: SHAP value across, colour = the feature's value
 * from low to high, as in the shap package's summary plot) and one customer's waterfall (from
 * the baseline through each feature's contribution to the prediction). The same spec renders
 * in the HTML report (vega View.toSVG on the server) and in the dashboard (vega-embed).
 * Data are computed here (jitter, bar starts), so the specs need no transforms beyond Vega-Lite.
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { globalImportance, type FeatureImportance } from "./ranking.ts";
import { humanize } from "./reasons.ts";
import { checkOutput, checkRow, outputScale, type ContributionScale, type ShapValues } from "./shap-values.ts";

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
// shap's palette: blue for low feature values, magenta-red for high
const LOW = "#008bfb";
const HIGH = "#ff0051";
const MISSING = "#9e9e9e";

export interface ChartOptions {
  title?: string;
  /** Display names by feature; default: humanized names. */
  labels?: Readonly<Record<string, string>>;
  /** Axis title of contributions, e.g. "SHAP value (log-odds of decline)". */
  axisTitle?: string;
  width?: number;
}

const labelOf = (name: string, options: ChartOptions) => options.labels?.[name] ?? humanize(name);

/** Horizontal bars of mean |SHAP| per feature, largest on top. */
export function importanceBarChart(ranking: readonly FeatureImportance[], options: ChartOptions & { maxFeatures?: number } = {}): VegaLiteSpec {
  const rows = ranking.slice(0, options.maxFeatures ?? 20).map((r) => ({ feature: labelOf(r.feature, options), meanAbs: r.meanAbs, mean: r.mean }));
  return {
    $schema: SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 480,
    data: { values: rows },
    mark: { type: "bar", color: HIGH },
    encoding: {
      y: { field: "feature", type: "nominal", sort: rows.map((r) => r.feature), title: null },
      x: { field: "meanAbs", type: "quantitative", title: options.axisTitle ?? "mean |SHAP value|" },
      tooltip: [
        { field: "feature", type: "nominal" },
        { field: "meanAbs", type: "quantitative", format: ".4f", title: "mean |SHAP|" },
        { field: "mean", type: "quantitative", format: ".4f", title: "mean SHAP" },
      ],
    },
  };
}

/**
 * One dot per (row, feature) for the most important features. `values` holds the explained
 * rows (the matrix the model saw); colour is the value's rank within its feature (0 = lowest,
 * 1 = highest), grey when missing or when the feature is not a column of `values` (grouped). At most maxRows rows, taken evenly through the data.
 */
export function beeswarmChart(
  shap: ShapValues,
  values: Matrix,
  options: ChartOptions & { maxFeatures?: number; maxRows?: number; output?: number } = {},
): VegaLiteSpec {
  const k = options.output ?? 0;
  checkOutput(shap, k);
  if (values.nRows !== shap.nRows) {
    throw new PatronError("E_SHAPE", `values have ${values.nRows} rows but the explanation has ${shap.nRows}; pass the explained rows.`);
  }
  const nFeatures = shap.featureNames.length;
  const top = globalImportance(shap, k).slice(0, options.maxFeatures ?? 12);
  const step = Math.max(1, Math.ceil(shap.nRows / (options.maxRows ?? 1000)));
  const rowsUsed: number[] = [];
  for (let i = 0; i < shap.nRows; i += step) rowsUsed.push(i);
  const points: { feature: string; shap: number; value: number | null; rank: number; missing: boolean; offset: number }[] = [];
  const order: string[] = [];
  for (const { feature } of top) {
    const j = shap.featureNames.indexOf(feature);
    const label = labelOf(feature, options);
    order.push(label);
    const column = values.columns.indexOf(feature);
    const raw = rowsUsed.map((i) => (column < 0 ? NaN : values.data[column * values.nRows + i]));
    const sorted = raw.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    const shapOf = rowsUsed.map((i) => shap.values[(i * shap.nOutputs + k) * nFeatures + j]);
    // beeswarm layout as shap's: bin the SHAP axis, then stack each bin's dots outward
    // alternately above and below the feature's line
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of shapOf) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const nBins = 100;
    const width = hi > lo ? (hi - lo) / nBins : 1;
    const counts = new Int32Array(nBins + 1);
    rowsUsed.forEach((_, r) => {
      const bin = Math.floor((shapOf[r] - lo) / width);
      const n = counts[bin]++;
      const offset = (n % 2 === 0 ? 1 : -1) * Math.ceil(n / 2);
      const v = raw[r];
      // missing values are drawn grey through `missing` (a null rank would be filtered out)
      let rank = 0.5;
      if (!Number.isNaN(v) && sorted.length > 1) {
        // mid-rank of v among the plotted values, scaled to [0, 1]
        let a = 0;
        while (a < sorted.length && sorted[a] < v) a++;
        let b = a;
        while (b < sorted.length && sorted[b] === v) b++;
        rank = (a + b - 1) / 2 / (sorted.length - 1);
      }
      points.push({ feature: label, shap: shapOf[r], value: Number.isNaN(v) ? null : v, rank, missing: Number.isNaN(v), offset });
    });
  }
  const maxOffset = Math.max(1, ...points.map((p) => Math.abs(p.offset)));
  return {
    $schema: SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 480,
    data: { values: points },
    mark: { type: "circle", size: 14, opacity: 0.8 },
    encoding: {
      y: { field: "feature", type: "nominal", sort: order, title: null, scale: { paddingInner: 0.15 } },
      yOffset: { field: "offset", type: "quantitative", scale: { domain: [-maxOffset, maxOffset] }, title: null },
      x: { field: "shap", type: "quantitative", title: options.axisTitle ?? "SHAP value (impact on model output)" },
      color: {
        condition: { test: "datum.missing", value: MISSING },
        field: "rank",
        type: "quantitative",
        scale: { domain: [0, 1], range: [LOW, HIGH] },
        legend: { title: "feature value", values: [0, 1], labelExpr: "datum.value === 0 ? 'low' : 'high'" },
      },
      tooltip: [
        { field: "feature", type: "nominal" },
        { field: "value", type: "quantitative", title: "value" },
        { field: "shap", type: "quantitative", format: ".4f", title: "SHAP" },
      ],
    },
  };
}

/**
 * Row i's waterfall: the baseline, then the largest contributions (the rest summed as "other
 * features"), ending at the prediction. `describe` may supply each feature's shown text (e.g.
 * "recency = 10"); scale as in reasons.ts ("probability" for logit/softmax models by default).
 */
export function waterfallChart(
  shap: ShapValues,
  i: number,
  options: ChartOptions & { maxFeatures?: number; output?: number; scale?: ContributionScale; describe?: (feature: string) => string; digits?: number } = {},
): VegaLiteSpec {
  const k = options.output ?? 0;
  checkOutput(shap, k);
  checkRow(shap, i);
  const scale = options.scale ?? (shap.link === "identity" ? "margin" : "probability");
  const { base, prediction, factor } = outputScale(shap, i, k, scale);
  const nFeatures = shap.featureNames.length;
  const offset = (i * shap.nOutputs + k) * nFeatures;
  const order = Array.from({ length: nFeatures }, (_, j) => j).sort(
    (a, b) => Math.abs(shap.values[offset + b]) - Math.abs(shap.values[offset + a]) || a - b,
  );
  const shown = order.slice(0, options.maxFeatures ?? 10);
  const rest = order.slice(shown.length);
  const digits = options.digits ?? 3;
  // labelAt: the right end of each bar, so every label sits beside its bar, never on it
  const steps: { label: string; start: number; end: number; labelAt: number; delta: number; kind: string; text: string }[] = [];
  steps.push({ label: "baseline", start: base, end: base, labelAt: base, delta: 0, kind: "total", text: base.toFixed(digits) });
  let level = base;
  const add = (label: string, delta: number) => {
    steps.push({
      label, start: level, end: level + delta, labelAt: Math.max(level, level + delta), delta,
      kind: delta >= 0 ? "increase" : "decrease", text: `${delta >= 0 ? "+" : ""}${delta.toFixed(digits)}`,
    });
    level += delta;
  };
  for (const j of shown) {
    const name = shap.featureNames[j];
    add(options.describe ? options.describe(name) : labelOf(name, options), shap.values[offset + j] * factor);
  }
  if (rest.length > 0) add(`${rest.length} other features`, rest.reduce((s, j) => s + shap.values[offset + j] * factor, 0));
  steps.push({ label: "prediction", start: prediction, end: prediction, labelAt: prediction, delta: 0, kind: "total", text: prediction.toFixed(digits) });
  const labels = steps.map((s) => s.label);
  return {
    $schema: SCHEMA,
    ...(options.title ? { title: options.title } : {}),
    width: options.width ?? 480,
    data: { values: steps },
    encoding: {
      y: { field: "label", type: "nominal", sort: labels, title: null },
    },
    layer: [
      {
        mark: { type: "bar", size: 14 },
        encoding: {
          x: { field: "start", type: "quantitative", title: options.axisTitle ?? (scale === "probability" ? "probability" : "model output"), scale: { zero: false } },
          x2: { field: "end" },
          color: {
            field: "kind",
            type: "nominal",
            scale: { domain: ["increase", "decrease", "total"], range: [HIGH, LOW, "#555555"] },
            legend: null,
          },
        },
      },
      {
        mark: { type: "tick", thickness: 2, size: 16, color: "#555555" },
        transform: [{ filter: "datum.kind === 'total'" }],
        encoding: { x: { field: "end", type: "quantitative" } },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
        encoding: {
          x: { field: "labelAt", type: "quantitative" },
          text: { field: "text", type: "nominal" },
        },
      },
    ],
  };
}
