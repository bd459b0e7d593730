/**
 * Agglomerative clustering with Ward's criterion (Ward 1963) by the nearest-neighbour chain
 * algorithm (Murtagh 1983; Müllner 2011, "Modern hierarchical, agglomerative clustering
 * algorithms", §3.2) with the Lance-Williams update on Euclidean distances, exactly as SciPy's
 * `linkage(method="ward")`: the same merge heights, and the same linkage matrix after its sort
 * and relabelling. One tree gives every k, so a sweep over k fits once.
 *
 * Memory is the condensed distance matrix, n(n−1)/2 doubles: 100 MB at 5,000 rows. Above
 * `maxRows` (default 5,000) the tree is built on a seeded random sample of maxRows rows and
 * every other row joins the cluster whose Ward cost n_k/(n_k+1)·‖x − c_k‖² is smallest — the
 * increase in within-cluster sum of squares that adding the row would cause — and a warning
 * says so. Hand-written: no npm package implements Ward's NN-chain with SciPy's conventions.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { takeRows, type Matrix } from "../../core/matrix.ts";
import { permutation, rng } from "../../core/rng.ts";
import { warn } from "../../core/warn.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { checkClusterInput, checkColumns, rowMajor, type ClusterModel } from "./types.ts";

export const WardOptions = z.strictObject({
  nClusters: z.number().int().min(1).default(2),
  maxRows: z.number().int().min(2).default(5000),
});

export interface WardModel extends ClusterModel {
  readonly kind: "ward";
  /** SciPy's linkage matrix, row-major (n − 1) × 4: [cluster a, cluster b, height, size] over the rows the tree was built on. */
  readonly linkage: Float64Array;
  /** Row-major nClusters × d centroids. */
  readonly centroids: Float64Array;
  /** Labels of every training row when the tree is cut into k clusters. */
  cut(k: number): Int32Array;
}

function condensedIndex(n: number, i: number, j: number): number {
  if (i > j) [i, j] = [j, i];
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

/** SciPy's linkage(x, "ward") on a row-major matrix: NN-chain, then sort and relabel. */
export function wardLinkage(rows: Float64Array, n: number, d: number): Float64Array {
  const distances = new Float64Array((n * (n - 1)) / 2);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let sum = 0;
      for (let c = 0; c < d; c++) {
        const diff = rows[i * d + c] - rows[j * d + c];
        sum += diff * diff;
      }
      distances[condensedIndex(n, i, j)] = Math.sqrt(sum);
    }
  }
  const size = new Float64Array(n).fill(1);
  const chain = new Int32Array(n);
  let chainLength = 0;
  const merges = new Float64Array((n - 1) * 4);
  for (let step = 0; step < n - 1; step++) {
    if (chainLength === 0) {
      chainLength = 1;
      for (let i = 0; i < n; i++) {
        if (size[i] > 0) {
          chain[0] = i;
          break;
        }
      }
    }
    let x = 0;
    let y = 0;
    let currentMin = Infinity;
    for (;;) {
      x = chain[chainLength - 1];
      // Prefer the previous chain element on ties, so the chain cannot cycle.
      if (chainLength > 1) {
        y = chain[chainLength - 2];
        currentMin = distances[condensedIndex(n, x, y)];
      } else currentMin = Infinity;
      for (let i = 0; i < n; i++) {
        if (size[i] === 0 || i === x) continue;
        const dist = distances[condensedIndex(n, x, i)];
        if (dist < currentMin) {
          currentMin = dist;
          y = i;
        }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength++] = y;
    }
    chainLength -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x];
    const ny = size[y];
    merges.set([x, y, currentMin, nx + ny], step * 4);
    size[x] = 0;
    size[y] = nx + ny;
    for (let i = 0; i < n; i++) {
      const ni = size[i];
      if (ni === 0 || i === y) continue;
      const dxi = distances[condensedIndex(n, i, x)];
      const dyi = distances[condensedIndex(n, i, y)];
      const t = 1 / (nx + ny + ni);
      // Lance-Williams for Ward on (unsquared) Euclidean distances, as SciPy's _ward.
      distances[condensedIndex(n, i, y)] = Math.sqrt((ni + nx) * t * dxi * dxi + (ni + ny) * t * dyi * dyi - ni * t * currentMin * currentMin);
    }
  }
  // SciPy: stable sort by height, then relabel with a union-find so merged clusters get ids n, n+1, …
  const order = Array.from({ length: n - 1 }, (_, s) => s).sort((u, v) => merges[u * 4 + 2] - merges[v * 4 + 2] || u - v);
  const parent = new Int32Array(2 * n - 1).map((_, i) => i);
  const find = (i: number) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const clusterSize = new Float64Array(2 * n - 1).fill(1);
  const out = new Float64Array((n - 1) * 4);
  order.forEach((s, k) => {
    const a = find(merges[s * 4]);
    const b = find(merges[s * 4 + 1]);
    const id = n + k;
    parent[a] = id;
    parent[b] = id;
    clusterSize[id] = clusterSize[a] + clusterSize[b];
    out.set([Math.min(a, b), Math.max(a, b), merges[s * 4 + 2], clusterSize[id]], k * 4);
  });
  return out;
}

