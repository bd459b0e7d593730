/**
 * The dashboard as a Fastify plugin, `dashboardRoutes(app, deps)`: the pages (pages.ts), their
 * static assets — dashboard.js, the report's stylesheet, and vega / vega-lite / vega-embed
 * straight from node_modules (the machine may have no internet, so no CDN) — and read-only JSON
 * routes under /v1/dashboard/* for what the service's API does not already answer: the overview,
 * each job's section (the report's HTML and Vega-Lite specs), the activity-risk list with its
 * filters, recent decisions and the segment runs.
 *
 * The data routes show customer-level results, so like GET /v1/customers/:id they need an API
 * key with the read scope; the pages themselves are open and ask for the key once.
 */
import type { FastifyInstance } from "fastify";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { overviewSection } from "../../report/report-overview.ts";
import type { Store } from "../../store/store.ts";
import type { ZodApp } from "../app.ts";
import { recentDecisions } from "./decisions.ts";
import { JOBS, latestSegmentsDataset, loadJob, loadJobs } from "./jobs.ts";
import { ASSET_PREFIX, DASHBOARD_CSS, pageHtml, PAGES } from "./pages.ts";
import { datasetSummaries } from "./report-input.ts";
import { REPORT_CSS } from "../../report/report-style.ts";
import { activityRisk, RiskQuery } from "./risk-list.ts";

export interface DashboardDeps {
  store: Store;
  /** Runs a database read; the service passes its outage guard (503 while the database is down). */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** The dataset of live events and decisions (the service's --dataset). */
  dataset: string;
  /** The dataset whose segmentation runs the segments page lists; default the one segmented last. */
  segmentsDataset?: string;
}

interface Asset {
  type: string;
  body: () => Buffer | string;
}

function moduleFile(path: string): () => Buffer {
  let cached: Buffer | undefined;
  return () => (cached ??= readFileSync(new URL(`../../../node_modules/${path}`, import.meta.url)));
}

function ownFile(name: string): () => Buffer {
  let cached: Buffer | undefined;
  return () => (cached ??= readFileSync(new URL(`./assets/${name}`, import.meta.url)));
}

const ASSETS: Record<string, Asset> = {
  "dashboard.js": { type: "text/javascript; charset=utf-8", body: ownFile("dashboard.js") },
  "patron.css": { type: "text/css; charset=utf-8", body: () => REPORT_CSS + DASHBOARD_CSS },
  "vega.min.js": { type: "text/javascript; charset=utf-8", body: moduleFile("vega/build/vega.min.js") },
  "vega-lite.min.js": { type: "text/javascript; charset=utf-8", body: moduleFile("vega-lite/build/vega-lite.min.js") },
  "vega-embed.min.js": { type: "text/javascript; charset=utf-8", body: moduleFile("vega-embed/build/vega-embed.min.js") },
};

const JobParams = z.object({ job: z.string().min(1).max(40) });
const DatasetQuery = z.object({ dataset: z.string().min(1).max(100).optional() });
const RecentQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

export async function dashboardRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const zapp = app as unknown as ZodApp;
  const pageLink = (jobId: string) => PAGES.find((p) => p.jobs.includes(jobId))?.path ?? "/";
  const ctx = { store: deps.store, decisionsDataset: deps.dataset };

  for (const page of PAGES) {
    const html = pageHtml(page);
    zapp.get(page.path, { schema: { hide: true } }, async (_request, reply) => reply.type("text/html; charset=utf-8").send(html));
  }
  zapp.get(`${ASSET_PREFIX}/:file`, { schema: { hide: true, params: z.object({ file: z.string() }) } }, async (request, reply) => {
    const asset = ASSETS[request.params.file];
    if (!asset) throw new PatronError("E_NOT_FOUND", `no dashboard asset ${JSON.stringify(request.params.file)}; the pages use ${Object.keys(ASSETS).join(", ")}.`);
    return reply.type(asset.type).header("cache-control", "public, max-age=3600").send(asset.body());
  });

  const read = { auth: "read" as const };
  const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];

  // The pages call this first: one request checks the key (and loads a key created since the
  // service started) before the page's parallel requests go out.
  zapp.get("/v1/dashboard/session", {
    config: read,
    schema: { summary: "Checks the dashboard's API key: its id, name and scope", tags: ["dashboard"], security },
  }, async (request) => ({ key_id: request.apiKey?.keyId ?? null, name: request.apiKey?.name ?? null, scope: request.apiKey?.scope ?? null, dataset: deps.dataset }));

  zapp.get("/v1/dashboard/overview", {
    config: read,
    schema: { summary: "The dashboard overview: data in the store, which jobs have run, their key figures (HTML + Vega-Lite specs)", tags: ["dashboard"], security },
  }, async () => {
    const [datasets, jobs] = await deps.run(async () => [await datasetSummaries(deps.store), await loadJobs(ctx)] as const);
    const section = overviewSection(datasets, jobs, pageLink);
    return {
      html: section.html,
      specs: section.specs,
      datasets,
      jobs: jobs.map(({ section: _s, ...job }) => ({ ...job, page: pageLink(job.id) })),
    };
  });

  zapp.get("/v1/dashboard/sections/:job", {
    config: read,
    schema: { summary: "One job's latest stored result as the report's section: HTML and Vega-Lite specs", tags: ["dashboard"], security, params: JobParams },
  }, async (request) => {
    const job = JOBS.find((j) => j.id === request.params.job);
    if (!job) throw new PatronError("E_NOT_FOUND", `no job ${JSON.stringify(request.params.job)}; known jobs: ${JOBS.map((j) => j.id).join(", ")}.`);
    const loaded = await deps.run(() => loadJob(job, ctx));
    return { ...loaded, html: loaded.section?.html ?? null, specs: loaded.section?.specs ?? {}, section: undefined };
  });

  zapp.get("/v1/dashboard/activity/risk", {
    config: read,
    schema: { summary: "The activity-risk list: customers by predicted decline probability with their top reasons, filtered", tags: ["dashboard"], security, querystring: RiskQuery },
  }, async (request) => deps.run(() => activityRisk(deps.store, request.query)));

  zapp.get("/v1/dashboard/decisions/recent", {
    config: read,
    schema: { summary: "The newest logged decisions with their offer, holdout flag and reasons", tags: ["dashboard"], security, querystring: RecentQuery },
  }, async (request) => ({ dataset: deps.dataset, decisions: await deps.run(() => recentDecisions(deps.store, deps.dataset, request.query.limit)) }));

  zapp.get("/v1/dashboard/segments/runs", {
    config: read,
    schema: { summary: "Stored segmentation runs, newest first (to pick two for the migration matrix)", tags: ["dashboard"], security, querystring: DatasetQuery },
  }, async (request) => {
    const { listRuns } = await import("../../jobs/segments/runs.ts");
    const { dataset, runs } = await deps.run(async () => {
      const name = request.query.dataset ?? deps.segmentsDataset ?? (await latestSegmentsDataset(deps.store)) ?? "online-retail";
      return { dataset: name, runs: await listRuns(deps.store, name) };
    });
    return { dataset, runs: runs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === "bigint" ? Number(v) : v]))) };
  });
}
