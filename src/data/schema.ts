/**
 * The canonical data model, defined once: every table is a list of typed columns plus its
 * natural key. From that one definition we derive the SQL DDL for each engine (through
 * store.dialect, so DuckDB and PostgreSQL share it) and the zod schema of a row.
 * docs/data-model.md explains each table and how every bundled dataset fills it.
 *
 * Every canonical table carries `dataset` (the preset or mapping name) so several datasets
 * live side by side in one store, and `ingest_id` (which ingest wrote the row).
 */
import { z } from "zod";
import type { Dialect } from "../store/dialect.ts";

export type ColumnType = "text" | "double" | "integer" | "boolean" | "timestamp" | "json";

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly doc: string;
}

export interface TableDef {
  readonly name: string;
  readonly doc: string;
  readonly columns: readonly ColumnDef[];
  /** The natural key: a row with a key already in the table is never inserted twice. */
  readonly key: readonly string[];
}

const col = (name: string, type: ColumnType, nullable: boolean, doc: string): ColumnDef => ({ name, type, nullable, doc });
const dataset = col("dataset", "text", false, "dataset name (preset or mapping `dataset`)");
const ingestId = col("ingest_id", "text", false, "the ingest that wrote this row (see `ingests`)");

/** Canonical tables that mappings load into. */
export const canonicalTables = {
  customers: {
    name: "customers",
    doc: "one row per customer; everything dataset-specific lives in `attributes`",
    columns: [
      dataset,
      col("customer_id", "text", false, "customer id as text (leading zeros kept; 13995.0 → 13995)"),
      col("attributes", "json", true, "JSON object of dataset-specific attributes"),
      ingestId,
    ],
    key: ["dataset", "customer_id"],
  },
  products: {
    name: "products",
    doc: "one row per product",
    columns: [
      dataset,
      col("product_id", "text", false, "product id / stock code"),
      col("name", "text", true, "product name"),
      col("category_path", "text", true, "category hierarchy, root first, levels separated by ';'"),
      col("price", "double", true, "list price"),
      col("attributes", "json", true, "JSON object of other product attributes"),
      ingestId,
    ],
    key: ["dataset", "product_id"],
  },
  orders: {
    name: "orders",
    doc: "order lines: one row per product line of an order; negative quantity = return",
    columns: [
      dataset,
      col("order_id", "text", false, "order / invoice id"),
      col("line_no", "integer", false, "1-based position of the line within its order in its source file"),
      col("product_id", "text", true, "product id (NULL when the source has none, e.g. CDNOW)"),
      col("description", "text", true, "product description as written on the line (trimmed)"),
      col("quantity", "double", false, "units; negative = returned units"),
      col("unit_price", "double", false, "price per unit"),
      col("amount", "double", false, "quantity × unit_price, or the source's line value when it has one"),
      col("ordered_at", "timestamp", false, "order time (local time of the source, no zone)"),
      col("customer_id", "text", true, "customer id; NULL = anonymous customer"),
      col("country", "text", true, "country of the customer"),
      col("is_return", "boolean", false, "quantity < 0"),
      col("is_cancellation", "boolean", false, "the whole order is a cancellation (Online Retail: invoice starts with C)"),
      ingestId,
    ],
    key: ["dataset", "order_id", "line_no"],
  },
  events: {
    name: "events",
    doc: "behavioural events (views, purchases, returns) within sessions",
    columns: [
      dataset,
      col("event_id", "text", false, "stable event id derived at ingest"),
      col("session_id", "text", true, "session id"),
      col("occurred_at", "timestamp", false, "event time"),
      col("customer_id", "text", true, "customer id"),
      col("product_id", "text", true, "product id"),
      col("event_type", "text", false, "view | buy | return"),
      col("offered_discount", "double", true, "discount offered in the session, percent (0–100)"),
      col("purchase_id", "text", true, "purchase the event belongs to (buy and return events)"),
      ingestId,
    ],
    key: ["dataset", "event_id"],
  },
  deliveries: {
    name: "deliveries",
    doc: "delivery of a purchase",
    columns: [
      dataset,
      col("purchase_id", "text", false, "purchase id (matches events.purchase_id)"),
      col("purchased_at", "timestamp", true, "purchase time"),
      col("delivered_at", "timestamp", true, "delivery time"),
      col("carrier", "text", true, "delivery company"),
      ingestId,
    ],
    key: ["dataset", "purchase_id"],
  },
  exposures: {
    name: "exposures",
    doc: "assignment of a customer to an arm of a campaign (experiment)",
    columns: [
      dataset,
      col("customer_id", "text", false, "customer id"),
      col("campaign", "text", false, "campaign id"),
      col("arm", "text", false, "arm (treatment name, or the control arm)"),
      col("assigned_at", "timestamp", true, "assignment time (NULL when the source does not say)"),
      ingestId,
    ],
    key: ["dataset", "customer_id", "campaign"],
  },
  outcomes: {
    name: "outcomes",
    doc: "measured outcome of a customer in a campaign, one row per metric",
    columns: [
      dataset,
      col("customer_id", "text", false, "customer id"),
      col("campaign", "text", false, "campaign id"),
      col("metric", "text", false, "metric name (visit, conversion, spend, …)"),
      col("value", "double", false, "metric value"),
      ingestId,
    ],
    key: ["dataset", "customer_id", "campaign", "metric"],
  },
  customer_metrics: {
    name: "customer_metrics",
    doc: "per-customer measurements by period in long form (revenue per month, minutes on site, …)",
    columns: [
      dataset,
      col("customer_id", "text", false, "customer id"),
      col("source", "text", false, "file or feed the value came from"),
      col("period", "text", false, "period label (e.g. current_month, month_minus_1)"),
      col("metric", "text", false, "metric name (revenue, minutes, profit, …)"),
      col("value", "double", false, "value"),
      ingestId,
    ],
    key: ["dataset", "customer_id", "source", "period", "metric"],
  },
} as const satisfies Record<string, TableDef>;

