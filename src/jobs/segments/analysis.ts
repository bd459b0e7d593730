/**
 * `patron segments`: the whole segmentation job as of a date. Features in SQL, the CLV
 * forecast, the spaces (features, PCA, UMAP, t-SNE, tree embedding), the sweep of every
 * algorithm × space × k with the stated winner rule (models/cluster/sweep.ts), the Insiders and
 * the evidence for them, the out-of-time proof (oot.ts), identities matched to the previous
 * stored run, and the run stored for the service, the dashboard and later scheduled runs
 * (run.ts refits the configuration chosen here).
 */
import { randomUUID } from "node:crypto";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { defaultThreads, runTasks } from "../../core/worker-pool.ts";
import { silhouette } from "../../metrics/clustering.ts";
import type { SweepResult } from "../../models/cluster/sweep.ts";
import type { ModelJSON } from "../../models/types.ts";
import type { Store } from "../../store/store.ts";
import { summariseMigration, type MigrationSummary } from "./migrations.ts";
import { outOfTimeProof, type OotResult } from "./oot.ts";
import { characterise, defaultAsOf, prepare, SegmentsOptions, type InsiderSummary, type Prepared, type SegmentConfig } from "./pipeline.ts";
import { INSIDER_CRITERION, type SegmentProfile } from "./profiles.ts";
import { answerQuestions, type BusinessAnswer } from "./questions.ts";
import type { MembershipRules } from "./rules.ts";
import { matchIdentities, previousRun, runAssignments, saveRun, type StoredRun } from "./runs.ts";
import { selectSegments, type Selection } from "./select.ts";

export interface SegmentResult {
  runId: string;
  dataset: string;
  asOf: string;
  mode: "analysis" | "run";
  createdAt: string;
  customers: number;
  config: SegmentConfig;
  /** Silhouette of the final labels in the scaled feature space (the winner rule's yardstick). */
  silhouette: number;
  silhouetteExact: boolean;
  sweep: { rows: SweepResult["rows"]; rule: string; spacesMs: Record<string, number> } | null;
  insiderCriterion: string;
  clv: Prepared["clv"];
  features: string[];
  profiles: SegmentProfile[];
  insiders: InsiderSummary;
  rules: Omit<MembershipRules, "tree">;
  questions: BusinessAnswer[];
  oot: OotResult | null;
  migration: Omit<MigrationSummary, "changes"> & { changes: MigrationSummary["changes"] } | null;
  timingsMs: Record<string, number>;
}

/** Pre-scaled centroid of each cluster index (noise left out), for identity matching. */
export function clusterCentroids(prepared: Prepared, labels: Int32Array): number[][] {
  const k = Math.max(-1, ...labels) + 1;
  const sums = Array.from({ length: k }, () => new Float64Array(prepared.clusterFeatures.length));
  const counts = new Float64Array(k);
  prepared.clusterFeatures.forEach((f, j) => {
    const jColumn = prepared.scaler.columns.indexOf(f);
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < 0) continue;
      // Back from the scaled matrix to pre-scaled units: x·scale + mean.
      sums[labels[i]][j] += prepared.x.data[jColumn * prepared.x.nRows + i] * prepared.scaler.scale[jColumn] + prepared.scaler.mean[jColumn];
      if (j === 0) counts[labels[i]]++;
    }
  });
  return sums.map((s, c) => Array.from(s, (v) => v / Math.max(1, counts[c])));
}

export interface Assembled {
  result: SegmentResult;
  characterised: ReturnType<typeof characterise>;
  previous: StoredRun | undefined;
}

/** Identities, characterisation, questions and the migration from the previous run. */
export async function assemble(store: Store, prepared: Prepared, input: { runId: string; mode: "analysis" | "run"; config: SegmentConfig; labels: Int32Array; sweep: Selection["sweep"] | null; spacesMs: Record<string, number>; oot: OotResult | null; timingsMs: Record<string, number> }, opts: SegmentsOptions): Promise<Assembled> {
  const previous = await previousRun(store, prepared.dataset, prepared.asOf);
  const { idOf, keptNames } = matchIdentities(previous, clusterCentroids(prepared, input.labels), prepared.scaler);
  const characterised = characterise(prepared, input.labels, (l) => idOf[l], keptNames, opts);
  const { profiles, insiders, rules, segmentOf, isInsider } = characterised;
  let migration: SegmentResult["migration"] = null;
  if (previous) {
    const assignments = await runAssignments(store, previous.runId);
    migration = summariseMigration({
      previous: { runId: previous.runId, asOf: previous.asOf, assignments, rulesTree: previous.rules.tree },
      customers: prepared.customers, segmentOf, isInsider, names: new Map(profiles.map((p) => [p.segment, p.name])), values: prepared.values, rules,
    });
  }
  const sil = scoreSilhouette(prepared, input.labels, opts.seed);
  const { tree: _tree, ...readableRules } = rules;
  const result: SegmentResult = {
    runId: input.runId,
    dataset: prepared.dataset,
    asOf: prepared.asOf,
    mode: input.mode,
    createdAt: new Date().toISOString(),
    customers: prepared.customers.length,
    config: input.config,
    silhouette: sil.score,
    silhouetteExact: sil.exact,
    sweep: input.sweep ? { rows: input.sweep.rows, rule: input.sweep.rule, spacesMs: input.spacesMs } : null,
    insiderCriterion: INSIDER_CRITERION,
    clv: prepared.clv,
    features: prepared.clusterFeatures,
    profiles,
    insiders,
    rules: readableRules,
    questions: answerQuestions({ prepared, profiles, insiders, isInsider, rules, oot: input.oot, horizonMonths: opts.horizonMonths }),
    oot: input.oot,
    migration,
    timingsMs: input.timingsMs,
  };
  return { result, characterised, previous };
}

