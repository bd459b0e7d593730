/**
 * Issue #5, the purchase-activity decline job on «В один клик» (seeds 001 and 004): who will
 * buy less, why, and which of them are worth a personalised offer.
 *
 * The customer table comes from SQL (src/features/one-click.ts); the holdout is fixed — ids
 * divisible by 4 — and so are the folds (hashFolds: a function of the id), so scikit-learn
 * reproduces every split (scripts/reference/activity_reference.py). Selection, cross-fitted
 * scores, SHAP, segment and target list are the generic engine's (src/jobs/classify/engine.ts);
 * this file adds what is particular to the store: profit orders the target list, the favourite
 * category narrows it to the segment's top three (as seed 001 did), the features get readable
 * names, and the drivers get the marketing actions the seeds recommended. Results are saved in
 * the store (persist.ts).
 */
import { frame } from "../../core/frame.ts";
import type { Progress } from "../../core/progress.ts";
import { ensureDataset } from "../../data/ensure.ts";
import { HOLDOUT_MODULUS, ONE_CLICK_DATASET, oneClickFeatures, oneClickTable } from "../../features/one-click.ts";
import type { Store } from "../../store/store.ts";
import { runEngine, type EngineResult } from "../classify/engine.ts";
import type { GridSize } from "../classify/families.ts";
import { hashFolds } from "../classify/selection.ts";
import { ONE_CLICK_ACTIONS, ONE_CLICK_LABELS } from "./wording.ts";
import { saveActivityRun } from "./persist.ts";
import { sqlTimestampText } from "../../store/result-tables.ts";

export interface ActivityOptions {
  dataset?: string;
  grid?: GridSize;
  families?: readonly string[];
  /** Use the features engineered from the period pivots (default true). */
  engineered?: boolean;
  threshold?: number;
  topCategories?: number;
  nRepeats?: number;
  seed?: number;
  nThreads?: number;
  progress?: Progress;
  /** Save the run in the store (default true). */
  save?: boolean;
  /** Permutation SHAP budget (see EngineOptions). */
  globalSample?: number;
  maxExplained?: number;
}

export interface ActivityResult extends EngineResult {
  runId: string;
  dataset: string;
  createdAt: string;
  droppedZeroRevenue: number;
  engineered: boolean;
  /** Customers per id in the table, for the CSV and the report. */
  customerId: string[];
  profit: Float64Array;
  popularCategory: (string | null)[];
}

/** The last-line JSON contract of `patron activity --json`. */
export function activityContract(r: ActivityResult) {
  return {
    rows: r.rows,
    holdout_roc_auc: r.chosen.holdoutRocAuc,
    cv_roc_auc: r.chosen.cvRocAuc,
    best_model: r.chosen.name,
    target_list_size: r.targets.length,
  };
}

export async function runActivity(store: Store, options: ActivityOptions = {}): Promise<ActivityResult> {
  const dataset = options.dataset ?? ONE_CLICK_DATASET;
  if (dataset === ONE_CLICK_DATASET) await ensureDataset(store, "one-click", { progress: options.progress });
  const table = await oneClickTable(store, dataset);
  const engineered = options.engineered ?? true;
  const names = oneClickFeatures(engineered);
  const column = (name: string) => table.frame.columns.find((c) => c.name === name)!;
  const features = frame(names.map(column));
  const idNumber = column("id_number").values as Float64Array;
  const trainRows = [...table.holdout.keys()].filter((i) => table.holdout[i] === 0);
  const category = column("popular_category").values as (string | null)[];
  const seed = options.seed ?? 0;
  const result = await runEngine(
    {
      features,
      y: table.declined,
      customerId: table.customerId,
      holdout: table.holdout,
      selectionFolds: hashFolds(trainRows.map((i) => idNumber[i]), Float64Array.from(trainRows, (i) => table.declined[i])),
      crossFitFolds: hashFolds(idNumber, table.declined),
      value: { name: "profit", values: table.profit },
      category: { name: "popular_category", values: category },
    },
    {
      grid: options.grid, families: options.families, seed, nThreads: options.nThreads, progress: options.progress,
      nRepeats: options.nRepeats, threshold: options.threshold, topCategories: options.topCategories,
      globalSample: options.globalSample, maxExplained: options.maxExplained,
      target: "decline risk", segmentName: "customers at risk", labels: ONE_CLICK_LABELS, actions: ONE_CLICK_ACTIONS,
    },
  );
  const createdMs = Date.now();
  const runId = `activity-${new Date(createdMs).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}-${createdMs % 1000}`;
  const out: ActivityResult = {
    ...result,
    runId,
    dataset,
    createdAt: new Date(createdMs).toISOString(),
    droppedZeroRevenue: table.nDroppedZeroRevenue,
    engineered,
    customerId: table.customerId,
    profit: table.profit,
    popularCategory: category,
  };
  if (options.save ?? true) await saveActivityRun(store, runRows(out, createdMs, table.declined, table.holdout));
  return out;
}

