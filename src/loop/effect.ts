/**
 * The measured effect of live decisions: for every experiment, policy version and period,
 * treated vs holdout customers — conversion, revenue and profit per customer, their differences
 * with 95 % intervals, the incremental profit after discount costs, and the sample size needed to
 * detect the conversion effect seen so far (power.ts).
 *
 * The unit is the customer, because the holdout is assigned per customer (holdout.ts): a
 * customer's sessions are not independent, so comparing decisions would understate the variance.
 * A customer's figures in a cell sum over their decisions in it; converted = at least one
 * purchase linked to them. Two scopes:
 *   all       every customer the policy decided for — the policy's total (intent-to-treat) effect;
 *   targeted  only the decisions where the policy chose an offer, and the customers who had
 *             one — holdout customers are asked too (decide.ts logs the policy's offer for
 *             them), so the groups stay comparable and the effect is that of the offers alone.
 *
 * Intervals (normal approximation, fine at the hundreds of customers an experiment needs):
 * difference of proportions with the unpooled Wald standard error √(p₁q₁/n₁ + p₀q₀/n₀);
 * differences of means with Welch's standard error √(s₁²/n₁ + s₀²/n₀) (sample variances,
 * ddof 1). Incremental profit = (profit per treated customer − per holdout customer) × treated
 * customers, and its interval scales the same way. Pure: columns in, cells out.
 */
import { PatronError } from "../core/errors.ts";
import { normalQuantile } from "../models/preprocess/normal-quantile.ts";
import { twoMeanSampleSize, twoProportionSampleSize, type SampleSize } from "./power.ts";

export const PERIODS = ["day", "week", "month", "all"] as const;
export type Period = (typeof PERIODS)[number];
export type Scope = "all" | "targeted";

/** One row per logged decision, with what its linked outcomes add up to. */
export interface DecisionOutcomes {
  customerId: readonly string[];
  experiment: readonly string[];
  policyVersion: readonly string[];
  decidedMs: Float64Array;
  holdout: Uint8Array;
  /** 1 when the policy chose an offer (for holdout customers too: what it would have offered). */
  targeted: Uint8Array;
  /** 1 when a purchase outcome is linked to the decision. */
  purchased: Uint8Array;
  /** Money paid, discount given away, and profit (margin on the list price − discount) of the linked purchases. */
  revenue: Float64Array;
  discountCost: Float64Array;
  profit: Float64Array;
}

export interface Estimate {
  estimate: number;
  low: number;
  high: number;
  se: number;
}

export interface GroupFigures {
  customers: number;
  decisions: number;
  converted: number;
  conversion: number;
  revenuePerCustomer: number;
  profitPerCustomer: number;
  revenueSd: number;
  profitSd: number;
  discountCost: number;
  revenue: number;
  profit: number;
}

export interface EffectCell {
  experiment: string;
  policyVersion: string;
  /** "2024-05-01" (day), "2024-04-29" (the Monday of an ISO week), "2024-05" (month) or "all". */
  period: string;
  scope: Scope;
  from: string;
  to: string;
  treated: GroupFigures;
  holdout: GroupFigures;
  conversionDiff: Estimate;
  revenueDiff: Estimate;
  profitDiff: Estimate;
  /** Profit the treatment added over what the treated customers would have made as holdouts. */
  incrementalProfit: Estimate;
  incrementalRevenue: Estimate;
  /** Customers needed (holdout, treated, total at the observed allocation) to detect the conversion effect seen. */
  sampleSize: SampleSize;
  /** Same for the profit per customer. */
  profitSampleSize: SampleSize;
  /** Both groups have reached the conversion sample size. */
  enough: boolean;
  /** The conversion interval excludes 0. */
  significant: boolean;
}

export interface EffectOptions {
  period?: Period;
  /** Interval level. Default 0.95. */
  level?: number;
  alpha?: number;
  power?: number;
}

const DAY_MS = 86_400_000;

