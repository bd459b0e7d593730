/**
 * What the kNN classifier and regressor share (scikit-learn's KNeighborsMixin): options, the
 * checks at fit and predict, the stored training rows, the neighbour query and the JSON form.
 * A fitted kNN model is its training data, so its JSON holds the rows (column-major, like a
 * Matrix) and labels.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { matrix, type Matrix } from "../../core/matrix.ts";
import { checkFeatures, checkFinite, checkMatrix, checkNotEmpty } from "../preprocess/input-checks.ts";
import { kNearest, metricPower, neighborWeights, toRowMajor, type Neighbors } from "./search.ts";

export const KnnOptions = z.strictObject({
  nNeighbors: z.number().int().min(1).default(5),
  weights: z.enum(["uniform", "distance"]).default("uniform"),
  metric: z.enum(["euclidean", "manhattan", "minkowski"]).default("euclidean"),
  /** Power of the Minkowski distance (metric "minkowski" only; 2 = euclidean). */
  p: z.number().min(1).default(2),
});
export type KnnOptions = z.output<typeof KnnOptions>;

export interface KnnTrainingData {
  readonly featureNames: readonly string[];
  readonly nRows: number;
  /** Column-major copy of the training matrix (what toJSON writes). */
  readonly columnMajor: Float64Array;
  readonly y: Float64Array;
}

export function checkKnnFit(x: Matrix, opts: KnnOptions, who: string, sampleWeight: Float64Array | undefined): void {
  checkMatrix(x, who);
  checkNotEmpty(x.nRows, who);
  checkFinite(x, who);
  if (opts.nNeighbors > x.nRows) {
    throw new PatronError(
      "E_OPTIONS",
      `${who} needs nNeighbors ≤ the number of training rows; got nNeighbors ${opts.nNeighbors} with ${x.nRows} rows. Lower nNeighbors.`,
    );
  }
  if (sampleWeight !== undefined) {
    throw new PatronError(
      "E_OPTIONS",
      `${who} does not use sample weights (neither does scikit-learn's); resample the rows instead, or use a model that takes weights.`,
    );
  }
}

/** A query function over stored training rows: checks the input and returns the neighbours and their weights. */
export function neighborQuery(data: KnnTrainingData, opts: KnnOptions, who: string) {
  const rowMajor = toRowMajor(matrix(data.columnMajor, data.nRows, data.featureNames));
  const power = metricPower(opts.metric, opts.p);
  return (x: Matrix): { neighbors: Neighbors; weights: Float64Array } => {
    checkFeatures(x, data.featureNames, who);
    checkFinite(x, who);
    const neighbors = kNearest(rowMajor, data.nRows, x, opts.nNeighbors, power);
    return { neighbors, weights: neighborWeights(neighbors, opts.weights) };
  };
}

export function knnJSONSchema<K extends string>(kind: K, schemaVersion: number) {
  return z.strictObject({
    kind: z.literal(kind),
    schemaVersion: z.literal(schemaVersion),
    options: KnnOptions,
    featureNames: z.array(z.string()),
    nClasses: z.number().int().min(2).optional(),
    /** Training rows, column-major. */
    x: z.array(z.number()),
    y: z.array(z.number()),
  });
}

/** Checks the sizes in kNN JSON agree before a model is built from it. */
export function checkKnnJSON(parsed: { featureNames: string[]; x: number[]; y: number[]; options: KnnOptions }, kind: string): KnnTrainingData {
  const nRows = parsed.y.length;
  if (parsed.x.length !== nRows * parsed.featureNames.length || nRows < parsed.options.nNeighbors) {
    throw new PatronError(
      "E_MODEL_JSON",
      `${kind} JSON needs ${parsed.featureNames.length} values per training row for ${nRows} rows (and at least nNeighbors rows); found ${parsed.x.length} values`,
    );
  }
  return { featureNames: parsed.featureNames, nRows, columnMajor: Float64Array.from(parsed.x), y: Float64Array.from(parsed.y) };
}

export function knnToJSON(kind: string, schemaVersion: number, opts: KnnOptions, data: KnnTrainingData, extra: Record<string, unknown> = {}) {
  return {
    kind,
    schemaVersion,
    options: opts,
    featureNames: [...data.featureNames],
    ...extra,
    x: Array.from(data.columnMajor),
    y: Array.from(data.y),
  };
}
