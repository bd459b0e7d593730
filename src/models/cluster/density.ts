/**
 * Neighbourhood primitives shared by DBSCAN and HDBSCAN: brute-force radius neighbourhoods and
 * k-th neighbour distances over a row-major matrix. Brute force is O(n²·d) time and O(n·d)
 * memory (distances are recomputed, never stored), which is seconds at the ~5k–20k customers
 * Patron clusters; a KD-tree would win only in low dimensions at much larger n.
 */
export function squaredRowDistance(rows: Float64Array, i: number, j: number, d: number): number {
  let sum = 0;
  for (let c = 0; c < d; c++) {
    const diff = rows[i * d + c] - rows[j * d + c];
    sum += diff * diff;
  }
  return sum;
}

/** CSR neighbourhoods within eps (inclusive, the row itself included, as scikit-learn's radius_neighbors). */
export function radiusNeighbors(rows: Float64Array, n: number, d: number, eps: number): { offsets: Int32Array; indices: Int32Array } {
  const offsets = new Int32Array(n + 1);
  let indices = new Int32Array(Math.max(16, n * 8));
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Compare unsquared distances so that a point exactly at eps is inside, as scikit-learn.
      if (Math.sqrt(squaredRowDistance(rows, i, j, d)) <= eps) {
        if (count === indices.length) {
          const grown = new Int32Array(indices.length * 2);
          grown.set(indices);
          indices = grown;
        }
        indices[count++] = j;
      }
    }
    offsets[i + 1] = count;
  }
  return { offsets, indices: indices.slice(0, count) };
}

/**
 * Distance from each row to its k-th nearest row, counting the row itself as the first
 * (scikit-learn's HDBSCAN core distance with min_samples = k).
 */
export function kthNeighborDistance(rows: Float64Array, n: number, d: number, k: number): Float64Array {
  const out = new Float64Array(n);
  const heap = new Float64Array(k); // max-heap of the k smallest squared distances
  for (let i = 0; i < n; i++) {
    let size = 0;
    for (let j = 0; j < n; j++) {
      const dist = squaredRowDistance(rows, i, j, d);
      if (size < k) {
        heap[size] = dist;
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (heap[p] >= heap[c]) break;
          [heap[p], heap[c]] = [heap[c], heap[p]];
          c = p;
        }
      } else if (dist < heap[0]) {
        heap[0] = dist;
        let p = 0;
        for (;;) {
          const l = 2 * p + 1;
          const r = l + 1;
          let m = p;
          if (l < k && heap[l] > heap[m]) m = l;
          if (r < k && heap[r] > heap[m]) m = r;
          if (m === p) break;
          [heap[p], heap[m]] = [heap[m], heap[p]];
          p = m;
        }
      }
    }
    out[i] = Math.sqrt(heap[0]);
  }
  return out;
}
