/**
 * One store interface, two implementations on the same code path: DuckDB (embedded, a file)
 * and PostgreSQL (a server). Everything above this layer writes SQL through `store.dialect`
 * and moves bulk data as columns, never as row objects.
 *
 * Parameters are written $1, $2, … in both engines.
 */
import type { Frame } from "../core/frame.ts";
import type { Dialect } from "./dialect.ts";

export type Row = Record<string, unknown>;

export interface Store {
  readonly kind: "duckdb" | "postgres";
  readonly dialect: Dialect;
  /** File path or connection string with the password removed (safe to print). */
  readonly location: string;
  /** Small results as plain objects: numbers as number, BIGINT as number, dates as Date. */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs one or more statements that return nothing. */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  /**
   * A result as typed columns: numeric and boolean columns become Float64Array (NULL → NaN),
   * timestamps and dates Float64Array of epoch milliseconds, everything else string arrays.
   */
  frame(sql: string, params?: readonly unknown[]): Promise<Frame>;
  /** Runs fn inside one transaction: all of it is stored, or none of it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  tableExists(table: string): Promise<boolean>;
  close(): Promise<void>;
}
