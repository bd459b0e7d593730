/**
 * What the profiler knows about a table before computing anything: its columns, the kind each
 * is profiled as (numeric, categorical, temporal), and the SQL expression that reads each one
 * cleanly (NaN as NULL, numbers as double, everything categorical as text). Both engines list
 * columns in information_schema, so this is one query on either.
 */
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import type { ColumnKind } from "./types.ts";

export interface RelationColumn {
  name: string;
  type: string;
  kind: ColumnKind;
  /** The column as a double (numeric, NaN → NULL), epoch seconds (temporal) or text. */
  expr: string;
  /** The raw quoted identifier. */
  ident: string;
  /** For quantiles: the identifier itself for integer columns (DuckDB sorts BIGINT ~10× faster
   * than the same values cast to DOUBLE), else `expr`. */
  sortExpr: string;
  idLike: boolean;
}

export interface Relation {
  /** The name used in reports and warnings. */
  name: string;
  /** SQL for a FROM clause: a quoted table name or a parenthesised subquery with an alias. */
  from: string;
  columns: RelationColumn[];
}

const NUMERIC_TYPE = /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|float|double|real|double precision|decimal.*|numeric.*|int2|int4|int8|float4|float8)$/i;
const INTEGER_TYPE = /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|int2|int4|int8)$/i;
const FLOAT_TYPE = /^(float|double|real|double precision|decimal.*|numeric.*|float4|float8)$/i;
const TEMPORAL_TYPE = /^(date|timestamp.*|datetime)$/i;
const TEXT_TYPE = /^(varchar|text|string|bpchar|character varying.*|character.*|char.*)$/i;

/**
 * Key-like names: `id`, `user_id`, `CustomerID`, `InvoiceNo`, `StockCode`, `session_key`.
 * Such columns are counted and checked for duplicates, never treated as measurements
 * (no outliers, no correlations): a customer number has no meaningful mean.
 */
export function isIdLikeName(name: string): boolean {
  return (
    /^(id|key|uuid|code)$/i.test(name) ||
    /[_\s.-](id|key|uuid|no|code|number)$/i.test(name) ||
    /[a-zа-я](ID|Id|No|Code|Key|Number)$/.test(name) ||
    /^(номер|код|ид)([_\s]|$)/i.test(name)
  );
}

export function kindOfType(type: string): ColumnKind {
  if (NUMERIC_TYPE.test(type)) return "numeric";
  if (TEMPORAL_TYPE.test(type)) return "temporal";
  return "categorical";
}

export function columnExpr(store: Store, ident: string, type: string): string {
  const d = store.dialect;
  const kind = kindOfType(type);
  if (kind === "numeric") {
    // NaN is missing, as in pandas; integers cannot be NaN, so skip the test for them.
    return FLOAT_TYPE.test(type) ? `(CASE WHEN ${d.isMissing(ident)} THEN NULL ELSE ${d.toDouble(ident)} END)` : d.toDouble(ident);
  }
  if (kind === "temporal") return d.epochSeconds(ident);
  return TEXT_TYPE.test(type) ? ident : `CAST(${ident} AS VARCHAR)`;
}

/** Describes a table or view of the store by name. */
export async function describeTable(store: Store, table: string, name = table): Promise<Relation> {
  const rows = await store.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
    [table],
  );
  if (rows.length === 0) {
    throw new PatronError(
      "E_NO_TABLE",
      `table "${table}" was not found in the store; expected an ingested table or a file path. ` +
        `Run \`patron ingest\` first, or pass a CSV/Parquet file to \`patron profile\`.`,
    );
  }
  return relationOf(store, name, store.dialect.ident(table), rows.map((r) => ({ name: r.column_name, type: r.data_type })));
}

export function relationOf(store: Store, name: string, from: string, columns: Array<{ name: string; type: string }>): Relation {
  return {
    name,
    from,
    columns: columns.map((c) => {
      const ident = store.dialect.ident(c.name);
      const kind = kindOfType(c.type);
      const expr = columnExpr(store, ident, c.type);
      return { name: c.name, type: c.type, kind, ident, expr, sortExpr: INTEGER_TYPE.test(c.type) ? ident : expr, idLike: isIdLikeName(c.name) };
    }),
  };
}

/** The same relation restricted by a WHERE condition (periods for drift). */
export function restrictRelation(relation: Relation, name: string, where: string, alias: string): Relation {
  return { ...relation, name, from: `(SELECT * FROM ${relation.from} AS base WHERE ${where}) AS ${alias}` };
}

export function findColumn(relation: Relation, name: string): RelationColumn {
  const found = relation.columns.find((c) => c.name === name);
  if (!found) {
    throw new PatronError(
      "E_COLUMN",
      `column "${name}" is not in ${relation.name}; its columns are ${relation.columns.map((c) => c.name).join(", ")}. Check the spelling.`,
    );
  }
  return found;
}

/** Numbers for messages: thousands separators, at most 4 significant decimals. */
export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 2 : abs >= 1 ? 3 : 4;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : "0 %";
}

/** Row values as text for examples. */
export function rowText(row: Record<string, unknown>, columns: readonly RelationColumn[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const c of columns) {
    const v = row[c.name];
    out[c.name] = v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
  }
  return out;
}

/** All columns as text, for SELECTs that fetch example rows to show. */
export function textSelectList(relation: Relation): string {
  return relation.columns.map((c) => `CAST(${c.ident} AS VARCHAR) AS ${c.ident}`).join(", ");
}
