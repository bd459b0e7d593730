/**
 * The RFM summary that buy-till-you-die models fit on, built exactly as lifetimes'
 * `summary_data_from_transaction_data` and `calibration_and_holdout_data` build it
 * (lifetimes/utils.py, freq='D' with freq_multiplier 7 for weeks):
 * - transactions after the observation end are dropped; the rest are truncated to the day and
 *   summed per customer-day (one "purchase" per customer per day);
 * - frequency = number of purchase days − 1 (repeat purchases);
 * - recency = last − first purchase day, T = observation end − first purchase day, in days
 *   divided by the unit (7 for weeks), optionally rounded (the published CDNOW summary rounds to
 *   2 decimals);
 * - monetary value = mean of the repeat purchase days' sums (the first day excluded), 0 when
 *   there is none.
 * Days are UTC calendar days; times are accepted as Date, epoch milliseconds, or date strings
 * (YYYY-MM-DD, YYYYMMDD, or ISO date-times, whose time of day is dropped).
 */
import { PatronError, preview } from "../core/errors.ts";

export type TimeUnit = "weeks" | "days";
export type TimeInput = Date | string | number;

export interface Transactions {
  customer: readonly string[];
  /** Day number: whole days since 1970-01-01 (UTC). Use `toDayNumber` to convert. */
  day: Int32Array;
  amount: Float64Array;
}

export interface RfmSummary {
  customers: string[];
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
  monetaryValue: Float64Array;
  /** First purchase day per customer (day number), kept for holdout and segment joins. */
  firstDay: Int32Array;
  /** Observation end as a day number; recency and T are measured up to it. */
  endDay: number;
  unit: TimeUnit;
}

const MS_PER_DAY = 86_400_000;

export function unitDays(unit: TimeUnit): number {
  return unit === "weeks" ? 7 : 1;
}

/** Whole UTC days since 1970-01-01. */
export function toDayNumber(time: TimeInput, where = "time"): number {
  let ms: number;
  if (time instanceof Date) ms = time.getTime();
  else if (typeof time === "number") ms = time;
  else {
    const text = time.trim();
    const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    ms = compact ? Date.UTC(+compact[1], +compact[2] - 1, +compact[3]) : /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  }
  if (!Number.isFinite(ms)) {
    throw new PatronError("E_DATE", `${where}: expected a date (YYYY-MM-DD, YYYYMMDD, ISO date-time or epoch ms); found ${JSON.stringify(time)}. Fix or drop that value.`);
  }
  return Math.floor(ms / MS_PER_DAY);
}

export function dayToISO(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Builds validated transactions from parallel arrays; `where` names the source for errors. */
export function transactions(input: { customer: readonly (string | number)[]; time: readonly TimeInput[]; amount: ArrayLike<number> }, where = "transactions"): Transactions {
  const n = input.customer.length;
  if (input.time.length !== n || input.amount.length !== n) {
    throw new PatronError("E_SHAPE", `${where}: customer, time and amount must have the same length; found ${n}, ${input.time.length}, ${input.amount.length}`);
  }
  const day = new Int32Array(n);
  const amount = new Float64Array(n);
  const customer: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    day[i] = toDayNumber(input.time[i], `${where} row ${i + 1}, column time`);
    amount[i] = input.amount[i];
    if (!Number.isFinite(amount[i])) {
      throw new PatronError("E_AMOUNT", `${where} row ${i + 1}, column amount: expected a number; found ${preview([input.amount[i]])}. Drop the row or fill the amount.`);
    }
    customer[i] = String(input.customer[i]);
  }
  return { customer, day, amount };
}

interface CustomerDays {
  ids: string[];
  /** Per customer: purchase days ascending and the amount summed on each. */
  days: number[][];
  sums: number[][];
}

function groupByCustomerDay(tx: Transactions, fromDay: number, toDay: number): CustomerDays {
  const byCustomer = new Map<string, Map<number, number>>();
  for (let i = 0; i < tx.day.length; i++) {
    const d = tx.day[i];
    if (d < fromDay || d > toDay) continue;
    let days = byCustomer.get(tx.customer[i]);
    if (!days) byCustomer.set(tx.customer[i], (days = new Map()));
    days.set(d, (days.get(d) ?? 0) + tx.amount[i]);
  }
  const ids = [...byCustomer.keys()].sort();
  const days: number[][] = [];
  const sums: number[][] = [];
  for (const id of ids) {
    const entries = [...byCustomer.get(id)!.entries()].sort((p, q) => p[0] - q[0]);
    days.push(entries.map((e) => e[0]));
    sums.push(entries.map((e) => e[1]));
  }
  return { ids, days, sums };
}

