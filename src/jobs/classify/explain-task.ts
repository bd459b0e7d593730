/**
 * The worker side of explaining customers: rebuild one fitted model from its JSON and explain
 * some rows — exactly (TreeSHAP or linear SHAP through src/explain, for pipelines over tree
 * ensembles and linear models) or by permutation sampling (permutation-shap.ts, any model).
 * Runs on a worker thread or in the calling thread, like every selection task.
 */
import type { Frame } from "../../core/frame.ts";
import { explainModel } from "../../explain/explain.ts";
import type { ShapValues } from "../../explain/shap-values.ts";
import { modelFromJSON } from "../../models/registry.ts";
import { subset, unshareData, type SharedData } from "../../models/select/fit-task.ts";
import type { ModelJSON } from "../../models/types.ts";
import { permutationShap, type ProbabilityModel } from "./permutation-shap.ts";

export type ExplainMethod = "exact" | "permutation";

export interface ExplainPayload {
  model: ModelJSON;
  /** The feature Frame of every row. */
  data: SharedData;
  /** Rows to explain. */
  rows: Int32Array;
  /** Rows the explanation compares with (the model's training rows, or a sample of them). */
  background: Int32Array;
  method: ExplainMethod;
  nPairs: number;
  seed: number;
}

export async function explainRows(payload: ExplainPayload): Promise<ShapValues> {
  const model = await modelFromJSON(payload.model);
  const x = unshareData(payload.data) as Frame;
  const rows = subset(x, payload.rows) as Frame;
  const background = subset(x, payload.background) as Frame;
  if (payload.method === "exact") return explainModel(model, rows, { background, nThreads: 1 });
  return permutationShap(model as unknown as ProbabilityModel, rows, background, { nPairs: payload.nPairs, seed: payload.seed, rowKeys: payload.rows });
}
