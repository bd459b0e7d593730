/**
 * How the report and the dashboard write numbers, dates and key figures: one place, so a
 * share reads "12.3 %" and a count "1,297" everywhere. en-US grouping (the CLI's printTable
 * uses the same), no locale surprises between a laptop and CI.
 */
import { escapeHtml } from "./profile-section.ts";

/** What a figure is, which decides how it is written. */
export type FigureFormat = "integer" | "decimal" | "percent" | "share" | "money" | "score" | "text";

export interface KeyFigure {
  label: string;
  value: number | string | null;
  format?: FigureFormat;
  /** A short qualifier shown under the value: "± 0.012", "of 1,297", "holdout". */
  note?: string;
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Counts with grouping; other numbers with up to `digits` significant digits (at least the integer part). */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (!finite(value)) return "–";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const integerDigits = Math.max(1, Math.ceil(Math.log10(Math.abs(value) + 1)));
  return value.toLocaleString("en-US", { maximumSignificantDigits: Math.max(digits, integerDigits) });
}

/** A fraction as a percentage: 0.1234 → "12.3 %". */
export function formatPercent(value: number | null | undefined, decimals = 1): string {
  if (!finite(value)) return "–";
  return `${(value * 100).toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })} %`;
}

/** Money without a currency symbol (the data does not always say which): 2 decimals, grouped. */
export function formatMoney(value: number | null | undefined): string {
  if (!finite(value)) return "–";
  return value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A score in [0, 1] or similar (ROC-AUC, Qini AUC, silhouette): 3 decimals. */
export function formatScore(value: number | null | undefined): string {
  if (!finite(value)) return "–";
  return value.toFixed(3);
}

export function formatFigure(figure: Pick<KeyFigure, "value" | "format">): string {
  const { value } = figure;
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value;
  switch (figure.format ?? (Number.isInteger(value) ? "integer" : "decimal")) {
    case "integer":
      return formatNumber(Math.round(value));
    case "percent":
    case "share":
      return formatPercent(value);
    case "money":
      return formatMoney(value);
    case "score":
      return formatScore(value);
    default:
      return formatNumber(value);
  }
}

/** A timestamp (Date, ISO text or epoch ms) as "2011-12-09 12:50 UTC"; date-only text stays a date. */
export function formatDateTime(value: Date | string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "–";
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const date = value instanceof Date ? value : new Date(typeof value === "string" && !/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? `${value.replace(" ", "T")}Z` : value);
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatSeconds(seconds: number): string {
  if (!finite(seconds)) return "–";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** The key figures as a grid of cards (report overview, dashboard overview). */
export function figureCards(figures: readonly KeyFigure[]): string {
  if (figures.length === 0) return "";
  const cards = figures.map(
    (f) =>
      `<div class="figure"><div class="figure-value">${escapeHtml(formatFigure(f))}</div>` +
      `<div class="figure-label">${escapeHtml(f.label)}</div>${f.note ? `<div class="figure-note">${escapeHtml(f.note)}</div>` : ""}</div>`,
  );
  return `<div class="figures">${cards.join("")}</div>`;
}

/** A plain table from rows of already formatted cells (escaped here); the first column is the row's label. */
export function htmlTable(head: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[], className = ""): string {
  const cell = (v: string | number | null | undefined) => (typeof v === "number" ? formatNumber(v) : escapeHtml(v ?? ""));
  const numeric = (v: unknown) => typeof v === "number" || (typeof v === "string" && /^[-+]?[\d,.]+( %)?$/.test(v));
  const body = rows.map((r) => `<tr>${r.map((v, j) => `<td${j > 0 && numeric(v) ? ' class="num"' : ""}>${cell(v)}</td>`).join("")}</tr>`).join("");
  return `<table${className ? ` class="${className}"` : ""}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>`;
}
