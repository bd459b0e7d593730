/**
 * k-means: Lloyd's iterations (Lloyd 1982) accelerated with Hamerly's bounds (Hamerly 2010,
 * "Making k-means even faster") — the same assignments as plain Lloyd, but most distance
 * computations are skipped once centres settle — started by greedy k-means++ (Arthur &
 * Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ local trials per centre), best of nInit
 * starts by inertia. Convergence follows scikit-learn's KMeans: stop when the labels repeat
 * or the summed squared centre shift ≤ tol × mean feature variance; an empty cluster takes the
 * point farthest from its centre. Hand-written: no npm k-means offers seeded k-means++ with
 * several inits, explicit initial centres and scikit-learn's convergence rule.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng, type Rng } from "../../core/rng.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { checkClusterInput, checkColumns, nearestCenters, rowMajor, type ClusterModel } from "./types.ts";

export const KMeansOptions = z.strictObject({
  nClusters: z.number().int().min(1).default(8),
  nInit: z.number().int().min(1).default(10),
  maxIter: z.number().int().min(1).default(300),
  tol: z.number().min(0).default(1e-4),
  /** Explicit initial centres (nClusters rows × nFeatures); then nInit is 1. */
  initCenters: z.array(z.array(z.number())).optional(),
});

export interface KMeansModel extends ClusterModel {
  readonly kind: "kmeans";
  /** Row-major nClusters × nFeatures. */
  readonly centers: Float64Array;
  /** Sum of squared distances of rows to their centre. */
  readonly inertia: number;
  readonly nIter: number;
  /** Squared distance of each new row to each centre, row-major nRows × nClusters. */
  transform(x: Matrix): Float64Array;
}

export function kmeans(options: z.input<typeof KMeansOptions> = {}) {
  const opts = KMeansOptions.parse(options);
  return {
    kind: "kmeans" as const,
    options: opts,
    fit(x: Matrix, ctx: FitContext = {}): KMeansModel {
      checkClusterInput(x, "k-means", opts.nClusters);
      const d = x.nCols;
      const rows = rowMajor(x);
      const tolerance = opts.tol * meanVariance(x);
      const random = rng(ctx.seed ?? 0);
      let best: LloydResult | undefined;
      const nInit = opts.initCenters ? 1 : opts.nInit;
      for (let run = 0; run < nInit; run++) {
        const init = opts.initCenters ? explicitCenters(opts.initCenters, opts.nClusters, d) : kmeansPlusPlus(rows, x.nRows, d, opts.nClusters, random);
        const result = lloyd(rows, x.nRows, d, init, opts.nClusters, opts.maxIter, tolerance);
        if (!best || result.inertia < best.inertia) best = result;
      }
      return kmeansModel(x.columns, opts.nClusters, best!.centers, best!.labels, best!.inertia, best!.nIter);
    },
  };
}

function explicitCenters(init: number[][], nClusters: number, d: number): Float64Array {
  if (init.length !== nClusters || init.some((c) => c.length !== d)) {
    throw new PatronError("E_OPTION", `initCenters must be ${nClusters} rows of ${d} numbers; found ${init.length} rows of ${init.map((c) => c.length).join("/")}`);
  }
  return Float64Array.from(init.flat());
}

function meanVariance(x: Matrix): number {
  let total = 0;
  for (let j = 0; j < x.nCols; j++) {
    let mean = 0;
    for (let i = 0; i < x.nRows; i++) mean += x.data[j * x.nRows + i];
    mean /= x.nRows;
    let v = 0;
    for (let i = 0; i < x.nRows; i++) v += (x.data[j * x.nRows + i] - mean) ** 2;
    total += v / x.nRows;
  }
  return total / x.nCols;
}

function squared(rows: Float64Array, i: number, centers: Float64Array, k: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const diff = rows[i * d + j] - centers[k * d + j];
    sum += diff * diff;
  }
  return sum;
}

