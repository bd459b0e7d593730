/**
 * One unit of model-selection work: build an estimator from its JSON spec, fit it on one
 * fold's training rows and score it on the test rows. It runs on a worker thread
 * (src/core/worker-pool.ts) or in the calling thread; the data arrive as SharedArrayBuffer
 * views (numeric columns) so that a search over many candidates copies the matrix once.
 */
import { PatronError } from "../../core/errors.ts";
import { frame, takeFrameRows, type Frame, type FrameColumn } from "../../core/frame.ts";
import { matrix, takeRows, takeValues, type Matrix } from "../../core/matrix.ts";
import { estimatorFromSpec } from "../registry.ts";
import type { EstimatorSpec, FrameEstimator, FrameModel, Model, ModelJSON, Estimator } from "../types.ts";
import { scoreModel, type ScoredModel } from "./scorers.ts";

/** A Matrix or Frame in a form that crosses threads without copying numeric data. */
export type SharedData =
  | { type: "matrix"; data: Float64Array; nRows: number; columns: string[] }
  | { type: "frame"; nRows: number; columns: FrameColumn[] };

export function isFrame(x: Matrix | Frame): x is Frame {
  return !("data" in x) && Array.isArray((x as Frame).columns) && typeof (x as Frame).columns[0] === "object";
}

function share(values: Float64Array): Float64Array {
  if (values.buffer instanceof SharedArrayBuffer) return values;
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

export function shareData(x: Matrix | Frame): SharedData {
  if (isFrame(x)) {
    return {
      type: "frame",
      nRows: x.nRows,
      columns: x.columns.map((c) => (c.kind === "numeric" ? { ...c, values: share(c.values) } : c)),
    };
  }
  return { type: "matrix", data: share(x.data), nRows: x.nRows, columns: [...x.columns] };
}

export function shareValues(values: Float64Array): Float64Array {
  return share(values);
}

export function unshareData(d: SharedData): Matrix | Frame {
  return d.type === "matrix" ? matrix(d.data, d.nRows, d.columns) : frame(d.columns);
}

export function subset(x: Matrix | Frame, rows: Int32Array): Matrix | Frame {
  return isFrame(x) ? takeFrameRows(x, rows) : takeRows(x, rows);
}

export interface FitTaskPayload {
  spec: EstimatorSpec;
  data: SharedData;
  y: Float64Array;
  sampleWeight?: Float64Array;
  train: Int32Array;
  test: Int32Array;
  scorers: string[];
  seed: number;
  returnTrainScore: boolean;
  returnModel: boolean;
}

export interface FitTaskResult {
  testScores: Record<string, number>;
  trainScores?: Record<string, number>;
  fitTimeMs: number;
  scoreTimeMs: number;
  model?: ModelJSON;
  /** A PatronError from fit (the candidate's options do not work on this data): scores are NaN. */
  error?: { code: string; message: string };
}

type AnyModel = (Model | FrameModel) & ScoredModel<unknown>;

export async function fitAndScore(payload: FitTaskPayload): Promise<FitTaskResult> {
  const estimator = (await estimatorFromSpec(payload.spec)) as Estimator | FrameEstimator;
  const x = unshareData(payload.data);
  const xTrain = subset(x, payload.train);
  const yTrain = takeValues(payload.y, payload.train);
  const weight = payload.sampleWeight ? takeValues(payload.sampleWeight, payload.train) : undefined;
  const started = performance.now();
  let model: AnyModel;
  try {
    // One thread per task: the tasks themselves already use every core.
    model = (estimator.fit as (x: unknown, y: Float64Array, ctx: object) => AnyModel)(xTrain, yTrain, { seed: payload.seed, sampleWeight: weight, nThreads: 1 });
  } catch (error) {
    if (!(error instanceof PatronError)) throw error;
    const nan = Object.fromEntries(payload.scorers.map((s) => [s, NaN]));
    return { testScores: nan, trainScores: payload.returnTrainScore ? nan : undefined, fitTimeMs: performance.now() - started, scoreTimeMs: 0, error: { code: error.code, message: error.message } };
  }
  const fitTimeMs = performance.now() - started;
  const scored = performance.now();
  const xTest = subset(x, payload.test);
  const yTest = takeValues(payload.y, payload.test);
  const testScores = Object.fromEntries(payload.scorers.map((s) => [s, scoreModel(s, model, xTest, yTest)]));
  const scoreTimeMs = performance.now() - scored;
  const trainScores = payload.returnTrainScore
    ? Object.fromEntries(payload.scorers.map((s) => [s, scoreModel(s, model, xTrain, yTrain)]))
    : undefined;
  return { testScores, trainScores, fitTimeMs, scoreTimeMs, model: payload.returnModel ? model.toJSON() : undefined };
}
