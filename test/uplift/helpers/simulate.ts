/**
 * Randomised experiments with a known truth, for testing uplift learners: features, an arm per
 * row drawn with given probabilities, and the outcome drawn from a response function per arm
 * whose values (the potential outcomes' means) are returned too, so tests compare with the
 * real uplift rather than with another estimate.
 */
import { fromColumns, type Matrix } from "../../../src/core/matrix.ts";
import { rng as makeRng, type Rng } from "../../../src/core/rng.ts";

export interface Experiment {
  x: Matrix;
  y: Float64Array;
  treatment: Int32Array;
  /** Row-major nRows × nArms: E[y | x, arm] (the truth). */
  truth: Float64Array;
  nArms: number;
}

export interface ExperimentSpec {
  nRows: number;
  seed: number;
  /** P(arm), control first. */
  armProbabilities: readonly number[];
  /** Draws one row's features. */
  features: (random: Rng) => Record<string, number>;
  /** E[y | x, arm]: a probability for binary outcomes, a mean for continuous ones. */
  response: (row: Record<string, number>, arm: number) => number;
  /** "binary" draws y ~ Bernoulli(response); "gaussian" adds N(0, noiseSd²). */
  outcome: "binary" | "gaussian";
  noiseSd?: number;
}

export function simulateExperiment(spec: ExperimentSpec): Experiment {
  const random = makeRng(spec.seed);
  const nArms = spec.armProbabilities.length;
  const rows: Record<string, number>[] = [];
  const y = new Float64Array(spec.nRows);
  const treatment = new Int32Array(spec.nRows);
  const truth = new Float64Array(spec.nRows * nArms);
  for (let i = 0; i < spec.nRows; i++) {
    const row = spec.features(random);
    rows.push(row);
    let u = random.next();
    let arm = 0;
    while (arm < nArms - 1 && u >= spec.armProbabilities[arm]) u -= spec.armProbabilities[arm++];
    treatment[i] = arm;
    for (let a = 0; a < nArms; a++) truth[i * nArms + a] = spec.response(row, a);
    const mean = truth[i * nArms + arm];
    y[i] = spec.outcome === "binary" ? (random.next() < mean ? 1 : 0) : mean + (spec.noiseSd ?? 1) * random.normal();
  }
  const names = Object.keys(rows[0]);
  const columns: Record<string, Float64Array> = {};
  for (const name of names) columns[name] = Float64Array.from(rows, (r) => r[name]);
  return { x: fromColumns(columns), y, treatment, truth, nArms };
}

/** True uplift of arm k over control, one value per row. */
export function trueUplift(e: Experiment, k: number): Float64Array {
  const out = new Float64Array(e.x.nRows);
  for (let i = 0; i < out.length; i++) out[i] = e.truth[i * e.nArms + k] - e.truth[i * e.nArms];
  return out;
}

/** Column k of a row-major nRows × nCols array. */
export function columnOf(values: Float64Array, nCols: number, k: number): Float64Array {
  const out = new Float64Array(values.length / nCols);
  for (let i = 0; i < out.length; i++) out[i] = values[i * nCols + k];
  return out;
}

/** Mean true uplift among the top fraction of rows ranked by `score` (ties broken by row). */
export function meanTrueUpliftOfTop(score: Float64Array, truth: Float64Array, fraction: number): number {
  const order = Array.from(score.keys()).sort((a, b) => score[b] - score[a] || a - b);
  const nTop = Math.floor(order.length * fraction);
  let sum = 0;
  for (let r = 0; r < nTop; r++) sum += truth[order[r]];
  return sum / nTop;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}
