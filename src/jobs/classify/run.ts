/**
 * `patron classify` on the user's own table: read the CSV or Parquet file (DuckDB sniffs
 * separators, quoting and types), prepare it (table.ts), run the same engine as the activity
 * job — selection by CV with a 25 % stratified holdout, cross-fitted scores, SHAP, segment,
 * target list — and return the result with a report of how every column was treated.
 * Families too slow for the table's size are left out with a warning (SVC's kernel matrix
 * grows with the square of the rows, kNN scores by scanning every training row).
 */
import { takeWarnings, warn, type Warning } from "../../core/warn.ts";
import type { Progress } from "../../core/progress.ts";
import { trainTestSplit } from "../../models/select/folds.ts";
import { loadFile, tableNameOf } from "../../profile/file-source.ts";
import { openDuckDBStore } from "../../store/duckdb-store.ts";
import { runEngine, type EngineResult } from "./engine.ts";
import { FAMILY_NAMES, type GridSize } from "./families.ts";
import { prepareTable, type PreparedTable } from "./table.ts";

export interface ClassifyOptions {
  table: string;
  label: string;
  id?: string;
  positive?: string;
  drop?: readonly string[];
  value?: string;
  category?: string;
  grid?: GridSize;
  families?: readonly string[];
  threshold?: number;
  topCategories?: number;
  nRepeats?: number;
  /** Share of rows held out. Default 0.25. */
  holdoutShare?: number;
  seed?: number;
  nThreads?: number;
  progress?: Progress;
  globalSample?: number;
  maxExplained?: number;
}

export interface ClassifyResult extends EngineResult {
  source: string;
  table: Omit<PreparedTable, "features" | "y" | "value" | "category"> & { features: string[] };
  customerId: string[];
  valueName?: string;
  categoryName?: string;
  /** Warnings raised while preparing and modelling (also printed by the CLI). */
  warnings: Warning[];
}

/** Row counts above which a family is left out by default. */
export const FAMILY_ROW_LIMITS: Partial<Record<string, number>> = { svc: 5_000, knn: 20_000 };
/** Training rows above which the small grid is the default (the full one would take hours). */
export const FULL_GRID_ROWS = 20_000;

export function classifyContract(r: ClassifyResult) {
  return { rows: r.rows, holdout_roc_auc: r.chosen.holdoutRocAuc, cv_roc_auc: r.chosen.cvRocAuc, best_model: r.chosen.name };
}

export async function runClassify(options: ClassifyOptions): Promise<ClassifyResult> {
  const store = await openDuckDBStore(":memory:");
  let prepared: PreparedTable;
  const source = options.table;
  try {
    const relation = await loadFile(store, { table: tableNameOf(source) || "input", path: source });
    prepared = await prepareTable(store, relation, {
      label: options.label, id: options.id, positive: options.positive, drop: options.drop, value: options.value, category: options.category, source,
    });
  } finally {
    await store.close();
  }
  const seed = options.seed ?? 0;
  const split = trainTestSplit(prepared.y.length, { testSize: options.holdoutShare ?? 0.25, stratify: prepared.y, seed });
  const holdout = new Uint8Array(prepared.y.length);
  split.test.forEach((i) => (holdout[i] = 1));
  let families = options.families;
  if (!families || families.length === 0) {
    families = FAMILY_NAMES.filter((name) => {
      const limit = FAMILY_ROW_LIMITS[name];
      if (limit === undefined || split.train.length <= limit) return true;
      warn("W_FAMILY_SKIPPED", `${name} is left out: ${split.train.length} training rows exceed its limit of ${limit} (it would take too long); name it in --families to run it anyway.`);
      return false;
    });
  }
  let grid = options.grid;
  if (grid === undefined) {
    grid = split.train.length > FULL_GRID_ROWS ? "small" : "full";
    if (grid === "small") warn("W_SMALL_GRID", `${split.train.length} training rows: searching the small grid; pass --grid full to search every point (much slower).`);
  }
  const result = await runEngine(
    {
      features: prepared.features, y: prepared.y, customerId: prepared.customerId, holdout, value: prepared.value, category: prepared.category,
    },
    {
      grid, families, seed, nThreads: options.nThreads, progress: options.progress, nRepeats: options.nRepeats,
      threshold: options.threshold, topCategories: options.topCategories, globalSample: options.globalSample, maxExplained: options.maxExplained,
      target: `chance of ${options.label} = ${prepared.label.positive}`, segmentName: "customers above the threshold",
    },
  );
  const { features, y: _y, value: _v, category: _c, ...table } = prepared;
  return {
    ...result,
    source,
    table: { ...table, features: features.columns.map((c) => c.name) },
    customerId: prepared.customerId,
    valueName: prepared.value?.name,
    categoryName: prepared.category?.name,
    warnings: takeWarnings(),
  };
}

/** The report section's input for a classify run. */
export function classifySummary(r: ClassifyResult) {
  return {
    rows: r.rows,
    nTrain: r.nTrain,
    nHoldout: r.nHoldout,
    positives: r.positives,
    holdoutRule: "a stratified random 25 %, seeded",
    labelName: `${r.table.label.column} = ${r.table.label.positive}`,
    candidates: r.candidates,
    chosen: r.chosen,
    repeatedCv: r.repeatedCv,
    threshold: r.threshold,
    segmentSize: r.segmentSize,
    explanation: r.explanation,
    profile: r.profile,
    topCategories: r.topCategories,
    targetListSize: r.targets.length,
    targetHead: r.targets.slice(0, 20),
    drivers: r.drivers,
    valueName: r.valueName,
    categoryName: r.categoryName,
    columns: r.table.columns,
    label: r.table.label,
    idColumn: r.table.idColumn,
    source: r.source,
  };
}
