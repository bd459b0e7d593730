/**
 * Arms of an experiment: checking the treatment column at the public boundary, the rows of each
 * arm, and the propensities the meta-learners need. Arm 0 is the control; a learner for several
 * treatments (one control + K arms) compares every arm with that control, as in causalml's
 * multi-treatment meta-learners and scikit-uplift's issue #185.
 */
import { PatronError, preview } from "../core/errors.ts";
import { takeRows, type Matrix } from "../core/matrix.ts";
import type { FitContext } from "../models/types.ts";

export interface ArmLayout {
  /** K + 1: the control plus K treatment arms. */
  readonly nArms: number;
  readonly names: readonly string[];
  /** Rows of each arm, in row order. */
  readonly rowsOf: readonly Int32Array[];
  readonly counts: readonly number[];
}

/** The smallest arm a learner can be fitted on: fewer rows than this is a data error, not a model. */
export const MIN_ROWS_PER_ARM = 2;

export function checkArms(treatment: ArrayLike<number>, nRows: number, names?: readonly string[]): ArmLayout {
  if (treatment.length !== nRows) {
    throw new PatronError("E_SHAPE", `treatment has ${treatment.length} values but x has ${nRows} rows; pass one arm per row.`);
  }
  let maxArm = 0;
  for (let i = 0; i < nRows; i++) {
    const a = treatment[i];
    if (!Number.isInteger(a) || a < 0) {
      const bad: number[] = [];
      for (let r = i; r < nRows && bad.length < 6; r++) if (!Number.isInteger(treatment[r]) || treatment[r] < 0) bad.push(treatment[r]);
      throw new PatronError(
        "E_TREATMENT",
        `treatment must hold arm numbers 0 (control), 1, 2, …; found ${preview(bad)} (first at row ${i}). Encode the control as 0 and each treatment as 1..K.`,
      );
    }
    if (a > maxArm) maxArm = a;
  }
  const nArms = maxArm + 1;
  if (nArms < 2) {
    throw new PatronError("E_TREATMENT", `treatment has only the control arm (0) in ${nRows} rows; uplift needs treated rows (1..K) too.`);
  }
  if (names !== undefined && names.length !== nArms) {
    throw new PatronError(
      "E_TREATMENT",
      `${names.length} arm names were given (${names.join(", ")}) but treatment has arms 0..${maxArm}; give one name per arm, control first.`,
    );
  }
  const counts = new Array<number>(nArms).fill(0);
  for (let i = 0; i < nRows; i++) counts[treatment[i]]++;
  counts.forEach((count, a) => {
    if (count < MIN_ROWS_PER_ARM) {
      throw new PatronError(
        "E_TREATMENT",
        `arm ${a}${names ? ` (${names[a]})` : ""} has ${count} row(s); every arm 0..${maxArm} needs at least ${MIN_ROWS_PER_ARM}. Number the arms without gaps or drop the empty one.`,
      );
    }
  });
  const rowsOf = counts.map((count) => new Int32Array(count));
  const filled = new Array<number>(nArms).fill(0);
  for (let i = 0; i < nRows; i++) {
    const a = treatment[i];
    rowsOf[a][filled[a]++] = i;
  }
  const defaultNames = nArms === 2 ? ["control", "treatment"] : ["control", ...Array.from({ length: nArms - 1 }, (_, k) => `arm${k + 1}`)];
  return { nArms, names: Object.freeze([...(names ?? defaultNames)]), rowsOf, counts };
}

export function checkOutcome(y: Float64Array, nRows: number): void {
  if (y.length !== nRows) throw new PatronError("E_SHAPE", `y has ${y.length} values but x has ${nRows} rows.`);
  for (let i = 0; i < nRows; i++) {
    if (!Number.isFinite(y[i])) {
      throw new PatronError("E_NAN", `y must be finite; found ${y[i]} at row ${i}. Drop or impute those rows before fitting.`);
    }
  }
}

export function isBinaryOutcome(y: Float64Array): boolean {
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) return false;
  return true;
}

/** The rows `rows` of x, y and (if given) the sample weights. */
export function subset(x: Matrix, y: Float64Array, rows: ArrayLike<number>, ctx: FitContext): { x: Matrix; y: Float64Array; weight?: Float64Array } {
  const ySub = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) ySub[r] = y[rows[r]];
  let weight: Float64Array | undefined;
  if (ctx.sampleWeight) {
    weight = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) weight[r] = ctx.sampleWeight[rows[r]];
  }
  return { x: takeRows(x, rows), y: ySub, weight };
}

/** Rows of the control and of arm k together (control rows first), for pairwise learners. */
export function pairRows(layout: ArmLayout, k: number): Int32Array {
  const control = layout.rowsOf[0];
  const arm = layout.rowsOf[k];
  const rows = new Int32Array(control.length + arm.length);
  rows.set(control, 0);
  rows.set(arm, control.length);
  return rows;
}

/**
 * A child fit's seed: distinct per role and arm, fixed by the parent's seed, so that refitting
 * one arm's model never changes another's randomness.
 */
export function childSeed(seed: number | undefined, role: number, arm: number): number {
  let h = ((seed ?? 0) ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (role + 1), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (arm + 0x27d4eb2f), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Known propensities P(arm) for a randomised experiment: "fraction" takes the arms' shares of the
 * training rows; an array gives the design's probabilities, control first (they are normalised).
 */
export type PropensityOption = "fraction" | readonly number[];

export function armPropensities(option: PropensityOption, layout: ArmLayout): number[] {
  if (option === "fraction") {
    const total = layout.counts.reduce((a, b) => a + b, 0);
    return layout.counts.map((c) => c / total);
  }
  if (option.length !== layout.nArms) {
    throw new PatronError(
      "E_OPTION",
      `propensity has ${option.length} values but there are ${layout.nArms} arms (${layout.names.join(", ")}); give one probability per arm, control first.`,
    );
  }
  const total = option.reduce((a, b) => a + b, 0);
  return option.map((p) => p / total);
}

/** The context a base model's fit gets: its own seed and weights; never the uplift-only fields. */
export function baseContext(ctx: FitContext, seed: number, sampleWeight: Float64Array | undefined): FitContext {
  return { seed, sampleWeight, progress: ctx.progress, nThreads: ctx.nThreads };
}
