/**
 * Quantile binning for histogram gradient boosting: every feature becomes at most 256 uint8
 * codes, so a histogram over a node is one pass of byte-indexed additions.
 *
 * Cut points are XGBoost 1.7's `hist` cuts (src/common/quantile.{h,cc}, Chen & Guestrin 2016
 * §3.3), computed by the same weighted quantile sketch (quantile-sketch.ts) fed the rows in the
 * same order, so the bins — and the trees — are XGBoost's. The sketch is the costliest O(n)
 * part of binning (~0.2 s of CPU per million-row column); the binSampleRows option sketches a
 * seeded sample instead (LightGBM's bin_construct_sample_cnt), at a price: on the benchmark's
 * 1M rows a 200,000-row sample moved the holdout AUC by 1.7e-3 against the full sketch.
 *
 * Codes: feature j's value bin b holds x in [cut[b-1], cut[b]), so `x < cut[b]` ⇔ code ≤ b and
 * a tree threshold is simply cut[b] (XGBoost's "upper bin edge"). A split with b = -1 (all
 * values right, missing left) uses minValue, which lies below every training value. NaN gets
 * code nBins[j].
 */
import { QuantileSketch, Summary } from "./quantile-sketch.ts";

/** Stride of one feature's cut array: the most bins a uint8 code can name. */
export const MAX_BINS = 256;

export interface BinCuts {
  /** Value bins per feature (≥ 1). */
  readonly nBins: Int32Array;
  /** 1 when the feature had NaN in training; its missing code is then nBins[j]. */
  readonly hasMissing: Uint8Array;
  /** Feature j's upper bin edges at j·MAX_BINS + b; the last one is above the training maximum. */
  readonly cuts: Float64Array;
  /** Feature j's threshold for "every value right": below the training minimum. */
  readonly minValues: Float64Array;
}

/** The tree threshold that sends codes ≤ splitBin left. */
export function binThreshold(cuts: BinCuts, j: number, splitBin: number): number {
  return splitBin < 0 ? cuts.minValues[j] : cuts.cuts[j * MAX_BINS + splitBin];
}

export interface FeatureCuts {
  /** Upper bin edges, increasing; the last is the sentinel above the maximum. */
  cuts: Float64Array;
  minValue: number;
  hasMissing: boolean;
}

/**
 * Cut points of one column, as XGBoost 1.7's HostSketchContainer makes them: the column's
 * present values stream through a WQuantileSketch (eps = 1/(8·min(maxBins, n))) in row order;
 * its summary is pruned to min(n, 8·maxBins) entries (AllReduce) and then to maxBins + 1
 * (MakeCuts); the cuts are entries 1…maxBins−1 (AddCutPoint) plus a sentinel above the maximum.
 *
 * `sample` (sorted row indices) limits the sketch to those rows; the minimum, maximum and
 * missing flag always come from the whole column so that every training value falls strictly
 * inside [minValue, last cut). A feature with missing values and 256 value bins merges its top
 * two bins, so that the missing code (nBins) still fits in a byte — the one place our bins
 * can differ from XGBoost's, which keeps missing values out of the bins altogether.
 */
export function featureCuts(
  column: Float64Array,
  maxBins: number,
  weights?: Float64Array,
  sample?: Uint32Array,
): FeatureCuts {
  let min = Infinity;
  let max = -Infinity;
  let nMissing = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v !== v) nMissing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const hasMissing = nMissing > 0;
  if (nMissing === column.length) {
    // An all-missing column: one empty value bin; XGBoost uses the same placeholder cut.
    return { cuts: Float64Array.of(1e-5), minValue: 1e-5, hasMissing };
  }

  const nRows = sample ? sample.length : column.length;
  let nPresent = 0;
  for (let r = 0; r < nRows; r++) {
    const v = column[sample ? sample[r] : r];
    if (v === v) nPresent++;
  }
  let cuts: number[] = [];
  if (nPresent > 0) {
    const sketchBins = Math.max(1, Math.min(maxBins, nPresent));
    const sketch = new QuantileSketch(nPresent, 1 / (sketchBins * 8));
    for (let r = 0; r < nRows; r++) {
      const i = sample ? sample[r] : r;
      const v = column[i];
      if (v === v) sketch.push(v, weights ? weights[i] : 1);
    }
    const intermediate = Math.min(nPresent, maxBins * 8);
    const reduced = new Summary(intermediate);
    reduced.setPrune(sketch.summary(), intermediate);
    const maxNumBins = Math.min(intermediate, maxBins);
    const final = new Summary(maxNumBins + 1);
    final.setPrune(reduced, maxNumBins + 1);
    const required = Math.min(final.size, maxNumBins);
    for (let i = 1; i < required; i++) {
      const v = final.value[i];
      if (i === 1 || v > cuts[cuts.length - 1]) cuts.push(v);
    }
  }
  // Sentinel and minimum as XGBoost writes them (max + |max| + 1e-5), from the whole column.
  cuts.push(max + (Math.abs(max) + 1e-5));
  if (hasMissing && cuts.length > MAX_BINS - 1) cuts = [...cuts.slice(0, MAX_BINS - 2), cuts[cuts.length - 1]];
  return { cuts: Float64Array.from(cuts), minValue: min - (Math.abs(min) + 1e-5), hasMissing };
}

