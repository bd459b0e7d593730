/**
 * The numeric matrix every estimator takes. Column-major because training scans one feature
 * at a time: column j is data.subarray(j * nRows, (j + 1) * nRows). NaN means missing.
 */
import { PatronError } from "./errors.ts";

export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
  readonly columns: readonly string[];
}

export function matrix(data: Float64Array, nRows: number, columns: readonly string[]): Matrix {
  if (data.length !== nRows * columns.length) {
    throw new PatronError(
      "E_SHAPE",
      `matrix data has ${data.length} values but ${nRows} rows × ${columns.length} columns need ${nRows * columns.length}`,
    );
  }
  return { data, nRows, nCols: columns.length, columns };
}

export function column(x: Matrix, j: number): Float64Array {
  return x.data.subarray(j * x.nRows, (j + 1) * x.nRows);
}

export function get(x: Matrix, i: number, j: number): number {
  return x.data[j * x.nRows + i];
}

/** Builds a matrix from named columns (each a Float64Array or number[] of equal length). */
export function fromColumns(columns: Record<string, ArrayLike<number>>): Matrix {
  const names = Object.keys(columns);
  const nRows = names.length === 0 ? 0 : columns[names[0]].length;
  const data = new Float64Array(nRows * names.length);
  names.forEach((name, j) => {
    const values = columns[name];
    if (values.length !== nRows) {
      throw new PatronError("E_SHAPE", `column "${name}" has ${values.length} rows, expected ${nRows}`);
    }
    data.set(values, j * nRows);
  });
  return matrix(data, nRows, names);
}

/** Builds a matrix from row arrays (tests and small literal inputs). */
export function fromRows(rows: readonly (readonly number[])[], columns?: readonly string[]): Matrix {
  const nRows = rows.length;
  const nCols = columns?.length ?? rows[0]?.length ?? 0;
  const names = columns ?? Array.from({ length: nCols }, (_, j) => `x${j}`);
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    if (rows[i].length !== nCols) {
      throw new PatronError("E_SHAPE", `row ${i} has ${rows[i].length} values, expected ${nCols}`);
    }
    for (let j = 0; j < nCols; j++) data[j * nRows + i] = rows[i][j];
  }
  return matrix(data, nRows, names);
}

/** The rows at `index`, in that order (for splits, folds and bootstrap samples). */
export function takeRows(x: Matrix, index: ArrayLike<number>): Matrix {
  const nOut = index.length;
  const data = new Float64Array(nOut * x.nCols);
  for (let j = 0; j < x.nCols; j++) {
    const source = j * x.nRows;
    const target = j * nOut;
    for (let r = 0; r < nOut; r++) data[target + r] = x.data[source + index[r]];
  }
  return matrix(data, nOut, x.columns);
}

export function selectColumns(x: Matrix, names: readonly string[]): Matrix {
  const data = new Float64Array(x.nRows * names.length);
  names.forEach((name, k) => {
    const j = x.columns.indexOf(name);
    if (j < 0) throw new PatronError("E_COLUMN", `no column "${name}"; have ${x.columns.join(", ")}`);
    data.set(column(x, j), k * x.nRows);
  });
  return matrix(data, x.nRows, names);
}

export function row(x: Matrix, i: number): Float64Array {
  const out = new Float64Array(x.nCols);
  for (let j = 0; j < x.nCols; j++) out[j] = x.data[j * x.nRows + i];
  return out;
}

export function takeValues(values: Float64Array, index: ArrayLike<number>): Float64Array {
  const out = new Float64Array(index.length);
  for (let r = 0; r < index.length; r++) out[r] = values[index[r]];
  return out;
}
