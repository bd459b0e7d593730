/**
 * Grid search and random search over whole estimator specs — for a pipeline, encoder × scaler ×
 * model × the model's parameters — scored by cross-validation on worker threads, ranked like
 * scikit-learn's GridSearchCV (mean test score, ties share the lowest rank, the first
 * candidate wins a tie), with the best candidate refitted on all rows.
 */
import { PatronError } from "../../core/errors.ts";
import type { Frame } from "../../core/frame.ts";
import type { Matrix } from "../../core/matrix.ts";
import { estimatorFromSpec } from "../registry.ts";
import type { Estimator, EstimatorSpec, FrameEstimator, FrameModel, Model } from "../types.ts";
import {
  inferTask, meanSd, resolveFolds, runCandidates, scorerList, toSpec, type AnyEstimator, type CvOptions,
} from "./cross-validate.ts";
import { applyParams, expandGrid, sampleParams, type ParamDistributions, type ParamGrid, type Params } from "./params.ts";

export interface SearchOptions extends CvOptions {
  /** Refit the best candidate on all rows (by the first scorer, or the one named). Default true. */
  refit?: boolean | string;
}

export interface CandidateResult {
  params: Params;
  spec: EstimatorSpec;
  meanTestScore: Record<string, number>;
  stdTestScore: Record<string, number>;
  /** 1 = best; candidates with equal means share the lowest rank; NaN means rank last. */
  rankTestScore: Record<string, number>;
  splitTestScores: Record<string, number[]>;
  meanTrainScore?: Record<string, number>;
  meanFitTimeMs: number;
  stdFitTimeMs: number;
  meanScoreTimeMs: number;
  /** Set when a fit failed (its scores are NaN). */
  error?: string;
}

export interface SearchResult {
  scoring: string[];
  refitScorer: string;
  nSplits: number;
  candidates: CandidateResult[];
  bestIndex: number;
  bestParams: Params;
  bestSpec: EstimatorSpec;
  bestScore: number;
  /** The best spec fitted on all rows (unless refit: false). */
  bestModel?: Model | FrameModel;
  refitTimeMs?: number;
}

/** scipy.stats.rankdata(−means, method="min"), with NaN ranked after every number. */
function rankMin(means: readonly number[]): number[] {
  return means.map((m) => {
    if (Number.isNaN(m)) return means.filter((v) => !Number.isNaN(v)).length + 1;
    return 1 + means.filter((v) => v > m).length;
  });
}

async function search(base: AnyEstimator, candidates: Params[], x: Matrix | Frame, y: Float64Array, options: SearchOptions, label: string): Promise<SearchResult> {
  if (y.length !== x.nRows) throw new PatronError("E_SHAPE", `y has ${y.length} values but x has ${x.nRows} rows.`);
  if (candidates.length === 0) throw new PatronError("E_PARAM_GRID", "the search space has no candidates.");
  const task = inferTask(y, options.task);
  const scoring = scorerList(options.scoring, task);
  const refitScorer = typeof options.refit === "string" ? options.refit : scoring[0];
  if (!scoring.includes(refitScorer)) {
    throw new PatronError("E_SCORER", `refit names scorer "${refitScorer}", which is not in scoring (${scoring.join(", ")}).`);
  }
  const baseSpec = toSpec(base);
  const specs = candidates.map((p) => applyParams(baseSpec, p));
  const folds = resolveFolds(options.cv, y, task, options.seed ?? 0);
  const results = await runCandidates(specs, x, y, folds, scoring, { ...options, label: `${label} (${specs.length} × ${folds.length} folds)` });
  const rows: CandidateResult[] = specs.map((spec, c) => {
    const r = results[c];
    const split = Object.fromEntries(scoring.map((s) => [s, r.map((f) => f.testScores[s])]));
    const fit = meanSd(r.map((f) => f.fitTimeMs));
    const failed = r.find((f) => f.error);
    return {
      params: candidates[c],
      spec,
      meanTestScore: Object.fromEntries(scoring.map((s) => [s, meanSd(split[s]).mean])),
      stdTestScore: Object.fromEntries(scoring.map((s) => [s, meanSd(split[s]).sd])),
      rankTestScore: {},
      splitTestScores: split,
      meanTrainScore: options.returnTrainScore
        ? Object.fromEntries(scoring.map((s) => [s, meanSd(r.map((f) => f.trainScores![s])).mean]))
        : undefined,
      meanFitTimeMs: fit.mean,
      stdFitTimeMs: fit.sd,
      meanScoreTimeMs: meanSd(r.map((f) => f.scoreTimeMs)).mean,
      error: failed ? `[${failed.error!.code}] ${failed.error!.message}` : undefined,
    };
  });
  for (const s of scoring) {
    const ranks = rankMin(rows.map((row) => row.meanTestScore[s]));
    rows.forEach((row, c) => (row.rankTestScore[s] = ranks[c]));
  }
  // The first candidate with rank 1 (scikit-learn's argmin over ranks).
  const bestIndex = rows.findIndex((row) => row.rankTestScore[refitScorer] === 1);
  const best = rows[bestIndex];
  const out: SearchResult = {
    scoring,
    refitScorer,
    nSplits: folds.length,
    candidates: rows,
    bestIndex,
    bestParams: best.params,
    bestSpec: best.spec,
    bestScore: best.meanTestScore[refitScorer],
  };
  if (options.refit !== false) {
    const estimator = (await estimatorFromSpec(best.spec)) as Estimator | FrameEstimator;
    const started = performance.now();
    out.bestModel = (estimator.fit as (x: unknown, y: Float64Array, ctx: object) => Model | FrameModel)(x, y, {
      seed: options.seed ?? 0,
      sampleWeight: options.sampleWeight,
      nThreads: options.nThreads,
    });
    out.refitTimeMs = performance.now() - started;
  }
  return out;
}

/** Every combination of the grid (or list of grids), each cross-validated. */
export function gridSearch(base: AnyEstimator, grid: ParamGrid | readonly ParamGrid[], x: Matrix | Frame, y: Float64Array, options: SearchOptions = {}): Promise<SearchResult> {
  return search(base, expandGrid(grid), x, y, options, "grid search");
}

/** nIter candidates drawn from lists and distributions with options.seed. */
export function randomSearch(base: AnyEstimator, space: ParamDistributions, nIter: number, x: Matrix | Frame, y: Float64Array, options: SearchOptions = {}): Promise<SearchResult> {
  return search(base, sampleParams(space, nIter, options.seed ?? 0), x, y, options, "random search");
}

/** One plain row per candidate, best first: for printing (printTable) and reports. */
export function resultsTable(result: SearchResult): Record<string, unknown>[] {
  const s = result.refitScorer;
  return [...result.candidates]
    .map((c) => ({
      rank: c.rankTestScore[s],
      [`mean ${s}`]: c.meanTestScore[s],
      [`sd ${s}`]: c.stdTestScore[s],
      ...Object.fromEntries(result.scoring.filter((t) => t !== s).map((t) => [`mean ${t}`, c.meanTestScore[t]])),
      "fit ms": Math.round(c.meanFitTimeMs),
      params: JSON.stringify(c.params),
    }))
    .sort((a, b) => (a.rank as number) - (b.rank as number));
}
