/**
 * Grows one regression tree on gradient histograms, the way XGBoost 1.7's
 * grow_quantile_histmaker does (src/tree/updater_quantile_hist.cc, driver.h):
 *
 * - depthwise: all valid splits of a level are applied together, in node-id order, and the
 *   children of the whole level get their histograms together; lossguide (when maxLeaves is
 *   set): always the open node with the largest loss change (ties: lowest id), and the tree
 *   stops at the first invalid candidate;
 * - a split is valid when loss_chg > 1e-6, both sides have hessian > 0, loss_chg ≥ gamma, the
 *   node is above maxDepth and the tree below maxLeaves;
 * - children get ids in the order splits are applied (so children follow parents, as tree.ts
 *   requires), leaf values are learningRate × the optimal weight, cover is the hessian sum.
 *
 * Rows carry their node in `position` (gbdt-jobs.ts); one GROW scan per level moves the rows of
 * the level's splits to their children and builds the children's histograms. Of two siblings
 * only the one with the smaller hessian sum is built from rows (XGBoost's choice); the other
 * is parent − sibling.
 */
import { binThreshold, type BinCuts } from "./binning.ts";
import { JOB_GROW, JOB_HIST } from "./gbdt-jobs.ts";
import {
  C_ACTIVE, C_CHUNKS, C_FEATURES, C_HIST_STRIDE, C_JOB, EVAL_FLOAT, EVAL_INT, histBase, histSlot, SLOTS_PER_CHUNK,
  type Work,
} from "./gbdt-work.ts";
import type { Team } from "./gbdt-team.ts";
import { leafWeight, nodeGain, type SplitParams } from "./split.ts";
import type { Tree } from "./tree.ts";

/** XGBoost's kRtEps: a loss change must exceed this to count as a split. */
const MIN_LOSS_CHANGE = 1e-6;
/** Nodes per HIST job (XGBoost's max_node_batch_size). */
export const HIST_BATCH = 256;
/** Bytes of partial histograms one GROW job may fill (chunks × built nodes × stride). */
const BUILD_BYTES = 64 << 20;

export interface GrowOptions {
  /** 0 = unlimited (lossguide only). */
  readonly maxDepth: number;
  /** 0 = unlimited. */
  readonly maxLeaves: number;
  readonly lossguide: boolean;
  readonly learningRate: number;
  readonly gamma: number;
  readonly params: SplitParams;
}

/** A grown tree plus the split gains (XGBoost's "gain", for importance). */
export interface GrownTree {
  readonly tree: Tree;
  /** loss_chg of each split node (0 at leaves). */
  readonly gain: Float64Array;
}

interface Candidate {
  node: number;
  depth: number;
  loss: number;
  feature: number;
  splitBin: number;
  missingLeft: number;
  leftG: number;
  leftH: number;
}

/** Histogram slots, recycled across nodes and trees; grows by shared chunks. */
export class HistPool {
  private readonly free: number[] = [];
  private nSlots = 0;

  constructor(private readonly work: Work, private readonly team: Team, private readonly shared: boolean) {}

  take(): number {
    if (this.free.length === 0) {
      const doubles = SLOTS_PER_CHUNK * this.work.config[C_HIST_STRIDE];
      const chunk = new Float64Array(this.shared ? new SharedArrayBuffer(8 * doubles) : new ArrayBuffer(8 * doubles));
      this.team.addHistChunk(this.work, chunk);
      for (let s = this.nSlots + SLOTS_PER_CHUNK - 1; s >= this.nSlots; s--) this.free.push(s);
      this.nSlots += SLOTS_PER_CHUNK;
    }
    return this.free.pop()!;
  }

  give(slot: number): void {
    if (slot >= 0) this.free.push(slot);
  }
}

export class Grower {
  private readonly feature: number[] = [];
  private readonly splitBin: number[] = [];
  private readonly missingLeft: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly value: number[] = [];
  private readonly cover: number[] = [];
  private readonly gain: number[] = [];
  private readonly depth: number[] = [];
  private nNodes = 0;
  private nLeaves = 1;

