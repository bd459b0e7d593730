/**
 * The boosting loop (Friedman 2001; second-order form of Chen & Guestrin 2016): bin once, then
 * per round and class sample rows and features, grow a tree on the current gradients, add its
 * leaves to the margins, recompute gradients; watch a validation metric for early stopping
 * the way xgboost.callback.EarlyStopping does (stop after `rounds` rounds without a strict
 * improvement, keep the trees up to the best round).
 *
 * Options arrive validated (gbdt.ts); this module only trains.
 */
import type { Matrix } from "../../core/matrix.ts";
import type { Progress } from "../../core/progress.ts";
import { rng, type Rng } from "../../core/rng.ts";
import { sketchSample } from "./binning.ts";
import { evaluateMetric, higherIsBetter, OBJECTIVE_CODE, type EvalMetric, type Objective } from "./gbdt-objective.ts";
import { openTeam } from "./gbdt-team.ts";
import { JOB_BIN, JOB_GRAD, JOB_PACK, JOB_UPDATE } from "./gbdt-jobs.ts";
import {
  allocateWork, blockOf, C_ACTIVE, C_ALPHA, C_CHUNKS, C_CLASSES, C_FEATURES, C_HIST_STRIDE, C_JOB, C_LAMBDA,
  C_MAX_BINS, C_MAX_DELTA_STEP, C_MIN_CHILD_WEIGHT, C_OBJECTIVE, C_ROWS, C_SCALE_POS_WEIGHT, C_WORDS, C_X_FIRST,
  chunkCount, MAX_CHUNKS, viewWork, wordsPerRow, type WorkSizes,
} from "./gbdt-work.ts";
import { cutsOf, Grower, HIST_BATCH, HistPool, type GrowOptions } from "./grower.ts";
import { addTreePrediction, type Tree } from "./tree.ts";

export interface TrainSettings {
  readonly objective: Objective;
  readonly nEstimators: number;
  readonly grow: GrowOptions;
  readonly maxBins: number;
  readonly subsample: number;
  readonly colsampleByTree: number;
  readonly scalePosWeight: number;
  readonly earlyStoppingRounds?: number;
  readonly evalMetric: EvalMetric;
  /** Sketch the cuts from a sample of this many rows; undefined: every row. */
  readonly binSampleRows?: number;
}

export interface TrainInput {
  readonly x: Matrix;
  /** Binary 0/1, regression targets, or class indices 0…nClasses−1. */
  readonly y: Float64Array;
  readonly weights?: Float64Array;
  /** Margins per row: the class count for multi:softmax, else 1. */
  readonly nOutputs: number;
  readonly baseMargin: number;
  readonly validation?: { x: Matrix; y: Float64Array; weights?: Float64Array };
  readonly seed: number;
  readonly nThreads: number;
  readonly progress?: Progress;
}

export interface TrainResult {
  readonly trees: Tree[];
  readonly gains: Float64Array[];
  readonly treeClass: Int32Array;
  /** The last round kept (0-based). */
  readonly bestIteration: number;
  /** The validation metric after each round (empty without validation). */
  readonly evalHistory: number[];
}