function scoreSilhouette(prepared: Prepared, labels: Int32Array, seed: number): { score: number; exact: boolean } {
  const clusters = new Set(Array.from(labels).filter((l) => l >= 0)).size;
  if (clusters < 2) return { score: NaN, exact: true };
  return silhouette(prepared.x, labels, { seed });
}

/** Stores an assembled run (assignments, model, profiles, rules, migration, CLV scores). */
export async function storeResult(store: Store, assembled: Assembled, prepared: Prepared, model: ModelJSON): Promise<void> {
  const { result, characterised } = assembled;
  const { oot: _oot, ...stored } = result;
  await saveRun(store, {
    runId: result.runId, dataset: result.dataset, asOf: result.asOf, mode: result.mode, createdAt: Date.parse(result.createdAt),
    config: { ...result.config }, silhouette: result.silhouette, scaler: prepared.scaler, model, rules: characterised.rules,
    result: { ...stored, oot: result.oot }, previousRunId: result.migration?.previousRunId ?? null, profiles: result.profiles,
    insiderSegment: result.insiders.segment, insiders: result.insiders, customers: prepared.customers,
    segmentOf: characterised.segmentOf, isInsider: characterised.isInsider,
    migrations: result.migration?.cells ?? [], changes: result.migration?.changes ?? [],
    clv: prepared.values.expected_revenue && prepared.clv
      ? { horizonMonths: prepared.clv.horizonMonths, pAlive: prepared.values.p_alive, expectedPurchases: prepared.values.expected_purchases, expectedRevenue: prepared.values.expected_revenue }
      : undefined,
  });
}

export const OOT_CUTOFF = "2011-09-01";

/** Selections for several prepared tables: in this thread, or one worker per table. */
async function selectAll(prepared: Prepared[], opts: SegmentsOptions, nThreads: number, progress: Progress): Promise<Selection[]> {
  if (nThreads <= 1 || prepared.length === 1) return prepared.map((p) => selectSegments(p, opts, progress));
  progress.start("segment sweeps (as of the run date and the out-of-time cut-off)", prepared.length);
  const out = await runTasks<{ prepared: Prepared; opts: SegmentsOptions }, Selection>(
    prepared.map((p) => ({ module: new URL("./select-task.ts", import.meta.url).href, fn: "selectTask", payload: { prepared: p, opts } })),
    { nThreads: Math.min(nThreads, prepared.length), onDone: () => progress.tick() },
  );
  progress.stop();
  return out;
}

/** The whole job; stores the run unless `store: false`. */
export async function analyseSegments(store: Store, options: import("zod").input<typeof SegmentsOptions> & { ootCutoff?: string | null; save?: boolean; nThreads?: number } = {}, progress: Progress = silentProgress): Promise<SegmentResult> {
  const { ootCutoff, save, nThreads, ...rest } = options;
  const opts = SegmentsOptions.parse(rest);
  const timingsMs: Record<string, number> = {};
  const time = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const out = await work();
    timingsMs[name] = Math.round(performance.now() - started);
    return out;
  };
  const asOf = opts.asOf ?? (await defaultAsOf(store, opts.dataset));
  // The cut-off belongs to Online Retail; other data get the proof when a cut-off is given.
  const cutoff = ootCutoff === undefined ? (opts.dataset === "online-retail" ? OOT_CUTOFF : null) : ootCutoff;
  const withOot = Boolean(cutoff && cutoff < asOf);
  const prepared = await time("features_and_clv", () => prepare(store, { ...opts, asOf }));
  const preparedCutoff = withOot ? await time("features_and_clv_at_cutoff", () => prepare(store, { ...opts, asOf: cutoff! })) : undefined;
  // The two sweeps are independent: side by side on worker threads when there are cores for it.
  const [selection, selectionCutoff] = await time("spaces_and_sweeps", () => selectAll([prepared, ...(preparedCutoff ? [preparedCutoff] : [])], opts, nThreads ?? defaultThreads(), progress));
  const oot = preparedCutoff && selectionCutoff ? await time("out_of_time", () => outOfTimeProof(store, preparedCutoff, selectionCutoff, asOf, opts)) : null;
  const assembled = await assemble(store, prepared, { runId: randomUUID(), mode: "analysis", config: selection.config, labels: selection.labels, sweep: selection.sweep, spacesMs: selection.spacesMs, oot, timingsMs }, opts);
  if (save !== false) await time("store", () => storeResult(store, assembled, prepared, selection.model));
  return assembled.result;
}
