/**
 * Cross-validation of an estimator spec (matrix estimators and Frame pipelines alike): every
 * fold is a task on worker threads across the cores, scored with any scorers by name, with a
 * mean and standard deviation per scorer (population sd, as scikit-learn's std_test_score).
 * `runCandidates` is the engine grid and random search share: candidates × folds as tasks.
 */
import { PatronError } from "../../core/errors.ts";
import type { Frame } from "../../core/frame.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { Progress } from "../../core/progress.ts";
import { warn } from "../../core/warn.ts";
import { defaultThreads, runTasks } from "../../core/worker-pool.ts";
import { modelFromJSON } from "../registry.ts";
import type { Estimator, EstimatorSpec, FrameEstimator, FrameModel, Model, Task } from "../types.ts";
import { fitAndScore, isFrame, shareData, shareValues, type FitTaskPayload, type FitTaskResult } from "./fit-task.ts";
import { kFold, repeatedKFold, repeatedStratifiedKFold, stratifiedKFold, type Fold } from "./folds.ts";
import { defaultScorer, scorer } from "./scorers.ts";

const TASK_MODULE = new URL("./fit-task.ts", import.meta.url).href;

export interface CvOptions {
  /** k (default 5; stratified for classification, as scikit-learn), repeated folds, or explicit folds. */
  cv?: number | { nSplits?: number; nRepeats?: number; shuffle?: boolean } | readonly Fold[];
  /** Scorer names (scorers.ts); default roc_auc / accuracy / r2 by task. */
  scoring?: string | readonly string[];
  /** How to stratify and the default scorer; inferred from y: 0/1 labels → binary, else regression. */
  task?: Task;
  seed?: number;
  /** Worker threads; default all cores when there are at least 4 tasks, else this thread. */
  nThreads?: number;
  progress?: Progress;
  /** Passed to fit (not to scoring, as scikit-learn's fit_params). */
  sampleWeight?: Float64Array;
  returnTrainScore?: boolean;
}

export type AnyEstimator = Estimator | FrameEstimator | EstimatorSpec;

/** A JSON spec for any estimator: specs pass through; built estimators give {kind, options}. */
export function toSpec(estimator: AnyEstimator): EstimatorSpec {
  const spec = { kind: estimator.kind, options: { ...(estimator.options ?? {}) } } as EstimatorSpec;
  try {
    return structuredClone(spec);
  } catch {
    throw new PatronError("E_SPEC", `estimator "${estimator.kind}" has options that cannot be sent to worker threads; pass a JSON spec {kind, options} with nested specs instead of built estimators.`);
  }
}

export function inferTask(y: Float64Array, task: Task | undefined): Task {
  if (task) return task;
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) return "regression";
  return "binary";
}

export function resolveFolds(cv: CvOptions["cv"], y: Float64Array, task: Task, seed: number): Fold[] {
  const classification = task !== "regression";
  if (Array.isArray(cv)) {
    for (const [f, fold] of (cv as Fold[]).entries()) {
      for (const rows of [fold.train, fold.test]) {
        if (rows.length === 0 || rows.some((i) => !(Number.isInteger(i) && i >= 0 && i < y.length))) {
          throw new PatronError("E_FOLDS", `fold ${f} must list row indices in 0..${y.length - 1}, train and test both non-empty.`);
        }
      }
    }
    return cv as Fold[];
  }
  const spec = typeof cv === "number" || cv === undefined ? { nSplits: cv ?? 5 } : (cv as { nSplits?: number; nRepeats?: number; shuffle?: boolean });
  const nSplits = spec.nSplits ?? 5;
  if (spec.nRepeats !== undefined) {
    return classification ? repeatedStratifiedKFold(y, { nSplits, nRepeats: spec.nRepeats, seed }) : repeatedKFold(y.length, { nSplits, nRepeats: spec.nRepeats, seed });
  }
  return classification
    ? stratifiedKFold(y, { nSplits, shuffle: spec.shuffle, seed })
    : kFold(y.length, { nSplits, shuffle: spec.shuffle, seed });
}

export function scorerList(scoring: CvOptions["scoring"], task: Task): string[] {
  const names = scoring === undefined ? [defaultScorer(task)] : typeof scoring === "string" ? [scoring] : [...scoring];
  if (names.length === 0) throw new PatronError("E_SCORER", "scoring lists no scorer; name at least one (e.g. \"roc_auc\").");
  for (const name of names) {
    const s = scorer(name);
    if (!s.tasks.includes(task)) {
      throw new PatronError("E_SCORER", `scorer "${name}" does not apply to ${task} targets; it is for ${s.tasks.join(" or ")}.`);
    }
  }
  return names;
}

