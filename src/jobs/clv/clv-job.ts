/**
 * `patron clv`: BG/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005; src/clv/**) fitted on a
 * dataset's purchases up to an as-of date, with expected purchases, revenue and P(alive) per
 * customer and per segment for the next N months, and the calibration/holdout check when there
 * is data after the as-of date (the BG/NBD paper's Figure 4: actual vs predicted holdout
 * purchases by calibration frequency). The summary is built as lifetimes builds it (purchases
 * summed per customer-day, recency and T in the time unit), so on CDNOW the parameters equal
 * lifetimes' published ones.
 *
 * Here --as-of is the last day included (lifetimes' observation_period_end); the segments job's
 * as-of is the first day excluded. Results go to clv_runs (one row per run) and clv_scores.
 */
import { randomUUID } from "node:crypto";
import { clvBySegment, clvFromTransactions, clvParameters, holdoutCheck, type CustomerClv, type HoldoutCheck, type SegmentClv } from "../../clv/clv.ts";
import { dayToISO, toDayNumber, type Transactions, type TimeUnit } from "../../clv/summary.ts";
import { PatronError } from "../../core/errors.ts";
import type { Store } from "../../store/store.ts";
import { createResultTable, insertColumns, resultJson, type ResultColumn } from "../../store/result-tables.ts";
import { saleTransactions } from "../segments/features.ts";
import { ensureClvTable, runAssignments, saveClvScores } from "../segments/runs.ts";

export interface ClvJobOptions {
  /** The dataset name stored with the results ("cdnow", "online-retail", "file:orders.csv"). */
  dataset: string;
  /** Last day included; default the last transaction day. */
  asOf?: string;
  unit?: TimeUnit;
  horizonMonths?: number;
  /** Round recency and T (the published CDNOW summary uses 2). */
  decimals?: number;
  discountRate?: number;
}

export interface ClvJobResult {
  runId: string;
  dataset: string;
  asOf: string;
  lastDay: string;
  unit: TimeUnit;
  horizonMonths: number;
  customers: number;
  repeatCustomers: number;
  parameters: ReturnType<typeof clvParameters>;
  logLikelihood: { bgnbd: number; gammaGamma: number };
  excludedFromSpendModel: number;
  frequencySpendCorrelation: number;
  totals: { expectedPurchases: number; expectedRevenue: number; meanProbabilityAlive: number };
  /** Segments of the latest segmentation run of the dataset, or calibration-frequency groups. */
  segmentBasis: string;
  segments: SegmentClv[];
  holdout: Omit<HoldoutCheck, "bgnbd"> | null;
  /** A sample of customers (highest expected revenue first) for the report. */
  top: Array<{ customer: string; frequency: number; recency: number; T: number; monetaryValue: number; probabilityAlive: number; expectedPurchases: number; expectedRevenue: number }>;
  createdAt: string;
}

/** Defaults of the bundled CDNOW sample: the BG/NBD paper's calibration period and lifetimes' rounding. */
export const CDNOW_DEFAULTS = { asOf: "1997-09-30", unit: "weeks" as const, decimals: 2 };

/** A dataset's purchase lines (returns and cancellations left out) from the store, all dates. */
export async function storeTransactions(store: Store, dataset: string): Promise<Transactions> {
  const tx = await saleTransactions(store, { dataset, asOf: "9999-12-31" });
  if (tx.day.length === 0) throw new PatronError("E_CLV_DATA", `dataset "${dataset}" has no purchases with a customer id in the store; ingest it first (patron ingest --preset ${dataset}).`);
  return tx;
}

function frequencyGroup(frequency: number): string {
  return frequency === 0 ? "0 repeat purchases" : frequency === 1 ? "1 repeat purchase" : frequency <= 3 ? "2–3 repeat purchases" : "4+ repeat purchases";
}

