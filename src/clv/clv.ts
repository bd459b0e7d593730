/**
 * Customer lifetime value from a transaction log: the RFM summary (summary.ts), BG/NBD for the
 * number of purchases, Gamma-Gamma for their value, and their product summed month by month
 * with optional discounting — lifetimes' `customer_lifetime_value` recipe (Fader, Hardie & Lee
 * 2005, "RFM and CLV", eq. 2 with the BG/NBD in place of the Pareto/NBD). Also the
 * calibration/holdout check the BG/NBD paper uses (its Figure 4: actual vs predicted holdout
 * purchases by calibration frequency) and totals per segment.
 */
import { PatronError } from "../core/errors.ts";
import { warn } from "../core/warn.ts";
import { bgNbd, type BgNbdModel, type RfmData } from "./bgnbd.ts";
import { gammaGamma, type GammaGammaModel } from "./gamma-gamma.ts";
import { calibrationAndHoldout, dayToISO, rfmSummary, transactions as toTransactions, unitDays, type RfmSummary, type TimeInput, type TimeUnit, type Transactions } from "./summary.ts";

/** Average month length: the horizon is in calendar months whatever the model's unit. */
export const DAYS_PER_MONTH = 365.25 / 12;

export type TransactionInput =
  | Transactions
  | readonly { customer: string | number; time: TimeInput; amount: number }[]
  | { customer: readonly (string | number)[]; time: readonly TimeInput[]; amount: ArrayLike<number> };

export function asTransactions(input: TransactionInput): Transactions {
  if (Array.isArray(input)) {
    const rows = input as readonly { customer: string | number; time: TimeInput; amount: number }[];
    return toTransactions({ customer: rows.map((r) => r.customer), time: rows.map((r) => r.time), amount: rows.map((r) => r.amount) });
  }
  const columns = input as Transactions | { customer: readonly (string | number)[]; time: readonly TimeInput[]; amount: ArrayLike<number> };
  if ("day" in columns && columns.day instanceof Int32Array) return columns as Transactions;
  return toTransactions(columns as { customer: readonly (string | number)[]; time: readonly TimeInput[]; amount: ArrayLike<number> });
}

export interface ClvOptions {
  transactions: TransactionInput;
  /** Fit on transactions up to this day (inclusive); default the last transaction day. */
  asOf?: TimeInput;
  unit?: TimeUnit;
  /** Forecast horizon in months. Default 12. */
  horizonMonths?: number;
  /** Monthly discount rate for the revenue forecast (lifetimes' default is 0.01). Default 0. */
  discountRate?: number;
  penalizer?: number;
  /** Round recency and T (the CDNOW reference summary uses 2). */
  decimals?: number;
}

export interface CustomerClv {
  customer: string;
  frequency: number;
  recency: number;
  T: number;
  monetaryValue: number;
  probabilityAlive: number;
  expectedPurchases: number;
  expectedAverageValue: number;
  expectedRevenue: number;
}

export interface ClvResult {
  asOf: string;
  unit: TimeUnit;
  horizonMonths: number;
  summary: RfmSummary;
  bgnbd: BgNbdModel;
  gammaGamma: GammaGammaModel;
  /** Customers left out of the Gamma-Gamma fit (repeat purchases summing to ≤ 0, e.g. returns). */
  excludedFromSpendModel: number;
  /**
   * Pearson correlation of frequency and mean spend among repeat buyers: Gamma-Gamma assumes
   * they are independent; |ρ| above ~0.3 means its value forecast is suspect.
   */
  frequencySpendCorrelation: number;
  customers: CustomerClv[];
}

