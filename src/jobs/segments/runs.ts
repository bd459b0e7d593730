/**
 * Segmentation runs in the store, on DuckDB and PostgreSQL alike (docs/data-model.md, "Job
 * outputs"): one row per run in segment_runs (configuration, scaler, model, rules and the whole
 * result as JSON text), the customers' segments in segment_assignments, the profiles in
 * segment_profiles, and between consecutive runs the migration matrix (segment_migrations) and
 * who entered or left the Insiders and why (segment_insider_changes).
 *
 * Identities: a run's clusters are matched to the previous run's by their centroids (Hungarian
 * assignment, models/cluster/matching.ts) in the current run's scaled space, so a segment
 * keeps its id and name while it stays where it was.
 */
import { PatronError } from "../../core/errors.ts";
import { matchClusters } from "../../models/cluster/matching.ts";
import type { Store } from "../../store/store.ts";
import { createResultTable, insertColumns, resultJson, type ResultColumn } from "../../store/result-tables.ts";
import type { SegmentProfile } from "./profiles.ts";
import { scalePoint, type SegmentScaler } from "./space.ts";

/** Matches farther than this (Euclidean, in standard deviations of the features) get a fresh id. */
export const MAX_MATCH_DISTANCE = 2;

const RUNS: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "dataset", type: "text" }, { name: "as_of", type: "text" },
  { name: "created_at", type: "timestamp" }, { name: "mode", type: "text" }, { name: "algorithm", type: "text" },
  { name: "space", type: "text" }, { name: "k", type: "integer" }, { name: "silhouette", type: "double" },
  { name: "customers", type: "integer" }, { name: "insiders", type: "integer" }, { name: "insider_segment", type: "integer" },
  { name: "insiders_revenue_share", type: "double" }, { name: "previous_run_id", type: "text" },
  { name: "config", type: "text" }, { name: "scaler", type: "text" }, { name: "model", type: "text" },
  { name: "rules", type: "text" }, { name: "result", type: "text" },
];
const ASSIGNMENTS: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "dataset", type: "text" }, { name: "customer_id", type: "text" },
  { name: "segment", type: "text" }, { name: "segment_id", type: "integer" }, { name: "is_insider", type: "boolean" },
];
const PROFILES: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "dataset", type: "text" }, { name: "segment_id", type: "integer" },
  { name: "segment", type: "text" }, { name: "is_insider", type: "boolean" }, { name: "customers", type: "integer" },
  { name: "share_customers", type: "double" }, { name: "share_revenue", type: "double" }, { name: "share_items", type: "double" },
  { name: "median_net_revenue", type: "double" }, { name: "median_expected_revenue", type: "double" },
  { name: "expected_revenue", type: "double" }, { name: "mean_p_alive", type: "double" },
  { name: "medians", type: "text" }, { name: "centroid", type: "text" },
];
const MIGRATIONS: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "previous_run_id", type: "text" }, { name: "dataset", type: "text" },
  { name: "from_segment", type: "text" }, { name: "to_segment", type: "text" }, { name: "customers", type: "integer" },
];
const CHANGES: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "previous_run_id", type: "text" }, { name: "dataset", type: "text" },
  { name: "customer_id", type: "text" }, { name: "change", type: "text" }, { name: "reason", type: "text" },
];
const CLV_SCORES: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "dataset", type: "text" }, { name: "customer_id", type: "text" },
  { name: "as_of", type: "text" }, { name: "p_alive", type: "double" }, { name: "expected_purchases", type: "double" },
  { name: "expected_revenue", type: "double" }, { name: "horizon", type: "double" },
];

export async function ensureSegmentTables(store: Store): Promise<void> {
  await createResultTable(store, "segment_runs", RUNS, ["run_id"]);
  await createResultTable(store, "segment_assignments", ASSIGNMENTS, ["run_id", "customer_id"]);
  await createResultTable(store, "segment_profiles", PROFILES, ["run_id", "segment_id"]);
  await createResultTable(store, "segment_migrations", MIGRATIONS, ["run_id", "from_segment", "to_segment"]);
  await createResultTable(store, "segment_insider_changes", CHANGES, ["run_id", "customer_id"]);
  await ensureClvTable(store);
}

export async function ensureClvTable(store: Store): Promise<void> {
  await createResultTable(store, "clv_scores", CLV_SCORES, ["run_id", "customer_id"]);
}

/** Writes one customer forecast per row into clv_scores (both jobs use it). */
export async function saveClvScores(store: Store, rows: { runId: string; dataset: string; asOf: string; horizonMonths: number; customers: readonly string[]; pAlive: ArrayLike<number>; expectedPurchases: ArrayLike<number>; expectedRevenue: ArrayLike<number> }): Promise<void> {
  const n = rows.customers.length;
  const repeat = <T>(v: T) => Array.from({ length: n }, () => v);
  await insertColumns(store, "clv_scores", CLV_SCORES, [
    repeat(rows.runId), repeat(rows.dataset), rows.customers, repeat(rows.asOf), rows.pAlive, rows.expectedPurchases, rows.expectedRevenue, repeat(rows.horizonMonths),
  ]);
}

