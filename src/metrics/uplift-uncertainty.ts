/**
 * How much an uplift figure can be trusted on one holdout: its bootstrap standard deviation and
 * percentile interval (rows resampled within each group, so every resample keeps the treated
 * and control sizes of the holdout), and the band that random scores reach on the same rows
 * (the metric of uniformly random uplift predictions over many seeds). A learner is ahead only
 * if it clears the random band by more than its own noise — on Hillstrom's holdout, uplift@30%
 * has a bootstrap sd of about 0.012 and random scores already reach about 0.046.
 */
import { PatronError } from "../core/errors.ts";
import { rng } from "../core/rng.ts";
import { checkUpliftInputs, type Numbers } from "./uplift-common.ts";

/** Any uplift metric of (y, uplift, treatment), e.g. (y, u, t) => upliftAtK(y, u, t, { k: 0.3 }). */
export type UpliftMetric = (yTrue: Numbers, uplift: Numbers, treatment: Numbers) => number;

export interface Spread {
  value: number;
  mean: number;
  sd: number;
  /** Percentile interval at `level` (default 95 %). */
  ci: [number, number];
  /** Resamples whose metric was not finite (a group empty in the top k, say), left out. */
  nFailed: number;
}

export interface RandomBand {
  mean: number;
  sd: number;
  /** 2.5 %, 50 %, 95 % and 97.5 % quantiles and the maximum over the seeds. */
  p025: number;
  p50: number;
  p95: number;
  p975: number;
  max: number;
  nSeeds: number;
}

function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

function moments(values: Float64Array): { mean: number; sd: number } {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / Math.max(1, values.length - 1)) };
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new PatronError("E_OPTION", `${name} must be a whole number ≥ ${min}; found ${value}.`);
}

/** Bootstrap of a metric on one holdout, resampling rows within treated and control. */
export function bootstrapUpliftMetric(
  metric: UpliftMetric, yTrue: Numbers, uplift: Numbers, treatment: Numbers,
  options: { nBootstrap?: number; seed?: number; level?: number } = {},
): Spread {
  checkUpliftInputs(yTrue, uplift, treatment);
  const nBootstrap = options.nBootstrap ?? 200;
  const level = options.level ?? 0.95;
  checkCount("nBootstrap", nBootstrap, 10);
  const treated: number[] = [];
  const control: number[] = [];
  for (let i = 0; i < yTrue.length; i++) (treatment[i] === 1 ? treated : control).push(i);
  const random = rng(options.seed ?? 0);
  const nRows = yTrue.length;
  const y = new Float64Array(nRows);
  const u = new Float64Array(nRows);
  const t = new Float64Array(nRows);
  const values: number[] = [];
  let nFailed = 0;
  for (let b = 0; b < nBootstrap; b++) {
    let r = 0;
    for (const group of [treated, control]) {
      for (let n = 0; n < group.length; n++, r++) {
        const i = group[random.int(group.length)];
        y[r] = yTrue[i];
        u[r] = uplift[i];
        t[r] = treatment[i];
      }
    }
    let value: number;
    try {
      value = metric(y, u, t);
    } catch {
      value = NaN; // e.g. a resample without responders in a group: not a value of the metric
    }
    if (Number.isFinite(value)) values.push(value);
    else nFailed++;
  }
  const sorted = Float64Array.from(values).sort();
  const { mean, sd } = moments(sorted);
  const alpha = (1 - level) / 2;
  return { value: metric(yTrue, uplift, treatment), mean, sd, ci: [quantile(sorted, alpha), quantile(sorted, 1 - alpha)], nFailed };
}

/** The metric of uniformly random scores on these rows, over `nSeeds` seeds (default 200). */
export function randomScoreBand(metric: UpliftMetric, yTrue: Numbers, treatment: Numbers, options: { nSeeds?: number; seed?: number } = {}): RandomBand {
  const nSeeds = options.nSeeds ?? 200;
  checkCount("nSeeds", nSeeds, 2);
  const random = rng(options.seed ?? 0);
  const scores = new Float64Array(yTrue.length);
  const values = new Float64Array(nSeeds);
  for (let s = 0; s < nSeeds; s++) {
    for (let i = 0; i < scores.length; i++) scores[i] = random.next();
    values[s] = metric(yTrue, scores, treatment);
  }
  const sorted = values.slice().sort();
  const { mean, sd } = moments(sorted);
  return {
    mean, sd, p025: quantile(sorted, 0.025), p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p975: quantile(sorted, 0.975),
    max: sorted[sorted.length - 1], nSeeds,
  };
}
