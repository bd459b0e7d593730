/**
 * Every job the report and the dashboard show, in reading order, and how to get each one's
 * latest stored result out of the store. The jobs compute and store (src/jobs/**, src/profile);
 * their sections turn a result into HTML and Vega-Lite specs (src/report/<job>-section.ts); this
 * file only connects the two — it never recomputes a job's figures.
 *
 * A job that has not run loads as null ("not run yet: run `npx patron …`"); one whose stored
 * result cannot be read is reported as failed with the reason, never a crash of the whole page.
 */
import { escapeHtml, profileSection } from "../../report/profile-section.ts";
import { decisionFigures, decisionsSection } from "../../report/report-decisions.ts";
import type { ClvJobResult } from "../../jobs/clv/clv-job.ts";
import type { KeyFigure } from "../../report/report-format.ts";
import type { JobReport, SectionContent } from "../../report/report.ts";
import type { Store } from "../../store/store.ts";
import { measureStoredEffect } from "../../loop/effect-store.ts";
import { loopJob } from "../../report/loop-section.ts";
import { isOutageError } from "../db-health.ts";
import { listModels } from "../registry-store.ts";
import { decisionsSummary } from "./decisions.ts";
import { latestProfileRuns, toIso } from "./profile-runs.ts";

export interface LoadContext {
  store: Store;
  /** The dataset of live decisions (the service's --dataset). */
  decisionsDataset: string;
}

export interface LoadedJob {
  ranAt: string | null;
  facts: Array<readonly [string, string]>;
  figures: KeyFigure[];
  section: SectionContent;
}

export interface JobEntry {
  id: string;
  title: string;
  command: string;
  /** The dashboard page that shows it. */
  page: string;
  /** Fed by the running service (decisions, outcomes), not by a job command. */
  live?: boolean;
  notRunNote?: string;
  load(ctx: LoadContext): Promise<LoadedJob | null>;
}

/** Several profiles (one per dataset) as one section: each profile's heading names its dataset. */
async function loadProfiles({ store }: LoadContext): Promise<LoadedJob | null> {
  const runs = await latestProfileRuns(store);
  if (runs.length === 0) return null;
  const specs: SectionContent["specs"] = {};
  const parts = [`<section class="profile"><h2>Data profile</h2>`];
  parts.push(`<p>The raw files of each dataset as delivered, before ingest cleaned them: types, missing values, distributions, and warnings to act on.</p>`);
  runs.forEach((run, r) => {
    const part = nested(profileSection(run.report), `p${r}`, run.scope);
    Object.assign(specs, part.specs);
    parts.push(part.html);
  });
  parts.push(`</section>`);
  const warnings = runs.reduce((n, r) => n + r.report.warnings.length, 0);
  const tables = runs.reduce((n, r) => n + r.report.tables, 0);
  const rows = runs.reduce((n, r) => n + r.report.profiles.reduce((m, p) => m + p.nRows, 0), 0);
  return {
    ranAt: runs.map((r) => r.createdAt).sort().at(-1) ?? null,
    facts: [["datasets", runs.map((r) => r.scope).join(", ")]],
    figures: [
      { label: "datasets profiled", value: runs.length, format: "integer" },
      { label: "tables · columns", value: `${tables} · ${runs.reduce((n, r) => n + r.report.columns, 0)}` },
      { label: "raw rows", value: rows, format: "integer" },
      { label: "warnings to act on", value: warnings, format: "integer" },
    ],
    section: { html: parts.join("\n"), specs },
  };
}

async function loadDecisions({ store, decisionsDataset }: LoadContext): Promise<LoadedJob | null> {
  const summary = await decisionsSummary(store, decisionsDataset);
  if (!summary) return null;
  return {
    ranAt: summary.to,
    facts: [["dataset", decisionsDataset]],
    figures: decisionFigures(summary),
    section: decisionsSection(summary),
  };
}

/** A JSON column: DuckDB hands back text, PostgreSQL's JSONB an object. */
function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** The newest activity run (src/jobs/activity/persist.ts) and its section (src/report/activity-section.ts). */
async function loadActivity({ store }: LoadContext): Promise<LoadedJob | null> {
  if (!(await store.tableExists("activity_runs"))) return null;
  const [row] = await store.query<{ run_id: string; created_at: unknown; summary: unknown }>(
    `SELECT run_id, created_at, summary FROM activity_runs ORDER BY created_at DESC, run_id DESC LIMIT 1`,
  );
  if (!row) return null;
  const [{ activitySection }] = await Promise.all([import("../../report/activity-section.ts")]);
  const summary = json<import("../../jobs/activity/run.ts").ActivitySummary>(row.summary);
  return {
    ranAt: toIso(row.created_at),
    facts: [["run", row.run_id], ["dataset", summary.dataset], ["model", summary.chosen.label]],
    figures: [
      { label: "holdout ROC-AUC", value: summary.chosen.holdoutRocAuc, format: "score", note: summary.holdoutRule },
      { label: "CV ROC-AUC (chosen on)", value: summary.chosen.cvRocAuc, format: "score", note: summary.chosen.label },
      { label: "customers at risk", value: summary.segmentSize, format: "integer", note: `of ${summary.rows.toLocaleString("en-US")}` },
      { label: "target list", value: summary.targetListSize, format: "integer", note: "ordered by profit" },
    ],
    section: activitySection(summary),
  };
}

