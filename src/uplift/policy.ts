/**
 * Off-policy evaluation of a targeting policy over several arms from randomised (logged) data
 * with known propensities: what would the average reward per row have been had we assigned arms
 * by the policy instead of at random?
 *
 *   IPW  (Horvitz & Thompson 1952):  V = (1/n) Σ_i w_i r_i
 *   SNIPW (Hájek 1971):              V = Σ_i w_i r_i / Σ_i w_i
 *   with w_i = π(a_i | x_i) / μ(a_i | x_i),
 * a_i the logged arm, r_i its reward, μ the logging propensity and π the evaluated policy's
 * probability of that arm (1/0 for a deterministic policy). Both are unbiased/consistent when μ is
 * known and positive (Dudík, Langford & Li 2011 discuss both); the self-normalised one trades a
 * little bias for much less variance. The 95 % interval is the percentile bootstrap over rows
 * (Efron & Tibshirani 1993), seeded; a paired bootstrap gives the difference of two policies on
 * the same resamples, which is what "is the policy better than offering nothing" needs.
 */
import { PatronError } from "../core/errors.ts";
import { rng } from "../core/rng.ts";

export interface LoggedData {
  /** Logged arm per row, 0..nArms−1. */
  arm: ArrayLike<number>;
  /** Reward per row (conversion, revenue, profit). */
  reward: ArrayLike<number>;
  /** Logging propensity μ(a_i | x_i) of the logged arm, per row; or one probability per arm (a fixed design). */
  propensity: ArrayLike<number>;
  /** Whether `propensity` is per row (default when its length is the row count) or per arm. */
  propensityPer?: "row" | "arm";
  nArms: number;
}

/**
 * The evaluated policy: an arm per row (deterministic), or row-major nRows × nArms probabilities
 * (stochastic, e.g. random = 1/nArms everywhere).
 */
export type Policy = { arms: ArrayLike<number> } | { probabilities: ArrayLike<number> };

export interface PolicyValue {
  ipw: number;
  snipw: number;
  /** Percentile bootstrap 95 % intervals. */
  ipwCi: [number, number];
  snipwCi: [number, number];
  /** Bootstrap standard errors. */
  ipwSe: number;
  snipwSe: number;
  /** Rows whose logged arm the policy would also choose (deterministic policies); Σ w otherwise. */
  matched: number;
  /** Kish's effective sample size (Σw)² / Σw²: how many rows the estimate really rests on. */
  effectiveSampleSize: number;
  nRows: number;
}

export interface BootstrapOptions {
  /** Bootstrap resamples. Default 1000. */
  nBootstrap?: number;
  seed?: number;
  /** Interval level. Default 0.95. */
  level?: number;
}

function loggingPropensities(data: LoggedData): Float64Array {
  const nRows = data.arm.length;
  if (data.reward.length !== nRows) {
    throw new PatronError("E_SHAPE", `reward has ${data.reward.length} values but arm has ${nRows}; pass one per row.`);
  }
  const per = data.propensityPer ?? (data.propensity.length === nRows ? "row" : "arm");
  const out = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const a = data.arm[i];
    if (!Number.isInteger(a) || a < 0 || a >= data.nArms) {
      throw new PatronError("E_TREATMENT", `logged arm must be 0..${data.nArms - 1}; found ${a} at row ${i}.`);
    }
    if (!Number.isFinite(data.reward[i])) throw new PatronError("E_NAN", `reward must be finite; found ${data.reward[i]} at row ${i}.`);
    out[i] = per === "row" ? data.propensity[i] : data.propensity[a];
    if (!(out[i] > 0 && out[i] <= 1)) {
      throw new PatronError(
        "E_PROPENSITY",
        `logging propensity must be in (0, 1]; found ${out[i]} at row ${i}. Inverse-propensity weighting needs every logged arm to have had a positive chance.`,
      );
    }
  }
  if (per === "arm" && data.propensity.length !== data.nArms) {
    throw new PatronError("E_SHAPE", `propensity per arm needs ${data.nArms} values; found ${data.propensity.length}.`);
  }
  return out;
}

/** π(a_i | x_i) of the logged arm under the policy, per row. */
function targetProbabilities(policy: Policy, data: LoggedData): Float64Array {
  const nRows = data.arm.length;
  const out = new Float64Array(nRows);
  if ("arms" in policy) {
    if (policy.arms.length !== nRows) throw new PatronError("E_SHAPE", `the policy gives ${policy.arms.length} arms for ${nRows} rows.`);
    for (let i = 0; i < nRows; i++) {
      const a = policy.arms[i];
      if (!Number.isInteger(a) || a < 0 || a >= data.nArms) throw new PatronError("E_TREATMENT", `policy arm must be 0..${data.nArms - 1}; found ${a} at row ${i}.`);
      out[i] = a === data.arm[i] ? 1 : 0;
    }
    return out;
  }
  if (policy.probabilities.length !== nRows * data.nArms) {
    throw new PatronError("E_SHAPE", `policy probabilities must be nRows × nArms = ${nRows * data.nArms} values; found ${policy.probabilities.length}.`);
  }
  for (let i = 0; i < nRows; i++) out[i] = policy.probabilities[i * data.nArms + data.arm[i]];
  return out;
}

