/**
 * Everything the uplift job reports about one ranking on the holdout, with scikit-uplift's
 * definitions (src/metrics/uplift-*.ts): uplift@30 % (overall and by group), Qini AUC and uplift
 * AUC — each with its bootstrap sd and 95 % interval and the band that random scores reach on the
 * same rows (200 seeds) — the Qini and uplift curves with their perfect and random lines, uplift
 * by percentile, the weighted average uplift and the treatment balance curve. Curves are thinned
 * to at most MAX_CURVE_POINTS points for storage and charts (every point of the metric itself is
 * computed on the full curve).
 */
import { upliftAtK } from "../../metrics/uplift-at-k.ts";
import { perfectQiniCurve, perfectUpliftCurve, qiniAucScore, qiniCurve, upliftAucScore, upliftCurve, type UpliftCurvePoints } from "../../metrics/uplift-curves.ts";
import { treatmentBalanceCurve, upliftByPercentile, weightedAverageUplift, type PercentileRow } from "../../metrics/uplift-percentile.ts";
import { bootstrapUpliftMetric, randomScoreBand, type RandomBand, type UpliftMetric } from "../../metrics/uplift-uncertainty.ts";

export const MAX_CURVE_POINTS = 201;

export interface Figure {
  value: number;
  /** Bootstrap sd and 95 % percentile interval (rows resampled within each arm). */
  sd: number;
  ci: [number, number];
  /** What uniformly random scores reach on the same rows. */
  random: Pick<RandomBand, "mean" | "sd" | "p95" | "p975" | "max">;
}

export interface Curve {
  x: number[];
  y: number[];
}

export interface HoldoutEvaluation {
  nRows: number;
  nTreated: number;
  /** Observed response rates and their difference (the average effect) on the holdout. */
  treatedRate: number;
  controlRate: number;
  ate: number;
  upliftAt30: Figure;
  upliftAt30ByGroup: Figure;
  qiniAuc: Figure;
  upliftAuc: Figure;
  curves: { qini: Curve; perfectQini: Curve; uplift: Curve; perfectUplift: Curve };
  byPercentile: PercentileRow[];
  weightedAverageUplift: number;
  treatmentBalance: Curve;
}

export interface EvaluateOptions {
  nBootstrap?: number;
  nRandomSeeds?: number;
  seed?: number;
}

/** Keeps at most `max` points, evenly spread, always the first and the last. */
export function thin(points: UpliftCurvePoints | { x: ArrayLike<number>; y: ArrayLike<number> }, max = MAX_CURVE_POINTS): Curve {
  const n = points.x.length;
  if (n <= max) return { x: Array.from(points.x), y: Array.from(points.y) };
  const x: number[] = [];
  const y: number[] = [];
  for (let s = 0; s < max; s++) {
    const i = Math.round((s * (n - 1)) / (max - 1));
    x.push(points.x[i]);
    y.push(points.y[i]);
  }
  return { x, y };
}

function figure(metric: UpliftMetric, y: Float64Array, uplift: Float64Array, t: Float64Array, options: EvaluateOptions): Figure {
  const spread = bootstrapUpliftMetric(metric, y, uplift, t, { nBootstrap: options.nBootstrap ?? 200, seed: options.seed ?? 0 });
  const band = randomScoreBand(metric, y, t, { nSeeds: options.nRandomSeeds ?? 200, seed: (options.seed ?? 0) + 1 });
  return {
    value: spread.value, sd: spread.sd, ci: spread.ci,
    random: { mean: band.mean, sd: band.sd, p95: band.p95, p975: band.p975, max: band.max },
  };
}

export const upliftAt30: UpliftMetric = (y, u, t) => upliftAtK(y, u, t, { k: 0.3 });
export const upliftAt30ByGroup: UpliftMetric = (y, u, t) => upliftAtK(y, u, t, { k: 0.3, strategy: "by_group" });

/**
 * @param treatment 0/1 per holdout row
 */
export function evaluateHoldout(y: Float64Array, uplift: Float64Array, treatment: Float64Array, options: EvaluateOptions = {}): HoldoutEvaluation {
  let nTreated = 0;
  let yTreated = 0;
  let yControl = 0;
  for (let i = 0; i < y.length; i++) {
    if (treatment[i] === 1) {
      nTreated++;
      yTreated += y[i];
    } else yControl += y[i];
  }
  const treatedRate = yTreated / nTreated;
  const controlRate = yControl / (y.length - nTreated);
  const balance = treatmentBalanceCurve(uplift, treatment, Math.max(1, Math.round(y.length / 10)));
  return {
    nRows: y.length,
    nTreated,
    treatedRate,
    controlRate,
    ate: treatedRate - controlRate,
    upliftAt30: figure(upliftAt30, y, uplift, treatment, options),
    upliftAt30ByGroup: figure(upliftAt30ByGroup, y, uplift, treatment, options),
    qiniAuc: figure(qiniAucScore, y, uplift, treatment, options),
    upliftAuc: figure(upliftAucScore, y, uplift, treatment, options),
    curves: {
      qini: thin(qiniCurve(y, uplift, treatment)),
      perfectQini: thin(perfectQiniCurve(y, treatment)),
      uplift: thin(upliftCurve(y, uplift, treatment)),
      perfectUplift: thin(perfectUpliftCurve(y, treatment)),
    },
    byPercentile: upliftByPercentile(y, uplift, treatment, { bins: 10, std: true, total: true }),
    weightedAverageUplift: weightedAverageUplift(y, uplift, treatment, { bins: 10 }),
    treatmentBalance: thin({ x: balance.idx, y: balance.balance }),
  };
}
