/**
 * The binary-label customer job shared by `patron activity` (the «В один клик» preset) and
 * `patron classify` (any customer table): model selection with a fixed holdout, cross-fitted
 * scores for every customer, SHAP explanations (global ranking and per-customer reasons), the
 * segment above a threshold, its profile, the target list and recommendations. Pure
 * computation on a Frame: reading files and stores and writing results belong to the callers.
 */
import { PatronError } from "../../core/errors.ts";
import { frame, takeFrameRows, type Frame } from "../../core/frame.ts";
import type { Progress } from "../../core/progress.ts";
import { permutation, rng } from "../../core/rng.ts";
import { warn } from "../../core/warn.ts";
import { globalImportance, type FeatureImportance } from "../../explain/ranking.ts";
import { topReasons, type Reason } from "../../explain/reasons.ts";
import type { ShapValues } from "../../explain/shap-values.ts";
import type { Fold } from "../../models/select/folds.ts";
import { stratifiedKFold } from "../../models/select/folds.ts";
import type { GridSize } from "./families.ts";
import { recommendations, type Driver, type RecommendationOptions } from "./recommendations.ts";
import { crossFit, explainCrossFit } from "./scoring.ts";
import { f1Threshold, flagQuality, segmentProfile, targetList, topCategories, type ProfileRow, type TargetRow, type ThresholdChoice } from "./segment.ts";
import { selectModel, type CandidateSummary, type SelectionResult } from "./selection.ts";

export interface CustomerTableInput {
  /** Model features only, one row per customer. */
  features: Frame;
  /** 0/1 label. */
  y: Float64Array;
  customerId: readonly string[];
  /** Holdout rows (1 = held out). */
  holdout: Uint8Array;
  /** Optional folds fixed by the caller (selection folds index training rows; cross-fit folds all rows). */
  selectionFolds?: readonly Fold[];
  crossFitFolds?: readonly Fold[];
  /** The value of each customer (profit): orders the target list; not a feature. */
  value?: { name: string; values: Float64Array };
  /** A category per customer (favourite category): the top ones restrict the target list. */
  category?: { name: string; values: readonly (string | null)[] };
}

export interface EngineOptions {
  grid?: GridSize;
  families?: readonly string[];
  seed?: number;
  nThreads?: number;
  progress?: Progress;
  /** Repetitions of the repeated CV of the chosen model. Default 3. */
  nRepeats?: number;
  maxVote?: number;
  /** Segment threshold on P(y = 1); default the F1-optimal one. */
  threshold?: number;
  /** Restrict the target list to the segment's n most frequent categories (0 = no restriction). Default 3 when a category is given. */
  topCategories?: number;
  /** Permutation SHAP: customers sampled for the global ranking (the segment is explained as well). Default 200. */
  globalSample?: number;
  /** Permutation SHAP: most customers explained in all. Default 900. */
  maxExplained?: number;
  /** Permutation SHAP: background rows and antithetic pairs. */
  backgroundSize?: number;
  nPairs?: number;
  /** Reasons per customer. Default 3. */
  nReasons?: number;
  /** Words for the text: target "decline risk", segmentName "customers at risk". */
  target: string;
  segmentName: string;
  labels?: Readonly<Record<string, string>>;
  actions?: RecommendationOptions["actions"];
}

/** A family's or vote's row of the comparison table, without the per-row arrays. */
export type CandidateRow = Omit<CandidateSummary, "oof" | "holdoutProba">;

export interface EngineResult {
  rows: number;
  nTrain: number;
  nHoldout: number;
  positives: number;
  features: string[];
  candidates: CandidateRow[];
  chosen: CandidateRow;
  repeatedCv: SelectionResult["repeatedCv"];
  gridPoints: number;
  /** Wall-clock seconds per stage. */
  seconds: SelectionResult["seconds"] & { crossFit: number; explain: number };
  threshold: ThresholdChoice & { source: "user" | "rule" };
  /** Cross-fitted P(y = 1) per customer, in input order. */
  probability: Float64Array;
  inSegment: Uint8Array;
  segmentSize: number;
  /** Top reasons per explained customer (input row → reasons). */
  reasons: Map<number, Reason[]>;
  explanation: {
    method: "exact" | "permutation";
    units: string;
    nExplained: number;
    backgroundSize: number | null;
    nPairs: number | null;
    importance: FeatureImportance[];
    /** Up to 400 explained rows for the beeswarm: SHAP values (row-major) and numeric feature values (column-major; NaN for categorical). */
    sample: { featureNames: string[]; nRows: number; shap: number[]; values: number[] };
  };
  profile: ProfileRow[];
  topCategories: { category: string; customers: number }[];
  targets: TargetRow[];
  drivers: Driver[];
  /** The model fitted on every customer, as JSON (to score new customers). */
  finalModel: unknown;
  chosenSpec: unknown;
}

