/**
 * The training state of one GBDT fit, laid out in (Shared)ArrayBuffers so that the main thread
 * and the team's worker threads see the same memory (gbdt-team.ts); the jobs that run on it
 * are in gbdt-jobs.ts. Everything here is layout: sizes, buffers, typed views, slot numbers.
 *
 * The grower writes a job's arguments into `args`, the node arrays and `config`, then every
 * thread runs its share of the job (gbdt-jobs.ts `runJob`).
 */
import { MAX_BINS } from "./binning.ts";
import type { FeatureSplit, SplitParams } from "./split.ts";

/**
 * Slots of the config array. It is a Float64Array; integer fields are read back with `| 0`,
 * or V8 computes every array index from them in float64 (measured 5× slower loops).
 */
export const C_ROWS = 0;
export const C_FEATURES = 1;
export const C_CLASSES = 2;
export const C_WORDS = 3;
export const C_LAMBDA = 4;
export const C_ALPHA = 5;
export const C_MIN_CHILD_WEIGHT = 6;
export const C_MAX_DELTA_STEP = 7;
export const C_OBJECTIVE = 8;
export const C_SCALE_POS_WEIGHT = 9;
export const C_MAX_BINS = 10;
export const C_HIST_STRIDE = 11;
export const C_X_FIRST = 12;
export const C_ACTIVE = 13;
export const C_JOB = 14;
export const C_CHUNKS = 15;
const CONFIG_SIZE = 16;

/** Histogram slots per shared chunk; the pool grows by chunks as trees need more live nodes. */
export const SLOTS_PER_CHUNK = 8;
/**
 * Row chunks for histogram building: nRows / CHUNK_ROWS of them, at most MAX_CHUNKS. Each
 * chunk sums into its own partial histograms, added in chunk order, so the chunking — fixed by
 * nRows — decides the order of every sum, not the thread count. One chunk below CHUNK_ROWS
 * rows: sums in row order, as XGBoost on one thread.
 */
export const CHUNK_ROWS = 16_384;
export const MAX_CHUNKS = 8;

export function chunkCount(nRows: number): number {
  return Math.max(1, Math.min(MAX_CHUNKS, Math.floor(nRows / CHUNK_ROWS)));
}

export interface WorkSizes {
  nRows: number;
  nFeatures: number;
  /** Margins per row (classes for multiclass, else 1). */
  nOutputs: number;
  maxNodes: number;
  /** Int32 slots for job arguments. */
  argCapacity: number;
  /** Evaluation slots per HIST job (children per batch). */
  maxEval: number;
  hasWeights: boolean;
  /** Length of the sketch sample (0: none). */
  sampleLength: number;
  /** Features from this index on are copied into `x` for the other threads (nFeatures: none). */
  xFirst: number;
}

/** Four codes per 32-bit word in the row-major copy. */
export function wordsPerRow(nFeatures: number): number {
  return Math.max(1, Math.ceil(nFeatures / 4));
}

/** Every buffer of the state; SharedArrayBuffers when a team of threads shares them. */
export interface WorkBuffers {
  sizes: WorkSizes;
  config: ArrayBufferLike;
  x: ArrayBufferLike | null;
  sample: ArrayBufferLike | null;
  weights: ArrayBufferLike | null;
  y: ArrayBufferLike;
  margin: ArrayBufferLike;
  gh: ArrayBufferLike;
  bins: ArrayBufferLike;
  binWords: ArrayBufferLike;
  nBins: ArrayBufferLike;
  hasMissing: ArrayBufferLike;
  cuts: ArrayBufferLike;
  minValues: ArrayBufferLike;
  histOffset: ArrayBufferLike;
  position: ArrayBufferLike;
  nodeBuild: ArrayBufferLike;
  nodeSlot: ArrayBufferLike;
  nodeFeature: ArrayBufferLike;
  nodeSplitBin: ArrayBufferLike;
  nodeMissingCode: ArrayBufferLike;
  nodeLeft: ArrayBufferLike;
  nodeG: ArrayBufferLike;
  nodeH: ArrayBufferLike;
  nodeRootGain: ArrayBufferLike;
  nodeValue: ArrayBufferLike;
  active: ArrayBufferLike;
  args: ArrayBufferLike;
  evalFloat: ArrayBufferLike;
  evalInt: ArrayBufferLike;
}

