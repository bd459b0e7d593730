/**
 * Internal clustering metrics: silhouette (Rousseeuw 1987), within-cluster sum of squares,
 * Calinski-Harabasz (1974) and Davies-Bouldin (1979), with scikit-learn's definitions (a
 * singleton's silhouette is 0; Calinski-Harabasz is 1 when every cluster is a point; Davies-
 * Bouldin's 0/0 ratios count as 0). Rows labelled < 0 (DBSCAN/HDBSCAN noise) are left out of
 * every metric here — scikit-learn would score noise as one more cluster, which rewards
 * labelling the awkward rows as noise and then scoring the rest.
 *
 * Silhouette is exact (O(n²·d), distances recomputed, not stored) up to exactMaxRows = 20,000
 * rows. Above that it is estimated on a stratified sample that keeps every cluster: cluster k
 * of N_k rows contributes n_k = max(min(N_k, minPerCluster), ⌈sampleSize·N_k/N⌉) rows, so small
 * clusters are never missed (scikit-learn's `sample_size` draws uniformly and can drop them,
 * its issue #11676). Each sampled row's a(i) and b(i) use mean distances to the sampled
 * members of each cluster (a stratified random sample gives unbiased mean distances), and the
 * score is the stratified (Horvitz-Thompson) mean Σ_k (N_k/N)·mean_{i∈sample_k} s(i), i.e.
 * weights N_k/n_k per row. The estimator is consistent; its bias is O(1/n_k) from the ratio
 * s = (b − a)/max(a, b). A stratified standard error is reported with it.
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { permutation, rng } from "../core/rng.ts";

interface Compact {
  /** Cluster index 0…K−1 per kept row; the kept rows' original indices. */
  labels: Int32Array;
  rows: Int32Array;
  nClusters: number;
  sizes: Float64Array;
}

function compactLabels(labels: ArrayLike<number>, nRows: number, what: string): Compact {
  if (labels.length !== nRows) throw new PatronError("E_SHAPE", `${what}: ${labels.length} labels for ${nRows} rows`);
  const ids = new Map<number, number>();
  const kept: number[] = [];
  const compact: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0) continue;
    if (!ids.has(labels[i])) ids.set(labels[i], ids.size);
    kept.push(i);
    compact.push(ids.get(labels[i])!);
  }
  const sizes = new Float64Array(ids.size);
  for (const k of compact) sizes[k]++;
  return { labels: Int32Array.from(compact), rows: Int32Array.from(kept), nClusters: ids.size, sizes };
}

function checkClusterCount(c: Compact, what: string): void {
  if (c.nClusters < 2 || c.nClusters > c.labels.length - 1) {
    throw new PatronError("E_CLUSTERS", `${what} needs 2 ≤ clusters ≤ rows − 1 (noise excluded); found ${c.nClusters} clusters on ${c.labels.length} rows`);
  }
}

function rowMajorOf(x: Matrix, rows: Int32Array): Float64Array {
  const d = x.nCols;
  const out = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) for (let j = 0; j < d; j++) out[r * d + j] = x.data[j * x.nRows + rows[r]];
  return out;
}

/** Per-row silhouette for rows `targets` against reference rows (both indices into `data`). */
function silhouetteOf(data: Float64Array, d: number, labels: Int32Array, nClusters: number, targets: ArrayLike<number>, refs: ArrayLike<number>, refSizes: Float64Array): Float64Array {
  const out = new Float64Array(targets.length);
  const sums = new Float64Array(nClusters);
  for (let t = 0; t < targets.length; t++) {
    const i = targets[t];
    sums.fill(0);
    for (let r = 0; r < refs.length; r++) {
      const j = refs[r];
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = data[i * d + c] - data[j * d + c];
        s += diff * diff;
      }
      sums[labels[j]] += Math.sqrt(s);
    }
    const own = labels[i];
    if (refSizes[own] <= 1) continue; // singleton: 0, as scikit-learn's nan_to_num
    const a = sums[own] / (refSizes[own] - 1);
    let b = Infinity;
    for (let k = 0; k < nClusters; k++) if (k !== own && refSizes[k] > 0) b = Math.min(b, sums[k] / refSizes[k]);
    const denominator = Math.max(a, b);
    out[t] = denominator > 0 ? (b - a) / denominator : 0;
  }
  return out;
}

