/**
 * t-SNE (van der Maaten & Hinton 2008) with the Barnes-Hut approximation (van der Maaten 2014,
 * "Accelerating t-SNE using tree-based algorithms", JMLR 15), following scikit-learn's TSNE
 * (1.2 defaults): squared Euclidean input distances; per-row Gaussian bandwidths by binary
 * search to the target perplexity (on the 3·perplexity + 1 nearest neighbours for Barnes-Hut,
 * on all rows for exact); P symmetrised and normalised; Student-t output kernel with
 * max(nComponents − 1, 1) degrees of freedom; PCA initialisation scaled to std 1e-4; 250
 * iterations of early exaggeration (12) with momentum 0.5, then momentum 0.8; delta-bar-delta
 * gains (min 0.01); learning rate "auto" = max(n / 12 / 4, 50). Barnes-Hut here is 2-D (a
 * quadtree, θ = 0.5); other dimensions use the exact gradient.
 * Hand-written because no maintained npm t-SNE offers Barnes-Hut with seeded, reproducible runs.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng } from "../../core/rng.ts";
import { squaredRowDistance } from "../cluster/density.ts";
import { checkClusterInput, rowMajor } from "../cluster/types.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { pca } from "./pca.ts";
import { QuadTree } from "./quadtree.ts";
import { fromRowMajor, type EmbeddingModel } from "./types.ts";

export const TsneOptions = z.strictObject({
  nComponents: z.number().int().min(1).default(2),
  perplexity: z.number().positive().default(30),
  earlyExaggeration: z.number().min(1).default(12),
  learningRate: z.union([z.literal("auto"), z.number().positive()]).default("auto"),
  nIter: z.number().int().min(250).default(1000),
  method: z.enum(["barnes_hut", "exact"]).default("barnes_hut"),
  angle: z.number().min(0).max(1).default(0.5),
  init: z.enum(["pca", "random"]).default("pca"),
});

export interface TsneModel extends EmbeddingModel {
  readonly kind: "tsne";
  /** KL(P‖Q) at the end (approximate for Barnes-Hut, as scikit-learn's kl_divergence_). */
  readonly klDivergence: number;
  readonly nIter: number;
}

const EXPLORATION_ITER = 250;
const CHECK_EVERY = 50;
const MACHINE_EPSILON = Number.EPSILON;
const FLOAT32_TINY = 1.1754943508222875e-38;

/** Sparse symmetric P: for each row i, neighbours cols[rowStart[i]…] with values. */
interface SparseP {
  rowStart: Int32Array;
  cols: Int32Array;
  values: Float64Array;
}

/** scikit-learn's _binary_search_perplexity for one row; returns conditional P over `distances`. */
function conditionalRow(distances: Float64Array, perplexity: number): Float64Array {
  const desired = Math.log(perplexity);
  const p = new Float64Array(distances.length);
  let beta = 1;
  let betaMin = -Infinity;
  let betaMax = Infinity;
  for (let step = 0; step < 100; step++) {
    let sumP = 0;
    for (let j = 0; j < distances.length; j++) sumP += p[j] = Math.exp(-distances[j] * beta);
    if (sumP === 0) sumP = 1e-8;
    let sumDistP = 0;
    for (let j = 0; j < distances.length; j++) {
      p[j] /= sumP;
      sumDistP += distances[j] * p[j];
    }
    const entropyDiff = Math.log(sumP) + beta * sumDistP - desired;
    if (Math.abs(entropyDiff) <= 1e-5) break;
    if (entropyDiff > 0) {
      betaMin = beta;
      beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
    }
  }
  return p;
}