/** The dataset of the newest row of a job's run table; null when the table is missing or empty. */
async function newestDataset(store: Store, table: "uplift_runs" | "offer_policies"): Promise<string | null> {
  if (!(await store.tableExists(table))) return null;
  const [row] = await store.query<{ dataset: string }>(`SELECT dataset FROM ${table} ORDER BY created_at DESC LIMIT 1`);
  return row?.dataset ?? null;
}

/** The newest uplift run (Hillstrom after `npm start`; src/jobs/uplift/persist.ts) and its section. */
async function loadUplift({ store }: LoadContext): Promise<LoadedJob | null> {
  const [{ latestUpliftRun }, { upliftSection, upliftFigures }] = await Promise.all([
    import("../../jobs/uplift/persist.ts"),
    import("../../report/uplift-section.ts"),
  ]);
  const dataset = await newestDataset(store, "uplift_runs");
  const run = dataset === null ? undefined : await latestUpliftRun(store, dataset);
  if (!run) return null;
  return {
    ranAt: toIso(run.createdAt),
    facts: [["run", run.runId], ["dataset", run.result.dataset], ["target", run.result.target]],
    figures: upliftFigures(run.result),
    section: upliftSection(run.result),
  };
}

/** The newest offer policy (IUM after `npm start`; src/jobs/offers/persist.ts) and its section. */
async function loadOffers({ store }: LoadContext): Promise<LoadedJob | null> {
  const [{ latestOfferPolicy }, { offersSection, offersFigures }] = await Promise.all([
    import("../../jobs/offers/persist.ts"),
    import("../../report/offers-section.ts"),
  ]);
  const dataset = await newestDataset(store, "offer_policies");
  const run = dataset === null ? undefined : await latestOfferPolicy(store, dataset);
  if (!run) return null;
  return {
    ranAt: toIso(run.createdAt),
    facts: [["policy", run.policyId], ["dataset", run.result.dataset]],
    figures: offersFigures(run.result),
    section: offersSection(run.result),
  };
}

/** Issue #10: treated vs holdout from the outcomes, and the offers versions retraining made (src/loop, src/report/loop-section.ts). */
async function loadEffect({ store, decisionsDataset }: LoadContext): Promise<LoadedJob | null> {
  const effect = await measureStoredEffect(store, { dataset: decisionsDataset, period: "week" });
  const versions = (await store.tableExists("model_registry")) ? await listModels(store, "offers") : [];
  return loopJob({ effect, versions });
}

/**
 * The newest segmentation of the dataset segmented last (Online Retail after `npm start`;
 * src/jobs/segments/runs.ts) and its section.
 */
async function loadSegments({ store }: LoadContext): Promise<LoadedJob | null> {
  const [{ latestSegmentResult }, { segmentsSection, segmentsFigures }] = await Promise.all([
    import("../../jobs/segments/runs.ts"),
    import("../../report/segments-section.ts"),
  ]);
  const dataset = await latestSegmentsDataset(store);
  const result = dataset === null ? null : await latestSegmentResult(store, dataset);
  if (!result) return null;
  return {
    ranAt: toIso(result.createdAt),
    facts: [["run", result.runId], ["dataset", result.dataset], ["as of", result.asOf], ["mode", result.mode]],
    figures: segmentsFigures(result),
    section: segmentsSection(result),
  };
}

/** The dataset of the most recently stored segmentation run; null when none is stored. */
export async function latestSegmentsDataset(store: Store): Promise<string | null> {
  if (!(await store.tableExists("segment_runs"))) return null;
  const [row] = await store.query<{ dataset: string }>("SELECT dataset FROM segment_runs ORDER BY created_at DESC, run_id DESC LIMIT 1");
  return row?.dataset ?? null;
}

/** Newest first: the latest CLV run of each dataset (CDNOW, the reference check; Online Retail, per segment). */
async function latestClvRuns(store: Store): Promise<string[]> {
  if (!(await store.tableExists("clv_runs"))) return [];
  const rows = await store.query<{ dataset: string }>("SELECT dataset, max(created_at) AS last_at FROM clv_runs GROUP BY dataset ORDER BY last_at DESC, dataset");
  return rows.map((r) => r.dataset);
}

