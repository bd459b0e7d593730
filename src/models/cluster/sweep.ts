/**
 * The model-selection sweep behind segmentation: every algorithm × space × k (2…10 by default)
 * is fitted, scored and checked, and a stated rule picks the winner.
 *
 * Algorithms: k-means, Gaussian mixture and Ward take k; Ward builds one tree per space and is
 * cut at every k. DBSCAN and HDBSCAN choose their own number of clusters, so they are swept over
 * their density parameter instead: DBSCAN with minSamples = 2·dimensions (Sander et al. 1998)
 * and eps at the 50th/75th/90th percentile of the distance to the minSamples-th neighbour (the
 * "k-distance" heuristic of Ester et al. 1996); HDBSCAN with minClusterSize at 1%, 2.5% and 5%
 * of the rows (at least 5).
 *
 * Scores per candidate: silhouette (exact ≤ 20k rows, else the stratified estimate of
 * metrics/clustering.ts), within-cluster sum of squares, Calinski-Harabasz, Davies-Bouldin,
 * noise share and smallest-cluster share. Noise rows are left out of the scores.
 *
 * The rule (RULE below): a candidate is eligible when it has ≥ 2 clusters, at most
 * maxNoiseShare noise and every cluster holds at least minClusterShare of the scored rows; the
 * winner is the eligible candidate with the highest silhouette, measured in the `reference`
 * space when one is given (one yardstick for all spaces: silhouettes measured in a UMAP or
 * t-SNE map are inflated by the map itself and are not comparable with the feature space's),
 * otherwise in each candidate's own space. Silhouettes within tieTolerance of the best count as
 * tied; ties go to fewer clusters, then to the earlier space and algorithm in the input order.
 *
 * With `topCluster` (a value per row and a largest share), a candidate is also ineligible when
 * its highest-value cluster (by median value, noise excluded) holds more than that share of the
 * scored rows: segmentation for a loyalty programme wants its best cluster to be an elite, and
 * the highest silhouette on customer data is usually a split into "active" and "lapsed" halves.
 */
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { median } from "../../core/median.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { calinskiHarabasz, daviesBouldin, pairwiseDistances, silhouette, silhouetteFromDistances, withinClusterSumOfSquares } from "../../metrics/clustering.ts";
import { dbscan } from "./dbscan.ts";
import { kthNeighborDistance } from "./density.ts";
import { gmm } from "./gmm.ts";
import { hdbscan } from "./hdbscan.ts";
import { ward } from "./hierarchical.ts";
import { kmeans } from "./kmeans.ts";
import { rowMajor } from "./types.ts";

export type SweepAlgorithm = "kmeans" | "gmm" | "ward" | "dbscan" | "hdbscan";

export const RULE =
  "eligible: ≥ 2 clusters, noise ≤ maxNoiseShare, every cluster ≥ minClusterShare of scored rows; " +
  "winner: highest silhouette (in the reference space when given), ties within tieTolerance go to fewer clusters, then input order";

/** The rule's extra clause when SweepOptions.topCluster is given. */
export function topClusterRule(maxShare: number): string {
  return `the highest-value cluster (by median value) holds ≤ ${100 * maxShare}% of scored rows`;
}

export interface SweepOptions {
  spaces: readonly { name: string; x: Matrix }[];
  algorithms?: readonly SweepAlgorithm[];
  kValues?: readonly number[];
  /** One yardstick for the winner rule (e.g. the scaled features); rows must match every space's. */
  reference?: Matrix;
  minClusterShare?: number;
  maxNoiseShare?: number;
  tieTolerance?: number;
  /** Eligibility on the best cluster's size: value per row (e.g. expected revenue) and its largest share. */
  topCluster?: { value: ArrayLike<number>; maxShare: number };
  /** k-means starts per k (k-means++). Default 5. */
  kmeansInit?: number;
  seed?: number;
  progress?: Progress;
}

export interface SweepRow {
  space: string;
  algorithm: SweepAlgorithm;
  /** The parameter swept: k, or DBSCAN's eps / HDBSCAN's minClusterSize. */
  parameter: string;
  nClusters: number;
  silhouette: number;
  /** Silhouette of the same labels in the reference space (NaN without one). */
  referenceSilhouette: number;
  silhouetteExact: boolean;
  wcss: number;
  calinskiHarabasz: number;
  daviesBouldin: number;
  noiseShare: number;
  smallestClusterShare: number;
  /** Share of scored rows in the cluster with the highest median value (NaN without topCluster). */
  topClusterShare: number;
  eligible: boolean;
  /** Why a candidate is not eligible, or empty. */
  reason: string;
  fitMs: number;
}

export interface SweepResult {
  rows: SweepRow[];
  winner: SweepRow;
  /** Labels of the winner per row (−1 = noise). */
  labels: Int32Array;
  rule: string;
}

