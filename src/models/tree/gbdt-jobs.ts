/**
 * The jobs every thread of a GBDT team runs on the shared state (gbdt-work.ts); `runJob(work,
 * rank, nRanks)` runs thread `rank`'s share of the job named in config[C_JOB]:
 *
 * - BIN: quantile cuts and column-major codes, features in blocks per thread; PACK: the
 *   row-major word copy, rows in blocks;
 * - GROW: one sequential scan over the rows: rows of freshly split nodes step to their child,
 *   and each row of a node being built adds into that node's histogram — all nodes of a level
 *   in one pass. Rows are cut into chunks whose boundaries depend only on nRows; each chunk
 *   has its own partial histograms;
 * - HIST: per feature block — chunk partials summed in chunk order, siblings by subtraction,
 *   best split per node. Sums run in a fixed order, so 1 or N threads give bit-identical models;
 * - UPDATE / GRAD: leaf values into margins, new gradients;
 * - and, for a prediction, gbdt-predict.ts's block of rows.
 *
 * Why a position per row instead of row-index lists per node (XGBoost's RowSetCollection):
 * with lists, deep nodes' rows are scattered and every row read is a cache miss, which C
 * hides with prefetch instructions and JavaScript cannot (measured 9 ns per row·feature in a
 * node of 1 row in 32, against 2.4 ns sequential). Scanning every row per level is sequential
 * and cheap when the level's nodes hold most rows, as in depthwise growth; lossguide pays a
 * scan of all rows per split.
 *
 * gbdt-worker.mjs imports this module in each worker thread.
 */
import { binColumn, featureCuts, MAX_BINS } from "./binning.ts";
import { computeGradients } from "./gbdt-objective.ts";
import {
  blockOf, C_ACTIVE, C_CHUNKS, C_CLASSES, C_FEATURES, C_HIST_STRIDE, C_JOB, C_MAX_BINS, C_OBJECTIVE, C_ROWS,
  C_SCALE_POS_WEIGHT, C_WORDS, C_X_FIRST, EVAL_FLOAT, EVAL_INT, histBase, histSlot, splitParamsOf, type Work,
} from "./gbdt-work.ts";
import { scanAllRows, scanRows, scanRowsPicked, subtractHistogram, sumHistograms, type ScanNodes } from "./histogram.ts";
import { bestSplitOfFeature } from "./split.ts";

import { predictJob, type PredictBuffers } from "./gbdt-predict.ts";
import { viewWork, type WorkBuffers } from "./gbdt-work.ts";

/** What a team thread works on: a fit's state, or a prediction's rows and model. */
export type TeamWork = Work | PredictBuffers;

/** A thread's view of what the main thread posted (gbdt-worker.mjs calls this). */
export function view(buffers: WorkBuffers | PredictBuffers): TeamWork {
  return "kind" in buffers ? buffers : viewWork(buffers);
}

export const JOB_BIN = 1;
export const JOB_PACK = 2;
export const JOB_GROW = 3;
export const JOB_HIST = 4;
export const JOB_UPDATE = 5;
export const JOB_GRAD = 6;

export function runJob(work: TeamWork, rank: number, nRanks: number): void {
  if ("kind" in work) return predictJob(work, rank, nRanks);
  switch (work.config[C_JOB]) {
    case JOB_BIN:
      return binJob(work, rank, nRanks);
    case JOB_PACK:
      return packJob(work, rank, nRanks);
    case JOB_GROW:
      return growJob(work, rank, nRanks);
    case JOB_HIST:
      return histJob(work, rank, nRanks);
    case JOB_UPDATE:
      return updateJob(work, rank, nRanks);
    case JOB_GRAD:
      return gradJob(work, rank, nRanks);
    default:
      throw new Error(`unknown GBDT job ${work.config[C_JOB]}`);
  }
}

/** Rows of chunk c: chunks are equal blocks of the rows, their count fixed by nRows alone. */
export function chunkRows(work: Work, c: number): [number, number] {
  return blockOf(work.config[C_ROWS] | 0, c, work.config[C_CHUNKS] | 0);
}