export interface SummaryOptions {
  /** Last day included (inclusive); default the last transaction day. */
  observationEnd?: TimeInput;
  unit?: TimeUnit;
  /** Round recency and T to this many decimals (the published CDNOW summary uses 2). */
  decimals?: number;
}

/** lifetimes' summary_data_from_transaction_data with freq='D' (÷7 for weeks). */
export function rfmSummary(tx: Transactions, options: SummaryOptions = {}): RfmSummary {
  if (tx.day.length === 0) throw new PatronError("E_EMPTY", "no transactions to summarise; pass at least one transaction per customer");
  const unit = options.unit ?? "weeks";
  let endDay = options.observationEnd === undefined ? -Infinity : toDayNumber(options.observationEnd, "observation end");
  if (options.observationEnd === undefined) for (const d of tx.day) endDay = Math.max(endDay, d);
  const grouped = groupByCustomerDay(tx, -Infinity, endDay);
  if (grouped.ids.length === 0) {
    throw new PatronError("E_EMPTY", `no transactions on or before ${dayToISO(endDay)}; choose a later end date`);
  }
  const n = grouped.ids.length;
  const scale = unitDays(unit);
  const round = options.decimals === undefined ? (v: number) => v : (v: number) => roundHalfEven(v, options.decimals!);
  const out: RfmSummary = {
    customers: grouped.ids,
    frequency: new Float64Array(n),
    recency: new Float64Array(n),
    T: new Float64Array(n),
    monetaryValue: new Float64Array(n),
    firstDay: new Int32Array(n),
    endDay,
    unit,
  };
  for (let c = 0; c < n; c++) {
    const days = grouped.days[c];
    const sums = grouped.sums[c];
    out.firstDay[c] = days[0];
    out.frequency[c] = days.length - 1;
    out.recency[c] = round((days[days.length - 1] - days[0]) / scale);
    out.T[c] = round((endDay - days[0]) / scale);
    let repeat = 0;
    for (let k = 1; k < sums.length; k++) repeat += sums[k];
    out.monetaryValue[c] = days.length > 1 ? repeat / (days.length - 1) : 0;
  }
  return out;
}

/** numpy's round (half to even at the decimal), used by pandas' DataFrame.round. */
function roundHalfEven(v: number, decimals: number): number {
  const f = 10 ** decimals;
  const y = v * f;
  const r = Math.round(y);
  const rounded = Math.abs(y % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return rounded / f;
}

export interface HoldoutSummary {
  calibration: RfmSummary;
  /** Per calibration customer: distinct purchase days in (calibration end, observation end]. */
  frequencyHoldout: Float64Array;
  /** Mean transaction amount in the holdout (lifetimes averages raw rows there), 0 if none. */
  monetaryValueHoldout: Float64Array;
  /** Holdout length in the unit. */
  durationHoldout: number;
}

/** lifetimes' calibration_and_holdout_data (freq='D'; ÷7 for weeks). */
export function calibrationAndHoldout(tx: Transactions, options: { calibrationEnd: TimeInput; observationEnd?: TimeInput; unit?: TimeUnit; decimals?: number }): HoldoutSummary {
  const calibrationEnd = toDayNumber(options.calibrationEnd, "calibration end");
  let observationEnd = -Infinity;
  if (options.observationEnd !== undefined) observationEnd = toDayNumber(options.observationEnd, "observation end");
  else for (const d of tx.day) observationEnd = Math.max(observationEnd, d);
  if (!(observationEnd > calibrationEnd)) {
    throw new PatronError("E_HOLDOUT", `the observation end (${dayToISO(observationEnd)}) must come after the calibration end (${dayToISO(calibrationEnd)}); choose an earlier calibration end`);
  }
  const unit = options.unit ?? "weeks";
  const calibration = rfmSummary(tx, { observationEnd: calibrationEnd * MS_PER_DAY, unit, decimals: options.decimals });
  const index = new Map(calibration.customers.map((id, c) => [id, c]));
  const n = calibration.customers.length;
  const holdoutDays = Array.from({ length: n }, () => new Set<number>());
  const amountSum = new Float64Array(n);
  const amountCount = new Float64Array(n);
  for (let i = 0; i < tx.day.length; i++) {
    const d = tx.day[i];
    if (d <= calibrationEnd || d > observationEnd) continue;
    const c = index.get(tx.customer[i]);
    if (c === undefined) continue;
    holdoutDays[c].add(d);
    amountSum[c] += tx.amount[i];
    amountCount[c]++;
  }
  return {
    calibration,
    frequencyHoldout: Float64Array.from(holdoutDays, (s) => s.size),
    monetaryValueHoldout: amountSum.map((s, c) => (amountCount[c] > 0 ? s / amountCount[c] : 0)),
    durationHoldout: (observationEnd - calibrationEnd) / unitDays(unit),
  };
}