interface Candidate {
  row: SweepRow;
  labels: Int32Array;
}

export function sweepClusters(options: SweepOptions): SweepResult {
  const algorithms = options.algorithms ?? ["kmeans", "gmm", "ward", "dbscan", "hdbscan"];
  const kValues = options.kValues ?? [2, 3, 4, 5, 6, 7, 8, 9, 10];
  const minClusterShare = options.minClusterShare ?? 0.01;
  const maxNoiseShare = options.maxNoiseShare ?? 0.1;
  const tieTolerance = options.tieTolerance ?? 0.005;
  const seed = options.seed ?? 0;
  const progress = options.progress ?? silentProgress;
  if (options.spaces.length === 0) throw new PatronError("E_OPTION", "the sweep needs at least one space");
  const nRows = options.spaces[0].x.nRows;
  for (const s of options.spaces) {
    if (s.x.nRows !== nRows) throw new PatronError("E_SHAPE", `space "${s.name}" has ${s.x.nRows} rows, the first space ${nRows}; every space must describe the same customers`);
  }
  if (options.reference && options.reference.nRows !== nRows) throw new PatronError("E_SHAPE", `the reference space has ${options.reference.nRows} rows, the spaces ${nRows}`);
  const candidates: Candidate[] = [];
  const perSpace = algorithms.reduce((s, a) => s + (a === "dbscan" || a === "hdbscan" ? 3 : kValues.length), 0);
  progress.start("cluster sweep", perSpace * options.spaces.length);
  // Exact silhouettes reuse one distance matrix per space (see pairwiseDistances).
  const cached = (x: Matrix): Scorer => (x.nRows <= EXACT_MAX_ROWS ? { x, distances: pairwiseDistances(x) } : { x });
  const reference = options.reference ? cached(options.reference) : undefined;
  let own: Scorer;
  const score = (space: string, _x: Matrix, algorithm: SweepAlgorithm, parameter: string, labels: Int32Array, fitMs: number) => {
    const row = scoreLabels(space, own, algorithm, parameter, labels, fitMs, reference, minClusterShare, maxNoiseShare, seed);
    if (options.topCluster) checkTopCluster(row, labels, options.topCluster);
    candidates.push({ row, labels });
    progress.tick();
  };
  for (const { name, x } of options.spaces) {
    own = x === options.reference && reference ? reference : cached(x);
    for (const algorithm of algorithms) {
      if (algorithm === "ward") {
        const started = performance.now();
        const tree = ward({ nClusters: Math.min(kValues[0], x.nRows) }).fit(x, { seed });
        const treeMs = performance.now() - started;
        for (const k of kValues) {
          const t0 = performance.now();
          const labels = tree.cut(k);
          score(name, x, algorithm, `k=${k}`, labels, treeMs / kValues.length + performance.now() - t0);
        }
      } else if (algorithm === "kmeans" || algorithm === "gmm") {
        for (const k of kValues) {
          const t0 = performance.now();
          const labels = algorithm === "kmeans"
            ? kmeans({ nClusters: k, nInit: options.kmeansInit ?? 5 }).fit(x, { seed }).labels
            : gmm({ nComponents: k, regCovar: 1e-6 }).fit(x, { seed }).labels;
          score(name, x, algorithm, `k=${k}`, labels, performance.now() - t0);
        }
      } else if (algorithm === "dbscan") {
        const minSamples = Math.max(3, 2 * x.nCols);
        const kDistance = Float64Array.from(kthNeighborDistance(rowMajor(x), x.nRows, x.nCols, minSamples)).sort();
        for (const q of [0.5, 0.75, 0.9]) {
          const eps = kDistance[Math.min(kDistance.length - 1, Math.floor(q * kDistance.length))] || 1e-9;
          const t0 = performance.now();
          const labels = dbscan({ eps, minSamples }).fit(x).labels;
          score(name, x, algorithm, `eps=${eps.toPrecision(3)} (q${Math.round(q * 100)})`, labels, performance.now() - t0);
        }
      } else {
        for (const share of [0.01, 0.025, 0.05]) {
          const minClusterSize = Math.max(5, Math.round(share * x.nRows));
          const t0 = performance.now();
          const labels = hdbscan({ minClusterSize }).fit(x).labels;
          score(name, x, algorithm, `minClusterSize=${minClusterSize}`, labels, performance.now() - t0);
        }
      }
    }
  }
  progress.stop();
  const winner = pickWinner(candidates, options.reference !== undefined, tieTolerance);
  const rule = options.topCluster ? `${RULE}; ${topClusterRule(options.topCluster.maxShare)}` : RULE;
  return { rows: candidates.map((c) => c.row), winner: winner.row, labels: winner.labels, rule };
}