export interface SilhouetteResult {
  score: number;
  exact: boolean;
  /** Rows scored (all non-noise rows when exact). */
  nScored: number;
  /** Stratified standard error of the estimate (0 when exact). */
  standardError: number;
}

/** Mean silhouette (Euclidean), exact up to exactMaxRows, else the stratified estimate above. */
export function silhouette(
  x: Matrix,
  labels: ArrayLike<number>,
  options: { exactMaxRows?: number; sampleSize?: number; minPerCluster?: number; seed?: number } = {},
): SilhouetteResult {
  const c = compactLabels(labels, x.nRows, "silhouette");
  checkClusterCount(c, "silhouette");
  const data = rowMajorOf(x, c.rows);
  const n = c.labels.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (n <= (options.exactMaxRows ?? 20_000)) {
    const s = silhouetteOf(data, x.nCols, c.labels, c.nClusters, all, all, c.sizes);
    return { score: s.reduce((a, b) => a + b, 0) / n, exact: true, nScored: n, standardError: 0 };
  }
  const sampleSize = options.sampleSize ?? 10_000;
  const minPerCluster = options.minPerCluster ?? 100;
  const order = permutation(n, rng(options.seed ?? 0));
  const perCluster: number[][] = Array.from({ length: c.nClusters }, () => []);
  for (const i of order) perCluster[c.labels[i]].push(i);
  const take = perCluster.map((members) => Math.min(members.length, Math.max(minPerCluster, Math.ceil((sampleSize * members.length) / n))));
  const sample = Int32Array.from(perCluster.flatMap((members, k) => members.slice(0, take[k])));
  const sampleSizes = Float64Array.from(take);
  const s = silhouetteOf(data, x.nCols, c.labels, c.nClusters, sample, sample, sampleSizes);
  let score = 0;
  let variance = 0;
  let offset = 0;
  for (let k = 0; k < c.nClusters; k++) {
    const nk = take[k];
    const Nk = c.sizes[k];
    let mean = 0;
    for (let r = 0; r < nk; r++) mean += s[offset + r] / nk;
    let ss = 0;
    for (let r = 0; r < nk; r++) ss += (s[offset + r] - mean) ** 2;
    const share = Nk / n;
    score += share * mean;
    if (nk > 1) variance += share * share * (1 - nk / Nk) * (ss / (nk - 1)) / nk;
    offset += nk;
  }
  return { score, exact: false, nScored: sample.length, standardError: Math.sqrt(variance) };
}

/** Silhouette per row (0 for noise rows and singletons), exact. */
export function silhouetteSamples(x: Matrix, labels: ArrayLike<number>): Float64Array {
  const c = compactLabels(labels, x.nRows, "silhouette");
  checkClusterCount(c, "silhouette");
  const data = rowMajorOf(x, c.rows);
  const all = Int32Array.from({ length: c.rows.length }, (_, i) => i);
  const s = silhouetteOf(data, x.nCols, c.labels, c.nClusters, all, all, c.sizes);
  const out = new Float64Array(x.nRows);
  c.rows.forEach((i, r) => (out[i] = s[r]));
  return out;
}

function centroids(x: Matrix, c: Compact): Float64Array {
  const d = x.nCols;
  const out = new Float64Array(c.nClusters * d);
  c.rows.forEach((i, r) => {
    for (let j = 0; j < d; j++) out[c.labels[r] * d + j] += x.data[j * x.nRows + i];
  });
  for (let k = 0; k < c.nClusters; k++) for (let j = 0; j < d; j++) out[k * d + j] /= c.sizes[k];
  return out;
}

/** Within-cluster sum of squares (k-means inertia for the labels' own centroids). */
export function withinClusterSumOfSquares(x: Matrix, labels: ArrayLike<number>): number {
  const c = compactLabels(labels, x.nRows, "within-cluster sum of squares");
  const mu = centroids(x, c);
  const d = x.nCols;
  let total = 0;
  c.rows.forEach((i, r) => {
    for (let j = 0; j < d; j++) total += (x.data[j * x.nRows + i] - mu[c.labels[r] * d + j]) ** 2;
  });
  return total;
}