  constructor(
    private readonly work: Work,
    private readonly team: Team,
    private readonly pool: HistPool,
    private readonly cuts: BinCuts,
    private readonly options: GrowOptions,
    /** The class whose gradients this tree fits. */
    private readonly k: number,
    /** Every row is in this tree's sample. */
    private readonly allRows: boolean,
  ) {}

  /** Grows from every row at position 0 (or ~0 outside the sample); leaves rows at their leaves. */
  grow(): GrownTree {
    const root = this.newNode(0);
    this.work.nodeSlot[root] = this.pool.take();
    this.buildHistograms([[root, -1, -1]], []);
    // The root's totals, summed from the first sampled feature's histogram (missing bin
    // included), as XGBoost does on dense data.
    const w = this.work;
    const j0 = w.active[0];
    const slot = w.nodeSlot[root];
    const hist = histSlot(w, slot);
    const base = histBase(w, slot) + 2 * w.histOffset[j0];
    let sumG = 0;
    let sumH = 0;
    for (let b = 0; b < w.histOffset[j0 + 1] - w.histOffset[j0]; b++) {
      sumG += hist[base + 2 * b];
      sumH += hist[base + 2 * b + 1];
    }
    this.setStats(root, sumG, sumH);
    this.histJob([], [root], []);
    const open = this.collect([root]).filter((c) => c.loss > MIN_LOSS_CHANGE);
    if (this.options.lossguide) this.growLossguide(open);
    else this.growDepthwise(open);
    for (let n = 0; n < this.nNodes; n++) this.releaseSlot(n);
    return this.finish();
  }

  private growDepthwise(level: Candidate[]): void {
    while (level.length > 0) {
      const batch: Candidate[] = [];
      for (const c of level) {
        if (this.isValid(c)) {
          this.nLeaves++;
          batch.push(c);
        } else this.releaseSlot(c.node);
      }
      if (batch.length === 0) return;
      for (const c of batch) this.applySplit(c);
      const next: Candidate[] = [];
      if (this.childrenMayGrow(batch[0].depth + 1)) {
        for (let from = 0; from < batch.length; from += HIST_BATCH) {
          next.push(...this.evaluateChildren(batch.slice(from, from + HIST_BATCH)));
        }
      } else this.growJob([]);
      for (const c of batch) this.releaseSlot(c.node);
      level = next;
    }
  }

  private growLossguide(open: Candidate[]): void {
    const before = (a: Candidate, b: Candidate) => a.loss > b.loss || (a.loss === b.loss && a.node < b.node);
    while (open.length > 0) {
      let best = 0;
      for (let q = 1; q < open.length; q++) if (before(open[q], open[best])) best = q;
      const c = open[best];
      open.splice(best, 1);
      if (!this.isValid(c)) return;
      this.nLeaves++;
      this.applySplit(c);
      if (this.childrenMayGrow(c.depth + 1)) open.push(...this.evaluateChildren([c]));
      else this.growJob([]);
      this.releaseSlot(c.node);
    }
  }

  private isValid(c: Candidate): boolean {
    const o = this.options;
    const sumH = this.work.nodeH[c.node];
    if (c.loss <= MIN_LOSS_CHANGE) return false;
    if (c.leftH === 0 || sumH - c.leftH === 0) return false;
    if (c.loss < o.gamma) return false;
    if (o.maxDepth > 0 && c.depth === o.maxDepth) return false;
    if (o.maxLeaves > 0 && this.nLeaves === o.maxLeaves) return false;
    return true;
  }

  private childrenMayGrow(childDepth: number): boolean {
    const o = this.options;
    if (o.maxDepth > 0 && childDepth >= o.maxDepth) return false;
    if (o.maxLeaves > 0 && this.nLeaves >= o.maxLeaves) return false;
    return true;
  }

  private newNode(depth: number): number {
    const n = this.nNodes++;
    this.work.nodeSlot[n] = -1;
    this.work.nodeLeft[n] = -1;
    this.feature[n] = -1;
    this.splitBin[n] = 0;
    this.missingLeft[n] = 0;
    this.left[n] = -1;
    this.right[n] = -1;
    this.gain[n] = 0;
    this.depth[n] = depth;
    return n;
  }

