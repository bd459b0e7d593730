/**
 * Any customer-level table (CSV or Parquet, read by DuckDB through src/profile/file-source.ts)
 * turned into what the engine needs, with no knowledge of the data beforehand:
 *
 * - the label must have exactly two values; the positive one is --positive, else the
 *   conventional one (1, true, yes, да) when present, else the rarer value; rows without a
 *   label are dropped with a warning;
 * - the id is --id, else the only unique id-named column, else the row number;
 * - each other column is typed: numbers stay numeric, booleans (typed, or text such as
 *   yes/no) become 0/1, dates become "days before the column's latest date", text is
 *   categorical; missing values stay missing (the pipelines impute them);
 * - constant columns, id-like columns (an id name, or text unique on every row) and free text
 *   (more than 50 values, mostly unique) are dropped with a warning, since none can generalise.
 */
import { PatronError, preview } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import { warn } from "../../core/warn.ts";
import { isIdLikeName, type Relation } from "../../profile/relation.ts";
import type { Store } from "../../store/store.ts";

export type ColumnTreatment = "numeric" | "categorical" | "boolean" | "date (days before latest)" | "dropped";

export interface ColumnReport {
  name: string;
  /** The engine's type (DuckDB / PostgreSQL). */
  type: string;
  treatment: ColumnTreatment;
  /** Why a column was dropped or converted. */
  note?: string;
  missing: number;
}

export interface PreparedTable {
  features: Frame;
  y: Float64Array;
  customerId: string[];
  idColumn: string | null;
  label: { column: string; positive: string; negative: string; nPositive: number; nNegative: number; droppedMissing: number };
  columns: ColumnReport[];
  value?: { name: string; values: Float64Array };
  category?: { name: string; values: (string | null)[] };
}

export interface TableOptions {
  label: string;
  id?: string;
  positive?: string;
  drop?: readonly string[];
  /** A numeric column that orders the target list (not a feature). */
  value?: string;
  /** A categorical column whose top values narrow the target list (kept as a feature). */
  category?: string;
  /** Where the table came from, for messages. */
  source: string;
}

const POSITIVE_WORDS = ["1", "1.0", "true", "t", "yes", "y", "да", "positive"];
const BOOLEAN_PAIRS: [string, string][] = [["true", "false"], ["t", "f"], ["yes", "no"], ["y", "n"], ["да", "нет"], ["1", "0"]];
/** The smallest class that survives a 25 % holdout with ≥ 5 rows left for 5-fold CV. */
export const MIN_CLASS_ROWS = 8;

function textOf(column: FrameColumn, i: number): string | null {
  if (column.kind === "categorical") return column.values[i];
  const v = column.values[i];
  return Number.isNaN(v) ? null : String(v);
}

function findColumn(relation: Relation, name: string, what: string, source: string) {
  const found = relation.columns.find((c) => c.name === name);
  if (!found) {
    throw new PatronError(
      "E_COLUMN",
      `${what} column "${name}" is not in ${source}; its columns are ${relation.columns.map((c) => c.name).join(", ")}. Check the spelling (names are case-sensitive).`,
    );
  }
  return found;
}

const BOOLEAN_TYPE = /^bool/i;