/** Per (eval slot, feature): loss, leftG, leftH | splitBin, missingLeft. */
export const EVAL_FLOAT = 3;
export const EVAL_INT = 2;

export interface Work {
  readonly sizes: WorkSizes;
  readonly config: Float64Array;
  /** Columns xFirst… of the training matrix, for threads other than the main one. */
  x: Float64Array | null;
  /** The caller's matrix data, main thread only (never copied for rank 0). */
  xLocal: Float64Array | null;
  sample: Uint32Array | null;
  readonly weights: Float64Array;
  readonly y: Float64Array;
  /** Class-major margins: class k of row i at k·nRows + i. */
  readonly margin: Float64Array;
  /** Gradient and hessian interleaved per row, one block of 2·nRows per class. */
  readonly gh: Float32Array;
  /** Codes column-major, as binning writes them: feature j of row i at j·nRows + i. */
  readonly bins: Uint8Array;
  /** The same codes row-major, four per word: row i at i·nWords (everything after binning). */
  readonly binWords: Uint32Array;
  /** Per feature, padded to a multiple of four (padding: 1 bin, never sampled). */
  readonly nBins: Int32Array;
  readonly hasMissing: Uint8Array;
  readonly cuts: Float64Array;
  readonly minValues: Float64Array;
  /** Feature j's bins start at histOffset[j] (in bins); histOffset[nPadded] = total. */
  readonly histOffset: Int32Array;
  /** The current tree's node of each row; ~node (negative) for rows outside its sample. */
  readonly position: Int32Array;
  /** For the nodes being built by the current GROW job: their index in it; −1 for any other. */
  readonly nodeBuild: Int32Array;
  /** Per node of the current tree: histogram slot (−1: none). */
  readonly nodeSlot: Int32Array;
  /** Split nodes: feature, codes ≤ splitBin go left, the code that also goes left (the missing
   *  code when missing values go left, else 256: none), left child (right = left + 1; −1 at a leaf). */
  readonly nodeFeature: Int32Array;
  readonly nodeSplitBin: Int32Array;
  readonly nodeMissingCode: Int32Array;
  readonly nodeLeft: Int32Array;
  /** Per node: gradient and hessian sums, float32 structure score, leaf value (with learning rate). */
  readonly nodeG: Float64Array;
  readonly nodeH: Float64Array;
  readonly nodeRootGain: Float64Array;
  readonly nodeValue: Float64Array;
  /** Sampled features of the current tree, ascending; config[C_ACTIVE] of them. */
  readonly active: Int32Array;
  readonly args: Int32Array;
  readonly evalFloat: Float64Array;
  readonly evalInt: Int32Array;
  readonly histChunks: Float64Array[];
  /** This thread's per-feature histogram offsets (scratch, not shared). */
  offsets: Int32Array;
  readonly split: FeatureSplit;
}