/** Flat labels for k clusters from a linkage matrix, numbered by first appearance in row order. */
export function cutLinkage(linkage: Float64Array, n: number, k: number): Int32Array {
  if (!(k >= 1 && k <= n)) throw new PatronError("E_OPTION", `cannot cut ${n} rows into ${k} clusters; choose 1 ≤ k ≤ ${n}`);
  const parent = new Int32Array(2 * n - 1).map((_, i) => i);
  const find = (i: number) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (let s = 0; s < n - k; s++) {
    const id = n + s;
    parent[find(linkage[s * 4])] = id;
    parent[find(linkage[s * 4 + 1])] = id;
  }
  const labels = new Int32Array(n);
  const numbering = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    if (!numbering.has(root)) numbering.set(root, numbering.size);
    labels[i] = numbering.get(root)!;
  }
  return labels;
}

function centroidsOf(rows: Float64Array, n: number, d: number, labels: Int32Array, k: number): { centroids: Float64Array; counts: Float64Array } {
  const centroids = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) centroids[labels[i] * d + j] += rows[i * d + j];
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centroids[c * d + j] /= counts[c];
  return { centroids, counts };
}

/** The cluster whose Ward cost n_k/(n_k + 1)·‖x − c_k‖² is smallest. */
function wardAssign(rows: Float64Array, n: number, d: number, centroids: Float64Array, counts: Float64Array): Int32Array {
  const k = counts.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let c = 0; c < k; c++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (rows[i * d + j] - centroids[c * d + j]) ** 2;
      const cost = (counts[c] / (counts[c] + 1)) * sum;
      if (cost < best) {
        best = cost;
        out[i] = c;
      }
    }
  }
  return out;
}

export function ward(options: z.input<typeof WardOptions> = {}) {
  const opts = WardOptions.parse(options);
  return {
    kind: "ward" as const,
    options: opts,
    fit(x: Matrix, ctx: FitContext = {}): WardModel {
      checkClusterInput(x, "Ward clustering", Math.max(2, opts.nClusters));
      let sample: Int32Array | undefined;
      let treeRows = x;
      if (x.nRows > opts.maxRows) {
        sample = permutation(x.nRows, rng(ctx.seed ?? 0)).slice(0, opts.maxRows).sort();
        treeRows = takeRows(x, sample);
        warn("W_WARD_SAMPLED", `Ward clustering builds its tree on a random sample of ${opts.maxRows} of ${x.nRows} rows (memory grows with rows²); the other rows join the cluster with the smallest Ward cost`);
      }
      const linkage = wardLinkage(rowMajor(treeRows), treeRows.nRows, x.nCols);
      return wardModel(x.columns, linkage, treeRows.nRows, opts.nClusters, rowMajor(x), x.nRows, sample);
    },
  };
}

function wardModel(featureNames: readonly string[], linkage: Float64Array, nTree: number, nClusters: number, allRows: Float64Array | undefined, nRows: number, sample: Int32Array | undefined, storedLabels?: Int32Array, storedCentroids?: Float64Array): WardModel {
  const d = featureNames.length;
  const labelsFor = (k: number): { labels: Int32Array; centroids: Float64Array } => {
    const treeLabels = cutLinkage(linkage, nTree, k);
    if (!allRows) throw new PatronError("E_STATE", "a Ward model loaded from JSON keeps only its labels at the stored k; refit to cut at another k");
    if (!sample) return { labels: treeLabels, centroids: centroidsOf(allRows, nRows, d, treeLabels, k).centroids };
    const sampleRows = new Float64Array(nTree * d);
    sample.forEach((i, s) => sampleRows.set(allRows.subarray(i * d, i * d + d), s * d));
    const { centroids, counts } = centroidsOf(sampleRows, nTree, d, treeLabels, k);
    const labels = wardAssign(allRows, nRows, d, centroids, counts);
    sample.forEach((i, s) => (labels[i] = treeLabels[s]));
    return { labels, centroids: centroidsOf(allRows, nRows, d, labels, k).centroids };
  };
  const main = storedLabels && storedCentroids ? { labels: storedLabels, centroids: storedCentroids } : labelsFor(nClusters);
  const counts = new Float64Array(nClusters);
  for (const k of main.labels) counts[k]++;
  return Object.freeze({
    kind: "ward" as const,
    featureNames: Object.freeze([...featureNames]),
    nClusters,
    labels: main.labels,
    linkage,
    centroids: main.centroids,
    cut: (k: number) => labelsFor(k).labels,
    predict(x: Matrix): Int32Array {
      checkColumns(x, featureNames, "Ward clustering");
      return wardAssign(rowMajor(x), x.nRows, d, main.centroids, counts);
    },
    toJSON: (): ModelJSON => ({ kind: "ward", schemaVersion: 1, featureNames: [...featureNames], nClusters, linkage: Array.from(linkage), labels: Array.from(main.labels), centroids: Array.from(main.centroids) }),
  });
}

const WardJSON = z.strictObject({
  kind: z.literal("ward"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  nClusters: z.number().int().min(1),
  linkage: z.array(z.number()),
  labels: z.array(z.number().int()),
  centroids: z.array(z.number()),
});

export function fromJSON(json: unknown): WardModel {
  const parsed = WardJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a Ward model: ${parsed.error.message}`);
  const m = parsed.data;
  if (m.linkage.length % 4 !== 0 || m.centroids.length !== m.nClusters * m.featureNames.length || m.labels.some((k) => k < 0 || k >= m.nClusters)) {
    throw new PatronError("E_MODEL_JSON", "Ward JSON: linkage must have 4 values per merge, centroids nClusters × features, labels in 0…nClusters−1");
  }
  const nTree = m.linkage.length / 4 + 1;
  return wardModel(m.featureNames, Float64Array.from(m.linkage), nTree, m.nClusters, undefined, m.labels.length, undefined, Int32Array.from(m.labels), Float64Array.from(m.centroids));
}

export const estimator = (options: Record<string, unknown>) => ward(options);