/** Buckets of the value-range lookup that narrows each value's bin search to a bin or two. */
const LOOKUP_BUCKETS = 4096;

/**
 * Writes the codes of one column into `out`: bin(x) = number of cuts ≤ x (the last bin for the
 * sentinel's side), `missingCode` for NaN.
 *
 * Binary search per value costs ~8 unpredictable branches; instead a bucket table over the
 * value range gives, for each bucket, the lowest and highest bin any value in it can have, and
 * a short scan finishes. The bucket function is monotone in x, so the table is exact.
 */
export function binColumn(column: Float64Array, cuts: Float64Array, missingCode: number, out: Uint8Array): void {
  const nBins = cuts.length;
  const last = nBins - 1;
  if (nBins === 1) {
    for (let i = 0; i < column.length; i++) out[i] = column[i] === column[i] ? 0 : missingCode;
    return;
  }
  const low = cuts[0];
  const high = cuts[last - 1];
  const scale = high > low ? (LOOKUP_BUCKETS - 1) / (high - low) : 0;
  const bucketOf = (v: number): number => {
    const k = Math.floor((v - low) * scale);
    return k < 0 ? 0 : k >= LOOKUP_BUCKETS ? LOOKUP_BUCKETS - 1 : k;
  };
  // Bin b holds [cut[b-1], cut[b]): its values map to buckets bucketOf(cut[b-1])…bucketOf(cut[b]).
  const fromBin = new Int32Array(LOOKUP_BUCKETS).fill(last);
  const toBin = new Int32Array(LOOKUP_BUCKETS);
  for (let b = 0; b <= last; b++) {
    const kLow = b === 0 ? 0 : bucketOf(cuts[b - 1]);
    const kHigh = b === last ? LOOKUP_BUCKETS - 1 : bucketOf(cuts[b]);
    for (let k = kLow; k <= kHigh; k++) {
      if (b < fromBin[k]) fromBin[k] = b;
      if (b > toBin[k]) toBin[k] = b;
    }
  }
  // Readable form: out[i] = isNaN(v) ? missingCode : min(last, #{b : cuts[b] <= v}).
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v !== v) {
      out[i] = missingCode;
      continue;
    }
    let k = Math.floor((v - low) * scale);
    k = k < 0 ? 0 : k >= LOOKUP_BUCKETS ? LOOKUP_BUCKETS - 1 : k;
    let b = fromBin[k];
    let hi = toBin[k];
    if (hi - b > 8) {
      while (b < hi) {
        const mid = (b + hi) >> 1;
        if (cuts[mid] <= v) b = mid + 1;
        else hi = mid;
      }
    } else {
      while (b < hi && cuts[b] <= v) b++;
    }
    out[i] = b;
  }
}

/**
 * Sorted row indices of a seeded Bernoulli sample of about `sampleRows` rows, or undefined
 * when the data is small enough to summarise whole.
 */
export function sketchSample(nRows: number, sampleRows: number, next: () => number): Uint32Array | undefined {
  if (nRows <= sampleRows) return undefined;
  const p = sampleRows / nRows;
  const picked = new Uint32Array(Math.ceil(sampleRows * 1.1) + 64);
  let m = 0;
  for (let i = 0; i < nRows && m < picked.length; i++) if (next() < p) picked[m++] = i;
  return picked.slice(0, m);
}
