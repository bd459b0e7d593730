/**
 * Exact k-nearest-neighbour search by blocked brute force: training rows are copied once to
 * row-major order, and queries are compared against blocks of training rows that stay in
 * cache, keeping the k best per query by insertion into a sorted list (k is small). On ties
 * in distance the lower training index wins.
 *
 * Euclidean: candidates are ranked by ‖t‖² − 2 q·t (the query's own norm does not change the
 * order), four query rows at a time so each training value loaded serves four dot products —
 * about twice as fast as Σ(q − t)² in V8. The k found are then re-measured exactly as
 * Σ(q − t)² and re-sorted, so reported distances (and 1/distance weights) equal scikit-learn's
 * exact tree searches; only neighbours whose distances agree to ~1e-14 relative could be
 * ordered differently, which is a tie. Manhattan and Minkowski distances sum |q − t|^p
 * directly, stopping a row early once its partial sum exceeds the current k-th best.
 *
 * Brute force rather than a KD or ball tree: for the tens of features and ~10k rows Patron
 * scores, a tree prunes little and the blocked scan is simple and predictable.
 */
import type { Matrix } from "../../core/matrix.ts";

export type Metric = "euclidean" | "manhattan" | "minkowski";

export interface Neighbors {
  /** Row-major nQueries × k: training row indices, nearest first. */
  readonly index: Int32Array;
  /** Row-major nQueries × k: distances, ascending. */
  readonly distance: Float64Array;
  readonly k: number;
}

/** Row-major copy of a column-major matrix (one row's features contiguous). */
export function toRowMajor(x: Matrix): Float64Array {
  const { data, nRows, nCols } = x;
  const out = new Float64Array(nRows * nCols);
  for (let j = 0; j < nCols; j++) {
    const offset = j * nRows;
    for (let i = 0; i < nRows; i++) out[i * nCols + j] = data[offset + i];
  }
  return out;
}

const QUERY_BLOCK = 64;
const TRAIN_BLOCK = 512;

/**
 * The k nearest training rows of every query row. `train` is row-major nTrain × nCols.
 * `power` is p of the Minkowski distance (2 = euclidean, 1 = manhattan).
 */
export function kNearest(train: Float64Array, nTrain: number, query: Matrix, k: number, power: number): Neighbors {
  if (power === 2) return euclideanNearest(train, nTrain, query, k);
  const nCols = query.nCols;
  const nQueries = query.nRows;
  const q = toRowMajor(query);
  const bestIndex = new Int32Array(nQueries * k).fill(-1);
  // Searching works on the sum Σ|a − b|^p; the root is taken once at the end.
  const bestSum = new Float64Array(nQueries * k).fill(Infinity);
  for (let q0 = 0; q0 < nQueries; q0 += QUERY_BLOCK) {
    const q1 = Math.min(q0 + QUERY_BLOCK, nQueries);
    for (let t0 = 0; t0 < nTrain; t0 += TRAIN_BLOCK) {
      const t1 = Math.min(t0 + TRAIN_BLOCK, nTrain);
      for (let r = q0; r < q1; r++) {
        const qOffset = r * nCols;
        const base = r * k;
        let worst = bestSum[base + k - 1];
        for (let t = t0; t < t1; t++) {
          const tOffset = t * nCols;
          // Partial distance search: every term is ≥ 0, so once the running sum reaches the
          // k-th best the row cannot enter; checked every 4 features to keep the loop tight.
          // Readable form: sum = Σ_j |q_j − t_j|^power; skip the row if sum ≥ worst.
          let sum = 0;
          let j = 0;
          if (power === 1) {
            for (; j + 4 <= nCols && sum < worst; j += 4) {
              sum +=
                Math.abs(q[qOffset + j] - train[tOffset + j]) +
                Math.abs(q[qOffset + j + 1] - train[tOffset + j + 1]) +
                Math.abs(q[qOffset + j + 2] - train[tOffset + j + 2]) +
                Math.abs(q[qOffset + j + 3] - train[tOffset + j + 3]);
            }
            for (; j < nCols; j++) sum += Math.abs(q[qOffset + j] - train[tOffset + j]);
          } else {
            for (; j < nCols && sum < worst; j++) sum += Math.abs(q[qOffset + j] - train[tOffset + j]) ** power;
          }
          if (!(sum < worst)) continue;
          // Insert into the sorted list; equal sums keep the earlier (lower) index first.
          let slot = k - 1;
          while (slot > 0 && bestSum[base + slot - 1] > sum) {
            bestSum[base + slot] = bestSum[base + slot - 1];
            bestIndex[base + slot] = bestIndex[base + slot - 1];
            slot--;
          }
          bestSum[base + slot] = sum;
          bestIndex[base + slot] = t;
          worst = bestSum[base + k - 1];
        }
      }
    }
  }
  const distance = power === 1 ? bestSum : bestSum.map((s) => s ** (1 / power));
  return { index: bestIndex, distance, k };
}

