/**
 * The server store: PostgreSQL through `pg`. Queries use a pool; a transaction holds one
 * client for its whole length. The connection string's password never appears in `location`.
 */
import pg from "pg";
import { PatronError } from "../core/errors.ts";
import { frame as makeFrame, type FrameColumn } from "../core/frame.ts";
import { postgres } from "./dialect.ts";
import type { Row, Store } from "./store.ts";

// Return BIGINT/NUMERIC as JS numbers (counts and sums fit comfortably in a double here).
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const NUMERIC_OIDS = new Set([16, 20, 21, 23, 700, 701, 1700]);
const TIME_OIDS = new Set([1082, 1114, 1184]);

type Queryable = pg.Pool | pg.PoolClient;

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
  pool.on("error", () => undefined); // an idle client losing its server is reported on next use
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PatronError(
      "E_STORE_OPEN",
      `cannot connect to PostgreSQL at ${redact(url)}: ${(error as Error).message}. Is the server running?`,
    );
  }
  const make = (db: Queryable, isTransaction: boolean): Store => {
    const store: Store = {
      kind: "postgres",
      dialect: postgres,
      location: redact(url),
      async query<T extends Row = Row>(sql: string, params?: readonly unknown[]) {
        const result = await db.query(sql, params as unknown[] | undefined);
        return result.rows as T[];
      },
      async exec(sql, params) {
        await db.query(sql, params as unknown[] | undefined);
      },
      async frame(sql, params) {
        const result = await db.query({ text: sql, values: params as unknown[] | undefined, rowMode: "array" });
        const columns: FrameColumn[] = result.fields.map((field, j) => {
          if (NUMERIC_OIDS.has(field.dataTypeID) || TIME_OIDS.has(field.dataTypeID)) {
            const values = new Float64Array(result.rows.length);
            result.rows.forEach((r: unknown[], i: number) => {
              const v = r[j];
              values[i] = v === null ? NaN : v instanceof Date ? v.getTime() : typeof v === "boolean" ? (v ? 1 : 0) : Number(v);
            });
            return { name: field.name, kind: "numeric", values };
          }
          return {
            name: field.name,
            kind: "categorical",
            values: result.rows.map((r: unknown[]) => (r[j] === null ? null : String(r[j]))),
          };
        });
        return makeFrame(columns);
      },
      async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
        if (isTransaction) return fn(store);
        const client = await pool.connect();
        // A server that goes away between two queries of the transaction emits 'error' on the
        // checked-out client (the pool only listens on idle ones): without a listener that
        // crashes the process. The next query rejects anyway, so the event itself is ignored.
        const ignore = () => undefined;
        client.on("error", ignore);
        let broken: Error | undefined;
        try {
          await client.query("BEGIN");
          const result = await fn(make(client, true));
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch((rollbackError: Error) => {
            broken = rollbackError;
          });
          throw error;
        } finally {
          client.off("error", ignore);
          client.release(broken); // an error destroys the client instead of pooling a dead connection
        }
      },
      async tableExists(table) {
        const result = await db.query("SELECT to_regclass($1) IS NOT NULL AS found", [table]);
        return Boolean(result.rows[0]?.found);
      },
      async close() {
        if (!isTransaction) await pool.end();
      },
    };
    return store;
  };
  return make(pool, false);
}
