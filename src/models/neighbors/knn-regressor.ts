/**
 * k-nearest-neighbour regression with scikit-learn 1.2's KNeighborsRegressor semantics: the
 * prediction is the (weighted) mean of the k neighbours' targets, with uniform or 1/distance
 * weights (neighbours at distance 0 take all the weight).
 */
import { z } from "zod";
import type { Matrix } from "../../core/matrix.ts";
import { checkRegressionTarget } from "../preprocess/input-checks.ts";
import { parseModelJSON, parseOptions } from "../preprocess/transformer.ts";
import type { FitContext, Model, ModelJSON } from "../types.ts";
import { checkKnnFit, checkKnnJSON, knnJSONSchema, KnnOptions, knnToJSON, neighborQuery, type KnnTrainingData } from "./knn-base.ts";
import type { Neighbors } from "./search.ts";

const KIND = "knn-regressor";
const SCHEMA_VERSION = 1;
const WHO = "kNN regressor";

export interface KnnRegressorModel extends Model {
  readonly kind: "knn-regressor";
  readonly task: "regression";
  readonly options: KnnOptions;
  kneighbors(x: Matrix): Neighbors;
}

export interface KnnRegressorEstimator {
  readonly kind: "knn-regressor";
  readonly options: KnnOptions;
  fit(x: Matrix, y: Float64Array, ctx?: FitContext): KnnRegressorModel;
}

export function knnRegressor(options: z.input<typeof KnnOptions> = {}): KnnRegressorEstimator {
  const opts = parseOptions(KnnOptions, options, KIND);
  return {
    kind: KIND,
    options: opts,
    fit(x: Matrix, y: Float64Array, ctx: FitContext = {}): KnnRegressorModel {
      checkKnnFit(x, opts, WHO, ctx.sampleWeight);
      checkRegressionTarget(y, x.nRows, WHO);
      return build(opts, { featureNames: [...x.columns], nRows: x.nRows, columnMajor: x.data.slice(), y: y.slice() });
    },
  };
}

function build(opts: KnnOptions, data: KnnTrainingData): KnnRegressorModel {
  const query = neighborQuery(data, opts, WHO);
  return Object.freeze({
    kind: KIND,
    task: "regression",
    options: opts,
    featureNames: data.featureNames,
    kneighbors: (x: Matrix) => query(x).neighbors,
    predict(x: Matrix): Float64Array {
      const { neighbors, weights } = query(x);
      const { index, k } = neighbors;
      const out = new Float64Array(x.nRows);
      for (let i = 0; i < x.nRows; i++) {
        let sum = 0;
        let total = 0;
        for (let s = 0; s < k; s++) {
          const w = weights[i * k + s];
          sum += w * data.y[index[i * k + s]];
          total += w;
        }
        out[i] = sum / total;
      }
      return out;
    },
    toJSON: (): ModelJSON => knnToJSON(KIND, SCHEMA_VERSION, opts, data),
  } satisfies KnnRegressorModel);
}

const KnnRegressorJSON = knnJSONSchema(KIND, SCHEMA_VERSION);

export function fromJSON(json: unknown): KnnRegressorModel {
  const parsed = parseModelJSON(KnnRegressorJSON, json, KIND);
  const data = checkKnnJSON(parsed, KIND);
  checkRegressionTarget(data.y, data.nRows, `${KIND} JSON`);
  return build(parsed.options, data);
}

/** Registry entry. */
export const estimator = knnRegressor;