/** The period a time falls in (UTC). */
export function periodKey(ms: number, period: Period): string {
  if (period === "all") return "all";
  const date = new Date(ms);
  if (period === "month") return date.toISOString().slice(0, 7);
  if (period === "day") return date.toISOString().slice(0, 10);
  // ISO week: starts on Monday.
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  const weekday = (new Date(dayStart).getUTCDay() + 6) % 7;
  return new Date(dayStart - weekday * DAY_MS).toISOString().slice(0, 10);
}

interface Unit {
  holdout: boolean;
  decisions: number;
  converted: boolean;
  revenue: number;
  discountCost: number;
  profit: number;
}

interface CellUnits {
  experiment: string;
  policyVersion: string;
  period: string;
  scope: Scope;
  fromMs: number;
  toMs: number;
  units: Map<string, Unit>;
}

function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN };
}

function figures(units: readonly Unit[]): GroupFigures {
  const revenue = meanSd(units.map((u) => u.revenue));
  const profit = meanSd(units.map((u) => u.profit));
  let converted = 0;
  let decisions = 0;
  let discountCost = 0;
  let revenueTotal = 0;
  let profitTotal = 0;
  for (const u of units) {
    if (u.converted) converted++;
    decisions += u.decisions;
    discountCost += u.discountCost;
    revenueTotal += u.revenue;
    profitTotal += u.profit;
  }
  return {
    customers: units.length, decisions, converted, conversion: units.length ? converted / units.length : NaN,
    revenuePerCustomer: revenue.mean, profitPerCustomer: profit.mean, revenueSd: revenue.sd, profitSd: profit.sd,
    discountCost, revenue: revenueTotal, profit: profitTotal,
  };
}

function interval(estimate: number, se: number, z: number): Estimate {
  return Number.isFinite(estimate) && Number.isFinite(se)
    ? { estimate, low: estimate - z * se, high: estimate + z * se, se }
    : { estimate, low: NaN, high: NaN, se: NaN };
}

/** Difference of two proportions with the unpooled Wald interval. */
export function proportionDifference(c1: number, n1: number, c0: number, n0: number, z = normalQuantile(0.975)): Estimate {
  if (n1 === 0 || n0 === 0) return interval(NaN, NaN, z);
  const p1 = c1 / n1;
  const p0 = c0 / n0;
  return interval(p1 - p0, Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0), z);
}

/** Difference of two means with Welch's standard error (normal quantile). */
export function meanDifference(mean1: number, sd1: number, n1: number, mean0: number, sd0: number, n0: number, z = normalQuantile(0.975)): Estimate {
  if (n1 < 2 || n0 < 2) return interval(mean1 - mean0, NaN, z);
  return interval(mean1 - mean0, Math.sqrt((sd1 * sd1) / n1 + (sd0 * sd0) / n0), z);
}

function scale(e: Estimate, factor: number): Estimate {
  return { estimate: e.estimate * factor, low: e.low * factor, high: e.high * factor, se: e.se * factor };
}

function checkColumns(d: DecisionOutcomes): number {
  const n = d.customerId.length;
  const columns: Array<[string, { length: number }]> = [
    ["experiment", d.experiment], ["policyVersion", d.policyVersion], ["decidedMs", d.decidedMs], ["holdout", d.holdout],
    ["targeted", d.targeted], ["purchased", d.purchased], ["revenue", d.revenue], ["discountCost", d.discountCost], ["profit", d.profit],
  ];
  for (const [name, values] of columns) {
    if (values.length !== n) throw new PatronError("E_SHAPE", `${name} has ${values.length} values but customerId has ${n}; pass one per decision.`);
  }
  return n;
}

