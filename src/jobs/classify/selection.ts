/**
 * Model selection for a binary customer label, chosen by cross-validation only:
 *
 * 1. every family's grid (families.ts) cross-validated on the training part with stratified
 *    5-fold ROC-AUC — one grid search on the worker pool, scikit-learn's fold assignment
 *    (src/models/select/folds.ts), so the folds equal StratifiedKFold(5)'s;
 * 2. each family's best candidate refitted on its folds for out-of-fold probabilities, and on
 *    the whole training part for its holdout ROC-AUC (reported, never used to choose);
 * 3. soft votes of the 2, 3, … best families (soft-voting.ts) as further candidates, scored on
 *    the same folds from the members' out-of-fold probabilities — exactly the vote's own CV,
 *    since every member is fitted on the same rows with the same seed;
 * 4. the candidate with the best mean CV ROC-AUC wins (a tie goes to the simpler one), and
 *    its spec is cross-validated again with repeated stratified folds on every row, for a
 *    mean ± sd that does not hang on one 25 % holdout.
 */
import { PatronError } from "../../core/errors.ts";
import { takeFrameRows, type Frame } from "../../core/frame.ts";
import { takeValues } from "../../core/matrix.ts";
import type { Progress } from "../../core/progress.ts";
import { defaultThreads, runTasks } from "../../core/worker-pool.ts";
import { rocAuc, rocCurve } from "../../metrics/curves.ts";
import { crossValidate, meanSd } from "../../models/select/cross-validate.ts";
import { shareData, shareValues } from "../../models/select/fit-task.ts";
import { stratifiedKFold, type Fold } from "../../models/select/folds.ts";
import type { ParamGrid } from "../../models/select/params.ts";
import { gridSearch, type CandidateResult } from "../../models/select/search.ts";
import type { EstimatorSpec } from "../../models/types.ts";
import { BASE_PIPELINE, describeSpec, families as familyList, FAMILY_LABELS, familyOf, withProbabilities, type FamilyName, type GridSize } from "./families.ts";
import type { FitPredictPayload, FitPredictResult } from "./fit-predict-task.ts";

const TASK_MODULE = new URL("./fit-predict-task.ts", import.meta.url).href;

export interface SelectionOptions {
  grid?: GridSize;
  /** Families to search (default all). */
  families?: readonly string[];
  /** Folds of the selection CV. Default 5. */
  nSplits?: number;
  /**
   * Explicit folds over the training rows (indices into `split.train`); default stratified
   * folds over a seeded shuffle. The one-click job passes folds fixed by customer id, so that
   * scikit-learn reproduces them (hashFolds).
   */
  folds?: readonly Fold[];
  /** Repetitions of the repeated CV of the chosen model (0 skips it). Default 3. */
  nRepeats?: number;
  /** Largest vote tried (the k best families). Default 4; 1 turns votes off. */
  maxVote?: number;
  seed?: number;
  nThreads?: number;
  progress?: Progress;
}

export interface RocPoints {
  fpr: number[];
  tpr: number[];
}

/** One row of the comparison table: a family's best candidate, or a vote. */
export interface CandidateSummary {
  /** "knn", …, or "vote-2", "vote-3", … */
  name: string;
  label: string;
  spec: EstimatorSpec;
  description: string;
  cvRocAuc: number;
  cvSd: number;
  foldRocAuc: number[];
  holdoutRocAuc: number;
  /** Grid points tried (votes: 1). */
  nCandidates: number;
  /** The holdout ROC curve, thinned to at most ~100 points. */
  holdoutRoc: RocPoints;
  /** Out-of-fold P(y = 1) on the training part (training-row order). */
  oof: Float64Array;
  /** P(y = 1) on the holdout from the refit on the whole training part. */
  holdoutProba: Float64Array;
}

export interface SelectionResult {
  nTrain: number;
  nHoldout: number;
  nSplits: number;
  candidates: CandidateSummary[];
  chosen: CandidateSummary;
  /** The chosen spec, with probabilities on (what to fit for scoring). */
  chosenSpec: EstimatorSpec;
  repeatedCv: { nSplits: number; nRepeats: number; mean: number; sd: number; scores: number[] } | null;
  folds: Fold[];
  gridPoints: number;
  /** Wall-clock seconds of each stage. */
  seconds: { search: number; refits: number; repeatedCv: number; total: number };
}

/** Keeps grid points that can be fitted on a fold of this size (kNN needs k ≤ rows). */
function pruneGrid(grid: ParamGrid, nFoldTrain: number): ParamGrid {
  const key = "model.options.nNeighbors";
  if (!(key in grid)) return grid;
  const kept = (grid[key] as number[]).filter((k) => k <= nFoldTrain);
  return { ...grid, [key]: kept.length > 0 ? kept : [Math.max(1, Math.min(5, nFoldTrain))] };
}