export type CanonicalTableName = keyof typeof canonicalTables;
export const canonicalTableNames = Object.keys(canonicalTables) as CanonicalTableName[];

/** Bookkeeping: what was ingested, how it reconciled, and what was quarantined. */
export const bookkeepingTables = {
  ingests: {
    name: "ingests",
    doc: "one row per ingest run, with its reconciliation",
    columns: [
      col("ingest_id", "text", false, "id: dataset, UTC start time and a content-hash prefix"),
      dataset,
      col("origin", "text", false, "preset:NAME or mapping:PATH"),
      col("source_path", "text", false, "the PATH ingested"),
      col("started_at", "timestamp", false, "UTC start"),
      col("finished_at", "timestamp", false, "UTC end"),
      col("files_read", "integer", false, "files parsed"),
      col("files_skipped", "integer", false, "files skipped because the same content was ingested before"),
      col("rows_read", "integer", false, "records read from the files read"),
      col("loaded", "integer", false, "records loaded"),
      col("rejected", "integer", false, "records quarantined"),
      col("filtered", "json", false, "records filtered, per rule: {rule: count}"),
      col("tables", "json", false, "rows written per canonical table: {table: count}"),
      col("customer_policy", "text", true, "what happened to rows without customer id (anonymous | drop | generate)"),
      col("quarantine_file", "text", true, "CSV copy of this ingest's quarantine rows"),
    ],
    key: ["ingest_id"],
  },
  ingest_files: {
    name: "ingest_files",
    doc: "every file an ingest read, by content hash (the idempotency guard)",
    columns: [
      dataset,
      col("source", "text", false, "mapping source name"),
      col("file", "text", false, "file path as given (archive.zip!member for zip members)"),
      col("content_hash", "text", false, "sha256 of the decompressed content"),
      col("bytes", "integer", false, "decompressed size"),
      col("rows_read", "integer", false, "records in the file"),
      ingestId,
    ],
    key: ["dataset", "source", "content_hash"],
  },
  ingest_rules: {
    name: "ingest_rules",
    doc: "reconciliation per source and rule: rows_read = loaded + rejected + Σ filtered",
    columns: [
      ingestId,
      col("source", "text", false, "mapping source name"),
      col("rule", "text", false, "rule name, or the measures rows_read / loaded / rejected"),
      col("description", "text", true, "what the rule does"),
      col("rows", "integer", false, "records counted under this rule"),
    ],
    key: ["ingest_id", "source", "rule"],
  },
  quarantine: {
    name: "quarantine",
    doc: "records that failed parsing or validation, with file, line, column and reason",
    columns: [
      ingestId,
      dataset,
      col("source", "text", false, "mapping source name"),
      col("file", "text", false, "source file"),
      col("line", "integer", false, "1-based physical line in the file (header = line 1); row number for Parquet"),
      col("column_name", "text", true, "offending column (NULL when the whole record is malformed)"),
      col("reason", "text", false, "what was expected and what was found"),
      col("raw", "text", true, "the raw record, cut at 1,000 characters"),
    ],
    key: ["ingest_id", "file", "line"],
  },
} as const satisfies Record<string, TableDef>;

