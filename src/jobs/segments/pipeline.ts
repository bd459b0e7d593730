/**
 * The steps every segmentation shares, whether it sweeps (analysis.ts) or refits a chosen
 * configuration on a schedule (run.ts): read the features as of a date, add the CLV forecast
 * as of the same date, scale, fit one configuration, and characterise the clusters (profiles,
 * names, the Insiders, the proof they are better, their entry and exit rules).
 *
 * The clustering features are the seed's final choice (gross revenue, recency, products,
 * frequency, returns) plus a modern RFM's tenure, monthly value and purchase rhythm, plus the
 * CLV forecast: what a customer is likely to spend next, as of the run date, is a legitimate
 * trait of a loyalty segment and favours customers who keep buying over past big spenders.
 */
import { z } from "zod";
import { isPatronError, PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { warn } from "../../core/warn.ts";
import { dbscan } from "../../models/cluster/dbscan.ts";
import { kthNeighborDistance } from "../../models/cluster/density.ts";
import { gmm } from "../../models/cluster/gmm.ts";
import { hdbscan } from "../../models/cluster/hdbscan.ts";
import { ward } from "../../models/cluster/hierarchical.ts";
import { kmeans } from "../../models/cluster/kmeans.ts";
import type { SweepAlgorithm, SweepRow } from "../../models/cluster/sweep.ts";
import { rowMajor, type ClusterModel } from "../../models/cluster/types.ts";
import type { Store } from "../../store/store.ts";
import { clvFeatures } from "./clv-features.ts";
import { customerFeatures, saleTransactions } from "./features.ts";
import { chooseInsiders, nameSegments, profileSegments, type SegmentProfile } from "./profiles.ts";
import { explainMembership, type MembershipRules } from "./rules.ts";
import { applyScaler, fitScaler, type SegmentScaler, type SpaceName } from "./space.ts";
import { median } from "../../core/median.ts";
import { bootstrapMedianDifference, mannWhitney, type BootstrapInterval, type MannWhitney } from "./stats.ts";

export const SEGMENT_FEATURES = Object.freeze([
  "gross_revenue", "recency_days", "n_products", "frequency_per_month", "n_returned_items",
  "tenure_days", "monetary_per_month", "avg_days_between_purchases", "expected_revenue",
]);

export const ALGORITHMS: readonly SweepAlgorithm[] = ["kmeans", "gmm", "ward", "dbscan", "hdbscan"];

export const SegmentsOptions = z.strictObject({
  dataset: z.string().min(1).default("online-retail"),
  /** Customers' history strictly before this date (YYYY-MM-DD); default the day after the last order. */
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD").optional(),
  features: z.array(z.string()).min(2).default([...SEGMENT_FEATURES]),
  spaces: z.array(z.enum(["features", "pca", "umap", "tsne", "tree"])).min(1).default(["features", "pca", "umap", "tsne", "tree"]),
  algorithms: z.array(z.enum(["kmeans", "gmm", "ward", "dbscan", "hdbscan"])).min(1).default([...ALGORITHMS]),
  kValues: z.array(z.number().int().min(2)).min(1).default([2, 3, 4, 5, 6, 7, 8, 9, 10]),
  /** Forecast horizon of the CLV feature and answers, in months. */
  horizonMonths: z.number().positive().default(12),
  minClusterShare: z.number().min(0).max(0.5).default(0.01),
  /**
   * Largest share of customers the Insiders cluster may hold for a segmentation to be eligible:
   * a loyalty programme is for an elite (the seed's Insiders were 14.5% of the base), and the
   * best silhouette on customer data is usually a split into active and lapsed halves. 1 = off.
   */
  maxInsidersShare: z.number().gt(0).max(1).default(0.2),
  maxNoiseShare: z.number().min(0).max(1).default(0.1),
  tieTolerance: z.number().min(0).default(0.005),
  kmeansInit: z.number().int().min(1).default(3),
  umapEpochs: z.number().int().min(10).default(200),
  tsneIterations: z.number().int().min(250).default(500),
  forestTrees: z.number().int().min(1).default(50),
  ruleDepth: z.number().int().min(1).max(6).default(3),
  bootstrapResamples: z.number().int().min(100).default(2000),
  seed: z.number().int().default(0),
});
export type SegmentsOptions = z.output<typeof SegmentsOptions>;

/** A chosen clustering, refitted as is by scheduled runs. */
export interface SegmentConfig {
  algorithm: SweepAlgorithm;
  space: SpaceName;
  /** k for k-means, GMM and Ward. */
  k?: number;
  /** DBSCAN: eps at this quantile of the distance to the minSamples-th neighbour. */
  epsQuantile?: number;
  /** HDBSCAN: minClusterSize as a share of the rows. */
  minClusterShare?: number;
  features: string[];
}

export interface Prepared {
  dataset: string;
  asOf: string;
  customers: string[];
  /** Features in their units, plus expected_revenue, expected_purchases and p_alive when CLV fitted. */
  values: Record<string, Float64Array>;
  netRevenue: Float64Array;
  clv: { r: number; alpha: number; a: number; b: number; p: number; q: number; v: number; penalizer: number; horizonMonths: number } | null;
  clusterFeatures: string[];
  scaler: SegmentScaler;
  x: Matrix;
}

/** The day after the dataset's last order: "everything we have". */
export async function defaultAsOf(store: Store, dataset: string): Promise<string> {
  const [row] = await store.query<{ last: Date | null }>("SELECT max(ordered_at) AS last FROM orders WHERE dataset = $1 AND customer_id IS NOT NULL", [dataset]);
  if (!row?.last) throw new PatronError("E_NO_DATA", `dataset "${dataset}" has no orders with a customer id; ingest it first (patron ingest --preset ${dataset}).`);
  const last = row.last instanceof Date ? row.last : new Date(String(row.last));
  return new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth(), last.getUTCDate() + 1)).toISOString().slice(0, 10);
}

