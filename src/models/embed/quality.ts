/**
 * Trustworthiness of an embedding (Venna & Kaski 2001), as scikit-learn's
 * sklearn.manifold.trustworthiness: 1 − 2/(n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^emb(i)} max(0, r(i, j) − k),
 * where r(i, j) is j's rank among i's neighbours in the input space (Euclidean). 1 means every
 * embedded neighbourhood holds only true neighbours. O(n² log n): meant for checks on samples.
 */
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { squaredRowDistance } from "../cluster/density.ts";
import { rowMajor } from "../cluster/types.ts";

export function trustworthiness(x: Matrix, embedded: Matrix, nNeighbors = 5): number {
  const n = x.nRows;
  if (embedded.nRows !== n) throw new PatronError("E_SHAPE", `trustworthiness: ${n} input rows but ${embedded.nRows} embedded rows`);
  if (!(nNeighbors >= 1 && nNeighbors < n / 2)) throw new PatronError("E_OPTION", `nNeighbors must be in [1, n/2); found ${nNeighbors} for ${n} rows`);
  const input = rowMajor(x);
  const output = rowMajor(embedded);
  const rank = new Int32Array(n);
  const idx = Int32Array.from({ length: n }, (_, j) => j);
  const dist = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) dist[j] = j === i ? Infinity : squaredRowDistance(input, i, j, x.nCols);
    // Stable sort by distance, as NumPy's argsort(kind="quicksort") breaks ties by index only approximately; ties are rare in real data.
    const order = Array.from(idx).sort((a, b) => dist[a] - dist[b] || a - b);
    order.forEach((j, r) => (rank[j] = r + 1));
    for (let j = 0; j < n; j++) dist[j] = j === i ? Infinity : squaredRowDistance(output, i, j, embedded.nCols);
    const nearest = Array.from(idx).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, nNeighbors);
    for (const j of nearest) total += Math.max(0, rank[j] - nNeighbors);
  }
  return 1 - total * (2 / (n * nNeighbors * (2 * n - 3 * nNeighbors - 1)));
}