/** Records the highest-value cluster's share and makes the row ineligible when it is too large. */
function checkTopCluster(row: SweepRow, labels: Int32Array, top: { value: ArrayLike<number>; maxShare: number }): void {
  const members = new Map<number, number[]>();
  let scored = 0;
  labels.forEach((l, i) => {
    if (l < 0) return;
    scored++;
    let list = members.get(l);
    if (!list) members.set(l, (list = []));
    list.push(top.value[i]);
  });
  let best: number[] | undefined;
  let bestMedian = -Infinity;
  for (const list of members.values()) {
    const m = median(list);
    if (m > bestMedian || (m === bestMedian && best && list.length < best.length)) {
      bestMedian = m;
      best = list;
    }
  }
  row.topClusterShare = best && scored > 0 ? best.length / scored : NaN;
  if (row.eligible && row.topClusterShare > top.maxShare) {
    row.eligible = false;
    row.reason = `highest-value cluster ${(100 * row.topClusterShare).toFixed(1)}% > ${(100 * top.maxShare).toFixed(1)}%`;
  }
}

const EXACT_MAX_ROWS = 20_000;

interface Scorer {
  x: Matrix;
  distances?: Float64Array;
}

function silhouetteWith(scorer: Scorer, labels: Int32Array, seed: number): { score: number; exact: boolean } {
  if (scorer.distances) return { score: silhouetteFromDistances(scorer.distances, scorer.x.nRows, labels), exact: true };
  return silhouette(scorer.x, labels, { seed, exactMaxRows: EXACT_MAX_ROWS });
}

function scoreLabels(space: string, scorer: Scorer, algorithm: SweepAlgorithm, parameter: string, labels: Int32Array, fitMs: number, reference: Scorer | undefined, minClusterShare: number, maxNoiseShare: number, seed: number): SweepRow {
  const x = scorer.x;
  const sizes = new Map<number, number>();
  let noise = 0;
  for (const l of labels) {
    if (l < 0) noise++;
    else sizes.set(l, (sizes.get(l) ?? 0) + 1);
  }
  const scored = labels.length - noise;
  const nClusters = sizes.size;
  const smallest = nClusters > 0 ? Math.min(...sizes.values()) : 0;
  const row: SweepRow = {
    space,
    algorithm,
    parameter,
    nClusters,
    silhouette: NaN,
    referenceSilhouette: NaN,
    silhouetteExact: true,
    wcss: NaN,
    calinskiHarabasz: NaN,
    daviesBouldin: NaN,
    noiseShare: noise / labels.length,
    smallestClusterShare: scored > 0 ? smallest / scored : 0,
    topClusterShare: NaN,
    eligible: false,
    reason: "",
    fitMs,
  };
  if (nClusters < 2 || nClusters > scored - 1) {
    row.reason = `${nClusters} cluster(s)`;
    return row;
  }
  const s = silhouetteWith(scorer, labels, seed);
  row.silhouette = s.score;
  row.silhouetteExact = s.exact;
  if (reference) row.referenceSilhouette = reference === scorer ? s.score : silhouetteWith(reference, labels, seed).score;
  row.wcss = withinClusterSumOfSquares(x, labels);
  row.calinskiHarabasz = calinskiHarabasz(x, labels);
  row.daviesBouldin = daviesBouldin(x, labels);
  if (row.noiseShare > maxNoiseShare) row.reason = `noise ${(100 * row.noiseShare).toFixed(1)}% > ${(100 * maxNoiseShare).toFixed(1)}%`;
  else if (row.smallestClusterShare < minClusterShare) row.reason = `smallest cluster ${(100 * row.smallestClusterShare).toFixed(2)}% < ${(100 * minClusterShare).toFixed(2)}%`;
  else row.eligible = true;
  return row;
}

function pickWinner(candidates: Candidate[], useReference: boolean, tieTolerance: number): Candidate {
  const value = (c: Candidate) => (useReference ? c.row.referenceSilhouette : c.row.silhouette);
  const eligible = candidates.filter((c) => c.row.eligible && Number.isFinite(value(c)));
  if (eligible.length === 0) {
    throw new PatronError(
      "E_NO_CLUSTERING",
      `no candidate of ${candidates.length} passed the rule (${RULE}); reasons: ${[...new Set(candidates.map((c) => c.row.reason))].slice(0, 5).join("; ")}. Loosen minClusterShare / maxNoiseShare or add algorithms.`,
    );
  }
  const best = Math.max(...eligible.map(value));
  const tied = eligible.filter((c) => value(c) >= best - tieTolerance);
  // Stable: among the tied, fewest clusters; equal counts keep input order.
  return tied.reduce((a, b) => (b.row.nClusters < a.row.nClusters ? b : a));
}