function binJob(work: Work, rank: number, nRanks: number): void {
  const nRows = work.config[C_ROWS] | 0;
  const nFeatures = work.config[C_FEATURES] | 0;
  const xFirst = work.config[C_X_FIRST] | 0;
  const maxBins = work.config[C_MAX_BINS] | 0;
  const weights = work.weights.length > 0 ? work.weights : undefined;
  const [lo, hi] = blockOf(nFeatures, rank, nRanks);
  for (let j = lo; j < hi; j++) {
    const column = work.xLocal && j < xFirst
      ? work.xLocal.subarray(j * nRows, (j + 1) * nRows)
      : work.x!.subarray((j - xFirst) * nRows, (j - xFirst + 1) * nRows);
    const fc = featureCuts(column, maxBins, weights, work.sample ?? undefined);
    const nBins = fc.cuts.length;
    work.nBins[j] = nBins;
    work.hasMissing[j] = fc.hasMissing ? 1 : 0;
    work.minValues[j] = fc.minValue;
    work.cuts.set(fc.cuts, j * MAX_BINS);
    binColumn(column, fc.cuts, nBins, work.bins.subarray(j * nRows, (j + 1) * nRows));
  }
}

/** words[i·nWords + q] = codes of features 4q…4q+3 of row i, low byte first; padding codes 0. */
function packJob(work: Work, rank: number, nRanks: number): void {
  const nRows = work.config[C_ROWS] | 0;
  const nFeatures = work.config[C_FEATURES] | 0;
  const nWords = work.config[C_WORDS] | 0;
  const { bins, binWords } = work;
  const [lo, hi] = blockOf(nRows, rank, nRanks);
  // Blocks of rows keep each column's slice in cache while the words fill.
  for (let from = lo; from < hi; from += 4096) {
    const to = Math.min(hi, from + 4096);
    binWords.fill(0, from * nWords, to * nWords);
    for (let j = 0; j < nFeatures; j++) {
      const column = j * nRows;
      const q = j >> 2;
      const shift = (j & 3) << 3;
      for (let i = from; i < to; i++) binWords[i * nWords + q] |= bins[column + i] << shift;
    }
  }
}

/**
 * args: [class, nBuilt, allRows, target slots × (nChunks·nBuilt), chunk-major]. allRows = 1:
 * the root of a tree holding every row (nothing to read from positions). Rows at freshly split
 * nodes move to their child; nodeBuild[n] = b ≥ 0 marks node n as built, its rows of chunk c
 * summing into slot[c·nBuilt + b]. Chunk c goes to thread ⌊c·nRanks/nChunks⌋. Idempotent for
 * moving (a moved row sits at a leaf), so the grower may run it once per group of built nodes.
 */
function growJob(work: Work, rank: number, nRanks: number): void {
  const { args, histOffset, active, binWords, position } = work;
  const nRows = work.config[C_ROWS] | 0;
  const nFeatures = work.config[C_FEATURES] | 0;
  const nWords = work.config[C_WORDS] | 0;
  const nActive = work.config[C_ACTIVE] | 0;
  const nChunks = work.config[C_CHUNKS] | 0;
  const stride = work.config[C_HIST_STRIDE] | 0;
  const k = args[0];
  const nBuilt = args[1];
  const allRows = args[2] === 1;
  const gh = work.gh.subarray(2 * k * nRows, 2 * (k + 1) * nRows);
  const nodes: ScanNodes = {
    left: work.nodeLeft, feature: work.nodeFeature, splitBin: work.nodeSplitBin, missingCode: work.nodeMissingCode,
    build: work.nodeBuild,
  };
  // Few sampled features: read just those codes; otherwise every word of the row.
  const picked = 2 * nActive < nFeatures;
  const nCodes = picked ? nActive : 4 * nWords;
  if (work.offsets.length < nCodes) work.offsets = new Int32Array(4 * nWords);
  const offsets = work.offsets;
  for (let f = 0; f < nCodes; f++) offsets[f] = 2 * histOffset[picked ? active[f] : f];
  const [chunkLo, chunkHi] = blockOf(nChunks, rank, nRanks);
  for (let c = chunkLo; c < chunkHi; c++) {
    const targets: Float64Array[] = [];
    const bases = new Int32Array(nBuilt);
    for (let b = 0; b < nBuilt; b++) {
      const slot = args[3 + c * nBuilt + b];
      const hist = histSlot(work, slot);
      const base = histBase(work, slot);
      targets.push(hist);
      bases[b] = base;
      if (picked) {
        for (let f = 0; f < nActive; f++) hist.fill(0, base + offsets[f], base + 2 * histOffset[active[f] + 1]);
      } else hist.fill(0, base, base + stride);
    }
    const [from, to] = chunkRows(work, c);
    if (picked) scanRowsPicked(binWords, nWords, position, nodes, from, to, gh, targets, bases, offsets, active, nActive);
    else if (allRows) scanAllRows(binWords, nWords, from, to, gh, targets[0], bases[0], offsets);
    else scanRows(binWords, nWords, position, nodes, from, to, gh, targets, bases, offsets);
  }
}