/** CLV (src/jobs/clv/clv-job.ts): one part per dataset, newest first; the figures are the newest run's. */
async function loadClv({ store }: LoadContext): Promise<LoadedJob | null> {
  const [{ latestClvRun }, { clvSection, clvFigures }] = await Promise.all([import("../../jobs/clv/clv-job.ts"), import("../../report/clv-section.ts")]);
  const results: ClvJobResult[] = [];
  for (const dataset of await latestClvRuns(store)) {
    const result = await latestClvRun(store, dataset);
    if (result) results.push(result);
  }
  if (results.length === 0) return null;
  if (results.length === 1) {
    const [r] = results;
    return { ranAt: toIso(r.createdAt), facts: [["run", r.runId], ["dataset", r.dataset], ["calibrated to", r.asOf]], figures: clvFigures(r), section: clvSection(r) };
  }
  const parts = results.map((r) => nested(clvSection(r), `p${results.indexOf(r)}`, r.dataset));
  return {
    ranAt: toIso(results[0].createdAt),
    facts: [["datasets", results.map((r) => `${r.dataset} (to ${r.asOf})`).join(", ")]],
    figures: clvFigures(results[0]).map((f) => ({ ...f, note: f.note ? `${results[0].dataset}: ${f.note}` : results[0].dataset })),
    section: {
      html: [`<section class="clv"><h2>Customer lifetime value</h2>`, ...parts.map((p) => p.html), `</section>`].join("\n"),
      specs: Object.assign({}, ...parts.map((p) => p.specs)),
    },
  };
}

/**
 * One of several results of a job inside its section: chart ids prefixed, the part's own
 * <h2> becomes an <h3> naming it, its <h3>s become <h4>s (the table of contents lists the parts).
 */
export function nested(section: SectionContent, prefix: string, title: string): SectionContent {
  const specs: SectionContent["specs"] = {};
  for (const [id, spec] of Object.entries(section.specs)) specs[`${prefix}-${id}`] = spec;
  const html = section.html
    .replace(/data-spec="([^"]+)"/g, (whole, id: string) => (id in section.specs ? `data-spec="${prefix}-${id}"` : whole))
    .replace(/<(\/?)h3/g, "<$1h4")
    .replace(/<h2>[\s\S]*?<\/h2>/, `<h3>${escapeHtml(title)}</h3>`);
  return { html, specs };
}

export const JOBS: readonly JobEntry[] = [
  { id: "profile", title: "Data profile", command: "npx patron profile --preset NAME (npm start profiles every bundled dataset)", page: "/profile", load: loadProfiles },
  { id: "activity", title: "Purchase-activity decline", command: "npx patron activity", page: "/activity", load: loadActivity },
  { id: "uplift", title: "Uplift targeting", command: "npx patron uplift --preset hillstrom", page: "/uplift", load: loadUplift },
  { id: "offers", title: "Smallest sufficient discount", command: "npx patron offers --preset ium", page: "/offers", load: loadOffers },
  {
    id: "decisions",
    title: "Live decisions",
    command: "npx patron serve",
    page: "/offers",
    live: true,
    notRunNote: "No decisions logged yet: start the service (npx patron serve) and send sessions to POST /v1/decide.",
    load: loadDecisions,
  },
  {
    id: "effect",
    title: "Measured effect of live decisions",
    command: "npx patron serve",
    page: "/offers",
    live: true,
    notRunNote: "No decisions logged yet: the service logs them (POST /v1/decide), the shop reports what followed (POST /v1/outcomes), and their measured effect shows here.",
    load: loadEffect,
  },
  { id: "segments", title: "Segments and Insiders", command: "npx patron segments --preset online-retail", page: "/segments", load: loadSegments },
  { id: "clv", title: "Customer lifetime value", command: "npx patron clv --preset cdnow", page: "/segments", load: loadClv },
];

/**
 * Loads every job; a job whose result cannot be read comes back failed, with the reason (a
 * database outage is rethrown: it says nothing about the job).
 */
export async function loadJobs(ctx: LoadContext, only?: readonly string[]): Promise<JobReport[]> {
  const out: JobReport[] = [];
  for (const job of JOBS) {
    if (only && !only.includes(job.id)) continue;
    out.push(await loadJob(job, ctx));
  }
  return out;
}

export async function loadJob(job: JobEntry, ctx: LoadContext): Promise<JobReport> {
  const base = { id: job.id, title: job.title, command: job.command, notRunNote: job.notRunNote };
  try {
    const loaded = await job.load(ctx);
    if (!loaded) return { ...base, status: "not-run", figures: [] };
    return { ...base, status: "done", ranAt: loaded.ranAt, facts: loaded.facts, figures: loaded.figures, section: loaded.section };
  } catch (error) {
    // A database outage is the service's 503, not a broken job result.
    if (isOutageError(error)) throw error;
    return { ...base, status: "failed", figures: [], error: (error as Error).message ?? String(error) };
  }
}
