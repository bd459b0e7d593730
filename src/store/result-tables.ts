/**
 * Writing job results into the store on both engines: CREATE TABLE IF NOT EXISTS with each
 * engine's type names, and bulk inserts as multi-row VALUES of literals written through
 * store.dialect (1,000 rows a statement — tens of thousands of scores in a few dozen statements,
 * where one parameterised statement per row would take minutes on PostgreSQL). Every job writes
 * the tables the service and the report read through here.
 */
import { PatronError } from "../core/errors.ts";
import { sqlType } from "../data/schema.ts";
import type { Store } from "./store.ts";

export type ResultType = "text" | "double" | "integer" | "boolean" | "timestamp";

export interface ResultColumn {
  name: string;
  type: ResultType;
}

export async function createResultTable(store: Store, table: string, columns: readonly ResultColumn[], key: readonly string[]): Promise<void> {
  const d = store.dialect;
  const body = columns.map((c) => `${d.ident(c.name)} ${sqlType(d, c.type)}`);
  if (key.length > 0) body.push(`PRIMARY KEY (${key.map((k) => d.ident(k)).join(", ")})`);
  await store.exec(`CREATE TABLE IF NOT EXISTS ${d.ident(table)} (${body.join(", ")})`);
}

/** A UTC instant as the text both engines cast to TIMESTAMP without a zone. */
export function sqlTimestampText(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

function literal(store: Store, column: ResultColumn, value: unknown): string {
  const d = store.dialect;
  if (value === null || value === undefined) return "NULL";
  switch (column.type) {
    case "text":
      return d.literal(String(value));
    case "double":
      return typeof value === "number" && Number.isFinite(value) ? d.number(value) : "NULL";
    case "integer": {
      if (!Number.isInteger(value)) throw new PatronError("E_DATA", `column ${column.name} needs a whole number; found ${String(value)}.`);
      return String(value);
    }
    case "boolean":
      return value ? "TRUE" : "FALSE";
    case "timestamp":
      return `CAST(${d.literal(typeof value === "number" ? sqlTimestampText(value) : String(value))} AS TIMESTAMP)`;
  }
}

/** Inserts rows given column by column (`values[c][i]` is row i of column c). */
export async function insertColumns(
  store: Store, table: string, columns: readonly ResultColumn[], values: readonly ArrayLike<unknown>[], batchRows = 1000,
): Promise<void> {
  const nRows = values[0]?.length ?? 0;
  const d = store.dialect;
  const names = columns.map((c) => d.ident(c.name)).join(", ");
  for (let from = 0; from < nRows; from += batchRows) {
    const tuples: string[] = [];
    for (let i = from; i < Math.min(nRows, from + batchRows); i++) {
      tuples.push(`(${columns.map((c, k) => literal(store, c, values[k][i])).join(", ")})`);
    }
    await store.exec(`INSERT INTO ${d.ident(table)} (${names}) VALUES ${tuples.join(", ")}`);
  }
}

/** A result as JSON text: typed arrays as plain arrays, NaN and infinities as null. */
export function resultJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    return v;
  });
}