export interface StoredRun {
  runId: string;
  dataset: string;
  asOf: string;
  mode: string;
  config: { algorithm: string; space: string; k?: number; features: string[]; [key: string]: unknown };
  scaler: SegmentScaler;
  rules: { tree: import("../../models/types.ts").ModelJSON };
  insiderSegment: number;
  profiles: Array<Pick<SegmentProfile, "segment" | "name" | "isInsider" | "centroid">>;
}

function parse<T>(text: unknown, what: string): T {
  try {
    return (typeof text === "string" ? JSON.parse(text) : text) as T;
  } catch {
    throw new PatronError("E_STORED_RUN", `the stored ${what} is not valid JSON; re-run \`patron segments\` to replace it.`);
  }
}

async function readRun(store: Store, row: Record<string, unknown>): Promise<StoredRun> {
  const profiles = await store.query<{ segment_id: number; segment: string; is_insider: boolean; centroid: string }>(
    "SELECT segment_id, segment, is_insider, centroid FROM segment_profiles WHERE run_id = $1 ORDER BY segment_id", [row.run_id],
  );
  return {
    runId: String(row.run_id),
    dataset: String(row.dataset),
    asOf: String(row.as_of),
    mode: String(row.mode),
    config: parse(row.config, "configuration"),
    scaler: parse(row.scaler, "scaler"),
    rules: parse(row.rules, "rules"),
    insiderSegment: Number(row.insider_segment),
    profiles: profiles.map((p) => ({ segment: Number(p.segment_id), name: p.segment, isInsider: Boolean(p.is_insider), centroid: parse<number[]>(p.centroid, "centroid") })),
  };
}

/** The latest run before `asOf` (by as-of date, then creation), or undefined. */
export async function previousRun(store: Store, dataset: string, asOf: string): Promise<StoredRun | undefined> {
  if (!(await store.tableExists("segment_runs"))) return undefined;
  const [row] = await store.query("SELECT * FROM segment_runs WHERE dataset = $1 AND as_of < $2 ORDER BY as_of DESC, created_at DESC LIMIT 1", [dataset, asOf]);
  return row ? readRun(store, row) : undefined;
}

/** The latest full analysis (the one whose configuration scheduled runs refit). */
export async function latestAnalysis(store: Store, dataset: string): Promise<StoredRun | undefined> {
  if (!(await store.tableExists("segment_runs"))) return undefined;
  const [row] = await store.query("SELECT * FROM segment_runs WHERE dataset = $1 AND mode = 'analysis' ORDER BY created_at DESC LIMIT 1", [dataset]);
  return row ? readRun(store, row) : undefined;
}

/** Customer → segment name and Insiders flag of a stored run. */
export async function runAssignments(store: Store, runId: string): Promise<Map<string, { segment: string; segmentId: number; isInsider: boolean }>> {
  const rows = await store.frame("SELECT customer_id, segment, segment_id, CASE WHEN is_insider THEN 1 ELSE 0 END AS insider FROM segment_assignments WHERE run_id = $1", [runId]);
  const [ids, names, segmentIds, insider] = rows.columns.map((c) => c.values);
  const out = new Map<string, { segment: string; segmentId: number; isInsider: boolean }>();
  for (let i = 0; i < rows.nRows; i++) {
    out.set(String((ids as (string | null)[])[i]), { segment: String((names as (string | null)[])[i]), segmentId: (segmentIds as Float64Array)[i], isInsider: (insider as Float64Array)[i] === 1 });
  }
  return out;
}

/**
 * Stable ids for this run's clusters: each cluster's centroid (pre-scaled units, cluster index
 * order) is matched to the previous run's in this run's scaled space. Without a previous run
 * (or with other features) ids are 0…k−1 and no name is kept.
 */
export function matchIdentities(previous: StoredRun | undefined, centroids: readonly number[][], scaler: SegmentScaler): { idOf: Int32Array; keptNames: Map<number, string>; retired: number[] } {
  const same = previous && previous.scaler.columns.join() === scaler.columns.join();
  const prior = same ? previous.profiles.filter((p) => p.segment >= 0) : [];
  if (prior.length === 0) return { idOf: Int32Array.from(centroids, (_, k) => k), keptNames: new Map(), retired: [] };
  const d = scaler.columns.length;
  const match = matchClusters(
    { centroids: prior.flatMap((p) => scalePoint(scaler, p.centroid)), ids: prior.map((p) => p.segment) },
    centroids.flatMap((c) => scalePoint(scaler, c)),
    d,
    { maxDistance: MAX_MATCH_DISTANCE },
  );
  return { idOf: match.idOf, keptNames: new Map(prior.map((p) => [p.segment, p.name])), retired: match.retired };
}

