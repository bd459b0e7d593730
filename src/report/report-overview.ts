/**
 * The overview that opens the report and the dashboard: what data the store holds (rows per
 * dataset and table, the last ingest of each with its reconciliation), which jobs have run and
 * when, and each job's key figures. Pure: (datasets, jobs) → HTML + Vega-Lite specs.
 */
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { figureCards, formatDateTime, formatNumber, htmlTable, type KeyFigure } from "./report-format.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

export interface DatasetSummary {
  dataset: string;
  /** Rows per canonical table that holds rows of this dataset. */
  tables: Record<string, number>;
  lastIngest?: {
    finishedAt: string | null;
    origin: string;
    rowsRead: number;
    loaded: number;
    rejected: number;
    filtered: number;
  };
}

export type JobStatus = "done" | "not-run" | "failed";

/** What the overview needs to know of a job (the report adds its section). */
export interface JobOverview {
  id: string;
  title: string;
  /** The command that runs it, e.g. "npx patron activity". */
  command: string;
  status: JobStatus;
  /** When its latest stored result was made (ISO text); null when unknown. */
  ranAt?: string | null;
  figures: readonly KeyFigure[];
  /** Why a failed job failed (a result that could not be read). */
  error?: string;
}

export interface OverviewSection {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

/**
 * Rows per dataset and table, one bar each on a log scale: the tables span 400 to 500,000 rows,
 * and stacking on a log axis would misstate the parts.
 */
export function rowsSpec(datasets: readonly DatasetSummary[]): VegaLiteSpec | undefined {
  const values = datasets.flatMap((d) =>
    Object.entries(d.tables).filter(([, rows]) => rows > 0).map(([table, rows]) => ({ dataset: d.dataset, table: `${d.dataset} · ${table}`, rows })),
  );
  if (values.length === 0) return undefined;
  return {
    $schema: SCHEMA,
    title: "Rows in the store by dataset and table",
    width: 380,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: "table", type: "nominal", title: null, sort: null, axis: { labelLimit: 260 } },
      // A log scale has no zero: the bars start at 1 row.
      x: { field: "rows", type: "quantitative", title: "rows (log scale)", scale: { type: "log", domainMin: 1 } },
      x2: { datum: 1 },
      color: { field: "dataset", type: "nominal", title: "dataset" },
    },
  };
}

function statusCell(job: JobOverview): string {
  if (job.status === "done") return `<span class="status-done">done</span>`;
  if (job.status === "failed") return `<span class="status-failed">failed</span>`;
  return `<span class="status-not-run">not run yet</span>`;
}

export function datasetTable(datasets: readonly DatasetSummary[]): string {
  if (datasets.length === 0) return `<p class="not-run-note">The store holds no data yet: run <code>npx patron ingest --preset NAME</code> or <code>npm start</code>.</p>`;
  const rows = datasets.map((d) => {
    const i = d.lastIngest;
    const tables = Object.entries(d.tables).map(([t, n]) => `${t} ${formatNumber(n)}`).join(", ");
    return [d.dataset, tables, i ? formatDateTime(i.finishedAt) : "–", i?.rowsRead ?? null, i?.loaded ?? null, i?.rejected ?? null, i?.filtered ?? null];
  });
  return `<div class="table-wrap">${htmlTable(["dataset", "rows per table", "last ingest", "rows read", "loaded", "rejected", "filtered"], rows, "datasets")}</div>`;
}

/** Where a job's title links to: its section in the report, its page on the dashboard. */
export type JobLink = (jobId: string) => string;
const reportLink: JobLink = (id) => `#job-${id}`;

export function jobTable(jobs: readonly JobOverview[], link: JobLink = reportLink): string {
  const rows = jobs.map(
    (j) =>
      `<tr data-job="${escapeHtml(j.id)}"><td><a href="${escapeHtml(link(j.id))}">${escapeHtml(j.title)}</a></td><td>${statusCell(j)}</td>` +
      `<td>${j.status === "done" ? escapeHtml(formatDateTime(j.ranAt ?? null)) : "–"}</td>` +
      `<td>${j.status === "done" ? "" : `<code>${escapeHtml(j.command)}</code>`}${j.error ? ` <span class="status-failed">${escapeHtml(j.error)}</span>` : ""}</td></tr>`,
  );
  return `<table class="jobs"><thead><tr><th>job</th><th>status</th><th>latest result</th><th>to run it</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export function overviewSection(datasets: readonly DatasetSummary[], jobs: readonly JobOverview[], link: JobLink = reportLink): OverviewSection {
  const specs: Record<string, VegaLiteSpec> = {};
  const parts = [`<section class="overview"><h2>Overview</h2>`];
  const done = jobs.filter((j) => j.status === "done").length;
  parts.push(`<p>${done} of ${jobs.length} jobs have results; ${datasets.length} dataset${datasets.length === 1 ? "" : "s"} in the store.</p>`);
  for (const job of jobs) {
    if (job.status !== "done" || job.figures.length === 0) continue;
    parts.push(`<h3>${escapeHtml(job.title)}</h3>${figureCards(job.figures)}`);
  }
  parts.push(`<h3>Jobs</h3>${jobTable(jobs, link)}`);
  parts.push(`<h3>Data</h3>${datasetTable(datasets)}`);
  const rows = rowsSpec(datasets);
  if (rows) {
    specs.rows = rows;
    parts.push(`<div class="charts"><div class="chart" data-spec="rows"></div></div>`);
  }
  parts.push(`</section>`);
  return { html: parts.join("\n"), specs };
}