/** Greedy k-means++: each new centre is the best of 2 + ⌊ln k⌋ D²-sampled candidates. */
export function kmeansPlusPlus(rows: Float64Array, n: number, d: number, nClusters: number, random: Rng): Float64Array {
  const centers = new Float64Array(nClusters * d);
  const first = random.int(n);
  centers.set(rows.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) potential += closest[i] = squared(rows, i, centers, 0, d);
  const nTrials = 2 + Math.floor(Math.log(nClusters));
  const candidate = new Float64Array(n);
  const bestDistances = new Float64Array(n);
  for (let k = 1; k < nClusters; k++) {
    let bestPotential = Infinity;
    let bestId = 0;
    for (let trial = 0; trial < nTrials; trial++) {
      // D² sampling: the first row whose cumulative squared distance passes a uniform draw.
      const target = random.next() * potential;
      let cumulative = 0;
      let id = n - 1;
      for (let i = 0; i < n; i++) {
        cumulative += closest[i];
        if (cumulative > target) {
          id = i;
          break;
        }
      }
      let trialPotential = 0;
      for (let i = 0; i < n; i++) {
        let sum = 0;
        for (let j = 0; j < d; j++) {
          const diff = rows[i * d + j] - rows[id * d + j];
          sum += diff * diff;
        }
        candidate[i] = Math.min(closest[i], sum);
        trialPotential += candidate[i];
      }
      if (trialPotential < bestPotential) {
        bestPotential = trialPotential;
        bestId = id;
        bestDistances.set(candidate);
      }
    }
    centers.set(rows.subarray(bestId * d, bestId * d + d), k * d);
    closest.set(bestDistances);
    potential = bestPotential;
  }
  return centers;
}

interface LloydResult {
  centers: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
}

/**
 * Lloyd iterations with Hamerly's bounds. Readable form of one iteration:
 *   labels[i] = argmin_k ‖x_i − c_k‖;  c_k = mean of rows labelled k.
 * Hamerly keeps upper[i] ≥ ‖x_i − c_label‖ and lower[i] ≤ distance to the second-nearest
 * centre; a row whose upper bound is below max(lower[i], half the gap from its centre to the
 * nearest other centre) cannot change cluster, so its distances are not computed.
 */
function lloyd(rows: Float64Array, n: number, d: number, initCenters: Float64Array, nClusters: number, maxIter: number, tolerance: number): LloydResult {
  let centers = Float64Array.from(initCenters);
  const labels = new Int32Array(n).fill(-1);
  const previous = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const halfGap = new Float64Array(nClusters);
  const shift = new Float64Array(nClusters);
  const sums = new Float64Array(nClusters * d);
  const counts = new Float64Array(nClusters);
  let fullPass = true;
  let strict = false;
  let nIter = 0;
  const assignAll = (i: number) => {
    let d1 = Infinity;
    let d2 = Infinity;
    let k1 = 0;
    for (let k = 0; k < nClusters; k++) {
      const dist = squared(rows, i, centers, k, d);
      if (dist < d1) {
        d2 = d1;
        d1 = dist;
        k1 = k;
      } else if (dist < d2) d2 = dist;
    }
    labels[i] = k1;
    upper[i] = Math.sqrt(d1);
    lower[i] = Math.sqrt(d2);
  };
  for (nIter = 1; nIter <= maxIter; nIter++) {
    previous.set(labels);
    for (let k = 0; k < nClusters; k++) {
      let nearest = Infinity;
      for (let k2 = 0; k2 < nClusters; k2++) if (k2 !== k) nearest = Math.min(nearest, Math.sqrt(sqDist(centers, k, centers, k2, d)));
      halfGap[k] = nearest / 2;
    }
    for (let i = 0; i < n; i++) {
      if (fullPass) {
        assignAll(i);
        continue;
      }
      const bound = Math.max(halfGap[labels[i]], lower[i]);
      if (upper[i] <= bound) continue;
      upper[i] = Math.sqrt(squared(rows, i, centers, labels[i], d));
      if (upper[i] <= bound) continue;
      assignAll(i);
    }
    fullPass = false;
    // New centres: the means of their rows.
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const k = labels[i];
      counts[k]++;
      for (let j = 0; j < d; j++) sums[k * d + j] += rows[i * d + j];
    }
    const next = new Float64Array(nClusters * d);
    let relocated = false;
    for (let k = 0; k < nClusters; k++) {
      if (counts[k] === 0) {
        relocated = true;
        continue;
      }
      for (let j = 0; j < d; j++) next[k * d + j] = sums[k * d + j] / counts[k];
    }
    if (relocated) {
      relocateEmpty(rows, n, d, labels, centers, counts, sums, next, nClusters);
      fullPass = true;
    }
    let maxShift = 0;
    let totalShift = 0;
    for (let k = 0; k < nClusters; k++) {
      const s2 = sqDist(next, k, centers, k, d);
      shift[k] = Math.sqrt(s2);
      totalShift += s2;
      maxShift = Math.max(maxShift, shift[k]);
    }
    centers = next;
    for (let i = 0; i < n; i++) {
      upper[i] += shift[labels[i]];
      lower[i] -= maxShift;
    }
    if (!relocated && labels.every((k, i) => k === previous[i])) {
      strict = true;
      break;
    }
    if (totalShift <= tolerance) break;
  }
  nIter = Math.min(nIter, maxIter);
  // As scikit-learn: unless the labels repeated, relabel against the final centres.
  const final = strict ? { labels, distances: undefined } : nearestRowMajor(rows, n, d, centers, nClusters);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squared(rows, i, centers, final.labels[i], d);
  return { centers, labels: final.labels, inertia, nIter };
}

