/**
 * One unit of the Hillstrom job's cross-validation: fit a named candidate (candidates.ts) on one
 * fold's training rows and predict the uplift of arm 1 on its test rows. Runs on a worker thread
 * (src/core/worker-pool.ts) or in the calling thread; the matrix arrives as a SharedArrayBuffer
 * view, so the folds of every candidate share one copy.
 */
import { matrix, takeRows } from "../../core/matrix.ts";
import { upliftSpread } from "../../uplift/average.ts";
import { candidate } from "./candidates.ts";

export interface FoldTaskPayload {
  candidate: string;
  data: Float64Array;
  nRows: number;
  columns: string[];
  y: Float64Array;
  treatment: Int32Array;
  train: Int32Array;
  test: Int32Array;
  seed: number;
}

export interface FoldPrediction {
  /** Predicted uplift (arm 1 vs control) on the fold's test rows. */
  uplift: Float64Array;
  /** sd of the predicted uplift on the fold's training rows (an average weighs members by its inverse). */
  spread: number;
}

export function fitFold(p: FoldTaskPayload): FoldPrediction {
  const x = matrix(p.data, p.nRows, p.columns);
  const xTrain = takeRows(x, p.train);
  const model = candidate(p.candidate).estimator().fit(
    xTrain,
    Float64Array.from(p.train, (i) => p.y[i]),
    Int32Array.from(p.train, (i) => p.treatment[i]),
    { seed: p.seed, nThreads: 1 },
  );
  const nTreatments = model.arms.length - 1;
  const uplift = model.predictUplift(takeRows(x, p.test));
  return {
    uplift: Float64Array.from({ length: p.test.length }, (_, r) => uplift[r * nTreatments]),
    spread: upliftSpread(model, xTrain),
  };
}
