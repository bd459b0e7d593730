/**
 * The HTML report: one self-contained file with every job's section. Each job contributes a
 * pure section (src/report/<job>-section.ts → `{ html, specs }`); this file puts them in order
 * behind an overview and a table of contents, prefixes their chart ids so they cannot clash,
 * inlines the stylesheet, and — in `renderReport` — draws every chart to inline SVG
 * (report-svg.ts), so the file reads offline with no script at all. A job with no stored result
 * gets a short "not run yet" section naming the command that makes it.
 *
 * Pure (no I/O, no clock): the caller passes the generation time and versions, so the same
 * input gives the same bytes — the golden tests rely on it.
 */
import { escapeHtml, type VegaLiteSpec } from "./profile-section.ts";
import { formatDateTime, type KeyFigure } from "./report-format.ts";
import { overviewSection, type DatasetSummary, type JobOverview } from "./report-overview.ts";
import { REPORT_CSS } from "./report-style.ts";
import { inlineCharts, type ChartFailure } from "./report-svg.ts";

export interface SectionContent {
  html: string;
  specs: Record<string, VegaLiteSpec>;
}

export interface JobReport extends JobOverview {
  /** Facts about the stored run shown under the heading: run id, dataset, parameters. */
  facts?: ReadonlyArray<readonly [string, string]>;
  /** The job's own section; absent when it has not run (or its result could not be read). */
  section?: SectionContent;
  /** Overrides the "not run yet" sentence (e.g. decisions come from the service, not a command). */
  notRunNote?: string;
}

export interface ReportInput {
  title?: string;
  /** When the report was made (ISO text), shown in the header. */
  generatedAt: string;
  /** Which store the results were read from (safe to print: no password). */
  store: string;
  /** Program and library versions: patron, node, vega, … */
  versions: Readonly<Record<string, string>>;
  datasets: readonly DatasetSummary[];
  jobs: readonly JobReport[];
}

export interface ReportDocument {
  /** The page with empty chart placeholders. */
  html: string;
  /** Every chart's Vega-Lite spec by its (prefixed) placeholder id. */
  specs: Record<string, VegaLiteSpec>;
}

/** Gives a section's chart ids a prefix: `data-spec="roc"` → `data-spec="activity-roc"`. */
export function prefixCharts(section: SectionContent, prefix: string): SectionContent {
  const specs: Record<string, VegaLiteSpec> = {};
  for (const [id, spec] of Object.entries(section.specs)) specs[`${prefix}-${id}`] = spec;
  const html = section.html.replace(/data-spec="([^"]+)"/g, (whole, id: string) => (id in section.specs ? `data-spec="${prefix}-${id}"` : whole));
  return { html, specs };
}

interface TocEntry {
  id: string;
  title: string;
  className?: string;
  children: Array<{ id: string; title: string }>;
}

const plainText = (html: string) =>
  html.replace(/<small>[\s\S]*?<\/small>/g, "").replace(/<[^>]+>/g, "").replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").trim();

/** Gives every <h3> of a section an id (for the table of contents) and returns their titles. */
function anchorSubheadings(html: string, prefix: string): { html: string; children: TocEntry["children"] } {
  const children: TocEntry["children"] = [];
  const out = html.replace(/<h3(\s[^>]*)?>([\s\S]*?)<\/h3>/g, (_whole, attributes: string | undefined, inner: string) => {
    const existing = attributes ? /\bid="([^"]+)"/.exec(attributes)?.[1] : undefined;
    const id = existing ?? `${prefix}-${children.length + 1}`;
    children.push({ id, title: plainText(inner) });
    return `<h3${existing ? attributes : `${attributes ?? ""} id="${id}"`}>${inner}</h3>`;
  });
  return { html: out, children };
}

