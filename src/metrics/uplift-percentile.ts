/**
 * Uplift by percentile of predicted uplift and the metrics built on it, with scikit-uplift
 * 0.5.1's exact definitions (sklift/metrics/metrics.py): response_rate_by_percentile,
 * uplift_by_percentile (with its std and total options), weighted_average_uplift and
 * treatment_balance_curve. Bins are numpy.array_split's: the first n mod bins bins hold one row
 * more. A bin without rows of a group has a NaN rate, as numpy's mean of an empty slice.
 */
import { PatronError } from "../core/errors.ts";
import { checkBothBinary, checkUpliftInputs, descendingOrder, groupMean, numpySum, type Numbers } from "./uplift-common.ts";
import type { UpliftStrategy } from "./uplift-at-k.ts";
import { checkFinite, checkNotEmpty, checkSameLength } from "./check.ts";

export interface PercentileOptions {
  /** "overall" (default): bins of all rows; "by_group": bins of each group's own rows. */
  strategy?: UpliftStrategy;
  /** Number of bins, 1 ≤ bins < rows. Default 10. */
  bins?: number;
}

export interface ResponseRates {
  readonly responseRate: Float64Array;
  /** rate · (1 − rate) / size: the binomial variance of the rate. */
  readonly variance: Float64Array;
  readonly groupSize: Float64Array;
}

/** Start offsets of numpy.array_split(n items, bins); bounds[b]..bounds[b+1] is bin b. */
export function arraySplitBounds(nItems: number, bins: number): Int32Array {
  const each = Math.floor(nItems / bins);
  const extras = nItems % bins;
  const bounds = new Int32Array(bins + 1);
  for (let b = 0; b < bins; b++) bounds[b + 1] = bounds[b] + each + (b < extras ? 1 : 0);
  return bounds;
}

function resolveOptions(options: PercentileOptions, nRows: number): { strategy: UpliftStrategy; bins: number } {
  const strategy = options.strategy ?? "overall";
  const bins = options.bins ?? 10;
  if (strategy !== "overall" && strategy !== "by_group") {
    throw new PatronError("E_OPTION", `strategy must be "overall" or "by_group"; found ${JSON.stringify(strategy)}.`);
  }
  if (!Number.isInteger(bins) || bins <= 0) {
    throw new PatronError("E_OPTION", `bins must be a positive whole number; found ${bins}.`);
  }
  if (bins >= nRows) {
    throw new PatronError("E_OPTION", `bins=${bins} must be smaller than the number of rows (${nRows}); use fewer bins.`);
  }
  return { strategy, bins };
}

function ratesUnchecked(
  yTrue: Numbers, treatment: Numbers, order: Uint32Array, group: "treatment" | "control", strategy: UpliftStrategy, bins: number,
): ResponseRates {
  const arm = group === "treatment" ? 1 : 0;
  const responseRate = new Float64Array(bins);
  const groupSize = new Float64Array(bins);
  if (strategy === "overall") {
    const bounds = arraySplitBounds(order.length, bins);
    for (let b = 0; b < bins; b++) {
      const { mean, count } = groupMean(yTrue, treatment, order, bounds[b], bounds[b + 1], arm);
      responseRate[b] = mean;
      groupSize[b] = count;
    }
  } else {
    const rows = order.filter((i) => treatment[i] === arm);
    const bounds = arraySplitBounds(rows.length, bins);
    for (let b = 0; b < bins; b++) {
      const { mean, count } = groupMean(yTrue, treatment, rows, bounds[b], bounds[b + 1], arm);
      responseRate[b] = mean;
      groupSize[b] = count;
    }
  }
  const variance = responseRate.map((rate, b) => rate * ((1 - rate) / groupSize[b]));
  return { responseRate, variance, groupSize };
}

/** sklift.metrics.response_rate_by_percentile. */
export function responseRateByPercentile(
  yTrue: Numbers, uplift: Numbers, treatment: Numbers, group: "treatment" | "control", options: PercentileOptions = {},
): ResponseRates {
  checkUpliftInputs(yTrue, uplift, treatment);
  if (group !== "treatment" && group !== "control") {
    throw new PatronError("E_OPTION", `group must be "treatment" or "control"; found ${JSON.stringify(group)}.`);
  }
  const { strategy, bins } = resolveOptions(options, yTrue.length);
  return ratesUnchecked(yTrue, treatment, descendingOrder(uplift), group, strategy, bins);
}

export interface PercentileRow {
  /** "0-10", "10-20", …, and "total" for the total row. */
  percentile: string;
  nTreatment: number;
  nControl: number;
  responseRateTreatment: number;
  responseRateControl: number;
  uplift: number;
  stdTreatment?: number;
  stdControl?: number;
  stdUplift?: number;
}

export interface UpliftByPercentileOptions extends PercentileOptions {
  /** Add the binomial standard deviations of the rates and of the uplift. */
  std?: boolean;
  /**
   * Add a last row "total" over all rows. As in scikit-uplift, its std columns are the sums of
   * the bins' std (not the std of the total rate) — kept for equality with the library.
   */
  total?: boolean;
}

