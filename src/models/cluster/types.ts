/**
 * The clusterer contract, beside the supervised Estimator (models/types.ts) because clustering
 * has no target: a factory validates options with zod and returns `{ kind, options, fit(x, ctx) }`;
 * `fit` returns an immutable model with the training labels (−1 = noise for the density
 * methods), `predict` for new rows where the method defines it, and versioned JSON that
 * `fromJSON` validates before building. Randomness only from ctx.seed.
 */
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { FitContext, ModelJSON } from "../types.ts";

export interface ClusterModel {
  readonly kind: string;
  readonly featureNames: readonly string[];
  /** Number of clusters found (noise not counted). */
  readonly nClusters: number;
  /** Cluster index per training row, 0…nClusters − 1; −1 marks noise (DBSCAN, HDBSCAN). */
  readonly labels: Int32Array;
  /** Cluster per new row (nearest centroid, most likely component, nearest core point…). */
  predict(x: Matrix): Int32Array;
  toJSON(): ModelJSON;
}

export interface Clusterer<M extends ClusterModel = ClusterModel> {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  fit(x: Matrix, ctx?: FitContext): M;
}

/** Rejects matrices with missing values: distances are undefined with NaN (impute first). */
export function checkClusterInput(x: Matrix, kind: string, minRows = 2): void {
  if (x.nRows < minRows) throw new PatronError("E_TOO_FEW_ROWS", `${kind} needs at least ${minRows} rows; found ${x.nRows}`);
  for (let j = 0; j < x.nCols; j++) {
    const base = j * x.nRows;
    for (let i = 0; i < x.nRows; i++) {
      if (!Number.isFinite(x.data[base + i])) {
        throw new PatronError("E_MISSING", `${kind}: row ${i}, column "${x.columns[j]}" is ${x.data[base + i]}; clustering needs finite values. Impute or drop missing values first.`);
      }
    }
  }
}

/** Rejects a predict matrix whose columns differ from the ones seen in fit. */
export function checkColumns(x: Matrix, featureNames: readonly string[], kind: string): void {
  if (x.nCols !== featureNames.length || x.columns.some((c, j) => c !== featureNames[j])) {
    throw new PatronError("E_COLUMNS", `${kind} was fitted on columns [${featureNames.join(", ")}]; found [${x.columns.join(", ")}]. Pass the same columns in the same order.`);
  }
}

/** Squared Euclidean distance between row i of column-major x and a row-major point. */
export function squaredDistanceToPoint(x: Matrix, i: number, point: ArrayLike<number>, offset = 0): number {
  let sum = 0;
  for (let j = 0; j < x.nCols; j++) {
    const d = x.data[j * x.nRows + i] - point[offset + j];
    sum += d * d;
  }
  return sum;
}

/** Row-major copy of a column-major matrix: distance loops read one row at a time. */
export function rowMajor(x: Matrix): Float64Array {
  const out = new Float64Array(x.nRows * x.nCols);
  for (let j = 0; j < x.nCols; j++) {
    const base = j * x.nRows;
    for (let i = 0; i < x.nRows; i++) out[i * x.nCols + j] = x.data[base + i];
  }
  return out;
}

/** Nearest of nCenters row-major centers to each row: labels and squared distances. */
export function nearestCenters(x: Matrix, centers: Float64Array, nCenters: number): { labels: Int32Array; distances: Float64Array } {
  const labels = new Int32Array(x.nRows);
  const distances = new Float64Array(x.nRows);
  const d = x.nCols;
  const rows = rowMajor(x);
  for (let i = 0; i < x.nRows; i++) {
    let best = Infinity;
    let bestK = 0;
    for (let k = 0; k < nCenters; k++) {
      let sum = 0;
      for (let j = 0; j < d; j++) {
        const diff = rows[i * d + j] - centers[k * d + j];
        sum += diff * diff;
      }
      if (sum < best) {
        best = sum;
        bestK = k;
      }
    }
    labels[i] = bestK;
    distances[i] = best;
  }
  return { labels, distances };
}
