/**
 * What the uplift metrics share: the input checks of scikit-uplift (y and treatment binary with
 * both values present, one value per row), its row order (scores descending, ties in reverse row
 * order — numpy's stable argsort reversed), and scikit-learn's `auc`, which is numpy.trapz
 * summed with numpy's pairwise summation. We port the summation too, not just the rule, so that
 * Patron's AUCs equal scikit-uplift's to the last bit instead of to 1e-13 (see
 * test/metrics/uplift-metrics.test.ts).
 */
import { PatronError, preview } from "../core/errors.ts";
import { checkFinite, checkNotEmpty, checkSameLength, type Numbers } from "./check.ts";

export type { Numbers };

/** A curve as scikit-uplift returns it: x = rows targeted, y = the curve's value there. */
export interface UpliftCurvePoints {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/**
 * scikit-uplift's check_is_binary: only 0 and 1, and both present (its test compares np.unique
 * with [0, 1]). A metric on a slice without a control group or without responders is not
 * defined, so we say so instead of returning NaN.
 */
export function checkBothBinary(name: string, values: Numbers, hint: string): void {
  let zeros = 0;
  let ones = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) zeros++;
    else if (v === 1) ones++;
    else {
      const bad: number[] = [];
      for (let r = i; r < values.length && bad.length < 6; r++) if (values[r] !== 0 && values[r] !== 1) bad.push(values[r]);
      throw new PatronError(
        "E_NOT_BINARY",
        `${name} must contain only 0 and 1; found ${preview(bad)} (first at row ${i}). ${hint}`,
      );
    }
  }
  if (zeros === 0 || ones === 0) {
    throw new PatronError(
      "E_ONE_CLASS",
      `${name} must contain both 0 and 1; all ${values.length} rows are ${zeros === 0 ? 1 : 0}. ${hint}`,
    );
  }
}

/** The checks every uplift metric runs on (y_true, uplift, treatment). */
export function checkUpliftInputs(yTrue: Numbers, uplift: Numbers, treatment: Numbers): void {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("uplift", uplift, yTrue.length);
  checkSameLength("treatment", treatment, yTrue.length);
  checkFinite("uplift", uplift);
  checkBothBinary("treatment", treatment, "Encode control as 0 and treatment as 1; for several arms score each arm against control.");
  checkBothBinary("y_true", yTrue, "Uplift metrics here are for binary outcomes (1 = responded).");
}

/**
 * Rows by score descending, ties in reverse row order: np.argsort(score, kind="mergesort")[::-1],
 * computed the same way — a stable ascending merge sort, then reversed. Hand-written on typed
 * arrays because the bootstrap and random-band loops sort thousands of times and a comparator
 * callback (Array.prototype.sort) is several times slower. Readable form:
 *   order.sort((a, b) => score[b] - score[a] || b - a)
 */
export function descendingOrder(score: Numbers): Uint32Array {
  const n = score.length;
  let order = new Uint32Array(n);
  let buffer = new Uint32Array(n);
  const keys = Float64Array.from(score);
  for (let i = 0; i < n; i++) order[i] = i;
  // Runs of 16 by insertion sort (stable), then bottom-up merges of doubling width.
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let r = lo + 1; r < hi; r++) {
      const item = order[r];
      const key = keys[item];
      let q = r - 1;
      while (q >= lo && keys[order[q]] > key) {
        order[q + 1] = order[q];
        q--;
      }
      order[q + 1] = item;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let out = lo;
      while (a < mid && b < hi) buffer[out++] = keys[order[b]] < keys[order[a]] ? order[b++] : order[a++];
      while (a < mid) buffer[out++] = order[a++];
      while (b < hi) buffer[out++] = order[b++];
    }
    const swap = order;
    order = buffer;
    buffer = swap;
  }
  return order.reverse();
}

/**
 * numpy's pairwise summation of a float64 array (numpy/core/src/umath/loops_utils.h.src,
 * pairwise_sum), run over 8192-element buffers as np.add.reduce does: blocks of < 8 are summed
 * left to right, blocks up to 128 with eight interleaved accumulators, larger ones split in two
 * at a multiple of 8. Checked bit for bit against numpy 1.24 in the reference script's notes.
 */
export function numpySum(values: Float64Array): number {
  let total = 0;
  for (let lo = 0; lo < values.length; lo += 8192) total += pairwiseSum(values, lo, Math.min(8192, values.length - lo));
  return total;
}

function pairwiseSum(a: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(lo, lo + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

/**
 * sklearn.metrics.auc: the trapezoid rule (np.trapz: Σ dx·(y[t+1]+y[t])/2.0), negated for a
 * decreasing x, refused for an x that goes both ways.
 */
export function sklearnAuc(x: Numbers, y: Numbers): number {
  if (x.length < 2) {
    throw new PatronError("E_SHAPE", `an area needs at least 2 points on the curve; found ${x.length}.`);
  }
  let anyDown = false;
  let allDown = true;
  for (let t = 1; t < x.length; t++) {
    const dx = x[t] - x[t - 1];
    if (dx < 0) anyDown = true;
    if (dx > 0) allDown = false;
  }
  if (anyDown && !allDown) {
    throw new PatronError(
      "E_NOT_MONOTONIC",
      `the curve's x goes up and down (${preview(Array.from(x).slice(0, 6))}); scikit-learn's auc refuses such a curve. ` +
        "With negativeEffect: false this happens when the treatment lowered the response overall: use negativeEffect: true.",
    );
  }
  const terms = new Float64Array(x.length - 1);
  for (let t = 0; t < terms.length; t++) terms[t] = ((x[t + 1] - x[t]) * (y[t + 1] + y[t])) / 2.0;
  const area = numpySum(terms);
  return anyDown ? -area : area;
}

/** Mean of the values at rows order[from..to) whose treatment equals `arm` (NaN when none: numpy's mean of []). */
export function groupMean(
  yTrue: Numbers, treatment: Numbers, order: Uint32Array, from: number, to: number, arm: number,
): { mean: number; count: number } {
  let sum = 0;
  let count = 0;
  for (let r = from; r < to; r++) {
    const i = order[r];
    if (treatment[i] === arm) {
      sum += yTrue[i];
      count++;
    }
  }
  return { mean: count === 0 ? NaN : sum / count, count };
}