/** Fits BG/NBD and Gamma-Gamma on a transaction log and forecasts every customer. */
export function clvFromTransactions(options: ClvOptions): ClvResult {
  const tx = asTransactions(options.transactions);
  const unit = options.unit ?? "weeks";
  const horizonMonths = options.horizonMonths ?? 12;
  if (!(horizonMonths > 0)) throw new PatronError("E_OPTION", `horizonMonths must be positive; found ${horizonMonths}`);
  const summary = rfmSummary(tx, { observationEnd: options.asOf, unit, decimals: options.decimals });
  const penalizer = options.penalizer ?? 0;
  const bgnbdModel = bgNbd({ penalizer }).fit(summary);
  // Gamma-Gamma needs positive spend; returns can make a customer's repeat sum ≤ 0.
  const spendFrequency = summary.frequency.map((x, c) => (x > 0 && summary.monetaryValue[c] > 0 ? x : 0));
  const excluded = summary.frequency.reduce((count, x, c) => count + (x > 0 && !(summary.monetaryValue[c] > 0) ? 1 : 0), 0);
  if (excluded > 0) warn("W_CLV_NONPOSITIVE_SPEND", `${excluded} repeat customers have repeat purchases summing to ≤ 0 (returns); they are left out of the Gamma-Gamma fit and valued at the population mean`);
  const spendData = { frequency: spendFrequency, monetaryValue: summary.monetaryValue };
  const ggModel = gammaGamma({ penalizer }).fit(spendData);
  const forecast = forecastRevenue(bgnbdModel, ggModel, summary, spendData, { horizonMonths, discountRate: options.discountRate ?? 0 });
  const pAlive = bgnbdModel.probabilityAlive(summary);
  const customers: CustomerClv[] = summary.customers.map((customer, c) => ({
    customer,
    frequency: summary.frequency[c],
    recency: summary.recency[c],
    T: summary.T[c],
    monetaryValue: summary.monetaryValue[c],
    probabilityAlive: pAlive[c],
    expectedPurchases: forecast.purchases[c],
    expectedAverageValue: forecast.averageValue[c],
    expectedRevenue: forecast.revenue[c],
  }));
  return {
    asOf: dayToISO(summary.endDay),
    unit,
    horizonMonths,
    summary,
    bgnbd: bgnbdModel,
    gammaGamma: ggModel,
    excludedFromSpendModel: excluded,
    frequencySpendCorrelation: correlation(spendFrequency, summary.monetaryValue, (c) => spendFrequency[c] > 0),
    customers,
  };
}

/**
 * Expected purchases, mean value and (discounted) revenue per customer over the next
 * horizonMonths: Σ_m (E[N(m)] − E[N(m − 1)]) · E[value] / (1 + d)^m, as lifetimes computes CLV.
 */
export function forecastRevenue(
  bgnbdModel: BgNbdModel,
  ggModel: GammaGammaModel,
  rfm: RfmData,
  spend: { frequency: Float64Array; monetaryValue: Float64Array },
  options: { horizonMonths: number; discountRate?: number; unit?: TimeUnit },
): { purchases: Float64Array; averageValue: Float64Array; revenue: Float64Array } {
  const unit = options.unit ?? (rfm as Partial<RfmSummary>).unit ?? "weeks";
  const unitsPerMonth = DAYS_PER_MONTH / unitDays(unit);
  const averageValue = ggModel.conditionalExpectedAverageValue(spend);
  const n = rfm.frequency.length;
  const revenue = new Float64Array(n);
  let previous: Float64Array = new Float64Array(n);
  if (!options.discountRate) {
    // Undiscounted, the monthly increments telescope: one conditional expectation at the
    // horizon gives the same sum (each one sums a 2F1 series per customer, slow when a → 0).
    const purchases = bgnbdModel.conditionalExpectedPurchases(options.horizonMonths * unitsPerMonth, rfm);
    for (let i = 0; i < n; i++) revenue[i] = purchases[i] * averageValue[i];
    return { purchases, averageValue, revenue };
  }
  const wholeMonths = Math.ceil(options.horizonMonths);
  for (let m = 1; m <= wholeMonths; m++) {
    const months = Math.min(m, options.horizonMonths);
    const cumulative = bgnbdModel.conditionalExpectedPurchases(months * unitsPerMonth, rfm);
    const discount = (1 + (options.discountRate ?? 0)) ** months;
    for (let i = 0; i < n; i++) revenue[i] += ((cumulative[i] - previous[i]) * averageValue[i]) / discount;
    previous = cumulative;
  }
  return { purchases: previous, averageValue, revenue };
}

export interface SegmentClv {
  segment: string;
  customers: number;
  expectedPurchases: number;
  expectedRevenue: number;
  meanProbabilityAlive: number;
  /** This segment's share of all expected revenue. */
  revenueShare: number;
}

/** Totals per segment; customers missing from segmentOf go to "unassigned". */
export function clvBySegment(customers: readonly CustomerClv[], segmentOf: ReadonlyMap<string, string> | ((customer: string) => string | undefined)): SegmentClv[] {
  const lookup = typeof segmentOf === "function" ? segmentOf : (c: string) => segmentOf.get(c);
  const groups = new Map<string, { n: number; purchases: number; revenue: number; alive: number }>();
  let total = 0;
  for (const c of customers) {
    const segment = lookup(c.customer) ?? "unassigned";
    const g = groups.get(segment) ?? { n: 0, purchases: 0, revenue: 0, alive: 0 };
    g.n++;
    g.purchases += c.expectedPurchases;
    g.revenue += c.expectedRevenue;
    g.alive += c.probabilityAlive;
    groups.set(segment, g);
    total += c.expectedRevenue;
  }
  return [...groups.entries()]
    .map(([segment, g]) => ({ segment, customers: g.n, expectedPurchases: g.purchases, expectedRevenue: g.revenue, meanProbabilityAlive: g.alive / g.n, revenueShare: total === 0 ? 0 : g.revenue / total }))
    .sort((u, v) => v.expectedRevenue - u.expectedRevenue);
}