  private setStats(n: number, sumG: number, sumH: number): void {
    const w = this.work;
    const p = this.options.params;
    w.nodeG[n] = sumG;
    w.nodeH[n] = sumH;
    w.nodeRootGain[n] = Math.fround(nodeGain(p, sumG, sumH));
    // XGBoost multiplies the float32 weight by the float32 learning rate.
    const value = Math.fround(leafWeight(p, sumG, sumH) * Math.fround(this.options.learningRate));
    w.nodeValue[n] = value;
    this.value[n] = value;
    this.cover[n] = sumH;
  }

  private releaseSlot(n: number): void {
    this.pool.give(this.work.nodeSlot[n]);
    this.work.nodeSlot[n] = -1;
  }

  private applySplit(c: Candidate): void {
    const w = this.work;
    const n = c.node;
    const sumG = w.nodeG[n];
    const sumH = w.nodeH[n];
    // Right = left + 1, which the row scan relies on.
    const l = this.newNode(c.depth + 1);
    const r = this.newNode(c.depth + 1);
    this.setStats(l, c.leftG, c.leftH);
    this.setStats(r, sumG - c.leftG, sumH - c.leftH);
    this.feature[n] = c.feature;
    this.splitBin[n] = c.splitBin;
    this.missingLeft[n] = c.missingLeft;
    this.left[n] = l;
    this.right[n] = r;
    this.gain[n] = c.loss;
    w.nodeFeature[n] = c.feature;
    w.nodeSplitBin[n] = c.splitBin;
    // Codes equal nBins only for missing values; 256 is no code.
    w.nodeMissingCode[n] = c.missingLeft === 1 ? w.nBins[c.feature] : 256;
    w.nodeLeft[n] = l;
  }

  /** Builds the children's histograms (smaller one built, sibling subtracted) and their best splits. */
  private evaluateChildren(parents: readonly Candidate[]): Candidate[] {
    const w = this.work;
    const items: [number, number, number][] = [];
    const evalNodes: number[] = [];
    for (const c of parents) {
      const l = w.nodeLeft[c.node];
      const r = l + 1;
      const [built, other] = w.nodeH[r] < w.nodeH[l] ? [r, l] : [l, r];
      w.nodeSlot[l] = this.pool.take();
      w.nodeSlot[r] = this.pool.take();
      items.push([built, other, w.nodeSlot[c.node]]);
      evalNodes.push(l, r);
    }
    this.buildHistograms(items, evalNodes);
    const found = this.collect(evalNodes);
    const open: Candidate[] = [];
    for (const c of found) {
      if (c.loss > MIN_LOSS_CHANGE) open.push(c);
      else this.releaseSlot(c.node);
    }
    return open;
  }

  /**
   * Histograms of the `built` nodes from their rows — one GROW scan, which also moves rows to
   * freshly split nodes' children, in groups when the chunks' partial histograms would take
   * too much memory — then the HIST job: chunk sums, `other` = parent − built and the best
   * split of every eval node.
   */
  private buildHistograms(items: readonly [number, number, number][], evalNodes: readonly number[]): void {
    const w = this.work;
    const nChunks = w.config[C_CHUNKS] | 0;
    const slotBytes = 8 * w.config[C_HIST_STRIDE];
    const perBuild = nChunks === 1 ? items.length : Math.max(1, Math.floor(BUILD_BYTES / (nChunks * slotBytes)));
    for (let from = 0; from < items.length; from += perBuild) {
      const group = items.slice(from, from + perBuild);
      const chunkSlots = this.growJob(group.map(([built]) => built));
      this.histJob(group, from + perBuild >= items.length ? evalNodes : [], chunkSlots);
      for (const slot of chunkSlots) this.pool.give(slot);
    }
  }