/** Fits and forecasts; `segmentOf` (customer → segment) comes from a segmentation when there is one. */
export function computeClv(tx: Transactions, options: ClvJobOptions, segmentOf?: { basis: string; map: ReadonlyMap<string, string> }): { result: ClvJobResult; customers: CustomerClv[] } {
  let lastDay = -Infinity;
  for (const d of tx.day) lastDay = Math.max(lastDay, d);
  const asOfDay = options.asOf === undefined ? lastDay : toDayNumber(options.asOf, "--as-of");
  const unit = options.unit ?? "weeks";
  const horizonMonths = options.horizonMonths ?? 12;
  const result = clvFromTransactions({ transactions: tx, asOf: dayToISO(asOfDay), unit, horizonMonths, decimals: options.decimals, discountRate: options.discountRate });
  const holdout = asOfDay < lastDay ? holdoutCheck({ transactions: tx, calibrationEnd: dayToISO(asOfDay), observationEnd: dayToISO(lastDay), unit, decimals: options.decimals }) : null;
  const byFrequency = new Map(result.customers.map((c) => [c.customer, frequencyGroup(c.frequency)]));
  const segments = clvBySegment(result.customers, segmentOf?.map ?? byFrequency);
  const n = result.customers.length;
  const { bgnbd: _model, ...holdoutPlain } = holdout ?? { bgnbd: null };
  const out: ClvJobResult = {
    runId: randomUUID(),
    dataset: options.dataset,
    asOf: result.asOf,
    lastDay: dayToISO(lastDay),
    unit,
    horizonMonths,
    customers: n,
    repeatCustomers: result.customers.filter((c) => c.frequency > 0).length,
    parameters: clvParameters(result),
    logLikelihood: { bgnbd: result.bgnbd.logLikelihood, gammaGamma: result.gammaGamma.logLikelihood },
    excludedFromSpendModel: result.excludedFromSpendModel,
    frequencySpendCorrelation: result.frequencySpendCorrelation,
    totals: {
      expectedPurchases: result.customers.reduce((s, c) => s + c.expectedPurchases, 0),
      expectedRevenue: result.customers.reduce((s, c) => s + c.expectedRevenue, 0),
      meanProbabilityAlive: result.customers.reduce((s, c) => s + c.probabilityAlive, 0) / n,
    },
    segmentBasis: segmentOf?.basis ?? "calibration repeat purchases",
    segments,
    holdout: holdout ? (holdoutPlain as Omit<HoldoutCheck, "bgnbd">) : null,
    top: [...result.customers].sort((a, b) => b.expectedRevenue - a.expectedRevenue).slice(0, 20).map((c) => ({
      customer: c.customer, frequency: c.frequency, recency: c.recency, T: c.T, monetaryValue: c.monetaryValue,
      probabilityAlive: c.probabilityAlive, expectedPurchases: c.expectedPurchases, expectedRevenue: c.expectedRevenue,
    })),
    createdAt: new Date().toISOString(),
  };
  // Per-customer forecasts travel beside the result (they go to clv_scores, not into its JSON).
  return { result: out, customers: result.customers };
}

const CLV_RUNS: ResultColumn[] = [
  { name: "run_id", type: "text" }, { name: "dataset", type: "text" }, { name: "as_of", type: "text" },
  { name: "created_at", type: "timestamp" }, { name: "unit", type: "text" }, { name: "horizon", type: "double" },
  { name: "customers", type: "integer" }, { name: "parameters", type: "text" }, { name: "result", type: "text" },
];

/** The latest segmentation of the dataset as customer → segment name, if one is stored. */
async function latestSegments(store: Store, dataset: string): Promise<{ basis: string; map: Map<string, string> } | undefined> {
  if (!(await store.tableExists("segment_runs"))) return undefined;
  const [run] = await store.query<{ run_id: string; as_of: string }>("SELECT run_id, as_of FROM segment_runs WHERE dataset = $1 ORDER BY as_of DESC, created_at DESC LIMIT 1", [dataset]);
  if (!run) return undefined;
  const assignments = await runAssignments(store, run.run_id);
  return { basis: `segments of run ${run.run_id} (as of ${run.as_of})`, map: new Map([...assignments].map(([id, a]) => [id, a.segment])) };
}

/** Fits, stores (clv_runs, clv_scores) and returns the result. */
export async function runClv(store: Store, tx: Transactions, options: ClvJobOptions): Promise<ClvJobResult> {
  const segments = await latestSegments(store, options.dataset);
  const { result, customers: customersDetail } = computeClv(tx, options, segments);
  await createResultTable(store, "clv_runs", CLV_RUNS, ["run_id"]);
  await ensureClvTable(store);
  await store.transaction(async (t) => {
    await insertColumns(t, "clv_runs", CLV_RUNS, [[result.runId], [result.dataset], [result.asOf], [Date.parse(result.createdAt)], [result.unit], [result.horizonMonths], [result.customers], [resultJson(result.parameters)], [resultJson(result)]]);
    await saveClvScores(t, {
      runId: result.runId, dataset: result.dataset, asOf: result.asOf, horizonMonths: result.horizonMonths,
      customers: customersDetail.map((c) => c.customer), pAlive: customersDetail.map((c) => c.probabilityAlive),
      expectedPurchases: customersDetail.map((c) => c.expectedPurchases), expectedRevenue: customersDetail.map((c) => c.expectedRevenue),
    });
  });
  return result;
}

/** The latest stored CLV run of a dataset (any dataset when none is given), for the report. */
export async function latestClvRun(store: Store, dataset?: string): Promise<ClvJobResult | null> {
  if (!(await store.tableExists("clv_runs"))) return null;
  const [row] = await store.query<{ result: string }>(
    `SELECT result FROM clv_runs ${dataset ? "WHERE dataset = $1" : ""} ORDER BY created_at DESC LIMIT 1`, dataset ? [dataset] : [],
  );
  return row ? (JSON.parse(row.result) as ClvJobResult) : null;
}
