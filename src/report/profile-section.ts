/**
 * The data-profile section of a report: profile data (src/profile/types.ts) → an HTML
 * fragment and the Vega-Lite specs of its charts. Pure: no I/O, no database, no clock, so the
 * same specs serve the HTML report, the dashboard and golden tests. Each chart is an empty
 * `<div class="chart" data-spec="ID">` in the HTML; `specs[ID]` is its Vega-Lite spec, which the
 * page embeds with vega-embed or the CLI renders to SVG.
 */
import type { ColumnProfile, DriftReport, ProfileReport, TableProfile } from "../profile/types.ts";

export type VegaLiteSpec = Record<string, unknown>;

export interface ProfileSection {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const number = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? "" : Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumSignificantDigits: 5 });

export function histogramSpec(column: ColumnProfile): VegaLiteSpec | undefined {
  const h = column.histogram;
  if (!h) return undefined;
  const temporal = h.unit === "epoch-seconds";
  // Temporal edges become epoch milliseconds, which Vega-Lite reads as times.
  const scale = temporal ? 1000 : 1;
  const values = h.counts.map((count, b) => ({ start: h.edges[b] * scale, end: h.edges[b + 1] * scale, count }));
  const type = temporal ? "temporal" : "quantitative";
  return {
    $schema: SCHEMA,
    title: `${column.name}${h.below + h.above > 0 ? ` (${number(h.below)} below, ${number(h.above)} above the range shown)` : ""}`,
    width: 320,
    height: 140,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "start", type, bin: { binned: true }, title: column.name },
      x2: { field: "end" },
      y: { field: "count", type: "quantitative", title: "rows" },
    },
  };
}

export function topValuesSpec(column: ColumnProfile): VegaLiteSpec | undefined {
  if (column.kind !== "categorical" || column.top.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: `${column.name}: most frequent values`,
    width: 320,
    data: { values: column.top.map((t) => ({ value: t.value ?? "(null)", count: t.count })) },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "value", type: "nominal", sort: "-x", title: null },
      x: { field: "count", type: "quantitative", title: "rows" },
    },
  };
}

export function correlationSpec(profile: TableProfile, method: "pearson" | "spearman"): VegaLiteSpec | undefined {
  const c = profile.correlation;
  if (c.columns.length < 2) return undefined;
  const matrix = c[method];
  const values = c.columns.flatMap((a, i) => c.columns.map((b, k) => ({ a, b, r: matrix[i][k] })));
  return {
    $schema: SCHEMA,
    title: `${method === "pearson" ? "Pearson" : "Spearman"} correlation`,
    data: { values },
    encoding: {
      x: { field: "a", type: "nominal", sort: c.columns, title: null },
      y: { field: "b", type: "nominal", sort: c.columns, title: null },
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: { color: { field: "r", type: "quantitative", scale: { domain: [-1, 1], scheme: "redblue", reverse: true }, title: "r" } },
      },
      {
        mark: { type: "text", fontSize: 9 },
        encoding: { text: { field: "r", type: "quantitative", format: ".2f" } },
      },
    ],
  };
}

export function labelSpec(profile: TableProfile): VegaLiteSpec | undefined {
  const label = profile.label;
  if (!label || label.features.length === 0) return undefined;
  const binary = label.task === "binary";
  return {
    $schema: SCHEMA,
    title: `Association with ${label.column}`,
    width: 320,
    data: { values: label.features.map((f) => ({ feature: f.column, auc: f.auc, nmi: f.normalizedMutualInfo })) },
    mark: { type: "bar", tooltip: true },
    encoding: binary
      ? {
          y: { field: "feature", type: "nominal", sort: "-x", title: null },
          // Distance of the ROC-AUC from chance, in either direction.
          x: { field: "auc", type: "quantitative", scale: { domain: [0, 1] }, title: "single-feature ROC-AUC" },
        }
      : {
          y: { field: "feature", type: "nominal", sort: "-x", title: null },
          x: { field: "nmi", type: "quantitative", title: "normalised mutual information" },
        },
  };
}