export type BookkeepingTableName = keyof typeof bookkeepingTables;
export const allTables: readonly TableDef[] = [...Object.values(canonicalTables), ...Object.values(bookkeepingTables)];

export function tableDef(name: string): TableDef {
  const found = allTables.find((t) => t.name === name);
  if (!found) throw new Error(`no canonical table ${name}`);
  return found;
}

/** SQL type of a column type, per engine. */
export function sqlType(dialect: Dialect, type: ColumnType): string {
  const pg = dialect.name === "postgres";
  switch (type) {
    case "text":
      return pg ? "TEXT" : "VARCHAR";
    case "double":
      return pg ? "DOUBLE PRECISION" : "DOUBLE";
    case "integer":
      return "BIGINT";
    case "boolean":
      return "BOOLEAN";
    case "timestamp":
      return "TIMESTAMP";
    case "json":
      return pg ? "JSONB" : "JSON";
  }
}

/**
 * The natural key is a PRIMARY KEY everywhere except on DuckDB's canonical tables: there the
 * index (an ART) doubles the cost of loading half a million order lines and of committing
 * them, and DuckDB has one writer per file, so the loader's anti-join on the key guards
 * idempotency just as well (src/data/load.ts).
 */
export function hasPrimaryKey(dialect: Dialect, table: TableDef): boolean {
  return !(dialect.name === "duckdb" && table.name in canonicalTables);
}

export function createTableSql(dialect: Dialect, table: TableDef): string {
  const columns = table.columns.map(
    (c) => `${dialect.ident(c.name)} ${sqlType(dialect, c.type)}${c.nullable ? "" : " NOT NULL"}`,
  );
  if (hasPrimaryKey(dialect, table)) columns.push(`PRIMARY KEY (${table.key.map((k) => dialect.ident(k)).join(", ")})`);
  return `CREATE TABLE IF NOT EXISTS ${dialect.ident(table.name)} (${columns.join(", ")})`;
}

/** Every CREATE TABLE statement of the model, in order. */
export function schemaSql(dialect: Dialect): string[] {
  return allTables.map((t) => createTableSql(dialect, t));
}

const zodType = (type: ColumnType) => {
  switch (type) {
    case "text":
      return z.string();
    case "double":
      return z.number();
    case "integer":
      return z.number().int();
    case "boolean":
      return z.boolean();
    case "timestamp":
      return z.date();
    case "json":
      return z.unknown();
  }
};

/** The zod schema of one row of a table (as `store.query` returns it). */
export function rowSchema(table: TableDef) {
  const shape: Record<string, z.ZodType> = {};
  for (const c of table.columns) shape[c.name] = c.nullable ? zodType(c.type).nullable() : zodType(c.type);
  return z.object(shape);
}
