/**
 * Argument checks shared by the metric functions: they are public boundaries (a scorer in a
 * grid search, a report, a user's script), so bad input fails with a PatronError that says what
 * was expected, what was found and what to do, never with a NaN that spreads quietly.
 */
import { PatronError, preview } from "../core/errors.ts";

export type Numbers = ArrayLike<number>;

export function checkSameLength(name: string, values: Numbers, nRows: number, what = "y_true"): void {
  if (values.length !== nRows) {
    throw new PatronError(
      "E_SHAPE",
      `${name} has ${values.length} values but ${what} has ${nRows}; pass one value per row.`,
    );
  }
}

export function checkFinite(name: string, values: Numbers): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new PatronError(
        "E_NAN",
        `${name} must be finite numbers; found ${values[i]} at row ${i}. Impute or drop those rows first.`,
      );
    }
  }
}

export function checkNotEmpty(name: string, values: Numbers): void {
  if (values.length === 0) throw new PatronError("E_EMPTY", `${name} is empty; a metric needs at least one row.`);
}

/** Binary labels must be exactly 0 and 1 (the positive class is 1). */
export function checkBinary(name: string, values: Numbers): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) {
      const bad: number[] = [];
      for (let r = 0; r < values.length && bad.length < 6; r++) if (values[r] !== 0 && values[r] !== 1) bad.push(values[r]);
      throw new PatronError(
        "E_NOT_BINARY",
        `${name} must contain only 0 and 1; found ${preview(bad)} (first at row ${i}). Encode the positive class as 1 and everything else as 0.`,
      );
    }
  }
}

export function checkProbabilities(name: string, values: Numbers): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) {
      throw new PatronError(
        "E_RANGE",
        `${name} must be probabilities in [0, 1]; found ${v} at row ${i}. Pass predictProba output, not a margin or decision value.`,
      );
    }
  }
}

/** Sample weights: one per row, finite, not negative, not all zero. */
export function checkWeights(weights: Numbers | undefined, nRows: number): void {
  if (weights === undefined) return;
  checkSameLength("sampleWeight", weights, nRows);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new PatronError("E_WEIGHT", `sampleWeight must be finite and ≥ 0; found ${w} at row ${i}.`);
    }
    total += w;
  }
  if (total === 0) throw new PatronError("E_WEIGHT", "sampleWeight sums to 0; at least one row needs a positive weight.");
}

/** Class labels (integers, usually 0..K-1) must be finite integers. */
export function checkLabels(name: string, values: Numbers): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i])) {
      throw new PatronError(
        "E_LABEL",
        `${name} must hold integer class labels; found ${values[i]} at row ${i}. Encode classes as 0, 1, 2, ….`,
      );
    }
  }
}

/** Sorted distinct values of one or more label arrays (sklearn's unique_labels). */
export function uniqueLabels(...arrays: Numbers[]): number[] {
  const set = new Set<number>();
  for (const values of arrays) for (let i = 0; i < values.length; i++) set.add(values[i]);
  return [...set].sort((a, b) => a - b);
}