  /**
   * One scan moving rows of freshly split nodes to their children and adding every row of the
   * `built` nodes into their histograms: directly into the node's slot with one row chunk, else
   * into per-chunk partial slots, returned (node b's chunks at b·nChunks…) for HIST to sum.
   */
  private growJob(built: readonly number[]): number[] {
    const w = this.work;
    const { args, nodeBuild } = w;
    const nChunks = w.config[C_CHUNKS] | 0;
    const nBuilt = built.length;
    args[0] = this.k;
    args[1] = nBuilt;
    // The root of a tree holding every row: no position to read.
    args[2] = this.nNodes === 1 && this.allRows ? 1 : 0;
    const partials: number[] = [];
    built.forEach((node, b) => {
      nodeBuild[node] = b;
      for (let c = 0; c < nChunks; c++) {
        const slot = nChunks === 1 ? w.nodeSlot[node] : this.pool.take();
        args[3 + c * nBuilt + b] = slot;
        if (nChunks > 1) partials[b * nChunks + c] = slot;
      }
    });
    w.config[C_JOB] = JOB_GROW;
    this.team.run(w);
    for (const node of built) nodeBuild[node] = -1;
    return partials;
  }

  private histJob(items: readonly [number, number, number][], evalNodes: readonly number[], chunkSlots: readonly number[]): void {
    const w = this.work;
    const args = w.args;
    const nChunks = chunkSlots.length === 0 ? 1 : w.config[C_CHUNKS] | 0;
    args[0] = items.length;
    args[1] = evalNodes.length;
    args[2] = chunkSlots.length;
    let at = 3;
    items.forEach(([built, other, parentSlot], b) => {
      args[at++] = built;
      args[at++] = other;
      args[at++] = parentSlot;
      args[at++] = b * nChunks;
      args[at++] = chunkSlots.length === 0 ? 1 : nChunks;
    });
    for (const n of evalNodes) args[at++] = n;
    for (const slot of chunkSlots) args[at++] = slot;
    w.config[C_JOB] = JOB_HIST;
    this.team.run(w);
  }

  /** The best split of each evaluated node over the sampled features (lowest index wins ties). */
  private collect(evalNodes: readonly number[]): Candidate[] {
    const w = this.work;
    const nFeatures = w.config[C_FEATURES];
    const nActive = w.config[C_ACTIVE];
    return evalNodes.map((node, e) => {
      const c: Candidate = { node, depth: this.depth[node], loss: 0, feature: -1, splitBin: 0, missingLeft: 0, leftG: 0, leftH: 0 };
      for (let f = 0; f < nActive; f++) {
        const j = w.active[f];
        const out = e * nFeatures + j;
        const loss = w.evalFloat[EVAL_FLOAT * out];
        if (loss > c.loss) {
          c.loss = loss;
          c.feature = j;
          c.splitBin = w.evalInt[EVAL_INT * out];
          c.missingLeft = w.evalInt[EVAL_INT * out + 1];
          c.leftG = w.evalFloat[EVAL_FLOAT * out + 1];
          c.leftH = w.evalFloat[EVAL_FLOAT * out + 2];
        }
      }
      return c;
    });
  }

  private finish(): GrownTree {
    const n = this.nNodes;
    const threshold = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      if (this.feature[k] >= 0) threshold[k] = binThreshold(this.cuts, this.feature[k], this.splitBin[k]);
    }
    return {
      tree: {
        feature: Int32Array.from(this.feature.slice(0, n)),
        threshold,
        left: Int32Array.from(this.left.slice(0, n)),
        right: Int32Array.from(this.right.slice(0, n)),
        missingLeft: Uint8Array.from(this.missingLeft.slice(0, n)),
        value: Float64Array.from(this.value.slice(0, n)),
        cover: Float64Array.from(this.cover.slice(0, n)),
      },
      gain: Float64Array.from(this.gain.slice(0, n)),
    };
  }
}

/** The BinCuts view of a work's shared cut arrays. */
export function cutsOf(work: Work): BinCuts {
  return { nBins: work.nBins, hasMissing: work.hasMissing, cuts: work.cuts, minValues: work.minValues };
}