function strip(c: CandidateSummary): CandidateRow {
  const { oof: _o, holdoutProba: _h, ...rest } = c;
  return rest;
}

/** Seeded stratified shuffled folds over all rows (the default cross-fit). */
function defaultFolds(y: Float64Array, seed: number): Fold[] {
  return stratifiedKFold(y, { nSplits: 5, shuffle: true, seed: seed + 1 });
}

export async function runEngine(input: CustomerTableInput, options: EngineOptions): Promise<EngineResult> {
  const seed = options.seed ?? 0;
  const x = input.features;
  const y = input.y;
  if (x.nRows !== y.length || input.customerId.length !== y.length || input.holdout.length !== y.length) {
    throw new PatronError("E_SHAPE", `features (${x.nRows}), labels (${y.length}), ids (${input.customerId.length}) and holdout flags (${input.holdout.length}) must have one entry per customer.`);
  }
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < y.length; i++) (input.holdout[i] ? held : train).push(i);
  const split = { train: Int32Array.from(train), holdout: Int32Array.from(held) };

  const selection = await selectModel(x, y, split, {
    grid: options.grid, families: options.families, seed, nThreads: options.nThreads, progress: options.progress,
    nRepeats: options.nRepeats, maxVote: options.maxVote, folds: input.selectionFolds,
  });

  const folds = input.crossFitFolds ? [...input.crossFitFolds] : defaultFolds(y, seed);
  const crossFitStarted = performance.now();
  const fit = await crossFit(selection.chosenSpec, x, y, folds, { seed, nThreads: options.nThreads, progress: options.progress });
  const probability = fit.proba;
  const crossFitSeconds = (performance.now() - crossFitStarted) / 1000;

  const threshold = options.threshold !== undefined
    ? { threshold: options.threshold, rule: "given by the user", ...flagQuality(y, probability, options.threshold), source: "user" as const }
    : { ...f1Threshold(y, probability), source: "rule" as const };
  if (!(threshold.threshold >= 0 && threshold.threshold <= 1)) {
    throw new PatronError("E_OPTIONS", `the threshold is a probability in [0, 1]; found ${threshold.threshold}.`);
  }
  const inSegment = Uint8Array.from(probability, (p) => (p >= threshold.threshold ? 1 : 0));
  const segmentRows = [...inSegment.keys()].filter((i) => inSegment[i] === 1);

  // Permutation SHAP explains the segment (their reasons matter) and a random sample of
  // everyone (so the global ranking describes all customers, not only those at risk).
  const maxExplained = options.maxExplained ?? 900;
  const sample = Array.from(permutation(y.length, rng(seed + 2)).slice(0, options.globalSample ?? 200));
  const wanted = [...new Set([...sample, ...segmentRows.slice(0, Math.max(0, maxExplained - sample.length))])].sort((a, b) => a - b);
  if (segmentRows.length + sample.length > maxExplained) {
    warn("W_EXPLAIN_CAP", `${segmentRows.length} customers are in the segment; permutation SHAP explains ${maxExplained} customers at most, so ${segmentRows.length - wanted.filter((i) => inSegment[i]).length} of them get no reasons. Raise maxExplained to explain all.`);
  }
  const explainStarted = performance.now();
  const explanations = await explainCrossFit(selection.chosenSpec, fit, x, {
    rows: Int32Array.from(wanted), backgroundSize: options.backgroundSize, nPairs: options.nPairs, seed, nThreads: options.nThreads, progress: options.progress,
  });
  const explainSeconds = (performance.now() - explainStarted) / 1000;
  const units = explanations.all.link === "logit" ? "log-odds" : "probability";

  const reasons = new Map<number, Reason[]>();
  for (const part of explanations.parts) {
    const partReasons = topReasons(part.shap, takeFrameRows(x, part.rows), {
      target: options.target, k: options.nReasons ?? 3, labels: options.labels, background: x,
    });
    part.rows.forEach((i, r) => reasons.set(i, partReasons[r]));
  }
  // The global ranking over the random sample only (exact: every row), so it describes everyone.
  const sampleSet = new Set(sample);
  const rankingRows = explanations.method === "exact" ? null : Array.from(explanations.rows.keys()).filter((r) => sampleSet.has(explanations.rows[r]));
  const rankingShap = rankingRows ? takeShapRows(explanations.all, rankingRows) : explanations.all;
  const importance = globalImportance(rankingShap);
  const explainedFrame = takeFrameRows(x, explanations.rows);
  const drivers = recommendations(importance, explanations.all, explainedFrame, x, inSegment, {
    target: options.target, segmentName: options.segmentName, labels: options.labels, actions: options.actions, units,
  });

  const extra = [
    ...(input.value ? [{ name: input.value.name, kind: "numeric" as const, values: input.value.values }] : []),
    { name: "probability", kind: "numeric" as const, values: probability },
  ];
  const profile = segmentProfile(frame([...x.columns.filter((c) => c.name !== input.category?.name && c.name !== input.value?.name), ...extra, ...(input.category ? [{ name: input.category.name, kind: "categorical" as const, values: input.category.values }] : [])]), inSegment);
  const nTop = input.category ? (options.topCategories ?? 3) : 0;
  const top = input.category && nTop > 0 ? topCategories(input.category.values, inSegment, nTop) : [];
  const targets = targetList({
    customerId: input.customerId,
    probability,
    inSegment,
    value: input.value?.values,
    category: input.category?.values,
    categories: top.length > 0 ? top.map((t) => t.category) : undefined,
    reasons: new Map([...reasons].map(([i, r]) => [i, r.map((reason) => reason.text)])),
  });

  return {
    rows: y.length,
    nTrain: split.train.length,
    nHoldout: split.holdout.length,
    positives: y.reduce((a, b) => a + b, 0),
    features: x.columns.map((c) => c.name),
    candidates: selection.candidates.map(strip),
    chosen: strip(selection.chosen),
    repeatedCv: selection.repeatedCv,
    gridPoints: selection.gridPoints,
    seconds: { ...selection.seconds, crossFit: crossFitSeconds, explain: explainSeconds },
    threshold,
    probability,
    inSegment,
    segmentSize: segmentRows.length,
    reasons,
    explanation: {
      method: explanations.method,
      units,
      nExplained: explanations.rows.length,
      backgroundSize: explanations.method === "permutation" ? explanations.backgroundSize : null,
      nPairs: explanations.method === "permutation" ? explanations.nPairs : null,
      importance,
      // The beeswarm shows the same customers the ranking is computed on, so both charts agree.
      sample: chartSample(rankingShap, rankingRows ? takeFrameRows(explainedFrame, rankingRows) : explainedFrame, 400),
    },
    profile,
    topCategories: top,
    targets,
    drivers,
    finalModel: fit.finalModel,
    chosenSpec: selection.chosenSpec,
  };
}

function takeShapRows(shap: ShapValues, rows: readonly number[]): ShapValues {
  const width = shap.featureNames.length * shap.nOutputs;
  const values = new Float64Array(rows.length * width);
  rows.forEach((r, t) => values.set(shap.values.subarray(r * width, (r + 1) * width), t * width));
  return { ...shap, nRows: rows.length, values };
}

/** Evenly spaced explained rows for the beeswarm: SHAP values and the numeric feature values (NaN for categorical features). */
function chartSample(shap: ShapValues, values: Frame, maxRows: number): EngineResult["explanation"]["sample"] {
  const step = Math.max(1, Math.ceil(shap.nRows / maxRows));
  const rows: number[] = [];
  for (let i = 0; i < shap.nRows; i += step) rows.push(i);
  const picked = takeShapRows(shap, rows);
  const data = new Float64Array(rows.length * shap.featureNames.length).fill(NaN);
  shap.featureNames.forEach((name, j) => {
    const column = values.columns.find((c) => c.name === name);
    if (column?.kind !== "numeric") return;
    rows.forEach((r, t) => (data[j * rows.length + t] = column.values[r]));
  });
  return { featureNames: [...shap.featureNames], nRows: rows.length, shap: Array.from(picked.values), values: Array.from(data) };
}
