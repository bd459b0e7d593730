/**
 * Checks at the public boundary of the matrix estimators (logistic regression, kNN, SVC):
 * `fit` and `predict` are where user data enters, so shapes, missing values and labels are
 * validated here once, with messages that say what to do, and the numeric code inside trusts
 * its input. Error codes match the metrics' checks (E_SHAPE, E_NAN, E_NOT_BINARY, E_WEIGHT).
 */
import { PatronError, preview } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";

export function checkMatrix(x: Matrix, who: string): void {
  if (
    typeof x !== "object" ||
    x === null ||
    !(x.data instanceof Float64Array) ||
    !Number.isInteger(x.nRows) ||
    !Number.isInteger(x.nCols) ||
    x.data.length !== x.nRows * x.nCols ||
    x.columns?.length !== x.nCols
  ) {
    throw new PatronError(
      "E_SHAPE",
      `${who} takes a Matrix (column-major Float64Array with nRows × nCols values and one name per column); build one with matrix() or fromColumns().`,
    );
  }
}

/** The columns at predict time must be the ones seen in fit, in the same order. */
export function checkFeatures(x: Matrix, featureNames: readonly string[], who: string): void {
  checkMatrix(x, who);
  if (x.nCols !== featureNames.length) {
    throw new PatronError(
      "E_SHAPE",
      `${who} was fitted on ${featureNames.length} columns but got ${x.nCols}; pass the columns [${featureNames.join(", ")}].`,
    );
  }
  for (let j = 0; j < x.nCols; j++) {
    if (x.columns[j] !== featureNames[j]) {
      throw new PatronError(
        "E_COLUMN",
        `${who} expects column ${j} to be "${featureNames[j]}" but got "${x.columns[j]}"; pass the columns in the order used in fit.`,
      );
    }
  }
}

/** Logistic regression, kNN and SVC need complete numbers: NaN and ±Infinity are rejected. */
export function checkFinite(x: Matrix, who: string): void {
  const { data, nRows } = x;
  for (let p = 0; p < data.length; p++) {
    if (!Number.isFinite(data[p])) {
      const j = Math.floor(p / nRows);
      const i = p - j * nRows;
      throw new PatronError(
        "E_NAN",
        `${who} needs imputed input, but column "${x.columns[j]}" row ${i + 1} is ${data[p]}. Impute missing values first ` +
          `(a pipeline does it: numericImputer "median"), or use gbdt, which handles missing values.`,
      );
    }
  }
}

export function checkRowCount(y: ArrayLike<number>, nRows: number, who: string, name = "y"): void {
  if (!(y instanceof Float64Array)) {
    throw new PatronError("E_SHAPE", `${who}: ${name} must be a Float64Array with one value per row.`);
  }
  if (y.length !== nRows) {
    throw new PatronError("E_SHAPE", `${who}: x has ${nRows} rows but ${name} has ${y.length} values; pass one per row.`);
  }
}

/**
 * Class labels must be the integers 0..K−1, each present; K = 2 unless multiclass is allowed.
 * Returns K and the count of each class.
 */
export function checkClassLabels(
  y: Float64Array,
  nRows: number,
  who: string,
  allowMulticlass: boolean,
): { nClasses: number; counts: Float64Array } {
  checkRowCount(y, nRows, who);
  let maxLabel = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!(Number.isInteger(v) && v >= 0) || (!allowMulticlass && v > 1)) {
      const bad: number[] = [];
      for (let r = 0; r < y.length && bad.length < 6; r++) {
        const b = y[r];
        if (!(Number.isInteger(b) && b >= 0) || (!allowMulticlass && b > 1)) bad.push(b);
      }
      throw new PatronError(
        allowMulticlass ? "E_LABELS" : "E_NOT_BINARY",
        allowMulticlass
          ? `${who} labels must be class indices 0, 1, …, K−1; found ${preview(bad)} (first at row ${i + 1}). Encode classes as 0..K−1.`
          : `${who} is a binary classifier: labels must be 0 and 1; found ${preview(bad)} (first at row ${i + 1}). Encode the positive class as 1 and everything else as 0.`,
      );
    }
    if (v > maxLabel) maxLabel = v;
  }
  const nClasses = Math.max(maxLabel + 1, 2);
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  const present = counts.filter((n) => n > 0).length;
  if (present < 2) {
    throw new PatronError(
      "E_ONE_CLASS",
      `${who} needs at least two classes in y, but every label is ${y.length > 0 ? y[0] : "(no rows)"}. Check the target definition or the rows selected.`,
    );
  }
  const absent = [...counts.keys()].filter((k) => counts[k] === 0);
  if (absent.length > 0) {
    throw new PatronError(
      "E_LABELS",
      `${who} labels must use every class index 0..${nClasses - 1}, but ${absent.join(", ")} never occurs. Re-encode the classes without gaps.`,
    );
  }
  return { nClasses, counts };
}

export function checkRegressionTarget(y: Float64Array, nRows: number, who: string): void {
  checkRowCount(y, nRows, who);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new PatronError("E_NAN", `${who}: target y row ${i + 1} is ${y[i]}; drop rows without a target before fitting.`);
    }
  }
}

/** Sample weights: one per row, finite, ≥ 0, not all zero. Returns all-ones when absent. */
export function checkSampleWeight(weights: Float64Array | undefined, nRows: number, who: string): Float64Array {
  if (weights === undefined) return new Float64Array(nRows).fill(1);
  checkRowCount(weights, nRows, who, "sampleWeight");
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new PatronError("E_WEIGHT", `${who}: sampleWeight must be finite and ≥ 0; found ${w} at row ${i + 1}.`);
    }
    total += w;
  }
  if (total === 0) throw new PatronError("E_WEIGHT", `${who}: sampleWeight sums to 0; at least one row needs a positive weight.`);
  return weights;
}

export function checkNotEmpty(nRows: number, who: string): void {
  if (nRows === 0) throw new PatronError("E_EMPTY", `${who} needs at least one row to fit.`);
}