/** Features, CLV and the scaled matrix as of a date. */
export async function prepare(store: Store, opts: Pick<SegmentsOptions, "dataset" | "features" | "horizonMonths"> & { asOf: string }): Promise<Prepared> {
  const f = await customerFeatures(store, { dataset: opts.dataset, asOf: opts.asOf });
  const values: Record<string, Float64Array> = { ...f.values };
  let clv: Prepared["clv"] = null;
  try {
    const tx = await saleTransactions(store, { dataset: opts.dataset, asOf: opts.asOf });
    const result = clvFeatures(tx, opts.asOf, opts.horizonMonths);
    const index = new Map(result.customers.map((id, c) => [id, c]));
    const pick = (v: Float64Array) => Float64Array.from(f.customers, (id) => v[index.get(id) ?? -1] ?? 0);
    values.expected_revenue = pick(result.expectedRevenue);
    values.expected_purchases = pick(result.expectedPurchases);
    values.p_alive = pick(result.probabilityAlive);
    clv = { ...result.params, horizonMonths: opts.horizonMonths };
  } catch (error) {
    if (!isPatronError(error) || !error.code.startsWith("E_CLV")) throw error;
    warn("W_SEGMENTS_NO_CLV", `the CLV forecast as of ${opts.asOf} could not be fitted (${error.message}); segmenting without expected_revenue`);
  }
  const clusterFeatures = opts.features.filter((name) => {
    if (values[name]) return true;
    if (name !== "expected_revenue") throw new PatronError("E_OPTION", `unknown segmentation feature "${name}"; known: ${Object.keys(values).join(", ")}`);
    return false;
  });
  const scaler = fitScaler(values, clusterFeatures);
  return { dataset: opts.dataset, asOf: opts.asOf, customers: f.customers, values, netRevenue: f.netRevenue, clv, clusterFeatures, scaler, x: applyScaler(scaler, values) };
}

/** The configuration a sweep row stands for. */
export function configFromRow(row: SweepRow, features: readonly string[], nRows: number): SegmentConfig {
  const base = { algorithm: row.algorithm, space: row.space as SpaceName, features: [...features] };
  if (row.algorithm === "dbscan") return { ...base, epsQuantile: Number(/\(q(\d+)\)/.exec(row.parameter)?.[1] ?? 75) / 100 };
  if (row.algorithm === "hdbscan") return { ...base, minClusterShare: Number(/minClusterSize=(\d+)/.exec(row.parameter)?.[1] ?? 5) / nRows };
  return { ...base, k: Number(/k=(\d+)/.exec(row.parameter)?.[1]) };
}

/**
 * Fits one configuration on a space, with the sweep's settings (same seed, same starts), so
 * the winner refitted here gives the sweep's labels. `warmCenters` (row-major k × d, in this
 * space) starts k-means from the previous run's centroids: a scheduled run then moves its
 * clusters only as far as the data moved.
 */