function sqDist(u: Float64Array, ku: number, v: Float64Array, kv: number, d: number): number {
  let sum = 0;
  for (let j = 0; j < d; j++) {
    const diff = u[ku * d + j] - v[kv * d + j];
    sum += diff * diff;
  }
  return sum;
}

function nearestRowMajor(rows: Float64Array, n: number, d: number, centers: Float64Array, nClusters: number): { labels: Int32Array } {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let k = 0; k < nClusters; k++) {
      const dist = squared(rows, i, centers, k, d);
      if (dist < best) {
        best = dist;
        labels[i] = k;
      }
    }
  }
  return { labels };
}

/** scikit-learn's _relocate_empty_clusters: empty centres move to the rows farthest from their centres. */
function relocateEmpty(rows: Float64Array, n: number, d: number, labels: Int32Array, old: Float64Array, counts: Float64Array, sums: Float64Array, next: Float64Array, nClusters: number): void {
  const empty: number[] = [];
  for (let k = 0; k < nClusters; k++) if (counts[k] === 0) empty.push(k);
  const distance = new Float64Array(n);
  for (let i = 0; i < n; i++) distance[i] = squared(rows, i, old, labels[i], d);
  const far = Array.from({ length: n }, (_, i) => i).sort((u, v) => distance[v] - distance[u] || u - v).slice(0, empty.length);
  empty.forEach((k, e) => {
    const i = far[e];
    const from = labels[i];
    counts[from]--;
    for (let j = 0; j < d; j++) {
      sums[from * d + j] -= rows[i * d + j];
      next[k * d + j] = rows[i * d + j];
    }
    counts[k] = 1;
    if (counts[from] > 0) for (let j = 0; j < d; j++) next[from * d + j] = sums[from * d + j] / counts[from];
  });
}

export function kmeansModel(featureNames: readonly string[], nClusters: number, centers: Float64Array, labels: Int32Array, inertia: number, nIter: number): KMeansModel {
  const frozenCenters = Float64Array.from(centers);
  const frozenLabels = Int32Array.from(labels);
  const d = featureNames.length;
  return Object.freeze({
    kind: "kmeans" as const,
    featureNames: Object.freeze([...featureNames]),
    nClusters,
    labels: frozenLabels,
    centers: frozenCenters,
    inertia,
    nIter,
    predict(x: Matrix): Int32Array {
      checkColumns(x, featureNames, "k-means");
      return nearestCenters(x, frozenCenters, nClusters).labels;
    },
    transform(x: Matrix): Float64Array {
      checkColumns(x, featureNames, "k-means");
      const rows = rowMajor(x);
      const out = new Float64Array(x.nRows * nClusters);
      for (let i = 0; i < x.nRows; i++) for (let k = 0; k < nClusters; k++) out[i * nClusters + k] = squared(rows, i, frozenCenters, k, d);
      return out;
    },
    toJSON: (): ModelJSON => ({ kind: "kmeans", schemaVersion: 1, featureNames: [...featureNames], nClusters, centers: Array.from(frozenCenters), labels: Array.from(frozenLabels), inertia, nIter }),
  });
}

const KMeansJSON = z.strictObject({
  kind: z.literal("kmeans"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  nClusters: z.number().int().min(1),
  centers: z.array(z.number()),
  labels: z.array(z.number().int()),
  inertia: z.number(),
  nIter: z.number().int(),
});

export function fromJSON(json: unknown): KMeansModel {
  const parsed = KMeansJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a k-means model: ${parsed.error.message}`);
  const m = parsed.data;
  if (m.centers.length !== m.nClusters * m.featureNames.length) throw new PatronError("E_MODEL_JSON", `k-means centers must have ${m.nClusters}×${m.featureNames.length} values; found ${m.centers.length}`);
  if (m.labels.some((k) => k < 0 || k >= m.nClusters)) throw new PatronError("E_MODEL_JSON", `k-means labels must lie in 0…${m.nClusters - 1}`);
  return kmeansModel(m.featureNames, m.nClusters, Float64Array.from(m.centers), Int32Array.from(m.labels), m.inertia, m.nIter);
}

export const estimator = (options: Record<string, unknown>) => kmeans(options);