/** The always-arm-k policy (e.g. always 0 = offer nothing). */
export function alwaysArm(nRows: number, arm: number): Policy {
  return { arms: new Int32Array(nRows).fill(arm) };
}

/** The uniformly random policy over nArms. */
export function randomPolicy(nRows: number, nArms: number): Policy {
  return { probabilities: new Float64Array(nRows * nArms).fill(1 / nArms) };
}

function estimates(weight: Float64Array, reward: ArrayLike<number>, index?: Int32Array): { ipw: number; snipw: number } {
  const n = index ? index.length : weight.length;
  let sumWR = 0;
  let sumW = 0;
  for (let r = 0; r < n; r++) {
    const i = index ? index[r] : r;
    sumWR += weight[i] * reward[i];
    sumW += weight[i];
  }
  return { ipw: sumWR / n, snipw: sumW > 0 ? sumWR / sumW : NaN };
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

function summarise(values: Float64Array, level: number): { ci: [number, number]; se: number } {
  const finite = Float64Array.from(values.filter(Number.isFinite)).sort();
  let mean = 0;
  for (const v of finite) mean += v;
  mean /= finite.length;
  let ss = 0;
  for (const v of finite) ss += (v - mean) ** 2;
  const alpha = (1 - level) / 2;
  return { ci: [quantileSorted(finite, alpha), quantileSorted(finite, 1 - alpha)], se: Math.sqrt(ss / Math.max(1, finite.length - 1)) };
}

function checkBootstrap(options: BootstrapOptions): { nBootstrap: number; level: number } {
  const nBootstrap = options.nBootstrap ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(nBootstrap) || nBootstrap < 10) throw new PatronError("E_OPTION", `nBootstrap must be a whole number ≥ 10; found ${nBootstrap}.`);
  if (!(level > 0 && level < 1)) throw new PatronError("E_OPTION", `level must be in (0, 1); found ${level}.`);
  return { nBootstrap, level };
}

/** IPW and self-normalised IPW value of a policy, with bootstrap intervals. */
export function policyValue(data: LoggedData, policy: Policy, options: BootstrapOptions = {}): PolicyValue {
  const { nBootstrap, level } = checkBootstrap(options);
  const mu = loggingPropensities(data);
  const pi = targetProbabilities(policy, data);
  const nRows = mu.length;
  if (nRows === 0) throw new PatronError("E_EMPTY", "no logged rows to evaluate the policy on.");
  const weight = pi.map((p, i) => p / mu[i]);
  const point = estimates(weight, data.reward);
  const random = rng(options.seed ?? 0);
  const index = new Int32Array(nRows);
  const ipw = new Float64Array(nBootstrap);
  const snipw = new Float64Array(nBootstrap);
  for (let b = 0; b < nBootstrap; b++) {
    for (let r = 0; r < nRows; r++) index[r] = random.int(nRows);
    const e = estimates(weight, data.reward, index);
    ipw[b] = e.ipw;
    snipw[b] = e.snipw;
  }
  let sumW = 0;
  let sumW2 = 0;
  let matched = 0;
  for (let i = 0; i < nRows; i++) {
    sumW += weight[i];
    sumW2 += weight[i] ** 2;
    matched += pi[i];
  }
  const ipwSummary = summarise(ipw, level);
  const snipwSummary = summarise(snipw, level);
  return {
    ipw: point.ipw, snipw: point.snipw, ipwCi: ipwSummary.ci, snipwCi: snipwSummary.ci, ipwSe: ipwSummary.se, snipwSe: snipwSummary.se,
    matched, effectiveSampleSize: sumW2 > 0 ? (sumW * sumW) / sumW2 : 0, nRows,
  };
}

export interface PolicyDifference {
  /** SNIPW value of A minus that of B, and its paired-bootstrap interval and standard error. */
  difference: number;
  ci: [number, number];
  se: number;
  /** Share of bootstrap resamples where A beat B. */
  probabilityBetter: number;
}

/** SNIPW(A) − SNIPW(B) with a paired bootstrap (both evaluated on the same resamples). */
export function policyDifference(data: LoggedData, a: Policy, b: Policy, options: BootstrapOptions = {}): PolicyDifference {
  const { nBootstrap, level } = checkBootstrap(options);
  const mu = loggingPropensities(data);
  const wa = targetProbabilities(a, data).map((p, i) => p / mu[i]);
  const wb = targetProbabilities(b, data).map((p, i) => p / mu[i]);
  const nRows = mu.length;
  const point = estimates(wa, data.reward).snipw - estimates(wb, data.reward).snipw;
  const random = rng(options.seed ?? 0);
  const index = new Int32Array(nRows);
  const diffs = new Float64Array(nBootstrap);
  let better = 0;
  for (let s = 0; s < nBootstrap; s++) {
    for (let r = 0; r < nRows; r++) index[r] = random.int(nRows);
    diffs[s] = estimates(wa, data.reward, index).snipw - estimates(wb, data.reward, index).snipw;
    if (diffs[s] > 0) better++;
  }
  const summary = summarise(diffs, level);
  return { difference: point, ci: summary.ci, se: summary.se, probabilityBetter: better / nBootstrap };
}
