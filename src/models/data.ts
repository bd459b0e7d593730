/**
 * From store results to the Matrix estimators take. `store.frame()` already moves DuckDB chunks
 * straight into Float64Array columns (src/store/duckdb-store.ts copies each numeric vector's
 * buffer); here the numeric columns are laid side by side into one column-major buffer, one
 * memcpy per column, never through row objects. Categorical columns need encoding first — a
 * pipeline (src/models/preprocess/pipeline.ts) does that from the Frame itself.
 */
import { PatronError } from "../core/errors.ts";
import { frameColumn, type Frame } from "../core/frame.ts";
import { matrix, type Matrix } from "../core/matrix.ts";

/** The numeric columns of a Frame (all of them, or those named, in that order) as a Matrix. */
export function frameToMatrix(f: Frame, columns?: readonly string[]): Matrix {
  const picked = columns ? columns.map((name) => frameColumn(f, name)) : f.columns;
  const categorical = picked.filter((c) => c.kind !== "numeric").map((c) => c.name);
  if (categorical.length > 0) {
    throw new PatronError(
      "E_TYPE",
      `a Matrix holds numbers, but ${categorical.map((n) => `"${n}"`).join(", ")} ${categorical.length > 1 ? "are" : "is"} categorical; ` +
        "leave such columns out, cast them in SQL, or fit a pipeline on the Frame (it one-hot or ordinal encodes them).",
    );
  }
  const nRows = f.nRows;
  const data = new Float64Array(nRows * picked.length);
  picked.forEach((c, j) => data.set(c.values as Float64Array, j * nRows));
  return matrix(data, nRows, picked.map((c) => c.name));
}

/**
 * Splits a Frame into features and a numeric label column: `{ x, y }` with x a Matrix of the
 * named (or all other numeric) columns. Rows whose label is missing are an error, not dropped
 * silently: filter them in SQL.
 */
export function frameToXY(f: Frame, label: string, features?: readonly string[]): { x: Matrix; y: Float64Array } {
  const target = frameColumn(f, label);
  if (target.kind !== "numeric") {
    throw new PatronError("E_TYPE", `label column "${label}" must be numeric (0/1 for binary); it is categorical. Encode it in SQL (e.g. CASE WHEN … THEN 1 ELSE 0 END).`);
  }
  const y = target.values;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) {
      throw new PatronError("E_NAN", `label column "${label}" is missing at row ${i + 1}; filter rows without a label (WHERE ${label} IS NOT NULL).`);
    }
  }
  const names = features ?? f.columns.filter((c) => c.name !== label && c.kind === "numeric").map((c) => c.name);
  return { x: frameToMatrix(f, names), y: Float64Array.from(y) };
}
