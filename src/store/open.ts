/** Opens the store named by --db: a postgres:// URL, or a DuckDB file path (default ./patron.duckdb). */
import { openDuckDBStore } from "./duckdb-store.ts";
import { openPostgresStore } from "./postgres-store.ts";
import type { Store } from "./store.ts";

export const DEFAULT_DB = "./patron.duckdb";

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

export async function openStore(db: string = DEFAULT_DB): Promise<Store> {
  return isPostgresUrl(db) ? openPostgresStore(db) : openDuckDBStore(db);
}
