/**
 * Permutation importance for any fitted model (kNN, SVC, pipelines, ensembles): the drop in a
 * score when one feature's values are shuffled across rows, breaking its link with the target
 * (Breiman 2001, §10; scikit-learn's permutation_importance, whose procedure this follows:
 * each feature uses the same seeded stream of shuffles, repeat r re-shuffles the already
 * shuffled column with a cumulatively shuffled index, importance = baseline − permuted score,
 * mean and population std over repeats).
 *
 * Columns can be permuted in groups (all one-hot columns of a categorical feature together),
 * which is what "the importance of channel" means for an encoded model.
 */
import { PatronError } from "../core/errors.ts";
import { matrix, takeRows, takeValues, type Matrix } from "../core/matrix.ts";
import { rng as makeRng, type Rng } from "../core/rng.ts";
import { scorer as namedScorer, type ScoredModel } from "../models/select/scorers.ts";

/** Greater is better, as scikit-learn's scorers (losses negated). */
export type ScoreFunction = (model: ScoredModel<Matrix>, x: Matrix, y: Float64Array, sampleWeight?: Float64Array) => number;

export interface PermutationOptions {
  /** A scikit-learn scorer name ("roc_auc", "neg_log_loss", "r2", …) or a function. */
  scoring?: string | ScoreFunction;
  nRepeats?: number;
  /** Seed of the shuffles (the same for every feature, as scikit-learn). */
  seed?: number;
  /** Score on a seeded sample: a share of the rows in (0, 1], or a row count above 1. */
  maxSamples?: number;
  sampleWeight?: Float64Array;
  /** Original feature of each column: columns with the same source are shuffled together. */
  groups?: readonly string[];
  /**
   * The shuffling index of repeat r (scikit-learn's `shuffling_idx` after its r-th shuffle).
   * For reproducing another implementation's exact shuffles; default: seeded Fisher-Yates.
   */
  shufflingIndex?: (r: number, nRows: number) => ArrayLike<number>;
}

export interface PermutationImportance {
  /** Features (or groups) in column order of first appearance. */
  readonly featureNames: readonly string[];
  readonly baseline: number;
  /** Row-major nFeatures × nRepeats: baseline − score with feature j shuffled, repeat r. */
  readonly importances: Float64Array;
  readonly mean: Float64Array;
  /** Population standard deviation (numpy's std, ddof = 0), as scikit-learn reports. */
  readonly std: Float64Array;
  readonly nRepeats: number;
}

function defaultScoring(model: ScoredModel<Matrix>): string {
  return model.task === "regression" ? "r2" : "accuracy";
}

function seededShuffles(seed: number): (r: number, nRows: number) => Int32Array {
  // cumulative, as scikit-learn: repeat r shuffles the index left by repeat r − 1
  let random: Rng = makeRng(seed);
  let index = new Int32Array(0);
  let done = -1;
  return (r, nRows) => {
    if (r <= done || index.length !== nRows) {
      random = makeRng(seed);
      index = Int32Array.from({ length: nRows }, (_, i) => i);
      done = -1;
    }
    for (; done < r; done++) {
      for (let i = nRows - 1; i > 0; i--) {
        const k = random.int(i + 1);
        const tmp = index[i];
        index[i] = index[k];
        index[k] = tmp;
      }
    }
    return index;
  };
}

/** Permutation importance of every feature (or group) of x for a fitted model. */
export function permutationImportance(
  model: ScoredModel<Matrix>,
  x: Matrix,
  y: Float64Array,
  options: PermutationOptions = {},
): PermutationImportance {
  const nRepeats = options.nRepeats ?? 5;
  if (!Number.isInteger(nRepeats) || nRepeats < 1) {
    throw new PatronError("E_OPTIONS", `nRepeats must be an integer ≥ 1; found ${nRepeats}.`);
  }
  if (y.length !== x.nRows) throw new PatronError("E_SHAPE", `y has ${y.length} values but x has ${x.nRows} rows; pass one target per row.`);
  const scoring = options.scoring ?? defaultScoring(model);
  const score: ScoreFunction = typeof scoring === "string" ? (m, xx, yy, w) => namedScorer(scoring).score(m, xx, yy, w) : scoring;
  const groups = options.groups ?? x.columns;
  if (groups.length !== x.nCols) {
    throw new PatronError("E_GROUPS", `groups must name one source per column (${x.nCols}); found ${groups.length}.`);
  }

  // the scoring sample: all rows, or a seeded subset (drawn before the shuffles, as scikit-learn)
  let rows = x;
  let target = y;
  let weight = options.sampleWeight;
  if (options.maxSamples !== undefined) {
    const nSample = options.maxSamples <= 1 ? Math.floor(options.maxSamples * x.nRows) : Math.floor(options.maxSamples);
    if (!(nSample >= 1 && nSample <= x.nRows)) {
      throw new PatronError("E_OPTIONS", `maxSamples must give between 1 and ${x.nRows} rows; found ${options.maxSamples}.`);
    }
    if (nSample < x.nRows) {
      const random = makeRng((options.seed ?? 0) ^ 0x5bd1e995);
      const all = Int32Array.from({ length: x.nRows }, (_, i) => i);
      for (let i = 0; i < nSample; i++) {
        const k = i + random.int(x.nRows - i);
        [all[i], all[k]] = [all[k], all[i]];
      }
      const index = all.subarray(0, nSample);
      rows = takeRows(x, index);
      target = takeValues(y, index);
      weight = weight && takeValues(weight, index);
    }
  }
  const nRows = rows.nRows;
  const baseline = score(model, rows, target, weight);
  const names: string[] = [];
  const members: number[][] = [];
  groups.forEach((g, j) => {
    let at = names.indexOf(g);
    if (at < 0) {
      at = names.push(g) - 1;
      members.push([]);
    }
    members[at].push(j);
  });

  // one working copy; each group's columns are shuffled in place, then restored
  const data = Float64Array.from(rows.data);
  const work = matrix(data, nRows, rows.columns);
  const shuffling = options.shufflingIndex ?? seededShuffles(options.seed ?? 0);
  const importances = new Float64Array(names.length * nRepeats);
  const scratch = new Float64Array(nRows);
  members.forEach((cols, g) => {
    for (let r = 0; r < nRepeats; r++) {
      const index = shuffling(r, nRows);
      if (index.length !== nRows) throw new PatronError("E_OPTIONS", `shufflingIndex gave ${index.length} positions for ${nRows} rows.`);
      for (const j of cols) {
        const col = data.subarray(j * nRows, (j + 1) * nRows);
        for (let i = 0; i < nRows; i++) scratch[i] = col[index[i]];
        col.set(scratch);
      }
      importances[g * nRepeats + r] = baseline - score(model, work, target, weight);
    }
    for (const j of cols) data.set(rows.data.subarray(j * nRows, (j + 1) * nRows), j * nRows);
  });

  const mean = new Float64Array(names.length);
  const std = new Float64Array(names.length);
  for (let g = 0; g < names.length; g++) {
    let sum = 0;
    for (let r = 0; r < nRepeats; r++) sum += importances[g * nRepeats + r];
    mean[g] = sum / nRepeats;
    let squares = 0;
    for (let r = 0; r < nRepeats; r++) squares += (importances[g * nRepeats + r] - mean[g]) ** 2;
    std[g] = Math.sqrt(squares / nRepeats);
  }
  return { featureNames: names, baseline, importances, mean, std, nRepeats };
}