export function fitConfig(config: SegmentConfig, x: Matrix, options: { seed: number; kmeansInit: number; warmCenters?: number[][] }): ClusterModel {
  switch (config.algorithm) {
    case "kmeans":
      return kmeans({ nClusters: config.k!, nInit: options.kmeansInit, ...(options.warmCenters ? { initCenters: options.warmCenters } : {}) }).fit(x, { seed: options.seed });
    case "gmm":
      return gmm({ nComponents: config.k!, regCovar: 1e-6 }).fit(x, { seed: options.seed });
    case "ward": {
      const tree = ward({ nClusters: Math.min(config.k!, x.nRows) }).fit(x, { seed: options.seed });
      return tree;
    }
    case "dbscan": {
      const minSamples = Math.max(3, 2 * x.nCols);
      const kDistance = Float64Array.from(kthNeighborDistance(rowMajor(x), x.nRows, x.nCols, minSamples)).sort();
      const eps = kDistance[Math.min(kDistance.length - 1, Math.floor(config.epsQuantile! * kDistance.length))] || 1e-9;
      return dbscan({ eps, minSamples }).fit(x);
    }
    case "hdbscan":
      return hdbscan({ minClusterSize: Math.max(5, Math.round(config.minClusterShare! * x.nRows)) }).fit(x);
  }
}

export interface InsiderSummary {
  segment: number;
  customers: number;
  shareCustomers: number;
  shareRevenue: number;
  shareItems: number;
  medianRevenue: number;
  medianRevenueRest: number;
  /** Insiders' median / the rest's median − 1. */
  medianUplift: number;
  medianDifference: BootstrapInterval;
  mannWhitney: MannWhitney;
  expectedRevenue: number;
  shareExpectedRevenue: number;
}

export interface Characterised {
  profiles: SegmentProfile[];
  insiders: InsiderSummary;
  rules: MembershipRules;
  /** Stable segment id per customer (−1 noise) and the Insiders flag. */
  segmentOf: Int32Array;
  isInsider: Uint8Array;
}

/** Profiles, names, the Insiders, the evidence and the rules for one labelling. */
export function characterise(prepared: Prepared, labels: Int32Array, idOf: (cluster: number) => number, keptNames: ReadonlyMap<number, string>, opts: Pick<SegmentsOptions, "ruleDepth" | "bootstrapResamples" | "seed">): Characterised {
  const profiles = profileSegments({
    labels, idOf, values: prepared.values, netRevenue: prepared.netRevenue,
    expectedRevenue: prepared.values.expected_revenue, probabilityAlive: prepared.values.p_alive, clusterFeatures: prepared.clusterFeatures,
  });
  const insiderId = chooseInsiders(profiles);
  nameSegments(profiles, prepared.values, keptNames);
  const segmentOf = Int32Array.from(labels, (l) => (l < 0 ? -1 : idOf(l)));
  const isInsider = Uint8Array.from(segmentOf, (s) => (s === insiderId ? 1 : 0));
  const inside: number[] = [];
  const outside: number[] = [];
  prepared.netRevenue.forEach((v, i) => (isInsider[i] ? inside : outside).push(v));
  const profile = profiles.find((p) => p.segment === insiderId)!;
  const expected = prepared.values.expected_revenue;
  const totalExpected = expected ? expected.reduce((a, b) => a + b, 0) : NaN;
  const insiders: InsiderSummary = {
    segment: insiderId,
    customers: profile.customers,
    shareCustomers: profile.shareCustomers,
    shareRevenue: profile.shareRevenue,
    shareItems: profile.shareItems,
    medianRevenue: median(inside),
    medianRevenueRest: median(outside),
    medianUplift: median(inside) / median(outside) - 1,
    medianDifference: outside.length ? bootstrapMedianDifference(inside, outside, { resamples: opts.bootstrapResamples, seed: opts.seed }) : { estimate: NaN, low: NaN, high: NaN, level: 0.95, resamples: 0 },
    mannWhitney: outside.length ? mannWhitney(inside, outside) : { u: NaN, z: NaN, pTwoSided: NaN, pGreater: NaN, effectSize: NaN },
    expectedRevenue: profile.expectedRevenue,
    shareExpectedRevenue: profile.expectedRevenue / totalExpected,
  };
  const rules = explainMembership(prepared.values, prepared.clusterFeatures, isInsider, { maxDepth: opts.ruleDepth });
  return { profiles, insiders, rules, segmentOf, isInsider };
}
