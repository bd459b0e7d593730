/**
 * The evidence that one group of customers is worth more than the rest: the Mann-Whitney U
 * test (Mann & Whitney 1947) with average ranks for ties, the tie-corrected variance and the
 * continuity correction — scipy.stats.mannwhitneyu(method="asymptotic", use_continuity=True),
 * which is what scipy picks for samples this size — and a percentile bootstrap interval of the
 * difference in medians (Efron & Tibshirani 1993, ch. 13), resampling each group separately.
 * Revenue is heavy-tailed, so medians and a rank test say more than means and a t-test.
 */
import { createRequire } from "node:module";
import { PatronError } from "../../core/errors.ts";
import { median } from "../../core/median.ts";
import { rng } from "../../core/rng.ts";

// jstat ships no types; only its standard normal CDF is used (erfc-based, ~1e-10 relative in the tail).
const { jStat } = createRequire(import.meta.url)("jstat") as { jStat: { normal: { cdf(x: number, mean: number, sd: number): number } } };

/**
 * P(Z > z) for a standard normal. jstat's CDF (erfc-based) below z = 5; above, where it
 * underflows to 0 near z ≈ 9, Laplace's continued fraction φ(z) / (z + 1/(z + 2/(z + …)))
 * evaluated from the 60th term up, which is at machine precision for z ≥ 5.
 */
export function normalSf(z: number): number {
  if (z < 5) return jStat.normal.cdf(-z, 0, 1);
  let fraction = z;
  for (let k = 60; k >= 1; k--) fraction = z + k / fraction;
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / fraction;
}

export interface MannWhitney {
  /** U of the first sample: pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** z of the two-sided statistic max(U1, U2), continuity-corrected. */
  z: number;
  pTwoSided: number;
  /** H1: the first sample tends to be larger. */
  pGreater: number;
  /** Common-language effect size U1 / (n1·n2): P(x > y) + ½ P(x = y). */
  effectSize: number;
}

export function mannWhitney(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new PatronError("E_STATS", `Mann-Whitney needs two non-empty samples; found ${n1} and ${n2} values`);
  const n = n1 + n2;
  const all = new Float64Array(n);
  all.set(Float64Array.from(x), 0);
  all.set(Float64Array.from(y), n1);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => all[a] - all[b]);
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && all[order[end]] === all[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // average of ranks start+1 … end
    for (let r = start; r < end; r++) ranks[order[r]] = rank;
    const t = end - start;
    tieTerm += t * t * t - t;
    start = end;
  }
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const mu = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const sf = normalSf;
  const zTwo = sd > 0 ? (Math.max(u1, u2) - mu - 0.5) / sd : 0;
  const zGreater = sd > 0 ? (u1 - mu - 0.5) / sd : 0;
  return {
    u: u1,
    z: zTwo,
    pTwoSided: sd > 0 ? Math.min(1, 2 * sf(zTwo)) : 1,
    pGreater: sd > 0 ? sf(zGreater) : 1,
    effectSize: u1 / (n1 * n2),
  };
}


export interface BootstrapInterval {
  estimate: number;
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/**
 * Percentile bootstrap of median(x) − median(y): each resample draws n1 from x and n2 from y
 * with replacement (the groups are fixed by the clustering, not sampled together).
 */
export function bootstrapMedianDifference(x: ArrayLike<number>, y: ArrayLike<number>, options: { resamples?: number; level?: number; seed?: number } = {}): BootstrapInterval {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  if (x.length === 0 || y.length === 0) throw new PatronError("E_STATS", `the bootstrap needs two non-empty samples; found ${x.length} and ${y.length} values`);
  const random = rng(options.seed ?? 0);
  const bx = new Float64Array(x.length);
  const by = new Float64Array(y.length);
  const differences = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < bx.length; i++) bx[i] = x[random.int(x.length)];
    for (let i = 0; i < by.length; i++) by[i] = y[random.int(y.length)];
    differences[b] = median(bx) - median(by);
  }
  differences.sort();
  const quantile = (q: number) => {
    const at = q * (resamples - 1);
    return differences[Math.floor(at)] + (at - Math.floor(at)) * (differences[Math.ceil(at)] - differences[Math.floor(at)]);
  };
  return { estimate: median(x) - median(y), low: quantile((1 - level) / 2), high: quantile(1 - (1 - level) / 2), level, resamples };
}
