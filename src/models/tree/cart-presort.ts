/**
 * Presorting for the exact CART split search: every feature's row indices sorted by value once
 * per fit (missing values last), so each node scans its rows in order without sorting again —
 * O(n log n) per feature for the whole tree instead of per node. The builder keeps the order by
 * stable partitioning as it splits.
 *
 * Sorting uses an LSD radix sort on the IEEE-754 bits (values mapped to unsigned keys that sort
 * like the numbers), because a comparator sort over Int32Array indices is several times slower
 * in V8 from a few thousand rows up.
 */

/** rows sorted by column j (ascending, NaN last, ties by row index) for every feature, F × nRows. */
export function presortColumns(data: Float64Array, nRows: number, nFeatures: number): Int32Array {
  const out = new Int32Array(nRows * nFeatures);
  const scratch = new RadixScratch(nRows);
  for (let j = 0; j < nFeatures; j++) {
    argsortInto(data.subarray(j * nRows, (j + 1) * nRows), out.subarray(j * nRows, (j + 1) * nRows), scratch);
  }
  return out;
}

class RadixScratch {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly tmpRows: Int32Array;
  readonly counts = new Uint32Array(1 << 16);
  /** 16-bit digits (4 passes) for large inputs; 8-bit (8 passes, small counters) otherwise. */
  readonly digitBits: number;
  constructor(n: number) {
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.tmpRows = new Int32Array(n);
    this.digitBits = n >= 65536 ? 16 : 8;
  }
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (x86, ARM): the high word of a double is u32[1].
const HI = 1;
const LO = 0;

/** Stable argsort of values (NaN last) into `rows`. */
function argsortInto(values: Float64Array, rows: Int32Array, scratch: RadixScratch): void {
  const n = values.length;
  if (n < 256) {
    // Small inputs: a comparator sort beats clearing 65,536 counters four times.
    for (let i = 0; i < n; i++) rows[i] = i;
    rows.sort((a, b) => {
      const va = values[a];
      const vb = values[b];
      if (va !== va) return vb !== vb ? a - b : 1;
      if (vb !== vb) return -1;
      return va - vb || a - b;
    });
    return;
  }
  const { hi, lo } = scratch;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) {
      // NaN sorts after +Infinity: the largest key.
      hi[i] = 0xffffffff;
      lo[i] = 0xffffffff;
      continue;
    }
    f64[0] = v === 0 ? 0 : v; // −0 and +0 are equal values: one key
    const h = u32[HI];
    const l = u32[LO];
    // Order-preserving map: flip all bits of negatives, only the sign bit of positives.
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  for (let i = 0; i < n; i++) rows[i] = i;
  // LSD passes, least significant digit first; each pass is a stable counting sort.
  const bits = scratch.digitBits;
  const nBuckets = 1 << bits;
  const mask = nBuckets - 1;
  const counts = scratch.counts;
  let src = rows;
  let dst = scratch.tmpRows.subarray(0, n);
  for (let pass = 0; pass < 64 / bits; pass++) {
    const words = pass < 32 / bits ? lo : hi;
    const shift = (pass * bits) % 32;
    counts.fill(0, 0, nBuckets);
    const first = (words[src[0]] >>> shift) & mask;
    let allSame = true;
    for (let r = 0; r < n; r++) {
      const digit = (words[src[r]] >>> shift) & mask;
      counts[digit]++;
      if (digit !== first) allSame = false;
    }
    if (allSame) continue; // this digit orders nothing: skip the pass
    let total = 0;
    for (let d = 0; d < nBuckets; d++) {
      const c = counts[d];
      counts[d] = total;
      total += c;
    }
    for (let r = 0; r < n; r++) {
      const row = src[r];
      dst[counts[(words[row] >>> shift) & mask]++] = row;
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  if (src !== rows) rows.set(src);
}
