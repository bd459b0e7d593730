/**
 * Transactions from a file a user brings (`patron clv --table FILE --id C --date C --amount C`):
 * CSV with any separator (DuckDB's sniffer picks , ; TAB | …), gzip too, or Parquet, read by an
 * in-memory DuckDB with every column as text, then validated here so that a bad value is
 * reported with its file, line and column (CSV lines count the header as line 1; Parquet rows
 * are numbered from 1).
 */
import { existsSync } from "node:fs";
import { toDayNumber, type Transactions } from "../../clv/summary.ts";
import { PatronError, preview } from "../../core/errors.ts";
import { openDuckDBStore } from "../../store/duckdb-store.ts";

export interface TableColumns {
  id: string;
  date: string;
  amount: string;
}

export async function readTransactionsFile(path: string, columns: TableColumns): Promise<Transactions> {
  if (!existsSync(path)) throw new PatronError("E_FILE", `no file ${path}; pass a CSV or Parquet file of transactions`);
  const parquet = /\.parquet$/i.test(path);
  const store = await openDuckDBStore(":memory:");
  try {
    const d = store.dialect;
    const source = parquet ? `read_parquet(${d.literal(path)})` : `read_csv(${d.literal(path)}, all_varchar = true, header = true)`;
    let header: string[];
    try {
      header = (await store.query<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${source})`)).map((r) => r.column_name);
    } catch (error) {
      throw new PatronError("E_FILE", `cannot read ${path} as ${parquet ? "Parquet" : "CSV"}: ${(error as Error).message}`);
    }
    for (const [role, name] of Object.entries(columns)) {
      if (!header.includes(name)) throw new PatronError("E_COLUMN", `${path}: no column "${name}" for --${role}; the file has ${header.map((h) => JSON.stringify(h)).join(", ")}`);
    }
    const f = await store.frame(`SELECT CAST(${d.ident(columns.id)} AS VARCHAR) AS id, CAST(${d.ident(columns.date)} AS VARCHAR) AS day, CAST(${d.ident(columns.amount)} AS VARCHAR) AS amount FROM ${source}`);
    const [ids, days, amounts] = f.columns.map((c) => c.values as (string | null)[]);
    const where = (i: number, column: string) => `${path}:${parquet ? `row ${i + 1}` : `line ${i + 2}`}, column "${column}"`;
    const customer: string[] = [];
    const day = new Int32Array(f.nRows);
    const amount = new Float64Array(f.nRows);
    for (let i = 0; i < f.nRows; i++) {
      const id = ids[i]?.trim();
      if (!id) throw new PatronError("E_CLV_DATA", `${where(i, columns.id)}: the customer id is empty. Drop anonymous rows or fill the id.`);
      customer.push(id);
      const text = days[i]?.trim() ?? "";
      day[i] = toDayNumber(/^\d{4}-\d{2}-\d{2}[ T]/.test(text) ? text.slice(0, 10) : text, where(i, columns.date));
      const value = Number(amounts[i]?.trim().replace(/^\$/, ""));
      if (amounts[i] === null || amounts[i]!.trim() === "" || !Number.isFinite(value)) {
        throw new PatronError("E_CLV_DATA", `${where(i, columns.amount)}: expected a number; found ${preview([amounts[i]])}. Use a dot as decimal separator, or fix the value.`);
      }
      amount[i] = value;
    }
    if (f.nRows === 0) throw new PatronError("E_CLV_DATA", `${path} has no rows; pass a file with one transaction per row`);
    return { customer, day, amount };
  } finally {
    await store.close();
  }
}
