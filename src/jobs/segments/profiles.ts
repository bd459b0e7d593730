/**
 * Cluster profiles and names. A profile is what a marketer reads about a segment: its size,
 * its shares of customers, revenue and items, the medians of its features, its CLV forecast,
 * and its centroid (kept in pre-scaled units so a later run can match it). A name is made from
 * the segment's two most distinctive traits — how far its medians sit from the whole base's,
 * in units of the feature's spread — from a small vocabulary (value, recency, frequency,
 * tenure, returns), so "Lapsed, low-value" says what the numbers say. The Insiders segment is
 * always called "Insiders"; names survive from run to run through identity matching.
 */
import { median } from "../../core/median.ts";
import { preScale } from "./space.ts";

/** The Insiders: the segment with the highest median of this value, stated with every result. */
export const INSIDER_CRITERION =
  "the segment with the highest median expected revenue over the forecast horizon (BG/NBD × Gamma-Gamma fitted on data before the as-of date); " +
  "when the CLV model cannot be fitted, the highest median net revenue";

export interface SegmentProfile {
  /** Stable identity across runs (cluster/matching.ts); −1 for noise. */
  segment: number;
  name: string;
  isInsider: boolean;
  customers: number;
  shareCustomers: number;
  netRevenue: number;
  shareRevenue: number;
  shareItems: number;
  medianNetRevenue: number;
  medianExpectedRevenue: number;
  expectedRevenue: number;
  meanProbabilityAlive: number;
  /** Median of every feature, in its own units. */
  medians: Record<string, number>;
  /** Mean of the clustering features in pre-scaled units (log1p where logged), for matching. */
  centroid: number[];
}

const TRAITS: ReadonlyArray<{ feature: string; high: string; low: string }> = [
  { feature: "gross_revenue", high: "high-value", low: "low-value" },
  { feature: "recency_days", high: "lapsed", low: "recent" },
  { feature: "frequency_per_month", high: "frequent", low: "occasional" },
  { feature: "tenure_days", high: "long-standing", low: "new" },
  { feature: "n_returned_items", high: "returning", low: "" },
];

export interface ProfileInput {
  labels: ArrayLike<number>;
  /** Cluster index → stable id. */
  idOf: (cluster: number) => number;
  values: Record<string, ArrayLike<number>>;
  netRevenue: ArrayLike<number>;
  expectedRevenue?: ArrayLike<number>;
  probabilityAlive?: ArrayLike<number>;
  clusterFeatures: readonly string[];
}

/** Profiles of every cluster (and of noise when there is any), ordered by stable id. */
export function profileSegments(input: ProfileInput): SegmentProfile[] {
  const n = input.labels.length;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = input.labels[i];
    const key = l < 0 ? -1 : input.idOf(l);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const total = sum(input.netRevenue, range(n));
  const items = input.values.n_items;
  const totalItems = items ? sum(items, range(n)) : 0;
  const profiles: SegmentProfile[] = [];
  for (const [segment, rows] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    const medians: Record<string, number> = {};
    for (const [feature, v] of Object.entries(input.values)) medians[feature] = median(rows.map((i) => v[i]));
    const revenue = sum(input.netRevenue, rows);
    const expected = input.expectedRevenue;
    profiles.push({
      segment,
      name: segment < 0 ? "Unassigned (noise)" : "",
      isInsider: false,
      customers: rows.length,
      shareCustomers: rows.length / n,
      netRevenue: revenue,
      shareRevenue: total ? revenue / total : 0,
      shareItems: totalItems ? sum(items, rows) / totalItems : 0,
      medianNetRevenue: median(rows.map((i) => input.netRevenue[i])),
      medianExpectedRevenue: expected ? median(rows.map((i) => expected[i])) : NaN,
      expectedRevenue: expected ? sum(expected, rows) : NaN,
      meanProbabilityAlive: input.probabilityAlive ? sum(input.probabilityAlive, rows) / rows.length : NaN,
      medians,
      centroid: input.clusterFeatures.map((f) => sum(Float64Array.from(rows, (i) => preScale(f, input.values[f][i])), range(rows.length)) / rows.length),
    });
  }
  return profiles;
}

/** Marks the Insiders by INSIDER_CRITERION; returns its stable id. */
export function chooseInsiders(profiles: SegmentProfile[]): number {
  const candidates = profiles.filter((p) => p.segment >= 0);
  const useClv = candidates.every((p) => Number.isFinite(p.medianExpectedRevenue));
  const value = (p: SegmentProfile) => (useClv ? p.medianExpectedRevenue : p.medianNetRevenue);
  const best = candidates.reduce((a, b) => (value(b) > value(a) || (value(b) === value(a) && b.medianNetRevenue > a.medianNetRevenue) ? b : a));
  for (const p of profiles) p.isInsider = p === best;
  return best.segment;
}

/**
 * Names the segments that have none yet (`kept` carries names from the previous run by stable
 * id). Distinctiveness: (segment median − base median) / base interquartile range, on the
 * pre-scaled feature.
 */
export function nameSegments(profiles: SegmentProfile[], values: Record<string, ArrayLike<number>>, kept: ReadonlyMap<number, string> = new Map()): void {
  const spread = new Map<string, { median: number; iqr: number }>();
  for (const t of TRAITS) {
    const v = values[t.feature];
    if (!v) continue;
    const sorted = Float64Array.from(v, (x) => preScale(t.feature, x)).sort();
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
    spread.set(t.feature, { median: q(0.5), iqr: Math.max(q(0.75) - q(0.25), 1e-9) });
  }
  const used = new Set<string>();
  for (const p of profiles) {
    if (p.isInsider) p.name = "Insiders";
    else if (p.segment >= 0 && kept.has(p.segment) && kept.get(p.segment) !== "Insiders") p.name = kept.get(p.segment)!;
    if (p.name) used.add(p.name);
  }
  for (const p of profiles) {
    if (p.name) continue;
    const traits = TRAITS.flatMap((t) => {
      const s = spread.get(t.feature);
      if (!s) return [];
      const z = (preScale(t.feature, p.medians[t.feature]) - s.median) / s.iqr;
      const word = z > 0 ? t.high : t.low;
      return word && Math.abs(z) >= 0.25 ? [{ word, z: Math.abs(z) }] : [];
    }).sort((a, b) => b.z - a.z).slice(0, 2);
    let name = traits.length ? traits.map((t) => t.word).join(", ") : "typical";
    name = name[0].toUpperCase() + name.slice(1);
    let candidate = name;
    for (let k = 2; used.has(candidate); k++) candidate = `${name} (${k})`;
    p.name = candidate;
    used.add(candidate);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function sum(values: ArrayLike<number>, rows: readonly number[] | ArrayLike<number>): number {
  let s = 0;
  for (let r = 0; r < rows.length; r++) s += values[rows[r]];
  return s;
}