export function trainBoosting(input: TrainInput, settings: TrainSettings): TrainResult {
  const { x, nOutputs } = input;
  const { nRows, nCols: nFeatures } = x;
  const random = rng(input.seed);
  const sketchRandom = random.fork();
  const treeRandom = random.fork();

  const nRanks = Math.max(1, Math.min(input.nThreads, nFeatures));
  const g = settings.grow;
  const depthBound = g.maxDepth > 0 ? Math.min(2 ** (g.maxDepth + 1) - 1, 2 ** 30) : Infinity;
  const leafBound = g.maxLeaves > 0 ? 2 * g.maxLeaves - 1 : Infinity;
  const maxNodes = Math.max(1, Math.min(depthBound, leafBound, 2 * nRows + 1));
  const sample = settings.binSampleRows === undefined ? undefined : sketchSample(nRows, settings.binSampleRows, sketchRandom.next);
  const sizes: WorkSizes = {
    nRows,
    nFeatures,
    nOutputs,
    maxNodes,
    argCapacity: 16 + HIST_BATCH * (8 + 2 * MAX_CHUNKS),
    maxEval: 2 * HIST_BATCH,
    hasWeights: input.weights !== undefined,
    sampleLength: sample?.length ?? 0,
    xFirst: nRanks > 1 ? blockOf(nFeatures, 1, nRanks)[0] : nFeatures,
  };
  const shared = nRanks > 1;
  const buffers = allocateWork(sizes, shared);
  const work = viewWork(buffers);
  work.xLocal = x.data;
  if (work.x) work.x.set(x.data.subarray(sizes.xFirst * nRows));
  if (sample) work.sample!.set(sample);
  if (input.weights) work.weights.set(input.weights);
  work.y.set(input.y);
  const c = work.config;
  c[C_ROWS] = nRows;
  c[C_FEATURES] = nFeatures;
  c[C_CLASSES] = nOutputs;
  c[C_WORDS] = wordsPerRow(nFeatures);
  c[C_CHUNKS] = chunkCount(nRows);
  work.nodeBuild.fill(-1);
  c[C_LAMBDA] = g.params.lambda;
  c[C_ALPHA] = g.params.alpha;
  c[C_MIN_CHILD_WEIGHT] = g.params.minChildWeight;
  c[C_MAX_DELTA_STEP] = g.params.maxDeltaStep;
  c[C_OBJECTIVE] = OBJECTIVE_CODE[settings.objective];
  c[C_SCALE_POS_WEIGHT] = settings.scalePosWeight;
  c[C_MAX_BINS] = settings.maxBins;
  c[C_X_FIRST] = sizes.xFirst;

  const team = openTeam(nRanks, buffers);
  try {
    c[C_JOB] = JOB_BIN;
    team.run(work);
    c[C_JOB] = JOB_PACK;
    team.run(work);
    work.x = null;
    work.xLocal = null;
    work.sample = null;
    // Histogram layout; the padding features of the last word get one (never read) bin each.
    const nPadded = 4 * wordsPerRow(nFeatures);
    let offset = 0;
    for (let j = 0; j < nPadded; j++) {
      if (j >= nFeatures) work.nBins[j] = 1;
      work.histOffset[j] = offset;
      offset += work.nBins[j] + work.hasMissing[j];
    }
    work.histOffset[nPadded] = offset;
    c[C_HIST_STRIDE] = 2 * offset;

    work.margin.fill(input.baseMargin);
    c[C_JOB] = JOB_GRAD;
    team.run(work);

    const pool = new HistPool(work, team, shared);
    const cuts = cutsOf(work);
    const validation = input.validation;
    const valMargin = validation ? new Float64Array(validation.y.length * nOutputs).fill(input.baseMargin) : undefined;
    const valRows = validation?.y.length ?? 0;
    const trees: Tree[] = [];
    const gains: Float64Array[] = [];
    const treeClass: number[] = [];
    const evalHistory: number[] = [];
    const maximize = higherIsBetter(settings.evalMetric);
    let best = maximize ? -Infinity : Infinity;
    let bestIteration = -1;
    let sinceBest = 0;
    input.progress?.start("gbdt", settings.nEstimators);
    let round = 0;
    for (; round < settings.nEstimators; round++) {
      for (let k = 0; k < nOutputs; k++) {
        sampleRows(work.position, settings.subsample, treeRandom);
        c[C_ACTIVE] = sampleFeatures(work.active, nFeatures, settings.colsampleByTree, treeRandom);
        const grown = new Grower(work, team, pool, cuts, g, k, settings.subsample >= 1).grow();
        work.args[0] = k;
        c[C_JOB] = JOB_UPDATE;
        team.run(work);
        trees.push(grown.tree);
        gains.push(grown.gain);
        treeClass.push(k);
        if (validation) addTreePrediction(grown.tree, validation.x, valMargin!.subarray(k * valRows, (k + 1) * valRows));
      }
      input.progress?.tick();
      if (validation) {
        const score = evaluateMetric(settings.evalMetric, valMargin!, validation.y, validation.weights, nOutputs);
        evalHistory.push(score);
        if (bestIteration < 0 || (maximize ? score > best : score < best)) {
          best = score;
          bestIteration = round;
          sinceBest = 0;
        } else sinceBest++;
        if (settings.earlyStoppingRounds !== undefined && sinceBest >= settings.earlyStoppingRounds) {
          round++;
          break;
        }
      }
      if (round + 1 < settings.nEstimators) {
        c[C_JOB] = JOB_GRAD;
        team.run(work);
      }
    }
    input.progress?.stop();
    const kept = settings.earlyStoppingRounds !== undefined && bestIteration >= 0 ? bestIteration + 1 : round;
    return {
      trees: trees.slice(0, kept * nOutputs),
      gains: gains.slice(0, kept * nOutputs),
      treeClass: Int32Array.from(treeClass.slice(0, kept * nOutputs)),
      bestIteration: kept - 1,
      evalHistory,
    };
  } finally {
    team.release();
  }
}

/**
 * Puts every row at the root: position 0 for rows in this tree's Bernoulli(subsample) sample,
 * ~0 (−1) for the rows left out, which follow the tree without counting in it.
 */
function sampleRows(position: Int32Array, subsample: number, random: Rng): void {
  if (subsample >= 1) {
    position.fill(0);
    return;
  }
  for (let i = 0; i < position.length; i++) position[i] = random.next() < subsample ? 0 : -1;
}

/** The sampled features of this tree, ascending; all of them when colsample is 1. */
function sampleFeatures(active: Int32Array, nFeatures: number, colsample: number, random: Rng): number {
  for (let j = 0; j < nFeatures; j++) active[j] = j;
  if (colsample >= 1) return nFeatures;
  const m = Math.max(1, Math.floor(colsample * nFeatures));
  for (let f = 0; f < m; f++) {
    const pick = f + random.int(nFeatures - f);
    const tmp = active[f];
    active[f] = active[pick];
    active[pick] = tmp;
  }
  active.subarray(0, m).sort();
  return m;
}