export function driftSpec(report: DriftReport): VegaLiteSpec {
  return {
    $schema: SCHEMA,
    title: `Population stability: ${report.baseline} → ${report.current}`,
    width: 320,
    layer: [
      {
        data: { values: report.columns.map((c) => ({ column: c.column, psi: c.psi, level: c.level })) },
        mark: { type: "bar", tooltip: true },
        encoding: {
          y: { field: "column", type: "nominal", sort: "-x", title: null },
          x: { field: "psi", type: "quantitative", title: "PSI" },
          color: { field: "level", type: "nominal", scale: { domain: ["stable", "moderate", "significant"], range: ["#4c78a8", "#f58518", "#e45756"] } },
        },
      },
      {
        data: { values: [{ at: 0.1 }, { at: 0.25 }] },
        mark: { type: "rule", strokeDash: [4, 3] },
        encoding: { x: { field: "at", type: "quantitative" } },
      },
    ],
  };
}

function columnTable(profile: TableProfile): string {
  const rows = profile.columns.map((c) => {
    const n = c.numeric;
    const cells = [
      escapeHtml(c.name) + (c.idLike ? " <small>(id)</small>" : ""),
      c.kind,
      number(c.nMissing),
      number(c.nDistinct),
      n ? number(n.min) : escapeHtml(c.temporal?.min ?? ""),
      n ? number(n.quantiles["0.5"]) : "",
      n ? number(n.mean) : "",
      n ? number(n.max) : escapeHtml(c.temporal?.max ?? ""),
      escapeHtml(c.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(", ")),
    ];
    return `<tr>${cells.map((v) => `<td>${v}</td>`).join("")}</tr>`;
  });
  const head = ["column", "kind", "missing", "distinct", "min", "median", "mean", "max", "top values"].map((h) => `<th>${h}</th>`).join("");
  return `<table class="profile-columns"><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function profileSection(report: ProfileReport): ProfileSection {
  const specs: Record<string, VegaLiteSpec> = {};
  const chart = (id: string, spec: VegaLiteSpec | undefined) => {
    if (!spec) return "";
    specs[id] = spec;
    return `<div class="chart" data-spec="${id}"></div>`;
  };
  const parts: string[] = [`<section class="profile"><h2>Data profile</h2>`];
  parts.push(`<p>${report.tables} table${report.tables === 1 ? "" : "s"}, ${report.columns} columns, computed in ${report.engine}.</p>`);
  if (report.warnings.length > 0) {
    parts.push(`<h3>Warnings (${report.warnings.length})</h3><ul class="warnings">`);
    for (const w of report.warnings) {
      parts.push(`<li data-code="${escapeHtml(w.code)}"><strong>${escapeHtml(w.code)}</strong> ${escapeHtml(w.message)}</li>`);
    }
    parts.push("</ul>");
  }
  report.profiles.forEach((p, t) => {
    parts.push(`<h3>${escapeHtml(p.table)} <small>${number(p.nRows)} rows · ${escapeHtml(p.source)}</small></h3>`);
    parts.push(columnTable(p));
    if (p.duplicates.nDuplicateRows > 0) parts.push(`<p>${number(p.duplicates.nDuplicateRows)} exact duplicate rows.</p>`);
    parts.push(`<div class="charts">`);
    p.columns.forEach((c, j) => {
      parts.push(chart(`t${t}-c${j}-histogram`, histogramSpec(c)));
      parts.push(chart(`t${t}-c${j}-top`, topValuesSpec(c)));
    });
    parts.push(chart(`t${t}-spearman`, correlationSpec(p, "spearman")));
    parts.push(chart(`t${t}-pearson`, correlationSpec(p, "pearson")));
    parts.push(chart(`t${t}-label`, labelSpec(p)));
    parts.push(`</div>`);
    if (p.correlation.topPairs.length > 0) {
      const items = p.correlation.topPairs
        .slice(0, 5)
        .map((q) => `<li>${escapeHtml(q.a)} ~ ${escapeHtml(q.b)}: Spearman ${number(q.spearman)}, Pearson ${number(q.pearson)}</li>`);
      parts.push(`<p>Most correlated pairs:</p><ul>${items.join("")}</ul>`);
    }
  });
  report.drift.forEach((d, k) => {
    parts.push(`<h3>Drift: ${escapeHtml(d.table)}</h3>`);
    parts.push(chart(`drift${k}`, driftSpec(d)));
  });
  parts.push("</section>");
  return { html: parts.filter((s) => s !== "").join("\n"), specs };
}