/** Reads the relation (a table of the store) and prepares it. */
export async function prepareTable(store: Store, relation: Relation, options: TableOptions): Promise<PreparedTable> {
  const labelColumn = findColumn(relation, options.label, "the label", options.source);
  if (options.id) findColumn(relation, options.id, "the id", options.source);
  if (options.value) findColumn(relation, options.value, "the value", options.source);
  if (options.category) findColumn(relation, options.category, "the category", options.source);
  for (const name of options.drop ?? []) findColumn(relation, name, "a --drop", options.source);
  const f = await store.frame(`SELECT ${relation.columns.map((c) => c.ident).join(", ")} FROM ${relation.from}`);
  const byName = new Map(f.columns.map((c) => [c.name, c]));

  // The label: exactly two values.
  const labelValues = byName.get(labelColumn.name)!;
  const counts = new Map<string, number>();
  let droppedMissing = 0;
  for (let i = 0; i < f.nRows; i++) {
    const v = textOf(labelValues, i);
    if (v === null || v === "") droppedMissing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size !== 2) {
    const found = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    throw new PatronError(
      "E_NOT_BINARY",
      `label "${options.label}" must have exactly two values for a binary model; ${options.source} has ${counts.size}: ` +
        `${found.slice(0, 8).map(([v, n]) => `${JSON.stringify(v)} (${n})`).join(", ")}${found.length > 8 ? ", …" : ""}. ` +
        (counts.size > 2 ? "Map it to two values first (e.g. churned vs not), or pick another label." : "A one-valued label cannot be learned; check the column."),
    );
  }
  const values = [...counts.keys()];
  let positive: string;
  if (options.positive !== undefined) {
    if (!counts.has(options.positive)) {
      throw new PatronError("E_POSITIVE", `--positive ${JSON.stringify(options.positive)} is not a value of "${options.label}"; its values are ${preview(values)}.`);
    }
    positive = options.positive;
  } else {
    const conventional = values.find((v) => POSITIVE_WORDS.includes(v.toLowerCase()));
    positive = conventional ?? [...counts.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0][0];
    if (!conventional) warn("W_POSITIVE", `--positive not given: treating "${positive}" (the rarer value of "${options.label}") as the positive class; pass --positive to choose.`);
  }
  const negative = values.find((v) => v !== positive)!;
  if (droppedMissing > 0) warn("W_LABEL_MISSING", `${droppedMissing} rows of ${options.source} have no "${options.label}" and are left out.`);
  const keep: number[] = [];
  for (let i = 0; i < f.nRows; i++) {
    const v = textOf(labelValues, i);
    if (v !== null && v !== "") keep.push(i);
  }
  const nPositive = counts.get(positive)!;
  const nNegative = counts.get(negative)!;
  if (Math.min(nPositive, nNegative) < MIN_CLASS_ROWS) {
    throw new PatronError(
      "E_TOO_SMALL",
      `${options.source} is too small to split: "${options.label}" has ${nPositive} rows of ${JSON.stringify(positive)} and ${nNegative} of ${JSON.stringify(negative)}; ` +
        `holding out 25 % and cross-validating the rest in 5 folds needs at least ${MIN_CLASS_ROWS} rows of each. Add rows, or merge with more data.`,
    );
  }
  const y = Float64Array.from(keep, (i) => (textOf(labelValues, i) === positive ? 1 : 0));
  const nRows = keep.length;
  const take = (column: FrameColumn): FrameColumn =>
    column.kind === "numeric"
      ? { name: column.name, kind: "numeric", values: Float64Array.from(keep, (i) => column.values[i]) }
      : { name: column.name, kind: "categorical", values: keep.map((i) => column.values[i]) };

  // The id.
  let idColumn: string | null = options.id ?? null;
  if (!idColumn) {
    const candidates = relation.columns.filter((c) => c.name !== options.label && isIdLikeName(c.name) && isUnique(take(byName.get(c.name)!)));
    if (candidates.length === 1) {
      idColumn = candidates[0].name;
      warn("W_ID_COLUMN", `using column "${idColumn}" as the customer id (unique on every row); pass --id to choose another.`);
    }
  }
  let customerId: string[];
  if (idColumn) {
    const ids = take(byName.get(idColumn)!);
    customerId = Array.from({ length: nRows }, (_, r) => textOf(ids, r) ?? "");
    const seen = new Set<string>();
    for (const id of customerId) {
      if (id === "" || seen.has(id)) {
        throw new PatronError("E_ID_NOT_UNIQUE", `id column "${idColumn}" must identify each row; ${id === "" ? "a row has no id" : `"${id}" appears twice`}. Pick a unique column with --id, or leave --id out to number the rows.`);
      }
      seen.add(id);
    }
  } else customerId = Array.from({ length: nRows }, (_, r) => String(keep[r] + 1));

  // The features.
  const reports: ColumnReport[] = [];
  const features: FrameColumn[] = [];
  const skip = new Set([options.label, idColumn, options.value, ...(options.drop ?? [])].filter((n): n is string => !!n));
  for (const rc of relation.columns) {
    const column = take(byName.get(rc.name)!);
    const missing = countMissing(column);
    const report = (treatment: ColumnTreatment, note?: string) => reports.push({ name: rc.name, type: rc.type, treatment, note, missing });
    if (skip.has(rc.name)) {
      report("dropped", rc.name === options.label ? "the label" : rc.name === idColumn ? "the id" : rc.name === options.value ? "the value column (orders the target list)" : "--drop");
      continue;
    }
    const distinct = distinctCount(column);
    if (distinct <= 1) {
      warn("W_CONSTANT", `column "${rc.name}" has ${distinct === 0 ? "no values" : "one value"} in ${options.source}; dropped (it cannot separate the classes).`);
      report("dropped", "constant");
      continue;
    }
    if (rc.kind === "temporal") {
      const days = daysBeforeLatest(column as FrameColumn & { kind: "numeric" });
      warn("W_DATE_FEATURE", `date column "${rc.name}" becomes "${rc.name}_days_before_latest" (days before its latest date); models cannot use raw dates.`);
      features.push({ name: `${rc.name}_days_before_latest`, kind: "numeric", values: days });
      report("date (days before latest)");
      continue;
    }
    const nonMissing = nRows - missing;
    if (column.kind === "numeric") {
      if (BOOLEAN_TYPE.test(rc.type)) {
        features.push(column);
        report("boolean");
      } else if (isIdLikeName(rc.name) && distinct === nonMissing && nonMissing > 20) {
        warn("W_ID_LIKE", `column "${rc.name}" looks like an identifier (an id name, a different value on every row); dropped. Pass it as --id, or rename it to keep it as a feature.`);
        report("dropped", "id-like");
      } else {
        features.push(column);
        report("numeric");
      }
      continue;
    }
    const asBoolean = booleanText(column);
    if (asBoolean) {
      features.push({ name: rc.name, kind: "numeric", values: asBoolean });
      report("boolean", "yes/no text as 0/1");
    } else if (distinct === nonMissing && nonMissing > 20) {
      warn("W_ID_LIKE", `column "${rc.name}" has a different text on every row (an identifier or free text); dropped.`);
      report("dropped", "id-like");
    } else if (distinct > 50 && distinct > 0.5 * nonMissing) {
      warn("W_HIGH_CARDINALITY", `column "${rc.name}" has ${distinct} different values in ${nonMissing} rows (free text); dropped. Group it into fewer categories to use it.`);
      report("dropped", "free text");
    } else {
      features.push(column);
      report("categorical");
    }
  }
  if (features.length === 0) {
    throw new PatronError("E_NO_FEATURES", `no usable feature columns are left in ${options.source} (see the warnings for why each was dropped); a model needs at least one.`);
  }
  const value = options.value ? { name: options.value, values: numericValues(take(byName.get(options.value)!), options.value) } : undefined;
  const categoryColumn = options.category ? take(byName.get(options.category)!) : undefined;
  return {
    features: frame(features),
    y,
    customerId,
    idColumn,
    label: { column: options.label, positive, negative, nPositive, nNegative, droppedMissing },
    columns: reports,
    value,
    category: categoryColumn ? { name: options.category!, values: Array.from({ length: nRows }, (_, r) => textOf(categoryColumn, r)) } : undefined,
  };
}

