/**
 * The CLV forecast as a segmentation feature: BG/NBD and Gamma-Gamma (Fader, Hardie & Lee 2005;
 * src/clv/**) fitted on the purchases before the as-of date, composed here rather than through
 * clvFromTransactions for one reason: Online Retail's wholesale customers show almost no
 * dropout, so BG/NBD's plain MLE sits on the boundary a → 0 — on some cut-off dates it has no
 * finite maximum (a fit error), a month later it lands at a ≈ 3e-6, b ≈ 7e4, then at a ≈ 0.003,
 * b ≈ 7. A feature whose scale jumps between monthly runs would move customers between segments
 * for no reason in their behaviour, so the segmentation always fits BG/NBD with lifetimes'
 * usual remedy, a small L2 penalizer (0.001): a stable forecast rather than the exact MLE
 * (`patron clv` reports the unpenalized fit). Gamma-Gamma keeps no penalizer (its parameters
 * are large; a penalty pushes q below 1, where the mean spend is infinite).
 */
import { bgNbd } from "../../clv/bgnbd.ts";
import { forecastRevenue } from "../../clv/clv.ts";
import { gammaGamma } from "../../clv/gamma-gamma.ts";
import { rfmSummary, type Transactions } from "../../clv/summary.ts";

export const SEGMENTS_PENALIZER = 0.001;

export interface ClvFeatures {
  customers: string[];
  expectedRevenue: Float64Array;
  expectedPurchases: Float64Array;
  probabilityAlive: Float64Array;
  params: { r: number; alpha: number; a: number; b: number; p: number; q: number; v: number; penalizer: number };
}

/** `asOf` is the first day excluded (the segments convention); the summary ends the day before. */
export function clvFeatures(tx: Transactions, asOf: string, horizonMonths: number): ClvFeatures {
  const lastDay = new Date(Date.parse(`${asOf}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  const summary = rfmSummary(tx, { observationEnd: lastDay, unit: "weeks" });
  const penalizer = SEGMENTS_PENALIZER;
  const model = bgNbd({ penalizer }).fit(summary);
  const spend = { frequency: summary.frequency.map((x, c) => (x > 0 && summary.monetaryValue[c] > 0 ? x : 0)), monetaryValue: summary.monetaryValue };
  const spendModel = gammaGamma().fit(spend);
  const forecast = forecastRevenue(model, spendModel, summary, spend, { horizonMonths, unit: "weeks" });
  return {
    customers: summary.customers,
    expectedRevenue: forecast.revenue,
    expectedPurchases: forecast.purchases,
    probabilityAlive: model.probabilityAlive(summary),
    params: { ...model.params, ...spendModel.params, penalizer },
  };
}