/**
 * args: [nItems, nEval, nChunkSlots, items (built, other, parentSlot, chunkFrom, chunkCount) ×
 * nItems, eval nodes × nEval, chunk slots × nChunkSlots]. Per feature of this thread's block:
 * built = Σ its chunks in chunk order (when more than one), other = parent − built, then each
 * eval node's best split on the feature.
 */
function histJob(work: Work, rank: number, nRanks: number): void {
  const { args, nodeSlot, active, nBins, hasMissing, histOffset } = work;
  const nFeatures = work.config[C_FEATURES] | 0;
  const nItems = args[0];
  const nEval = args[1];
  const chunkSlotsAt = 3 + 5 * nItems + nEval;
  const [lo, hi] = blockOf(work.config[C_ACTIVE] | 0, rank, nRanks);
  if (lo === hi) return;
  for (let t = 0; t < nItems; t++) {
    const at = 3 + 5 * t;
    const built = args[at];
    const other = args[at + 1];
    const parentSlot = args[at + 2];
    const chunkFrom = args[at + 3];
    const chunkCount = args[at + 4];
    const builtSlot = nodeSlot[built];
    const builtHist = histSlot(work, builtSlot);
    const builtBase = histBase(work, builtSlot);
    if (chunkCount > 1) {
      const parts: Float64Array[] = [];
      const partBases: number[] = [];
      for (let c = 0; c < chunkCount; c++) {
        const slot = args[chunkSlotsAt + chunkFrom + c];
        parts.push(histSlot(work, slot));
        partBases.push(histBase(work, slot));
      }
      for (let f = lo; f < hi; f++) {
        const j = active[f];
        const offset = 2 * histOffset[j];
        sumHistograms(parts, partBases.map((b) => b + offset), builtHist, builtBase + offset, 2 * (histOffset[j + 1] - histOffset[j]));
      }
    }
    if (other >= 0) {
      const otherSlot = nodeSlot[other];
      const parentHist = histSlot(work, parentSlot);
      const parentBase = histBase(work, parentSlot);
      const otherHist = histSlot(work, otherSlot);
      const otherBase = histBase(work, otherSlot);
      for (let f = lo; f < hi; f++) {
        const j = active[f];
        const offset = 2 * histOffset[j];
        subtractHistogram(parentHist, parentBase + offset, builtHist, builtBase + offset, otherHist, otherBase + offset, 2 * (histOffset[j + 1] - histOffset[j]));
      }
    }
  }
  const params = splitParamsOf(work);
  const split = work.split;
  for (let e = 0; e < nEval; e++) {
    const node = args[3 + 5 * nItems + e];
    const slot = nodeSlot[node];
    const hist = histSlot(work, slot);
    const base = histBase(work, slot);
    const sumG = work.nodeG[node];
    const sumH = work.nodeH[node];
    const rootGain = work.nodeRootGain[node];
    for (let f = lo; f < hi; f++) {
      const j = active[f];
      bestSplitOfFeature(params, hist, base + 2 * histOffset[j], nBins[j], hasMissing[j] === 1, sumG, sumH, rootGain, split);
      const out = e * nFeatures + j;
      work.evalFloat[EVAL_FLOAT * out] = split.loss;
      work.evalFloat[EVAL_FLOAT * out + 1] = split.leftG;
      work.evalFloat[EVAL_FLOAT * out + 2] = split.leftH;
      work.evalInt[EVAL_INT * out] = split.splitBin;
      work.evalInt[EVAL_INT * out + 1] = split.missingLeft;
    }
  }
}

/**
 * args: [class]. margin[class k of row i] += value of the leaf row i sits in; a position is
 * the node, or its complement for rows outside the tree's sample (which follow it all the same).
 */
function updateJob(work: Work, rank: number, nRanks: number): void {
  const { position, nodeValue, margin } = work;
  const nRows = work.config[C_ROWS] | 0;
  const offset = work.args[0] * nRows;
  const [lo, hi] = blockOf(nRows, rank, nRanks);
  for (let i = lo; i < hi; i++) {
    const p = position[i];
    margin[offset + i] += nodeValue[p < 0 ? ~p : p];
  }
}

function gradJob(work: Work, rank: number, nRanks: number): void {
  const c = work.config;
  const nRows = c[C_ROWS] | 0;
  const [lo, hi] = blockOf(nRows, rank, nRanks);
  computeGradients(c[C_OBJECTIVE] | 0, work.margin, work.y, work.weights, work.gh, nRows, c[C_CLASSES] | 0, c[C_SCALE_POS_WEIGHT], lo, hi);
}
