/**
 * The embedder contract for the segmentation spaces (PCA, t-SNE, UMAP, tree embedding): a
 * factory validates options with zod; `fit(x, ctx)` returns an immutable model holding the
 * training rows' embedding, `transform` for new rows where the method has one (PCA, UMAP),
 * and versioned JSON. Randomness only from ctx.seed.
 */
import { matrix, type Matrix } from "../../core/matrix.ts";
import type { ModelJSON } from "../types.ts";

export interface EmbeddingModel {
  readonly kind: string;
  readonly featureNames: readonly string[];
  /** The training rows in the new space, columns named `${prefix}1…`. */
  readonly embedding: Matrix;
  transform?(x: Matrix): Matrix;
  toJSON(): ModelJSON;
}

/** Column-major Matrix from row-major values. */
export function fromRowMajor(values: ArrayLike<number>, nRows: number, nCols: number, prefix: string): Matrix {
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nCols; j++) data[j * nRows + i] = values[i * nCols + j];
  return matrix(data, nRows, Array.from({ length: nCols }, (_, j) => `${prefix}${j + 1}`));
}

/** Rows as number[][] (umap-js's input shape). */
export function toRowArrays(x: Matrix): number[][] {
  const out: number[][] = new Array(x.nRows);
  for (let i = 0; i < x.nRows; i++) {
    const r = new Array<number>(x.nCols);
    for (let j = 0; j < x.nCols; j++) r[j] = x.data[j * x.nRows + i];
    out[i] = r;
  }
  return out;
}