/** Python's round(): halves go to the even neighbour (so 12.5 → 12, 37.5 → 38). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** sklift.metrics.uplift_by_percentile (string percentile labels). */
export function upliftByPercentile(
  yTrue: Numbers, uplift: Numbers, treatment: Numbers, options: UpliftByPercentileOptions = {},
): PercentileRow[] {
  checkUpliftInputs(yTrue, uplift, treatment);
  const { strategy, bins } = resolveOptions(options, yTrue.length);
  const order = descendingOrder(uplift);
  const treated = ratesUnchecked(yTrue, treatment, order, "treatment", strategy, bins);
  const control = ratesUnchecked(yTrue, treatment, order, "control", strategy, bins);
  const edges = Array.from({ length: bins }, (_, b) => roundHalfEven(((b + 1) * 100) / bins));
  const rows: PercentileRow[] = [];
  for (let b = 0; b < bins; b++) {
    rows.push({
      percentile: `${b === 0 ? 0 : edges[b - 1]}-${edges[b]}`,
      nTreatment: treated.groupSize[b],
      nControl: control.groupSize[b],
      responseRateTreatment: treated.responseRate[b],
      responseRateControl: control.responseRate[b],
      uplift: treated.responseRate[b] - control.responseRate[b],
    });
  }
  if (options.total) {
    const all = Uint32Array.from(order);
    const t1 = ratesUnchecked(yTrue, treatment, all, "treatment", strategy, 1);
    const c1 = ratesUnchecked(yTrue, treatment, all, "control", strategy, 1);
    rows.push({
      percentile: "total",
      nTreatment: t1.groupSize[0],
      nControl: c1.groupSize[0],
      responseRateTreatment: t1.responseRate[0],
      responseRateControl: c1.responseRate[0],
      uplift: t1.responseRate[0] - c1.responseRate[0],
    });
  }
  if (options.std) {
    const stdT = treated.variance.map(Math.sqrt);
    const stdC = control.variance.map(Math.sqrt);
    const stdU = treated.variance.map((v, b) => Math.sqrt(v + control.variance[b]));
    for (let b = 0; b < bins; b++) {
      rows[b].stdTreatment = stdT[b];
      rows[b].stdControl = stdC[b];
      rows[b].stdUplift = stdU[b];
    }
    if (options.total) {
      rows[bins].stdTreatment = numpySum(stdT);
      rows[bins].stdControl = numpySum(stdC);
      rows[bins].stdUplift = numpySum(stdU);
    }
  }
  return rows;
}

/**
 * sklift.metrics.weighted_average_uplift: the bins' uplifts averaged with the treated group's
 * size per bin as weights. NaN when some bin lacks a group (as the library).
 */
export function weightedAverageUplift(yTrue: Numbers, uplift: Numbers, treatment: Numbers, options: PercentileOptions = {}): number {
  checkUpliftInputs(yTrue, uplift, treatment);
  const { strategy, bins } = resolveOptions(options, yTrue.length);
  const order = descendingOrder(uplift);
  const treated = ratesUnchecked(yTrue, treatment, order, "treatment", strategy, bins);
  const control = ratesUnchecked(yTrue, treatment, order, "control", strategy, bins);
  let weighted = 0;
  let weights = 0;
  for (let b = 0; b < bins; b++) {
    weighted += treated.groupSize[b] * (treated.responseRate[b] - control.responseRate[b]);
    weights += treated.groupSize[b];
  }
  return weighted / weights;
}

export interface BalanceCurve {
  /** Position in percent, 1 … 100 (numpy.linspace(1, 100, n)). */
  readonly idx: Float64Array;
  /** Share of treated rows in each sliding window of the ranked rows. */
  readonly balance: Float64Array;
}

/**
 * sklift.metrics.treatment_balance_curve: the treated share in a sliding window of `winsize`
 * rows over the rows ranked by uplift (np.convolve 'valid'). A model that only learned who was
 * treated shows up as a balance far from the overall treated share at the top.
 */
export function treatmentBalanceCurve(uplift: Numbers, treatment: Numbers, winsize: number): BalanceCurve {
  checkNotEmpty("uplift", uplift);
  checkSameLength("treatment", treatment, uplift.length, "uplift");
  checkFinite("uplift", uplift);
  checkBothBinary("treatment", treatment, "Encode control as 0 and treatment as 1.");
  const nRows = uplift.length;
  if (!Number.isInteger(winsize) || winsize < 1 || winsize > nRows) {
    throw new PatronError("E_OPTION", `winsize must be a whole number of rows in [1, ${nRows}]; found ${winsize}.`);
  }
  const order = descendingOrder(uplift);
  const nWindows = nRows - winsize + 1;
  const balance = new Float64Array(nWindows);
  let windowSum = 0;
  for (let r = 0; r < winsize; r++) windowSum += treatment[order[r]];
  balance[0] = windowSum / winsize;
  for (let w = 1; w < nWindows; w++) {
    windowSum += treatment[order[w + winsize - 1]] - treatment[order[w - 1]];
    balance[w] = windowSum / winsize;
  }
  return { idx: linspace(1, 100, nWindows), balance };
}

/** numpy.linspace(start, stop, num) with its rounding: i·step + start, the last point = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}