/** Puts the run facts after the section's own <h2>, or opens the section with one. */
function withHeading(job: JobReport, html: string): string {
  const facts = job.facts?.length || job.ranAt
    ? `<p class="run-facts">${[
        ...(job.ranAt ? [`latest result ${escapeHtml(formatDateTime(job.ranAt))}`] : []),
        ...(job.facts ?? []).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`),
      ].join(" · ")}</p>`
    : "";
  const at = html.indexOf("</h2>");
  if (at >= 0) return `${html.slice(0, at + 5)}${facts}${html.slice(at + 5)}`;
  return `<h2>${escapeHtml(job.title)}</h2>${facts}${html}`;
}

function jobArticle(job: JobReport, specs: Record<string, VegaLiteSpec>, toc: TocEntry[]): string {
  const anchor = `job-${job.id}`;
  if (job.status !== "done" || !job.section) {
    toc.push({ id: anchor, title: job.title, className: "not-run", children: [] });
    const note = job.status === "failed"
      ? `<p class="job-error">The stored result could not be read${job.error ? `: ${escapeHtml(job.error)}` : ""}. Run <code>${escapeHtml(job.command)}</code> again.</p>`
      : `<p class="not-run-note">${job.notRunNote ? escapeHtml(job.notRunNote) : `Not run yet: run <code>${escapeHtml(job.command)}</code>, then <code>npx patron report</code>.`}</p>`;
    return `<article id="${anchor}" class="job not-run" data-job="${escapeHtml(job.id)}"><h2>${escapeHtml(job.title)}</h2>${note}</article>`;
  }
  const prefixed = prefixCharts(job.section, job.id);
  Object.assign(specs, prefixed.specs);
  const { html, children } = anchorSubheadings(prefixed.html, anchor);
  toc.push({ id: anchor, title: job.title, children });
  return `<article id="${anchor}" class="job" data-job="${escapeHtml(job.id)}">${withHeading(job, html)}</article>`;
}

function tocHtml(toc: readonly TocEntry[]): string {
  const items = toc.map((e) => {
    const sub = e.children.length ? `<ol>${e.children.map((c) => `<li><a href="#${c.id}">${escapeHtml(c.title)}</a></li>`).join("")}</ol>` : "";
    return `<li${e.className ? ` class="${e.className}"` : ""}><a href="#${e.id}">${escapeHtml(e.title)}</a>${sub}</li>`;
  });
  return `<nav class="toc"><h2>Contents</h2><ol>${items.join("")}</ol></nav>`;
}

/** The report with chart placeholders and the specs that fill them. */
export function buildReport(input: ReportInput): ReportDocument {
  const title = input.title ?? "Patron report";
  const specs: Record<string, VegaLiteSpec> = {};
  const toc: TocEntry[] = [];

  const overview = prefixCharts(overviewSection(input.datasets, input.jobs), "overview");
  Object.assign(specs, overview.specs);
  const overviewAnchored = anchorSubheadings(overview.html, "overview");
  toc.push({ id: "overview", title: "Overview", children: overviewAnchored.children });
  const articles = [`<article id="overview" class="job">${overviewAnchored.html}</article>`];
  for (const job of input.jobs) articles.push(jobArticle(job, specs, toc));

  const versions = Object.entries(input.versions).map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`).join(" · ");
  const html = [
    `<!doctype html>`,
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="patron ${escapeHtml(input.versions.patron ?? "")}">`,
    `<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<header class="top"><h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Generated ${escapeHtml(formatDateTime(input.generatedAt))} from <code>${escapeHtml(input.store)}</code>. ` +
      `${input.datasets.length} dataset${input.datasets.length === 1 ? "" : "s"}: ${escapeHtml(input.datasets.map((d) => d.dataset).join(", ") || "none")}.</p></header>`,
    `<div class="layout">${tocHtml(toc)}<main>`,
    articles.join("\n"),
    `</main></div>`,
    `<footer class="versions">${versions}. Charts drawn with Vega-Lite; every figure comes from the stored job results.</footer>`,
    `</body></html>`,
    ``,
  ].join("\n");
  return { html, specs };
}

/** The finished, self-contained file: the report with every chart drawn to inline SVG. */
export async function renderReport(input: ReportInput): Promise<{ html: string; failures: ChartFailure[]; charts: number }> {
  const document = buildReport(input);
  const { html, failures } = await inlineCharts(document.html, document.specs);
  return { html, failures, charts: Object.keys(document.specs).length };
}

export type { DatasetSummary, JobOverview, KeyFigure };
