/**
 * One entry point for SHAP values of a fitted Patron model: tree ensembles (GBDT, random
 * forest, CART, imported XGBoost) through exact TreeSHAP on worker threads, linear models
 * through linear SHAP over a background set, and pipelines by explaining the inner model on
 * the encoded matrix and summing one-hot columns back to their original column. Models with
 * neither (kNN, SVC) have no exact SHAP here: permutationImportance (permutation.ts) is the
 * model-agnostic tool for them.
 */
import { PatronError } from "../core/errors.ts";
import type { Frame } from "../core/frame.ts";
import type { Matrix } from "../core/matrix.ts";
import type { TreeEnsemble } from "../models/tree/ensemble.ts";
import { groupShap } from "./grouping.ts";
import { explainLinear, type LinearModelLike } from "./linear-shap.ts";
import type { ShapValues } from "./shap-values.ts";
import { explainTreesParallel } from "./tree-shap-parallel.ts";

export interface ExplainOptions {
  /** Rows the linear baseline is the mean of (training rows or a sample); needed for linear models. */
  background?: Matrix | Frame;
  /** Pipelines: sum one-hot columns back to their original column (default true). */
  group?: boolean;
  /** Worker threads for TreeSHAP; default all cores (small inputs stay in this thread). */
  nThreads?: number;
}

interface PipelineLike {
  readonly model: unknown;
  transform(f: Frame): Matrix;
  readonly featureSources?: readonly string[];
}

const isPipeline = (m: unknown): m is PipelineLike =>
  typeof (m as PipelineLike).transform === "function" && typeof (m as PipelineLike).model === "object";

/** The tree ensemble behind a model, if it has one. */
export function treeEnsembleOf(model: unknown): TreeEnsemble | undefined {
  const m = model as { ensemble?: TreeEnsemble; trees?: unknown };
  if (m.ensemble && Array.isArray(m.ensemble.trees)) return m.ensemble;
  if (Array.isArray(m.trees) && typeof (m as TreeEnsemble).baseMargin === "number") return model as TreeEnsemble;
  return undefined;
}

function isLinear(model: unknown): model is LinearModelLike & { task?: string } {
  return (model as LinearModelLike).coef instanceof Float64Array && Array.isArray((model as LinearModelLike).featureNames);
}

/** SHAP values of `model` on the rows of x (a Matrix; a Frame for pipelines), in margin space. */
export async function explainModel(model: unknown, x: Matrix | Frame, options: ExplainOptions = {}): Promise<ShapValues> {
  if (isPipeline(model)) {
    const encoded = model.transform(x as Frame);
    const background = options.background && model.transform(options.background as Frame);
    const shap = await explainModel(model.model, encoded, { ...options, background });
    return options.group === false || !model.featureSources ? shap : groupShap(shap, model.featureSources);
  }
  const matrix = x as Matrix;
  if (!(matrix.data instanceof Float64Array)) {
    throw new PatronError("E_INPUT", "explain a matrix model with a Matrix; a Frame goes with a pipeline model.");
  }
  const ensemble = treeEnsembleOf(model);
  if (ensemble) return explainTreesParallel(ensemble, matrix, { nThreads: options.nThreads });
  if (isLinear(model)) {
    if (!options.background) {
      throw new PatronError("E_BACKGROUND", "linear SHAP compares each row with a baseline: pass background rows (the training matrix or a sample of it).");
    }
    const link = model.task === "regression" ? "identity" : undefined;
    return explainLinear(model, matrix, { background: options.background as Matrix, ...(link ? { link } : {}) });
  }
  throw new PatronError(
    "E_NOT_EXPLAINABLE",
    `model kind ${JSON.stringify((model as { kind?: string }).kind)} has no exact SHAP explainer (only tree ensembles and linear models); use permutationImportance for a model-agnostic ranking.`,
  );
}
