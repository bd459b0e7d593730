/**
 * One unit of the selection work that scoring alone does not cover: fit an estimator spec on
 * some rows and return P(y = 1) for other rows — out-of-fold predictions (to build the vote
 * and to cross-fit scores), and the holdout predictions of each family's refit. Runs on a
 * worker thread (src/core/worker-pool.ts) or in the calling thread; the data cross threads as
 * the shared views model selection already uses (src/models/select/fit-task.ts).
 */
import { subset, unshareData, type SharedData } from "../../models/select/fit-task.ts";
import { takeValues } from "../../core/matrix.ts";
import { estimatorFromSpec } from "../../models/registry.ts";
import type { EstimatorSpec, ModelJSON } from "../../models/types.ts";

export interface FitPredictPayload {
  spec: EstimatorSpec;
  data: SharedData;
  y: Float64Array;
  train: Int32Array;
  /** Row sets to predict, each answered in order. */
  predict: Int32Array[];
  seed: number;
  returnModel: boolean;
}

export interface FitPredictResult {
  /** P(y = 1) for each requested row set. */
  proba: Float64Array[];
  fitTimeMs: number;
  model?: ModelJSON;
}

interface ProbaModel {
  predictProba(x: unknown): Float64Array;
  toJSON(): ModelJSON;
}

export async function fitPredict(payload: FitPredictPayload): Promise<FitPredictResult> {
  const estimator = (await estimatorFromSpec(payload.spec)) as unknown as { fit(x: unknown, y: Float64Array, ctx: object): ProbaModel };
  const x = unshareData(payload.data);
  const started = performance.now();
  // One thread per task: the tasks themselves already use every core.
  const model = estimator.fit(subset(x, payload.train), takeValues(payload.y, payload.train), { seed: payload.seed, nThreads: 1 });
  const fitTimeMs = performance.now() - started;
  return {
    proba: payload.predict.map((rows) => model.predictProba(subset(x, rows))),
    fitTimeMs,
    model: payload.returnModel ? model.toJSON() : undefined,
  };
}