export function allocateWork(sizes: WorkSizes, shared: boolean): WorkBuffers {
  const make = (bytes: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const { nRows, nFeatures, nOutputs, maxNodes } = sizes;
  const nWords = wordsPerRow(nFeatures);
  const nPadded = 4 * nWords;
  return {
    sizes,
    config: make(8 * CONFIG_SIZE),
    x: sizes.xFirst < nFeatures ? make(8 * nRows * (nFeatures - sizes.xFirst)) : null,
    sample: sizes.sampleLength > 0 ? make(4 * sizes.sampleLength) : null,
    weights: sizes.hasWeights ? make(8 * nRows) : null,
    y: make(8 * nRows),
    margin: make(8 * nRows * nOutputs),
    gh: make(4 * 2 * nRows * nOutputs),
    bins: make(nRows * nFeatures),
    binWords: make(4 * nRows * nWords),
    nBins: make(4 * nPadded),
    hasMissing: make(nPadded),
    cuts: make(8 * nFeatures * MAX_BINS),
    minValues: make(8 * nFeatures),
    histOffset: make(4 * (nPadded + 1)),
    position: make(4 * nRows),
    nodeBuild: make(4 * maxNodes),
    nodeSlot: make(4 * maxNodes),
    nodeFeature: make(4 * maxNodes),
    nodeSplitBin: make(4 * maxNodes),
    nodeMissingCode: make(4 * maxNodes),
    nodeLeft: make(4 * maxNodes),
    nodeG: make(8 * maxNodes),
    nodeH: make(8 * maxNodes),
    nodeRootGain: make(8 * maxNodes),
    nodeValue: make(8 * maxNodes),
    active: make(4 * nFeatures),
    args: make(4 * sizes.argCapacity),
    evalFloat: make(8 * EVAL_FLOAT * sizes.maxEval * nFeatures),
    evalInt: make(4 * EVAL_INT * sizes.maxEval * nFeatures),
  };
}

export function viewWork(b: WorkBuffers): Work {
  return {
    sizes: b.sizes,
    config: new Float64Array(b.config),
    x: b.x ? new Float64Array(b.x) : null,
    xLocal: null,
    sample: b.sample ? new Uint32Array(b.sample) : null,
    weights: b.weights ? new Float64Array(b.weights) : new Float64Array(0),
    y: new Float64Array(b.y),
    margin: new Float64Array(b.margin),
    gh: new Float32Array(b.gh),
    bins: new Uint8Array(b.bins),
    binWords: new Uint32Array(b.binWords),
    nBins: new Int32Array(b.nBins),
    hasMissing: new Uint8Array(b.hasMissing),
    cuts: new Float64Array(b.cuts),
    minValues: new Float64Array(b.minValues),
    histOffset: new Int32Array(b.histOffset),
    position: new Int32Array(b.position),
    nodeBuild: new Int32Array(b.nodeBuild),
    nodeSlot: new Int32Array(b.nodeSlot),
    nodeFeature: new Int32Array(b.nodeFeature),
    nodeSplitBin: new Int32Array(b.nodeSplitBin),
    nodeMissingCode: new Int32Array(b.nodeMissingCode),
    nodeLeft: new Int32Array(b.nodeLeft),
    nodeG: new Float64Array(b.nodeG),
    nodeH: new Float64Array(b.nodeH),
    nodeRootGain: new Float64Array(b.nodeRootGain),
    nodeValue: new Float64Array(b.nodeValue),
    active: new Int32Array(b.active),
    args: new Int32Array(b.args),
    evalFloat: new Float64Array(b.evalFloat),
    evalInt: new Int32Array(b.evalInt),
    histChunks: [],
    offsets: new Int32Array(0),
    split: { loss: 0, splitBin: 0, missingLeft: 0, leftG: 0, leftH: 0 },
  };
}

/** The contiguous block [lo, hi) of `count` items that thread `rank` of `nRanks` owns. */
export function blockOf(count: number, rank: number, nRanks: number): [number, number] {
  // `| 0` keeps indices int32 for V8 (counts are often read from the Float64Array config).
  return [Math.floor((count * rank) / nRanks) | 0, Math.floor((count * (rank + 1)) / nRanks) | 0];
}

export function splitParamsOf(work: Work): SplitParams {
  const c = work.config;
  return { lambda: c[C_LAMBDA], alpha: c[C_ALPHA], minChildWeight: c[C_MIN_CHILD_WEIGHT], maxDeltaStep: c[C_MAX_DELTA_STEP] };
}

/** The chunk array holding histogram slot `slot`… */
export function histSlot(work: Work, slot: number): Float64Array {
  return work.histChunks[(slot / SLOTS_PER_CHUNK) | 0];
}

/** …and the slot's first index in it. */
export function histBase(work: Work, slot: number): number {
  return (slot % SLOTS_PER_CHUNK) * (work.config[C_HIST_STRIDE] | 0);
}
