/**
 * The small dialect layer: every SQL difference between the engines Patron runs on goes
 * through here, so feature SQL and compiled models are written once. DuckDB is the embedded
 * default, PostgreSQL the server store, ClickHouse the distributed target for shops that
 * outgrow one machine (SQL generation only; there is no ClickHouse client at run time).
 */
export type DialectName = "duckdb" | "postgres" | "clickhouse";

export interface Dialect {
  readonly name: DialectName;
  /** Quotes an identifier (table or column name). */
  ident(name: string): string;
  /** A string literal with quotes escaped. */
  literal(value: string): string;
  /** A numeric literal that round-trips a float64 exactly (CASE WHEN thresholds, coefficients). */
  number(value: number): string;
  /** Cast to double precision. */
  toDouble(expr: string): string;
  /** Whole days from `from` to `to` (timestamps or dates), as an integer. */
  daysBetween(from: string, to: string): string;
  /** Seconds since 1970-01-01 of a timestamp. */
  epochSeconds(expr: string): string;
  /** A timestamp literal. */
  timestamp(iso: string): string;
  /** Truncates a timestamp to its day, as a date. */
  day(expr: string): string;
  /** Most frequent value in a group (ties: the smallest). */
  mode(expr: string): string;
  /** Linear-interpolated quantile in a group (q in [0,1]). */
  quantile(expr: string, q: number): string;
  /** Several linear-interpolated quantiles in one sort, as an array (q in [0,1]). */
  quantiles(expr: string, qs: readonly number[]): string;
  /** 1 / (1 + exp(-x)), written so it cannot overflow. */
  sigmoid(expr: string): string;
  /** Exponential. */
  exp(expr: string): string;
  /** True when the value is NaN or NULL. */
  isMissing(expr: string): string;
  /** Greatest of the arguments, ignoring NULLs. */
  greatest(...exprs: string[]): string;
  /** Least of the arguments, ignoring NULLs. */
  least(...exprs: string[]): string;
  /**
   * A FROM item (aliased json_records) of the rows in a JSON array of objects passed as ONE text parameter
   * (`param`, e.g. "$1"), with the given typed columns (missing keys → NULL). Batches travel as
   * one parameter because DuckDB binds hundreds of parameters slowly (≈0.6 ms a row).
   */
  jsonRecords(param: string, columns: readonly JsonRecordColumn[]): string;
}

export interface JsonRecordColumn {
  name: string;
  type: "text" | "double" | "integer" | "boolean" | "timestamp";
}

const JSON_TYPES = {
  duckdb: { text: "VARCHAR", double: "DOUBLE", integer: "BIGINT", boolean: "BOOLEAN", timestamp: "TIMESTAMP" },
  postgres: { text: "text", double: "double precision", integer: "bigint", boolean: "boolean", timestamp: "timestamp" },
  clickhouse: { text: "String", double: "Float64", integer: "Int64", boolean: "Bool", timestamp: "DateTime64(6)" },
} as const;

function quoteIdent(name: string, quote: string): string {
  return quote + name.replaceAll(quote, quote + quote) + quote;
}

function exactNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as an SQL number`);
  // 17 significant digits round-trip every float64; exponent form keeps DECIMAL typing away.
  return value.toExponential(16).replace("e+", "e");
}

const sigmoidVia = (exp: (e: string) => string) => (x: string) =>
  `(CASE WHEN (${x}) >= 0 THEN 1.0 / (1.0 + ${exp(`-(${x})`)}) ELSE ${exp(`(${x})`)} / (1.0 + ${exp(`(${x})`)}) END)`;

export const duckdb: Dialect = {
  name: "duckdb",
  ident: (name) => quoteIdent(name, '"'),
  literal: (value) => `'${value.replaceAll("'", "''")}'`,
  number: exactNumber,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE)`,
  daysBetween: (from, to) => `date_diff('day', CAST(${from} AS DATE), CAST(${to} AS DATE))`,
  epochSeconds: (expr) => `epoch(${expr})`,
  timestamp: (iso) => `TIMESTAMP '${iso}'`,
  day: (expr) => `CAST(${expr} AS DATE)`,
  mode: (expr) => `mode(${expr} ORDER BY ${expr})`,
  quantile: (expr, q) => `quantile_cont(${expr}, ${q})`,
  quantiles: (expr, qs) => `quantile_cont(${expr}, [${qs.join(", ")}])`,
  sigmoid: sigmoidVia((e) => `exp(${e})`),
  exp: (e) => `exp(${e})`,
  isMissing: (expr) => `(${expr} IS NULL OR isnan(${expr}))`,
  greatest: (...exprs) => `greatest(${exprs.join(", ")})`,
  least: (...exprs) => `least(${exprs.join(", ")})`,
  jsonRecords: (param, columns) => {
    const shape = JSON.stringify([Object.fromEntries(columns.map((c) => [c.name, JSON_TYPES.duckdb[c.type]]))]).replaceAll("'", "''");
    return `(SELECT ${columns.map((c) => quoteIdent(c.name, '"')).join(", ")} FROM (SELECT unnest(from_json(CAST(${param} AS VARCHAR), '${shape}'), recursive := true))) AS json_records`;
  },
};

export const postgres: Dialect = {
  name: "postgres",
  ident: (name) => quoteIdent(name, '"'),
  literal: (value) => `'${value.replaceAll("'", "''")}'`,
  number: (value) => `${exactNumber(value)}::float8`,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE PRECISION)`,
  daysBetween: (from, to) => `(CAST(${to} AS DATE) - CAST(${from} AS DATE))`,
  epochSeconds: (expr) => `EXTRACT(EPOCH FROM ${expr})`,
  timestamp: (iso) => `TIMESTAMP '${iso}'`,
  day: (expr) => `CAST(${expr} AS DATE)`,
  mode: (expr) => `mode() WITHIN GROUP (ORDER BY ${expr})`,
  quantile: (expr, q) => `percentile_cont(${q}) WITHIN GROUP (ORDER BY ${expr})`,
  quantiles: (expr, qs) => `percentile_cont(ARRAY[${qs.join(", ")}]::float8[]) WITHIN GROUP (ORDER BY ${expr})`,
  sigmoid: sigmoidVia((e) => `exp(${e})`),
  exp: (e) => `exp(${e})`,
  isMissing: (expr) => `(${expr} IS NULL OR ${expr} = 'NaN'::float8)`,
  greatest: (...exprs) => `greatest(${exprs.join(", ")})`,
  least: (...exprs) => `least(${exprs.join(", ")})`,
  jsonRecords: (param, columns) =>
    `json_to_recordset(CAST(${param} AS json)) AS json_records(${columns.map((c) => `${quoteIdent(c.name, '"')} ${JSON_TYPES.postgres[c.type]}`).join(", ")})`,
};

export const clickhouse: Dialect = {
  name: "clickhouse",
  ident: (name) => quoteIdent(name, "`"),
  literal: (value) => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`,
  number: (value) => `toFloat64(${exactNumber(value)})`,
  toDouble: (expr) => `toFloat64(${expr})`,
  daysBetween: (from, to) => `dateDiff('day', toDate(${from}), toDate(${to}))`,
  epochSeconds: (expr) => `toUnixTimestamp(${expr})`,
  timestamp: (iso) => `toDateTime64('${iso.replace("T", " ")}', 6)`,
  day: (expr) => `toDate(${expr})`,
  mode: (expr) => `topK(1)(${expr})[1]`,
  quantile: (expr, q) => `quantileExact(${q})(${expr})`,
  // The Inclusive variant interpolates linearly (Excel's PERCENTILE.INC), as DuckDB and PostgreSQL do.
  quantiles: (expr, qs) => `quantilesExactInclusive(${qs.join(", ")})(${expr})`,
  sigmoid: sigmoidVia((e) => `exp(${e})`),
  exp: (e) => `exp(${e})`,
  isMissing: (expr) => `(isNull(${expr}) OR isNaN(${expr}))`,
  greatest: (...exprs) => `greatest(${exprs.join(", ")})`,
  least: (...exprs) => `least(${exprs.join(", ")})`,
  jsonRecords: (param, columns) => {
    const tuple = columns.map((c) => `${c.name} Nullable(${JSON_TYPES.clickhouse[c.type]})`).join(", ");
    const fields = columns.map((c, k) => `tupleElement(r, ${k + 1}) AS ${quoteIdent(c.name, "`")}`).join(", ");
    return `(SELECT ${fields} FROM (SELECT arrayJoin(JSONExtract(${param}, 'Array(Tuple(${tuple}))')) AS r)) AS json_records`;
  },
};

export const dialects: Record<DialectName, Dialect> = { duckdb, postgres, clickhouse };