export interface HoldoutCheck {
  calibrationEnd: string;
  observationEnd: string;
  durationHoldout: number;
  customers: number;
  actualPurchases: number;
  predictedPurchases: number;
  /** Mean absolute error of holdout purchases per customer. */
  meanAbsoluteError: number;
  /** Pearson correlation of actual and predicted holdout purchases per customer. */
  correlation: number;
  /** The BG/NBD paper's Figure 4: mean actual vs predicted by calibration frequency (last bucket is "≥ maxBucket"). */
  byFrequency: { frequency: number; customers: number; actual: number; predicted: number }[];
  bgnbd: BgNbdModel;
}

/** Fits on the calibration period and compares predicted with actual holdout purchases. */
export function holdoutCheck(options: { transactions: TransactionInput; calibrationEnd: TimeInput; observationEnd?: TimeInput; unit?: TimeUnit; penalizer?: number; decimals?: number; maxBucket?: number }): HoldoutCheck {
  const tx = asTransactions(options.transactions);
  const split = calibrationAndHoldout(tx, { calibrationEnd: options.calibrationEnd, observationEnd: options.observationEnd, unit: options.unit, decimals: options.decimals });
  const model = bgNbd({ penalizer: options.penalizer ?? 0 }).fit(split.calibration);
  const predicted = model.conditionalExpectedPurchases(split.durationHoldout, split.calibration);
  const actual = split.frequencyHoldout;
  const maxBucket = options.maxBucket ?? 7;
  const buckets = Array.from({ length: maxBucket + 1 }, (_, f) => ({ frequency: f, customers: 0, actual: 0, predicted: 0 }));
  let mae = 0;
  let sumActual = 0;
  let sumPredicted = 0;
  for (let c = 0; c < actual.length; c++) {
    const bucket = buckets[Math.min(split.calibration.frequency[c], maxBucket)];
    bucket.customers++;
    bucket.actual += actual[c];
    bucket.predicted += predicted[c];
    mae += Math.abs(actual[c] - predicted[c]);
    sumActual += actual[c];
    sumPredicted += predicted[c];
  }
  for (const b of buckets) {
    if (b.customers > 0) {
      b.actual /= b.customers;
      b.predicted /= b.customers;
    }
  }
  return {
    calibrationEnd: dayToISO(split.calibration.endDay),
    observationEnd: dayToISO(split.calibration.endDay + Math.round(split.durationHoldout * unitDays(split.calibration.unit))),
    durationHoldout: split.durationHoldout,
    customers: actual.length,
    actualPurchases: sumActual,
    predictedPurchases: sumPredicted,
    meanAbsoluteError: mae / actual.length,
    correlation: correlation(actual, predicted, () => true),
    byFrequency: buckets.filter((b) => b.customers > 0),
    bgnbd: model,
  };
}

function correlation(u: ArrayLike<number>, v: ArrayLike<number>, keep: (i: number) => boolean): number {
  let n = 0;
  let su = 0;
  let sv = 0;
  for (let i = 0; i < u.length; i++) {
    if (!keep(i)) continue;
    n++;
    su += u[i];
    sv += v[i];
  }
  const mu = su / n;
  const mv = sv / n;
  let cuv = 0;
  let cuu = 0;
  let cvv = 0;
  for (let i = 0; i < u.length; i++) {
    if (!keep(i)) continue;
    cuv += (u[i] - mu) * (v[i] - mv);
    cuu += (u[i] - mu) ** 2;
    cvv += (v[i] - mv) ** 2;
  }
  return cuu === 0 || cvv === 0 ? 0 : cuv / Math.sqrt(cuu * cvv);
}

/** The parameters as `patron clv --json` prints them: {"bgnbd":{r,alpha,a,b},"gamma_gamma":{p,q,v}}. */
export function clvParameters(result: Pick<ClvResult, "bgnbd" | "gammaGamma">): { bgnbd: { r: number; alpha: number; a: number; b: number }; gamma_gamma: { p: number; q: number; v: number } } {
  const { r, alpha, a, b } = result.bgnbd.params;
  const { p, q, v } = result.gammaGamma.params;
  return { bgnbd: { r, alpha, a, b }, gamma_gamma: { p, q, v } };
}