/** Inserts candidate t with score s into query r's sorted list of k; equal scores keep the lower index first. */
function insert(bestScore: Float64Array, bestIndex: Int32Array, k: number, r: number, s: number, t: number): void {
  const base = r * k;
  if (!(s < bestScore[base + k - 1])) return;
  let slot = k - 1;
  while (slot > 0 && bestScore[base + slot - 1] > s) {
    bestScore[base + slot] = bestScore[base + slot - 1];
    bestIndex[base + slot] = bestIndex[base + slot - 1];
    slot--;
  }
  bestScore[base + slot] = s;
  bestIndex[base + slot] = t;
}

function euclideanNearest(train: Float64Array, nTrain: number, query: Matrix, k: number): Neighbors {
  const nCols = query.nCols;
  const nQueries = query.nRows;
  const q = toRowMajor(query);
  const trainSquares = new Float64Array(nTrain);
  for (let t = 0; t < nTrain; t++) {
    let s = 0;
    for (let j = 0; j < nCols; j++) s += train[t * nCols + j] * train[t * nCols + j];
    trainSquares[t] = s;
  }
  const bestIndex = new Int32Array(nQueries * k).fill(-1);
  const bestScore = new Float64Array(nQueries * k).fill(Infinity);
  for (let q0 = 0; q0 < nQueries; q0 += QUERY_BLOCK) {
    const q1 = Math.min(q0 + QUERY_BLOCK, nQueries);
    for (let t0 = 0; t0 < nTrain; t0 += TRAIN_BLOCK) {
      const t1 = Math.min(t0 + TRAIN_BLOCK, nTrain);
      let r = q0;
      // Readable form: score(r, t) = ‖t‖² − 2 Σ_j q[r][j] · t[j], for four rows r at once.
      for (; r + 4 <= q1; r += 4) {
        const o0 = r * nCols;
        const o1 = o0 + nCols;
        const o2 = o1 + nCols;
        const o3 = o2 + nCols;
        for (let t = t0; t < t1; t++) {
          const to = t * nCols;
          let a0 = 0;
          let a1 = 0;
          let a2 = 0;
          let a3 = 0;
          for (let j = 0; j < nCols; j++) {
            const v = train[to + j];
            a0 += q[o0 + j] * v;
            a1 += q[o1 + j] * v;
            a2 += q[o2 + j] * v;
            a3 += q[o3 + j] * v;
          }
          const ts = trainSquares[t];
          insert(bestScore, bestIndex, k, r, ts - 2 * a0, t);
          insert(bestScore, bestIndex, k, r + 1, ts - 2 * a1, t);
          insert(bestScore, bestIndex, k, r + 2, ts - 2 * a2, t);
          insert(bestScore, bestIndex, k, r + 3, ts - 2 * a3, t);
        }
      }
      for (; r < q1; r++) {
        const o = r * nCols;
        for (let t = t0; t < t1; t++) {
          let a = 0;
          for (let j = 0; j < nCols; j++) a += q[o + j] * train[t * nCols + j];
          insert(bestScore, bestIndex, k, r, trainSquares[t] - 2 * a, t);
        }
      }
    }
  }
  // Re-measure the k found exactly and order them by exact distance, then index.
  const distance = new Float64Array(nQueries * k);
  const order = Array.from({ length: k }, (_, s) => s);
  const exact = new Float64Array(k);
  const found = new Int32Array(k);
  for (let r = 0; r < nQueries; r++) {
    const base = r * k;
    for (let s = 0; s < k; s++) {
      const t = bestIndex[base + s];
      found[s] = t;
      let sum = 0;
      for (let j = 0; j < nCols; j++) {
        const d = q[r * nCols + j] - train[t * nCols + j];
        sum += d * d;
      }
      exact[s] = sum;
    }
    order.sort((a, b) => exact[a] - exact[b] || found[a] - found[b]);
    for (let s = 0; s < k; s++) {
      bestIndex[base + s] = found[order[s]];
      distance[base + s] = Math.sqrt(exact[order[s]]);
    }
  }
  return { index: bestIndex, distance, k };
}

/**
 * Neighbour weights as scikit-learn's `_get_weights`: uniform → 1; distance → 1/d, except that
 * when a query has neighbours at distance 0, those weigh 1 and the others 0.
 */
export function neighborWeights(neighbors: Neighbors, weights: "uniform" | "distance"): Float64Array {
  const { distance, k } = neighbors;
  const out = new Float64Array(distance.length).fill(1);
  if (weights === "uniform") return out;
  for (let base = 0; base < distance.length; base += k) {
    let exact = false;
    for (let s = 0; s < k; s++) if (distance[base + s] === 0) exact = true;
    for (let s = 0; s < k; s++) {
      const d = distance[base + s];
      out[base + s] = exact ? (d === 0 ? 1 : 0) : 1 / d;
    }
  }
  return out;
}

export function metricPower(metric: Metric, p: number): number {
  return metric === "euclidean" ? 2 : metric === "manhattan" ? 1 : p;
}