/** Thins a curve to at most ~maxPoints points (keeping the ends) for charts. */
export function thinRoc(fpr: ArrayLike<number>, tpr: ArrayLike<number>, maxPoints = 100): RocPoints {
  const step = Math.max(1, Math.ceil(fpr.length / maxPoints));
  const out: RocPoints = { fpr: [], tpr: [] };
  for (let t = 0; t < fpr.length; t += step) {
    out.fpr.push(fpr[t]);
    out.tpr.push(tpr[t]);
  }
  if ((fpr.length - 1) % step !== 0) {
    out.fpr.push(fpr[fpr.length - 1]);
    out.tpr.push(tpr[tpr.length - 1]);
  }
  return out;
}

/**
 * Stratified folds fixed by an integer key per row, reproducible by any tool: rows are put in
 * the order of (key × 2654435761) mod 2³² (Knuth's multiplicative hash, a fixed shuffle) and
 * cut by scikit-learn's unshuffled StratifiedKFold rule. In Python:
 * `order = np.argsort((ids * 2654435761) % 2**32, kind="stable")`, then
 * `StratifiedKFold(k).split(X[order], y[order])`, map the indices back through `order` and
 * sort them (rows keep their table order within a fold, as here).
 */
export function hashFolds(keys: ArrayLike<number>, y: Float64Array, nSplits = 5): Fold[] {
  const hash = Float64Array.from({ length: keys.length }, (_, i) => Math.imul(keys[i], 2654435761) >>> 0);
  const order = Int32Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => hash[a] - hash[b] || a - b);
  const folds = stratifiedKFold(takeValues(y, order), { nSplits });
  return folds.map((fold) => ({
    train: Int32Array.from(fold.train, (r) => order[r]).sort(),
    test: Int32Array.from(fold.test, (r) => order[r]).sort(),
  }));
}

function foldScores(y: Float64Array, proba: Float64Array, folds: readonly Fold[]): number[] {
  return folds.map((fold) => rocAuc(takeValues(y, fold.test), takeValues(proba, fold.test)));
}

function bestOfFamily(candidates: readonly CandidateResult[]): CandidateResult | undefined {
  let best: CandidateResult | undefined;
  for (const c of candidates) {
    const score = c.meanTestScore.roc_auc;
    if (Number.isNaN(score)) continue;
    if (!best || score > best.meanTestScore.roc_auc) best = c;
  }
  return best;
}

/**
 * Runs the selection. `x` holds the feature columns of every row, `train` / `holdout` index
 * its rows; labels are 0/1.
 */
