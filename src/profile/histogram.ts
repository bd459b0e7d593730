/**
 * Equal-width histograms binned in SQL, with numpy.histogram's exact semantics: edges are
 * linspace(lo, hi, nBins + 1), bins are half-open [e_b, e_b+1) except the last, which is
 * closed, and a value within an ulp of an edge is moved to the side numpy puts it on
 * (numpy/lib/histograms.py: index = trunc((x − lo)·norm), then the decrement/increment fix).
 * Every column's histogram comes from one scan; only (bin, count) pairs leave the database.
 *
 * The range is chosen the way an analyst would: unit bins for small integer ranges (ratings,
 * months), the full range otherwise, clipped to Tukey's far-out fences when a few extreme
 * values would squeeze everything else into one bar (counts beyond are kept as below/above).
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { Histogram } from "./types.ts";

export const DEFAULT_BINS = 20;

export interface HistogramRange {
  lo: number;
  hi: number;
  nBins: number;
}

/** numpy.linspace(lo, hi, nBins + 1): edge b is b·step + lo, the last edge exactly hi. */
export function binEdges(range: HistogramRange): number[] {
  const step = (range.hi - range.lo) / range.nBins;
  const edges: number[] = [];
  for (let b = 0; b <= range.nBins; b++) edges.push(b === range.nBins ? range.hi : b * step + range.lo);
  return edges;
}

/**
 * Picks the histogram range from summary statistics (pure, so the rule is testable).
 * min = max → numpy's [v − 0.5, v + 0.5]; integer-valued with fewer than 30 distinct levels
 * in its range → one bin per integer; range wider than 25 IQR → clip to Q1 − 3 IQR, Q3 + 3 IQR.
 */
export function chooseRange(s: { min: number; max: number; q25?: number; q75?: number; integerValued: boolean }, nBins = DEFAULT_BINS): HistogramRange {
  if (s.min === s.max) return { lo: s.min - 0.5, hi: s.max + 0.5, nBins: 1 };
  if (s.integerValued && s.max - s.min < 30) return { lo: s.min - 0.5, hi: s.max + 0.5, nBins: s.max - s.min + 1 };
  if (s.q25 !== undefined && s.q75 !== undefined) {
    const iqr = s.q75 - s.q25;
    if (iqr > 0 && s.max - s.min > 25 * iqr) {
      let lo = Math.max(s.min, s.q25 - 3 * iqr);
      let hi = Math.min(s.max, s.q75 + 3 * iqr);
      if (s.integerValued) {
        lo = Math.floor(lo);
        hi = Math.ceil(hi);
      }
      return { lo, hi, nBins };
    }
  }
  return { lo: s.min, hi: s.max, nBins };
}

export interface HistogramRequest {
  column: RelationColumn;
  range: HistogramRange;
  unit: Histogram["unit"];
}

/**
 * All histograms of a table in one scan: each column's bin index is computed side by side and
 * GROUP BY GROUPING SETS ((b0), (b1), …) counts each on its own.
 */
export async function histograms(store: Store, relation: Relation, requests: readonly HistogramRequest[]): Promise<Histogram[]> {
  if (requests.length === 0) return [];
  const d = store.dialect;
  const n = (v: number) => d.number(v);
  const values = requests.map((r, j) => `${r.column.expr} AS x${j}`).join(", ");
  const indexed = requests
    .map(({ range: { lo, hi } }, j) => {
      // Truncation of a non-negative value is floor (numpy's astype(intp)).
      const raw = `CAST(floor((x${j} - ${n(lo)}) * ${n(requests[j].range.nBins / (hi - lo))}) AS INTEGER)`;
      return `x${j}, CASE WHEN x${j} >= ${n(lo)} AND x${j} <= ${n(hi)} THEN ${raw} ELSE 0 END AS k${j}`;
    })
    .join(", ");
  const binned = requests
    .map(({ range: { lo, hi, nBins } }, j) => {
      const step = (hi - lo) / nBins;
      const edge = (b: string) => `(${b} * ${n(step)} + ${n(lo)})`;
      // numpy: on the last edge → last bin; within an ulp below an edge → the bin below; at or
      // above the next edge (except the last bin) → the bin above.
      return `CASE WHEN x${j} IS NULL THEN NULL
        WHEN x${j} < ${n(lo)} THEN -1
        WHEN x${j} > ${n(hi)} THEN ${nBins}
        WHEN k${j} >= ${nBins} THEN ${nBins - 1}
        WHEN x${j} < ${edge(`k${j}`)} THEN k${j} - 1
        WHEN k${j} <> ${nBins - 1} AND x${j} >= ${edge(`(k${j} + 1)`)} THEN k${j} + 1
        ELSE k${j} END AS b${j}`;
    })
    .join(", ");
  const bins = requests.map((_, j) => `b${j}`);
  const rows = await store.query(
    `SELECT ${bins.join(", ")}, ${bins.map((b, j) => `GROUPING(${b}) AS g${j}`).join(", ")}, count(*) AS n
       FROM (SELECT ${binned} FROM (SELECT ${indexed} FROM (SELECT ${values} FROM ${relation.from}) AS v) AS i) AS b
      GROUP BY GROUPING SETS (${bins.map((b) => `(${b})`).join(", ")})`,
  );
  return requests.map((r, j) => {
    const counts = new Array<number>(r.range.nBins).fill(0);
    let below = 0;
    let above = 0;
    for (const row of rows) {
      if (Number(row[`g${j}`]) !== 0 || row[`b${j}`] === null) continue;
      const b = Number(row[`b${j}`]);
      const count = Number(row.n);
      if (b < 0) below += count;
      else if (b >= r.range.nBins) above += count;
      else counts[b] += count;
    }
    return { edges: binEdges(r.range), counts, below, above, unit: r.unit };
  });
}