function checkInputs(x: Matrix | Frame, y: Float64Array): void {
  if (y.length !== x.nRows) {
    throw new PatronError("E_SHAPE", `y has ${y.length} values but x has ${x.nRows} rows; pass one label per row.`);
  }
}

/** Every candidate on every fold; results[c][f]. */
export async function runCandidates(
  specs: readonly EstimatorSpec[],
  x: Matrix | Frame,
  y: Float64Array,
  folds: readonly Fold[],
  scorers: readonly string[],
  options: CvOptions & { returnModels?: boolean; label?: string },
): Promise<FitTaskResult[][]> {
  const data = shareData(x);
  const yShared = shareValues(y);
  const weight = options.sampleWeight ? shareValues(options.sampleWeight) : undefined;
  const tasks = specs.flatMap((spec) =>
    folds.map((fold) => ({
      module: TASK_MODULE,
      fn: "fitAndScore",
      payload: {
        spec, data, y: yShared, sampleWeight: weight, train: fold.train, test: fold.test, scorers: [...scorers],
        seed: options.seed ?? 0, returnTrainScore: options.returnTrainScore ?? false, returnModel: options.returnModels ?? false,
      } satisfies FitTaskPayload,
    })),
  );
  const nThreads = options.nThreads ?? (tasks.length >= 4 ? defaultThreads() : 1);
  options.progress?.start(options.label ?? "cross-validation", tasks.length);
  let flat: FitTaskResult[];
  try {
    flat = nThreads <= 1
      ? await runInThread(tasks.map((t) => t.payload), options.progress)
      : await runTasks<FitTaskPayload, FitTaskResult>(tasks, { nThreads, onDone: () => options.progress?.tick() });
  } finally {
    options.progress?.stop();
  }
  const failed = flat.filter((r) => r.error);
  if (failed.length === flat.length) {
    const e = failed[0].error!;
    throw new PatronError(e.code, `every fit failed; the first: ${e.message}`);
  }
  if (failed.length > 0) {
    warn("W_FIT_FAILED", `${failed.length} of ${flat.length} fits failed and score NaN (first: [${failed[0].error!.code}] ${failed[0].error!.message}).`);
  }
  return specs.map((_, c) => flat.slice(c * folds.length, (c + 1) * folds.length));
}

async function runInThread(payloads: FitTaskPayload[], progress?: Progress): Promise<FitTaskResult[]> {
  const out: FitTaskResult[] = [];
  for (const payload of payloads) {
    out.push(await fitAndScore(payload));
    progress?.tick();
  }
  return out;
}

/** Mean and population standard deviation (scikit-learn's cv_results_ mean/std). */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return { mean, sd: Math.sqrt(variance) };
}

export interface CvResult {
  scoring: string[];
  /** Per scorer: the score of each fold, in fold order. */
  testScores: Record<string, number[]>;
  trainScores?: Record<string, number[]>;
  mean: Record<string, number>;
  sd: Record<string, number>;
  fitTimeMs: number[];
  scoreTimeMs: number[];
  folds: Fold[];
  /** With returnModels: the model fitted on each fold. */
  models?: (Model | FrameModel)[];
}

export async function crossValidate(
  estimator: AnyEstimator,
  x: Matrix | Frame,
  y: Float64Array,
  options: CvOptions & { returnModels?: boolean } = {},
): Promise<CvResult> {
  checkInputs(x, y);
  const task = inferTask(y, options.task);
  const scoring = scorerList(options.scoring, task);
  const folds = resolveFolds(options.cv, y, task, options.seed ?? 0);
  const [results] = await runCandidates([toSpec(estimator)], x, y, folds, scoring, options);
  const pick = (key: "testScores" | "trainScores", s: string) => results.map((r) => r[key]![s]);
  const testScores = Object.fromEntries(scoring.map((s) => [s, pick("testScores", s)]));
  const summary = Object.fromEntries(scoring.map((s) => [s, meanSd(testScores[s])]));
  return {
    scoring,
    testScores,
    trainScores: options.returnTrainScore ? Object.fromEntries(scoring.map((s) => [s, pick("trainScores", s)])) : undefined,
    mean: Object.fromEntries(scoring.map((s) => [s, summary[s].mean])),
    sd: Object.fromEntries(scoring.map((s) => [s, summary[s].sd])),
    fitTimeMs: results.map((r) => r.fitTimeMs),
    scoreTimeMs: results.map((r) => r.scoreTimeMs),
    folds,
    models: options.returnModels ? await Promise.all(results.map((r) => modelFromJSON(r.model))) : undefined,
  };
}

export { isFrame };