/** Every cell: per experiment × policy version × period (and the whole range when period ≠ "all") × scope. */
export function measureEffects(d: DecisionOutcomes, options: EffectOptions = {}): EffectCell[] {
  const period = options.period ?? "week";
  if (!PERIODS.includes(period)) throw new PatronError("E_OPTION", `period must be one of ${PERIODS.join(", ")}; found ${JSON.stringify(period)}.`);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new PatronError("E_OPTION", `level must be in (0, 1); found ${level}.`);
  const z = normalQuantile(1 - (1 - level) / 2);
  const n = checkColumns(d);
  const cells = new Map<string, CellUnits>();
  const periods = period === "all" ? ["all" as const] : [period, "all" as const];
  for (let i = 0; i < n; i++) {
    for (const p of periods) {
      const key = periodKey(d.decidedMs[i], p);
      for (const scope of ["all", "targeted"] as const) {
        if (scope === "targeted" && !d.targeted[i]) continue;
        const cellKey = `${d.experiment[i]}\u0000${d.policyVersion[i]}\u0000${key}\u0000${scope}`;
        let cell = cells.get(cellKey);
        if (!cell) {
          cell = { experiment: d.experiment[i], policyVersion: d.policyVersion[i], period: key, scope, fromMs: Infinity, toMs: -Infinity, units: new Map() };
          cells.set(cellKey, cell);
        }
        cell.fromMs = Math.min(cell.fromMs, d.decidedMs[i]);
        cell.toMs = Math.max(cell.toMs, d.decidedMs[i]);
        // A customer whose group changed (the control share was changed) counts once per group.
        const unitKey = `${d.customerId[i]}\u0000${d.holdout[i]}`;
        let unit = cell.units.get(unitKey);
        if (!unit) {
          unit = { holdout: d.holdout[i] === 1, decisions: 0, converted: false, revenue: 0, discountCost: 0, profit: 0 };
          cell.units.set(unitKey, unit);
        }
        unit.decisions++;
        if (d.purchased[i]) unit.converted = true;
        unit.revenue += d.revenue[i];
        unit.discountCost += d.discountCost[i];
        unit.profit += d.profit[i];
      }
    }
  }
  const out: EffectCell[] = [];
  for (const cell of cells.values()) {
    const units = [...cell.units.values()];
    const treated = figures(units.filter((u) => !u.holdout));
    const holdout = figures(units.filter((u) => u.holdout));
    const conversionDiff = proportionDifference(treated.converted, treated.customers, holdout.converted, holdout.customers, z);
    const revenueDiff = meanDifference(treated.revenuePerCustomer, treated.revenueSd, treated.customers, holdout.revenuePerCustomer, holdout.revenueSd, holdout.customers, z);
    const profitDiff = meanDifference(treated.profitPerCustomer, treated.profitSd, treated.customers, holdout.profitPerCustomer, holdout.profitSd, holdout.customers, z);
    const ratio = treated.customers > 0 && holdout.customers > 0 ? treated.customers / holdout.customers : 1;
    const power = { alpha: options.alpha, power: options.power, ratio };
    const sampleSize = Number.isFinite(conversionDiff.estimate)
      ? twoProportionSampleSize(holdout.conversion, treated.conversion, power)
      : twoProportionSampleSize(0, 0, power);
    const profitSampleSize = Number.isFinite(profitDiff.se)
      ? twoMeanSampleSize(profitDiff.estimate, holdout.profitSd, treated.profitSd, power)
      : twoMeanSampleSize(0, 0, 0, power);
    out.push({
      experiment: cell.experiment,
      policyVersion: cell.policyVersion,
      period: cell.period,
      scope: cell.scope,
      from: new Date(cell.fromMs).toISOString(),
      to: new Date(cell.toMs).toISOString(),
      treated,
      holdout,
      conversionDiff,
      revenueDiff,
      profitDiff,
      incrementalProfit: scale(profitDiff, treated.customers),
      incrementalRevenue: scale(revenueDiff, treated.customers),
      sampleSize,
      profitSampleSize,
      enough: holdout.customers >= sampleSize.holdout && treated.customers >= sampleSize.treated,
      significant: conversionDiff.low > 0 || conversionDiff.high < 0,
    });
  }
  const order = (p: string) => (p === "all" ? "\uffff" : p);
  return out.sort((a, b) =>
    a.experiment.localeCompare(b.experiment) || a.policyVersion.localeCompare(b.policyVersion) ||
    order(a.period).localeCompare(order(b.period)) || a.scope.localeCompare(b.scope));
}
