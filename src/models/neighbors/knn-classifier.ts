/**
 * k-nearest-neighbour classification (Cover & Hart 1967) with scikit-learn 1.2's
 * KNeighborsClassifier semantics: class probabilities are the (weighted) share of each class
 * among the k neighbours, with uniform or 1/distance weights (neighbours at distance 0 take
 * all the weight). Binary and multiclass (labels 0..K−1). Predictions equal scikit-learn's
 * on data without distance ties; on ties the lower training row wins here, while scikit-learn's
 * choice depends on its search structure.
 */
import { z } from "zod";
import type { Matrix } from "../../core/matrix.ts";
import { checkClassLabels } from "../preprocess/input-checks.ts";
import { parseModelJSON, parseOptions } from "../preprocess/transformer.ts";
import type { Classifier, FitContext, ModelJSON } from "../types.ts";
import { checkKnnFit, checkKnnJSON, knnJSONSchema, KnnOptions, knnToJSON, neighborQuery, type KnnTrainingData } from "./knn-base.ts";
import type { Neighbors } from "./search.ts";

const KIND = "knn-classifier";
const SCHEMA_VERSION = 1;
const WHO = "kNN classifier";

export interface KnnClassifierModel extends Classifier {
  readonly kind: "knn-classifier";
  readonly options: KnnOptions;
  readonly nClasses: number;
  /** The k nearest training rows of each query row (row-major nRows × k), nearest first. */
  kneighbors(x: Matrix): Neighbors;
}

export interface KnnClassifierEstimator {
  readonly kind: "knn-classifier";
  readonly options: KnnOptions;
  fit(x: Matrix, y: Float64Array, ctx?: FitContext): KnnClassifierModel;
}

export function knnClassifier(options: z.input<typeof KnnOptions> = {}): KnnClassifierEstimator {
  const opts = parseOptions(KnnOptions, options, KIND);
  return {
    kind: KIND,
    options: opts,
    fit(x: Matrix, y: Float64Array, ctx: FitContext = {}): KnnClassifierModel {
      checkKnnFit(x, opts, WHO, ctx.sampleWeight);
      const { nClasses } = checkClassLabels(y, x.nRows, WHO, true);
      return build(opts, { featureNames: [...x.columns], nRows: x.nRows, columnMajor: x.data.slice(), y: y.slice() }, nClasses);
    },
  };
}

function build(opts: KnnOptions, data: KnnTrainingData, nClasses: number): KnnClassifierModel {
  const query = neighborQuery(data, opts, WHO);
  const binary = nClasses === 2;
  /** Row-major nRows × nClasses shares of (weighted) neighbour votes. */
  const classShares = (x: Matrix): Float64Array => {
    const { neighbors, weights } = query(x);
    const { index, k } = neighbors;
    const out = new Float64Array(x.nRows * nClasses);
    for (let i = 0; i < x.nRows; i++) {
      let total = 0;
      for (let s = 0; s < k; s++) {
        const w = weights[i * k + s];
        out[i * nClasses + data.y[index[i * k + s]]] += w;
        total += w;
      }
      for (let c = 0; c < nClasses; c++) out[i * nClasses + c] /= total;
    }
    return out;
  };
  const predictProba = (x: Matrix): Float64Array => {
    const shares = classShares(x);
    if (!binary) return shares;
    const out = new Float64Array(x.nRows);
    for (let i = 0; i < x.nRows; i++) out[i] = shares[2 * i + 1];
    return out;
  };
  return Object.freeze({
    kind: KIND,
    task: binary ? "binary" : "multiclass",
    options: opts,
    featureNames: data.featureNames,
    nClasses,
    kneighbors: (x: Matrix) => query(x).neighbors,
    predictProba,
    /** Binary: P(y = 1). Multiclass: the class with the largest share (lowest index on ties, as scikit-learn). */
    predict(x: Matrix): Float64Array {
      if (binary) return predictProba(x);
      const shares = classShares(x);
      const out = new Float64Array(x.nRows);
      for (let i = 0; i < x.nRows; i++) {
        let best = 0;
        for (let c = 1; c < nClasses; c++) if (shares[i * nClasses + c] > shares[i * nClasses + best]) best = c;
        out[i] = best;
      }
      return out;
    },
    toJSON: (): ModelJSON => knnToJSON(KIND, SCHEMA_VERSION, opts, data, { nClasses }),
  } satisfies KnnClassifierModel);
}

const KnnClassifierJSON = knnJSONSchema(KIND, SCHEMA_VERSION);

export function fromJSON(json: unknown): KnnClassifierModel {
  const parsed = parseModelJSON(KnnClassifierJSON, json, KIND);
  const data = checkKnnJSON(parsed, KIND);
  const { nClasses } = checkClassLabels(data.y, data.nRows, `${KIND} JSON`, true);
  return build(parsed.options, data, nClasses);
}

/** Registry entry. */
export const estimator = knnClassifier;