/** P from the k nearest neighbours (k = 0: all rows), symmetrised (P + Pᵀ) and normalised to sum 1. */
function jointProbabilities(rows: Float64Array, n: number, d: number, perplexity: number, k: number): SparseP {
  const neighbors: Int32Array[] = [];
  const conditional: Float64Array[] = [];
  const dist = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) dist[j] = j === i ? Infinity : squaredRowDistance(rows, i, j, d);
    let idx: Int32Array;
    if (k > 0 && k < n - 1) {
      idx = Int32Array.from({ length: n }, (_, j) => j).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, k);
    } else idx = Int32Array.from({ length: n - 1 }, (_, r) => (r < i ? r : r + 1));
    neighbors.push(idx);
    conditional.push(conditionalRow(Float64Array.from(idx, (j) => dist[j]), perplexity));
  }
  // Symmetrise: P_ij = p_j|i + p_i|j over the union of both neighbour lists.
  const maps = Array.from({ length: n }, () => new Map<number, number>());
  for (let i = 0; i < n; i++) {
    neighbors[i].forEach((j, r) => {
      const v = conditional[i][r];
      maps[i].set(j, (maps[i].get(j) ?? 0) + v);
      maps[j].set(i, (maps[j].get(i) ?? 0) + v);
    });
  }
  let total = 0;
  for (const m of maps) for (const v of m.values()) total += v;
  total = Math.max(total, MACHINE_EPSILON);
  const rowStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) rowStart[i + 1] = rowStart[i] + maps[i].size;
  const cols = new Int32Array(rowStart[n]);
  const values = new Float64Array(rowStart[n]);
  for (let i = 0; i < n; i++) {
    let r = rowStart[i];
    for (const [j, v] of [...maps[i].entries()].sort((a, b) => a[0] - b[0])) {
      cols[r] = j;
      values[r++] = Math.max(v / total, k > 0 ? 0 : MACHINE_EPSILON);
    }
  }
  return { rowStart, cols, values };
}

/** Exact KL and gradient (scikit-learn's _kl_divergence); pDense is the full n×n P. */
function exactGradient(y: Float64Array, n: number, c: number, pDense: Float64Array, dof: number, grad: Float64Array, exaggeration: number, w: Float64Array, withError: boolean): number {
  let sumW = 0;
  const exponent = -(dof + 1) / 2;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d2 = 0;
      for (let a = 0; a < c; a++) d2 += (y[i * c + a] - y[j * c + a]) ** 2;
      const v = dof === 1 ? 1 / (1 + d2) : (1 + d2 / dof) ** exponent;
      w[i * n + j] = w[j * n + i] = v;
      sumW += 2 * v;
    }
  }
  grad.fill(0);
  let kl = 0;
  const factor = (2 * (dof + 1)) / dof;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const q = Math.max(w[i * n + j] / sumW, MACHINE_EPSILON);
      const pij = pDense[i * n + j] * exaggeration;
      if (withError) kl += pij * Math.log(Math.max(pij, MACHINE_EPSILON) / q);
      const coefficient = factor * (pij - q) * w[i * n + j];
      for (let a = 0; a < c; a++) grad[i * c + a] += coefficient * (y[i * c + a] - y[j * c + a]);
    }
  }
  return kl;
}

/** Barnes-Hut gradient (scikit-learn's _barnes_hut_tsne.gradient, dof = 1) and, if asked, KL. */
function barnesHutGradient(y: Float64Array, n: number, p: SparseP, theta: number, grad: Float64Array, exaggeration: number, withError: boolean): number {
  const tree = new QuadTree(y, n);
  const negative = new Float64Array(2 * n);
  let sumQ = 0;
  for (let i = 0; i < n; i++) sumQ += tree.repulsion(i, theta * theta, negative);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    let px = 0, py = 0;
    for (let r = p.rowStart[i]; r < p.rowStart[i + 1]; r++) {
      const j = p.cols[r];
      const pij = p.values[r] * exaggeration;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      if (withError) kl += pij * Math.log(Math.max(pij, FLOAT32_TINY) / Math.max(q / sumQ, FLOAT32_TINY));
      px += pij * q * dx;
      py += pij * q * dy;
    }
    grad[2 * i] = 4 * (px - negative[2 * i] / sumQ);
    grad[2 * i + 1] = 4 * (py - negative[2 * i + 1] / sumQ);
  }
  return kl;
}

