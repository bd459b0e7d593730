/**
 * Keeping cluster identities between runs: the Hungarian (Kuhn-Munkres) algorithm for the
 * rectangular assignment problem (Kuhn 1955; Munkres 1957; the O(n²m) shortest augmenting
 * path form with potentials, Jonker & Volgenant 1987 / Crouse 2016, which SciPy's
 * linear_sum_assignment also implements), and on top of it the matching of a new run's
 * centroids to the previous run's, so names stay stable and new clusters get fresh ids.
 * Hand-written: a few dozen lines, and no npm package is maintained with rectangular support.
 */
import { PatronError } from "../../core/errors.ts";

/**
 * Minimum-cost assignment for an nRows × nCols cost matrix (row-major). Every row is assigned
 * when nRows ≤ nCols, every column otherwise. Returns the column of each row (−1 if none) and
 * the total cost.
 */
export function linearSumAssignment(cost: ArrayLike<number>, nRows: number, nCols: number): { columnOf: Int32Array; total: number } {
  if (cost.length !== nRows * nCols) throw new PatronError("E_SHAPE", `cost matrix has ${cost.length} values, expected ${nRows}×${nCols}`);
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new PatronError("E_COST", `assignment cost at row ${Math.floor(i / nCols)}, column ${i % nCols} is ${cost[i]}; costs must be finite`);
  }
  const transpose = nRows > nCols;
  const n = transpose ? nCols : nRows; // rows of the working problem, n ≤ m
  const m = transpose ? nRows : nCols;
  const at = (i: number, j: number) => (transpose ? cost[j * nCols + i] : cost[i * nCols + j]);
  // 1-based potentials u (rows), v (columns); p[j] = row matched to column j; way = augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const columnOf = new Int32Array(nRows).fill(-1);
  let total = 0;
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const i = p[j] - 1;
    const c = j - 1;
    if (transpose) columnOf[c] = i;
    else columnOf[i] = c;
    total += at(i, c);
  }
  return { columnOf, total };
}

export interface ClusterMatch {
  /** Stable id for each new cluster: the matched previous id, or a fresh one. */
  idOf: Int32Array;
  /** Previous ids that found no new cluster (clusters that disappeared). */
  retired: number[];
  /** Distance between matched centroids, per new cluster (NaN for fresh ids). */
  distance: Float64Array;
}

/**
 * Matches new centroids (row-major nNew × d) to previous ones (nPrevious × d, with their ids)
 * by minimum total squared distance; a match farther than maxDistance (default ∞) is refused
 * and the new cluster gets a fresh id, larger than every id seen (nextId onwards).
 */
export function matchClusters(
  previous: { centroids: ArrayLike<number>; ids: ArrayLike<number> },
  next: ArrayLike<number>,
  d: number,
  options: { maxDistance?: number; nextId?: number } = {},
): ClusterMatch {
  const nPrevious = previous.ids.length;
  const nNew = next.length / d;
  if (previous.centroids.length !== nPrevious * d || !Number.isInteger(nNew)) {
    throw new PatronError("E_SHAPE", `centroids must be row-major with ${d} values per cluster; found ${previous.centroids.length} previous values for ${nPrevious} ids and ${next.length} new values`);
  }
  const cost = new Float64Array(nNew * nPrevious);
  for (let a = 0; a < nNew; a++) {
    for (let b = 0; b < nPrevious; b++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (next[a * d + j] - previous.centroids[b * d + j]) ** 2;
      cost[a * nPrevious + b] = sum;
    }
  }
  const { columnOf } = nPrevious > 0 ? linearSumAssignment(cost, nNew, nPrevious) : { columnOf: new Int32Array(nNew).fill(-1) };
  let nextId = options.nextId ?? 0;
  for (let b = 0; b < nPrevious; b++) nextId = Math.max(nextId, previous.ids[b] + 1);
  const idOf = new Int32Array(nNew);
  const distance = new Float64Array(nNew).fill(NaN);
  const usedPrevious = new Set<number>();
  const maxDistance = options.maxDistance ?? Infinity;
  for (let a = 0; a < nNew; a++) {
    const b = columnOf[a];
    const dist = b >= 0 ? Math.sqrt(cost[a * nPrevious + b]) : Infinity;
    if (b >= 0 && dist <= maxDistance) {
      idOf[a] = previous.ids[b];
      distance[a] = dist;
      usedPrevious.add(b);
    } else idOf[a] = nextId++;
  }
  const retired: number[] = [];
  for (let b = 0; b < nPrevious; b++) if (!usedPrevious.has(b)) retired.push(previous.ids[b]);
  return { idOf, retired, distance };
}

/**
 * Migration matrix between two labelings of the same customers: counts[a][b] = customers in
 * previous cluster a now in cluster b. Customers present in only one run are counted in the
 * "new" (row) or "gone" (column) margins.
 */
export function migrationMatrix(
  previous: ReadonlyMap<string, number>,
  next: ReadonlyMap<string, number>,
): { previousIds: number[]; nextIds: number[]; counts: number[][]; entered: Map<number, number>; left: Map<number, number> } {
  const previousIds = [...new Set(previous.values())].sort((a, b) => a - b);
  const nextIds = [...new Set(next.values())].sort((a, b) => a - b);
  const row = new Map(previousIds.map((id, r) => [id, r]));
  const col = new Map(nextIds.map((id, c) => [id, c]));
  const counts = previousIds.map(() => new Array<number>(nextIds.length).fill(0));
  const entered = new Map<number, number>();
  const left = new Map<number, number>();
  for (const [customer, a] of previous) {
    const b = next.get(customer);
    if (b === undefined) left.set(a, (left.get(a) ?? 0) + 1);
    else counts[row.get(a)!][col.get(b)!]++;
  }
  for (const [customer, b] of next) if (!previous.has(customer)) entered.set(b, (entered.get(b) ?? 0) + 1);
  return { previousIds, nextIds, counts, entered, left };
}
