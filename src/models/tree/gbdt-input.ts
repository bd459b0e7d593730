/**
 * Checks of what `fit` receives (STYLE.md §4: validate at the boundary, trust the inside): the
 * matrix, labels for the objective, sample weights; and the seeded holdout for early stopping
 * without a validation set.
 */
import { check, PatronError, preview } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { permutation, rng } from "../../core/rng.ts";
import type { GbdtParsed } from "./gbdt-options.ts";

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, j) => name === b[j]);
}

export function checkMatrix(x: Matrix, name: string): void {
  const data = x.data;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (v === Infinity || v === -Infinity) {
      const j = Math.floor(k / x.nRows);
      throw new PatronError(
        "E_NOT_FINITE",
        `${name} has ${v} at row ${k % x.nRows}, column "${x.columns[j]}"; gbdt accepts finite numbers and NaN for missing. Replace infinities (e.g. cap them or set NaN).`,
      );
    }
  }
}

export function checkWeights(weights: Float64Array, nRows: number): void {
  check(weights.length === nRows, "E_SHAPE", `sampleWeight has ${weights.length} values but x has ${nRows} rows`);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(w >= 0 && w < Infinity)) {
      throw new PatronError("E_WEIGHT", `sampleWeight must be finite and ≥ 0; found ${w} at row ${i}`);
    }
    total += w;
  }
  check(total > 0, "E_WEIGHT", "sampleWeight sums to 0; give some rows positive weight");
}

/** Validates labels for the objective and returns the class count (1 for regression). */
export function checkLabels(opts: GbdtParsed, y: Float64Array, name: string, expectedClasses?: number): number {
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) {
      throw new PatronError("E_NAN_LABEL", `${name} has NaN at row ${i}; labels cannot be missing — drop those rows or impute the label`);
    }
  }
  if (opts.objective === "reg:squarederror") {
    for (let i = 0; i < y.length; i++) {
      check(Number.isFinite(y[i]), "E_NOT_FINITE", () => `${name} has ${y[i]} at row ${i}; regression targets must be finite`);
    }
    return 1;
  }
  if (opts.objective === "binary:logistic") {
    const bad = Array.from(y).filter((v) => v !== 0 && v !== 1);
    if (bad.length > 0) {
      throw new PatronError("E_NOT_BINARY", `${name} must contain only 0 and 1 for binary:logistic; found ${preview(bad)}. Encode the positive class as 1 (or use multi:softmax).`);
    }
    if (expectedClasses === undefined) {
      const positives = y.reduce((s, v) => s + v, 0);
      if (positives === 0 || positives === y.length) {
        throw new PatronError("E_ONE_CLASS", `${name} has only class ${positives === 0 ? 0 : 1}; a binary classifier needs both 0 and 1 in the training labels`);
      }
    }
    return 2;
  }
  const nClasses = expectedClasses ?? opts.nClasses ?? Math.max(...y) + 1;
  const bad = Array.from(y).filter((v) => !(Number.isInteger(v) && v >= 0 && v < nClasses));
  if (bad.length > 0) {
    throw new PatronError("E_LABEL", `${name} must hold class indices 0…${nClasses - 1} for multi:softmax; found ${preview(bad)}`);
  }
  if (expectedClasses === undefined && new Set(y).size < 2) {
    throw new PatronError("E_ONE_CLASS", `${name} has only one class; multi:softmax needs at least two`);
  }
  return nClasses;
}

/** A seeded holdout of about `fraction` of the rows, per class when stratified. */
export function holdOut(y: Float64Array, fraction: number, stratified: boolean, seed: number): { train: number[]; valid: number[] } {
  const random = rng(seed).fork();
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const key = stratified ? y[i] : 0;
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  }
  const valid: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const rows = groups.get(key)!;
    const order = permutation(rows.length, random);
    const take = Math.round(rows.length * fraction);
    for (let r = 0; r < take; r++) valid.push(rows[order[r]]);
  }
  valid.sort((a, b) => a - b);
  const isValid = new Uint8Array(y.length);
  for (const i of valid) isValid[i] = 1;
  const train: number[] = [];
  for (let i = 0; i < y.length; i++) if (!isValid[i]) train.push(i);
  return { train, valid };
}