export interface RunRecord {
  runId: string;
  dataset: string;
  asOf: string;
  mode: "analysis" | "run";
  createdAt: number;
  config: Record<string, unknown> & { algorithm: string; space: string; k?: number };
  silhouette: number;
  scaler: SegmentScaler;
  model: unknown;
  rules: unknown;
  result: unknown;
  previousRunId: string | null;
  profiles: SegmentProfile[];
  insiderSegment: number;
  insiders: { customers: number; shareRevenue: number };
  customers: readonly string[];
  segmentOf: Int32Array;
  isInsider: Uint8Array;
  migrations: Array<{ from: string; to: string; customers: number }>;
  changes: Array<{ customer: string; change: "entered" | "left"; reason: string }>;
  clv?: { horizonMonths: number; pAlive: ArrayLike<number>; expectedPurchases: ArrayLike<number>; expectedRevenue: ArrayLike<number> };
}

/** Stores a run and everything it found, in one transaction. */
export async function saveRun(store: Store, run: RunRecord): Promise<void> {
  await ensureSegmentTables(store);
  const nameOf = new Map(run.profiles.map((p) => [p.segment, p.name]));
  await store.transaction(async (tx) => {
    await insertColumns(tx, "segment_runs", RUNS, [[run.runId], [run.dataset], [run.asOf], [run.createdAt], [run.mode], [run.config.algorithm], [run.config.space],
      [run.config.k ?? null], [run.silhouette], [run.customers.length], [run.insiders.customers], [run.insiderSegment], [run.insiders.shareRevenue],
      [run.previousRunId], [resultJson(run.config)], [resultJson(run.scaler)], [resultJson(run.model)], [resultJson(run.rules)], [resultJson(run.result)]]);
    const n = run.customers.length;
    const repeat = <T>(v: T) => Array.from({ length: n }, () => v);
    await insertColumns(tx, "segment_assignments", ASSIGNMENTS, [repeat(run.runId), repeat(run.dataset), run.customers,
      Array.from(run.segmentOf, (s) => nameOf.get(s) ?? "Unassigned (noise)"), Array.from(run.segmentOf), Array.from(run.isInsider, Boolean)]);
    const p = run.profiles;
    const col = <K extends keyof SegmentProfile>(key: K) => p.map((r) => r[key]);
    await insertColumns(tx, "segment_profiles", PROFILES, [p.map(() => run.runId), p.map(() => run.dataset), col("segment"), col("name"), col("isInsider"), col("customers"),
      col("shareCustomers"), col("shareRevenue"), col("shareItems"), col("medianNetRevenue"), col("medianExpectedRevenue"), col("expectedRevenue"),
      col("meanProbabilityAlive"), p.map((r) => resultJson(r.medians)), p.map((r) => resultJson(r.centroid))]);
    if (run.previousRunId) {
      const m = run.migrations;
      await insertColumns(tx, "segment_migrations", MIGRATIONS, [m.map(() => run.runId), m.map(() => run.previousRunId), m.map(() => run.dataset), m.map((r) => r.from), m.map((r) => r.to), m.map((r) => r.customers)]);
      const c = run.changes;
      await insertColumns(tx, "segment_insider_changes", CHANGES, [c.map(() => run.runId), c.map(() => run.previousRunId), c.map(() => run.dataset), c.map((r) => r.customer), c.map((r) => r.change), c.map((r) => r.reason)]);
    }
    if (run.clv) {
      await ensureClvTable(tx);
      await saveClvScores(tx, { runId: run.runId, dataset: run.dataset, asOf: run.asOf, customers: run.customers, ...run.clv });
    }
  });
}

/** Runs of a dataset, newest as-of first, for `patron segments history`. */
export async function listRuns(store: Store, dataset: string): Promise<Array<Record<string, unknown>>> {
  if (!(await store.tableExists("segment_runs"))) return [];
  return store.query(
    `SELECT run_id, as_of, mode, algorithm, space, k, silhouette, customers, insiders, insiders_revenue_share, previous_run_id, created_at
     FROM segment_runs WHERE dataset = $1 ORDER BY as_of DESC, created_at DESC`, [dataset],
  );
}

/** The stored migration matrix and Insiders changes of a run. */
export async function storedMigrations(store: Store, runId: string): Promise<{ matrix: Array<Record<string, unknown>>; changes: Array<Record<string, unknown>> }> {
  if (!(await store.tableExists("segment_migrations"))) return { matrix: [], changes: [] };
  const matrix = await store.query("SELECT from_segment, to_segment, customers FROM segment_migrations WHERE run_id = $1 ORDER BY from_segment, to_segment", [runId]);
  const changes = await store.query("SELECT customer_id, change, reason FROM segment_insider_changes WHERE run_id = $1 ORDER BY change, customer_id", [runId]);
  return { matrix, changes };
}

/** The stored result of the latest run of a dataset (by as-of date), for the report and dashboard. */
export async function latestSegmentResult(store: Store, dataset: string): Promise<import("./analysis.ts").SegmentResult | null> {
  if (!(await store.tableExists("segment_runs"))) return null;
  const [row] = await store.query<{ result: string }>("SELECT result FROM segment_runs WHERE dataset = $1 ORDER BY as_of DESC, created_at DESC LIMIT 1", [dataset]);
  return row ? parse(row.result, "result") : null;
}