function countMissing(c: FrameColumn): number {
  let n = 0;
  if (c.kind === "numeric") for (const v of c.values) n += Number.isNaN(v) ? 1 : 0;
  else for (const v of c.values) n += v === null ? 1 : 0;
  return n;
}

function distinctCount(c: FrameColumn): number {
  const seen = new Set<unknown>();
  for (const v of c.values) if (v !== null && !(typeof v === "number" && Number.isNaN(v))) seen.add(v);
  return seen.size;
}

function isUnique(c: FrameColumn): boolean {
  return countMissing(c) === 0 && distinctCount(c) === c.values.length;
}

function booleanText(c: FrameColumn & { kind: "categorical" }): Float64Array | undefined {
  const present = new Set(c.values.filter((v): v is string => v !== null).map((v) => v.trim().toLowerCase()));
  const pair = BOOLEAN_PAIRS.find(([yes, no]) => [...present].every((v) => v === yes || v === no));
  if (!pair) return undefined;
  return Float64Array.from(c.values, (v) => (v === null ? NaN : v.trim().toLowerCase() === pair[0] ? 1 : 0));
}

/** Dates (epoch ms from the store) → whole days before the column's latest date. */
function daysBeforeLatest(c: FrameColumn & { kind: "numeric" }): Float64Array {
  let latest = -Infinity;
  for (const v of c.values) if (!Number.isNaN(v)) latest = Math.max(latest, v);
  return Float64Array.from(c.values, (v) => (Number.isNaN(v) ? NaN : (latest - v) / 86_400_000));
}

function numericValues(c: FrameColumn, name: string): Float64Array {
  if (c.kind !== "numeric") throw new PatronError("E_TYPE", `the value column "${name}" must be numeric (profit, revenue); it holds text.`);
  return c.values;
}