export function calinskiHarabasz(x: Matrix, labels: ArrayLike<number>): number {
  const c = compactLabels(labels, x.nRows, "Calinski-Harabasz");
  checkClusterCount(c, "Calinski-Harabasz");
  const d = x.nCols;
  const n = c.rows.length;
  const mu = centroids(x, c);
  const overall = new Float64Array(d);
  c.rows.forEach((i) => {
    for (let j = 0; j < d; j++) overall[j] += x.data[j * x.nRows + i] / n;
  });
  let extra = 0;
  for (let k = 0; k < c.nClusters; k++) for (let j = 0; j < d; j++) extra += c.sizes[k] * (mu[k * d + j] - overall[j]) ** 2;
  const intra = withinClusterSumOfSquares(x, labels);
  return intra === 0 ? 1 : (extra * (n - c.nClusters)) / (intra * (c.nClusters - 1));
}

export function daviesBouldin(x: Matrix, labels: ArrayLike<number>): number {
  const c = compactLabels(labels, x.nRows, "Davies-Bouldin");
  checkClusterCount(c, "Davies-Bouldin");
  const d = x.nCols;
  const mu = centroids(x, c);
  const intra = new Float64Array(c.nClusters);
  c.rows.forEach((i, r) => {
    const k = c.labels[r];
    let s = 0;
    for (let j = 0; j < d; j++) s += (x.data[j * x.nRows + i] - mu[k * d + j]) ** 2;
    intra[k] += Math.sqrt(s) / c.sizes[k];
  });
  let total = 0;
  for (let k = 0; k < c.nClusters; k++) {
    let worst = 0;
    for (let l = 0; l < c.nClusters; l++) {
      if (l === k) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += (mu[k * d + j] - mu[l * d + j]) ** 2;
      const ratio = (intra[k] + intra[l]) / Math.sqrt(s);
      if (Number.isFinite(ratio)) worst = Math.max(worst, ratio);
    }
    total += worst;
  }
  return total / c.nClusters;
}

/**
 * Condensed pairwise Euclidean distances (row i < j at n·i − i(i+1)/2 + j − i − 1), for scoring
 * many labelings of the same rows: a sweep computes them once per space and each silhouette is
 * then O(n²) additions instead of O(n²·d). 8·n(n−1)/2 bytes: 74 MB at 4,300 rows, so only below
 * the exact limit.
 */
export function pairwiseDistances(x: Matrix): Float64Array {
  const n = x.nRows;
  const d = x.nCols;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const rows = rowMajorOf(x, all);
  const out = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = rows[i * d + c] - rows[j * d + c];
        s += diff * diff;
      }
      out[p++] = Math.sqrt(s);
    }
  }
  return out;
}

/** Exact mean silhouette from condensed distances (same definition as `silhouette`). */
export function silhouetteFromDistances(distances: Float64Array, nRows: number, labels: ArrayLike<number>): number {
  if (distances.length !== (nRows * (nRows - 1)) / 2) throw new PatronError("E_SHAPE", `condensed distances for ${nRows} rows need ${(nRows * (nRows - 1)) / 2} values; found ${distances.length}`);
  const c = compactLabels(labels, nRows, "silhouette");
  checkClusterCount(c, "silhouette");
  const nK = c.nClusters;
  const compact = new Int32Array(nRows).fill(-1);
  c.rows.forEach((i, r) => (compact[i] = c.labels[r]));
  const sums = new Float64Array(nRows * nK);
  let p = 0;
  for (let i = 0; i < nRows; i++) {
    const li = compact[i];
    for (let j = i + 1; j < nRows; j++) {
      const dist = distances[p++];
      const lj = compact[j];
      if (li < 0 || lj < 0) continue;
      sums[i * nK + lj] += dist;
      sums[j * nK + li] += dist;
    }
  }
  let total = 0;
  for (const i of c.rows) {
    const own = compact[i];
    if (c.sizes[own] <= 1) continue;
    const a = sums[i * nK + own] / (c.sizes[own] - 1);
    let b = Infinity;
    for (let k = 0; k < nK; k++) if (k !== own) b = Math.min(b, sums[i * nK + k] / c.sizes[k]);
    const denominator = Math.max(a, b);
    total += denominator > 0 ? (b - a) / denominator : 0;
  }
  return total / c.rows.length;
}