function runRows(r: ActivityResult, createdMs: number, declined: Float64Array, holdout: Uint8Array) {
  const at = sqlTimestampText(createdMs);
  return {
    run: {
      run_id: r.runId, dataset: r.dataset, created_at: at, n_rows: r.rows, n_holdout: r.nHoldout, dropped_zero_revenue: r.droppedZeroRevenue,
      best_model: r.chosen.name, best_description: r.chosen.description, cv_roc_auc: r.chosen.cvRocAuc, holdout_roc_auc: r.chosen.holdoutRocAuc,
      repeated_cv_mean: r.repeatedCv?.mean ?? null, repeated_cv_sd: r.repeatedCv?.sd ?? null, threshold: r.threshold.threshold,
      threshold_rule: r.threshold.rule, segment_size: r.segmentSize, target_list_size: r.targets.length,
      summary: activitySummary(r),
      model: r.finalModel,
    },
    scores: r.customerId.map((customerId, i) => ({
      run_id: r.runId, dataset: r.dataset, customer_id: customerId, probability: r.probability[i], declined: declined[i],
      in_holdout: holdout[i] === 1, in_segment: r.inSegment[i] === 1,
      reasons: r.reasons.get(i)?.map(({ feature, label, value, contribution, text }) => ({ feature, label, value, contribution, text })) ?? null,
      scored_at: at,
    })),
    targets: r.targets.map((t) => ({
      run_id: r.runId, dataset: r.dataset, rank: t.rank, customer_id: t.customerId, probability: t.probability, profit: t.value,
      popular_category: t.category, reasons: t.reasons,
    })),
  };
}

/** What the report and the service need from a run, as plain JSON (no per-customer arrays). */
export function activitySummary(r: ActivityResult) {
  return {
    runId: r.runId,
    dataset: r.dataset,
    createdAt: r.createdAt,
    labelName: "purchase activity declined",
    holdoutRule: `customer id divisible by ${HOLDOUT_MODULUS}`,
    labels: ONE_CLICK_LABELS,
    valueName: "profit",
    categoryName: "popular_category",
    rows: r.rows,
    droppedZeroRevenue: r.droppedZeroRevenue,
    nTrain: r.nTrain,
    nHoldout: r.nHoldout,
    positives: r.positives,
    engineered: r.engineered,
    features: r.features,
    candidates: r.candidates,
    chosen: r.chosen,
    repeatedCv: r.repeatedCv,
    gridPoints: r.gridPoints,
    threshold: r.threshold,
    segmentSize: r.segmentSize,
    explanation: r.explanation,
    profile: r.profile,
    topCategories: r.topCategories,
    targetListSize: r.targets.length,
    targetHead: r.targets.slice(0, 20),
    drivers: r.drivers,
    seconds: r.seconds,
  };
}
export type ActivitySummary = ReturnType<typeof activitySummary>;