export async function selectModel(
  x: Frame,
  y: Float64Array,
  split: { train: Int32Array; holdout: Int32Array },
  options: SelectionOptions = {},
): Promise<SelectionResult> {
  const started = performance.now();
  const seed = options.seed ?? 0;
  const nSplits = options.folds?.length ?? options.nSplits ?? 5;
  const xTrain = takeFrameRows(x, split.train);
  const yTrain = takeValues(y, split.train);
  const yHoldout = takeValues(y, split.holdout);
  // Shuffled: rows often arrive sorted (by id, by date, by label), and unshuffled folds would
  // then test on blocks unlike the rest (on «В один клик», ordered by id, the last fold's
  // ROC-AUC is 0.59 against 0.95–0.99 for the others).
  const folds = options.folds ? [...options.folds] : stratifiedKFold(yTrain, { nSplits, shuffle: true, seed });
  const nFoldTrain = Math.min(...folds.map((f) => f.train.length));
  const fams = familyList(options.grid ?? "full", options.families);
  const grids = fams.flatMap((f) => f.grids.map((g) => pruneGrid(g, nFoldTrain)));
  const nThreads = options.nThreads ?? defaultThreads();

  // 1. every grid point of every family, one search on the pool.
  const search = await gridSearch(BASE_PIPELINE, grids, xTrain, yTrain, {
    cv: folds, scoring: "roc_auc", refit: false, seed, nThreads, progress: options.progress, task: "binary",
  });
  const bests = fams.flatMap((f) => {
    const best = bestOfFamily(search.candidates.filter((c) => familyOf(c.spec) === f.name));
    return best ? [{ family: f.name, best, n: search.candidates.filter((c) => familyOf(c.spec) === f.name).length }] : [];
  });
  if (bests.length === 0) throw new PatronError("E_FIT", "every candidate model failed to fit; see the warnings above for the first error.");

  const searched = performance.now();
  // 2. out-of-fold and holdout probabilities of each family's best, one batch on the pool.
  const data = shareData(x);
  const yShared = shareValues(y);
  const rowsOf = (local: Int32Array) => Int32Array.from(local, (r) => split.train[r]);
  const tasks = bests.flatMap(({ best }) => {
    const spec = withProbabilities(best.spec);
    const payload = (train: Int32Array, predict: Int32Array): FitPredictPayload => ({ spec, data, y: yShared, train, predict: [predict], seed, returnModel: false });
    return [...folds.map((fold) => payload(rowsOf(fold.train), rowsOf(fold.test))), payload(split.train, split.holdout)];
  });
  options.progress?.start("refits of the best", tasks.length);
  let results: FitPredictResult[];
  try {
    results = await runTasks<FitPredictPayload, FitPredictResult>(
      tasks.map((payload) => ({ module: TASK_MODULE, fn: "fitPredict", payload })),
      { nThreads: Math.min(nThreads, tasks.length), onDone: () => options.progress?.tick() },
    );
  } finally {
    options.progress?.stop();
  }
  const perFamily = folds.length + 1;
  const summaries: CandidateSummary[] = bests.map(({ family, best, n }, b) => {
    const oof = new Float64Array(yTrain.length);
    folds.forEach((fold, f) => {
      const proba = results[b * perFamily + f].proba[0];
      fold.test.forEach((r, t) => (oof[r] = proba[t]));
    });
    const holdoutProba = results[b * perFamily + folds.length].proba[0];
    return summarize(family, FAMILY_LABELS[family], best.spec, best.splitTestScores.roc_auc, n, oof, holdoutProba, yHoldout);
  });

  // 3. votes of the k best families by CV.
  const ranked = [...summaries].sort((a, b) => b.cvRocAuc - a.cvRocAuc);
  const maxVote = Math.min(options.maxVote ?? 4, ranked.length);
  for (let k = 2; k <= maxVote; k++) {
    const members = ranked.slice(0, k);
    const oof = new Float64Array(yTrain.length);
    const holdoutProba = new Float64Array(yHoldout.length);
    for (const m of members) {
      for (let i = 0; i < oof.length; i++) oof[i] += m.oof[i] / k;
      for (let i = 0; i < holdoutProba.length; i++) holdoutProba[i] += m.holdoutProba[i] / k;
    }
    const spec: EstimatorSpec = { kind: "soft-voting", options: { members: members.map((m) => withProbabilities(m.spec)) } };
    summaries.push(summarize(`vote-${k}`, `soft vote of the ${k} best`, spec, foldScores(yTrain, oof, folds), 1, oof, holdoutProba, yHoldout));
  }

  const refitted = performance.now();
  // 4. chosen by CV only; summaries are in order of simplicity, so the first maximum wins a tie.
  const chosen = summaries.reduce((best, c) => (c.cvRocAuc > best.cvRocAuc ? c : best), summaries[0]);
  const chosenSpec = withProbabilities(chosen.spec);
  let repeatedCv: SelectionResult["repeatedCv"] = null;
  const nRepeats = options.nRepeats ?? 3;
  if (nRepeats > 0) {
    const cv = await crossValidate(chosenSpec, x, y, {
      cv: { nSplits, nRepeats }, scoring: "roc_auc", seed, nThreads, progress: options.progress, task: "binary",
    });
    repeatedCv = { nSplits, nRepeats, mean: cv.mean.roc_auc, sd: cv.sd.roc_auc, scores: cv.testScores.roc_auc };
  }
  return {
    nTrain: split.train.length,
    nHoldout: split.holdout.length,
    nSplits,
    candidates: summaries,
    chosen,
    chosenSpec,
    repeatedCv,
    folds,
    gridPoints: search.candidates.length,
    seconds: {
      search: (searched - started) / 1000,
      refits: (refitted - searched) / 1000,
      repeatedCv: (performance.now() - refitted) / 1000,
      total: (performance.now() - started) / 1000,
    },
  };
}

function summarize(
  name: FamilyName | string,
  label: string,
  spec: EstimatorSpec,
  folds: readonly number[],
  nCandidates: number,
  oof: Float64Array,
  holdoutProba: Float64Array,
  yHoldout: Float64Array,
): CandidateSummary {
  const { mean, sd } = meanSd(folds);
  const roc = rocCurve(yHoldout, holdoutProba);
  return {
    name,
    label,
    spec,
    description: describeSpec(spec),
    cvRocAuc: mean,
    cvSd: sd,
    foldRocAuc: [...folds],
    holdoutRocAuc: rocAuc(yHoldout, holdoutProba),
    nCandidates,
    holdoutRoc: thinRoc(roc.fpr, roc.tpr),
    oof,
    holdoutProba,
  };
}