export function tsne(options: z.input<typeof TsneOptions> = {}) {
  const opts = TsneOptions.parse(options);
  return {
    kind: "tsne" as const,
    options: opts,
    fit(x: Matrix, ctx: FitContext = {}): TsneModel {
      checkClusterInput(x, "t-SNE", 3);
      const n = x.nRows;
      const c = opts.nComponents;
      if (opts.perplexity >= n) throw new PatronError("E_OPTION", `t-SNE perplexity (${opts.perplexity}) must be less than the number of rows (${n}); use perplexity ≈ n / 4 or fewer`);
      const exact = opts.method === "exact" || c !== 2;
      const rows = rowMajor(x);
      const k = exact ? 0 : Math.min(n - 1, Math.floor(3 * opts.perplexity + 1));
      const p = jointProbabilities(rows, n, x.nCols, opts.perplexity, k);
      const dof = Math.max(c - 1, 1);
      let pDense: Float64Array | undefined;
      let scratch: Float64Array | undefined;
      if (exact) {
        pDense = new Float64Array(n * n);
        scratch = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let r = p.rowStart[i]; r < p.rowStart[i + 1]; r++) pDense[i * n + p.cols[r]] = p.values[r];
      }
      // Initial embedding: PCA scaled so that the first coordinate has std 1e-4, or N(0, 1e-4²).
      let y: Float64Array;
      if (opts.init === "pca" && x.nCols >= c) {
        const projected = pca({ nComponents: c }).fit(x).embedding;
        const first = projected.data.subarray(0, n);
        const mean = first.reduce((s, v) => s + v, 0) / n;
        const std = Math.sqrt(first.reduce((s, v) => s + (v - mean) ** 2, 0) / n) || 1;
        y = new Float64Array(n * c);
        for (let i = 0; i < n; i++) for (let a = 0; a < c; a++) y[i * c + a] = (projected.data[a * n + i] / std) * 1e-4;
      } else {
        const random = rng(ctx.seed ?? 0);
        y = Float64Array.from({ length: n * c }, () => 1e-4 * random.normal());
      }
      const learningRate = opts.learningRate === "auto" ? Math.max(n / opts.earlyExaggeration / 4, 50) : opts.learningRate;
      const update = new Float64Array(n * c);
      const gains = new Float64Array(n * c).fill(1);
      const grad = new Float64Array(n * c);
      let kl = NaN;
      let bestError = Infinity;
      let bestIter = 0;
      let iter = 0;
      const phase = (from: number, to: number, momentum: number, exaggeration: number, withoutProgress: number) => {
        bestError = Infinity;
        bestIter = from;
        for (iter = from; iter < to; iter++) {
          const check = (iter + 1) % CHECK_EVERY === 0 || iter === to - 1;
          const error = exact ? exactGradient(y, n, c, pDense!, dof, grad, exaggeration, scratch!, check) : barnesHutGradient(y, n, p, opts.angle, grad, exaggeration, check);
          let gradNorm = 0;
          for (let r = 0; r < grad.length; r++) {
            const g = grad[r];
            if (update[r] * g < 0) gains[r] += 0.2;
            else gains[r] = Math.max(gains[r] * 0.8, 0.01);
            gradNorm += g * g;
            const scaled = g * gains[r];
            update[r] = momentum * update[r] - learningRate * scaled;
            y[r] += update[r];
          }
          if (check) {
            kl = error;
            if (error < bestError) {
              bestError = error;
              bestIter = iter;
            } else if (iter - bestIter > withoutProgress) break;
            if (Math.sqrt(gradNorm) <= 1e-7) break;
          }
        }
      };
      phase(0, EXPLORATION_ITER, 0.5, opts.earlyExaggeration, EXPLORATION_ITER);
      phase(iter + 1, opts.nIter, 0.8, 1, 300);
      if (!Number.isFinite(kl)) throw new PatronError("E_TSNE_DIVERGED", "t-SNE diverged (non-finite KL divergence); lower the learning rate or scale the features");
      return tsneModel(x.columns, fromRowMajor(y, n, c, "tsne"), kl, iter);
    },
  };
}

function tsneModel(featureNames: readonly string[], embedding: Matrix, klDivergence: number, nIter: number): TsneModel {
  return Object.freeze({
    kind: "tsne" as const,
    featureNames: Object.freeze([...featureNames]),
    embedding,
    klDivergence,
    nIter,
    toJSON: (): ModelJSON => ({ kind: "tsne", schemaVersion: 1, featureNames: [...featureNames], nComponents: embedding.nCols, embedding: Array.from(embedding.data), nRows: embedding.nRows, klDivergence, nIter }),
  });
}

const TsneJSON = z.strictObject({
  kind: z.literal("tsne"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  nComponents: z.number().int().min(1),
  nRows: z.number().int().min(0),
  embedding: z.array(z.number()),
  klDivergence: z.number(),
  nIter: z.number().int(),
});

/** t-SNE has no out-of-sample transform; the JSON keeps the training embedding. */
export function fromJSON(json: unknown): TsneModel {
  const parsed = TsneJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a t-SNE model: ${parsed.error.message}`);
  const m = parsed.data;
  if (m.embedding.length !== m.nRows * m.nComponents) throw new PatronError("E_MODEL_JSON", `t-SNE embedding must hold ${m.nRows}×${m.nComponents} values`);
  const data = Float64Array.from(m.embedding);
  return tsneModel(m.featureNames, { data, nRows: m.nRows, nCols: m.nComponents, columns: Array.from({ length: m.nComponents }, (_, j) => `tsne${j + 1}`) }, m.klDivergence, m.nIter);
}
