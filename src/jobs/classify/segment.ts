/**
 * From scores to action, as seed 001 did it and a marketer expects: the customers whose
 * predicted probability is above a threshold form the segment; the segment is profiled
 * against everyone; the target list is the segment (optionally only its top favourite
 * categories) ordered by the value each customer brings.
 *
 * The default threshold maximises F1 on the cross-fitted probabilities (Lipton, Elkan & Naryanaswamy
 * 2014): it balances missing customers who will decline against contacting those who will
 * not, which is the right default when the cost of an offer and its effect are unknown. The
 * user overrides it when they know them.
 */
import { PatronError } from "../../core/errors.ts";
import type { Frame } from "../../core/frame.ts";

export interface ThresholdChoice {
  threshold: number;
  rule: string;
  /** Precision, recall and F1 of "probability ≥ threshold" against the labels. */
  precision: number;
  recall: number;
  f1: number;
}

/** Precision / recall / F1 of flagging rows with probability ≥ threshold. */
export function flagQuality(y: ArrayLike<number>, proba: ArrayLike<number>, threshold: number): Omit<ThresholdChoice, "threshold" | "rule"> {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) positives++;
    if (proba[i] >= threshold) (y[i] === 1 ? tp++ : fp++);
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = positives > 0 ? tp / positives : 0;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** The threshold with the highest F1 among the distinct probabilities (a tie: the higher threshold, the smaller segment). */
export function f1Threshold(y: ArrayLike<number>, proba: ArrayLike<number>): ThresholdChoice {
  const order = Array.from({ length: proba.length }, (_, i) => i).sort((a, b) => proba[b] - proba[a]);
  let positives = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++;
  if (positives === 0) throw new PatronError("E_ONE_CLASS", "no positive rows: a threshold cannot be chosen by F1. Check the label.");
  let best = { threshold: 1, f1: -1 };
  let tp = 0;
  for (let r = 0; r < order.length; r++) {
    if (y[order[r]] === 1) tp++;
    const last = r === order.length - 1 || proba[order[r + 1]] !== proba[order[r]];
    if (!last) continue;
    const f1 = (2 * tp) / (r + 1 + positives);
    if (f1 > best.f1) best = { threshold: proba[order[r]], f1 };
  }
  return { threshold: best.threshold, rule: "maximum F1 on cross-fitted probabilities", ...flagQuality(y, proba, best.threshold) };
}

export interface ProfileRow {
  feature: string;
  kind: "numeric" | "categorical";
  /** Numeric: means. Categorical: the share of `category`. */
  segment: number;
  rest: number;
  everyone: number;
  /** Numeric: everyone's standard deviation (to compare features on one scale); categorical: NaN. */
  sd: number;
  /** Categorical: the category whose share is compared (the most frequent in the segment). */
  category?: string;
}

function numericMean(values: Float64Array, pick: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (pick(i) && !Number.isNaN(values[i])) {
      sum += values[i];
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

function share(values: readonly (string | null)[], category: string, pick: (i: number) => boolean): number {
  let hit = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (!pick(i)) continue;
    n++;
    if (values[i] === category) hit++;
  }
  return n > 0 ? hit / n : NaN;
}

/** Segment vs the rest vs everyone, for every column of `f` (extra columns such as value and probability included). */
export function segmentProfile(f: Frame, inSegment: Uint8Array): ProfileRow[] {
  const seg = (i: number) => inSegment[i] === 1;
  const rest = (i: number) => inSegment[i] === 0;
  const all = () => true;
  return f.columns.map((c): ProfileRow => {
    if (c.kind === "numeric") {
      const everyone = numericMean(c.values, all);
      let squares = 0;
      let n = 0;
      for (const v of c.values) {
        if (Number.isNaN(v)) continue;
        squares += (v - everyone) ** 2;
        n++;
      }
      const sd = n > 1 ? Math.sqrt(squares / (n - 1)) : NaN;
      return { feature: c.name, kind: "numeric", segment: numericMean(c.values, seg), rest: numericMean(c.values, rest), everyone, sd };
    }
    const counts = new Map<string, number>();
    c.values.forEach((v, i) => {
      if (seg(i) && v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    });
    const category = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? "";
    return { feature: c.name, kind: "categorical", category, sd: NaN, segment: share(c.values, category, seg), rest: share(c.values, category, rest), everyone: share(c.values, category, all) };
  });
}

/** The `n` most frequent values among the segment's rows, most frequent first (ties by name). */
export function topCategories(values: readonly (string | null)[], inSegment: Uint8Array, n: number): { category: string; customers: number }[] {
  const counts = new Map<string, number>();
  values.forEach((v, i) => {
    if (inSegment[i] === 1 && v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([category, customers]) => ({ category, customers }));
}

export interface TargetRow {
  rank: number;
  customerId: string;
  probability: number;
  /** The value column (profit, revenue), when there is one. */
  value: number | null;
  category: string | null;
  /** The customer's top reasons as text, when they were explained. */
  reasons: string[];
}

/**
 * The segment's rows (restricted to `categories` when given) ordered by value, highest first
 * (by probability when there is no value; ties by probability, then id).
 */
export function targetList(input: {
  customerId: readonly string[];
  probability: Float64Array;
  inSegment: Uint8Array;
  value?: Float64Array;
  category?: readonly (string | null)[];
  categories?: readonly string[];
  reasons?: ReadonlyMap<number, string[]>;
}): TargetRow[] {
  const keep: number[] = [];
  for (let i = 0; i < input.customerId.length; i++) {
    if (input.inSegment[i] !== 1) continue;
    if (input.categories && input.category && !input.categories.includes(input.category[i] ?? "")) continue;
    keep.push(i);
  }
  const value = (i: number) => (input.value && !Number.isNaN(input.value[i]) ? input.value[i] : -Infinity);
  keep.sort((a, b) => value(b) - value(a) || input.probability[b] - input.probability[a] || (input.customerId[a] < input.customerId[b] ? -1 : 1));
  return keep.map((i, r) => ({
    rank: r + 1,
    customerId: input.customerId[i],
    probability: input.probability[i],
    value: input.value && !Number.isNaN(input.value[i]) ? input.value[i] : null,
    category: input.category ? input.category[i] : null,
    reasons: input.reasons?.get(i) ?? [],
  }));
}

/** CSV text (RFC 4180 quoting) of rows with these columns. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) => {
    const text = v === null || v === undefined ? "" : typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

/** The target list as CSV: rank, customer id, probability, value, category, reasons. */
export function targetsCsv(rows: readonly TargetRow[], names: { value?: string; category?: string } = {}): string {
  return toCsv(
    ["rank", "customer_id", "probability", names.value ?? "value", names.category ?? "category", "reasons"],
    rows.map((r) => [r.rank, r.customerId, Number(r.probability.toFixed(6)), r.value, r.category, r.reasons.join("; ")]),
  );
}
