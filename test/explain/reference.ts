/** Loads the gzip JSON fixtures written by scripts/reference/*.py (see each script's docstring). */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { matrix, type Matrix } from "../../src/core/matrix.ts";

export function loadReference<T>(name: string): T {
  const path = new URL(`../reference/${name}`, import.meta.url);
  const bytes = readFileSync(path);
  return JSON.parse((name.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8")) as T;
}

/** A row-major list (null = missing) as Patron's column-major Matrix. */
export function rowMajorMatrix(values: readonly (number | null)[], nRows: number, columns: readonly string[]): Matrix {
  const nCols = columns.length;
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nCols; j++) data[j * nRows + i] = values[i * nCols + j] ?? NaN;
  }
  return matrix(data, nRows, columns);
}
