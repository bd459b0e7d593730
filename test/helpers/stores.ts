/**
 * Real stores for tests: a fresh DuckDB file in a temp dir, and a fresh PostgreSQL schema on
 * the server at PATRON_PG_URL (default postgres://postgres@127.0.0.1:5432/test). When the
 * server is unreachable the PostgreSQL tests are skipped with a one-line reason, unless
 * PATRON_REQUIRE_PG=1 (CI), where that is a failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { openPostgresStore } from "../../src/store/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";

export const PG_URL = process.env.PATRON_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface TestStore {
  store: Store;
  /** The --db argument that opens this same store again (file path or URL with schema). */
  db: string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = "patron-test-"): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function duckdbTestStore(): Promise<TestStore> {
  const { dir, cleanup } = tempDir();
  const db = join(dir, "test.duckdb");
  const store = await openDuckDBStore(db);
  return {
    store,
    db,
    async cleanup() {
      await store.close();
      cleanup();
    },
  };
}

let pgReachable: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL is reachable, else the reason to skip. Throws under PATRON_REQUIRE_PG=1. */
export function postgresSkipReason(): Promise<string | undefined> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return undefined;
    } catch (error) {
      const reason = `PostgreSQL not reachable at ${PG_URL} (${(error as Error).message}); set PATRON_PG_URL`;
      if (process.env.PATRON_REQUIRE_PG === "1") throw new Error(`PATRON_REQUIRE_PG=1 but ${reason}`);
      return reason;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgReachable;
}

/** A store in a fresh schema, dropped on cleanup, so tests never see each other's tables. */
export async function postgresTestStore(): Promise<TestStore> {
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const db = url.toString();
  const store = await openPostgresStore(db);
  return {
    store,
    db,
    async cleanup() {
      await store.close();
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

/** The two real stores, for suites that must pass on both. */
export const storeKinds = [
  { name: "duckdb", open: duckdbTestStore, skip: async () => undefined as string | undefined },
  { name: "postgres", open: postgresTestStore, skip: postgresSkipReason },
] as const;
