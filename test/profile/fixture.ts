/**
 * The reference fixture of scripts/reference/profile.py, loaded into a store as tables
 * `fixture` (303 rows) and `fixture_current` (200 rows, shifted), with literal INSERTs so the
 * same code path serves DuckDB and PostgreSQL.
 */
import { readFileSync } from "node:fs";
import type { Store } from "../../src/store/store.ts";

export interface ReferenceFixture {
  versions: Record<string, string>;
  columns: Record<string, string>;
  rows: Array<Record<string, string | number | null>>;
  current: Array<Record<string, string | number | null>>;
  // The expected values are read field by field in the tests.
  expected: any;
}

export const reference: ReferenceFixture = JSON.parse(
  readFileSync(new URL("../reference/profile.json", import.meta.url), "utf8"),
);

export async function loadRows(store: Store, table: string, columns: Record<string, string>, rows: ReferenceFixture["rows"]): Promise<void> {
  const d = store.dialect;
  const names = Object.keys(columns);
  await store.exec(`CREATE TABLE ${d.ident(table)} (${names.map((n) => `${d.ident(n)} ${columns[n]}`).join(", ")})`);
  const literal = (v: string | number | null) => (v === null ? "NULL" : typeof v === "number" ? d.number(v) : d.literal(v));
  for (let start = 0; start < rows.length; start += 500) {
    const values = rows.slice(start, start + 500).map((r) => `(${names.map((n) => literal(r[n] ?? null)).join(", ")})`);
    await store.exec(`INSERT INTO ${d.ident(table)} VALUES ${values.join(", ")}`);
  }
}

export async function loadFixture(store: Store): Promise<void> {
  await loadRows(store, "fixture", reference.columns, reference.rows);
  await loadRows(store, "fixture_current", reference.columns, reference.current);
}
