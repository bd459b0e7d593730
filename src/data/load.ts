/**
 * Moves staged rows into the target store, inside the caller's transaction. DuckDB targets
 * stage in the same connection, so loading is one INSERT … SELECT per table. PostgreSQL
 * targets get the rows in chunks of typed column arrays through
 * `INSERT … SELECT FROM unnest($1::text[], $2::float8[], …)` — never row objects.
 * Natural keys make loading idempotent: `ON CONFLICT DO NOTHING`, and the caller learns how
 * many rows were actually inserted.
 */
import type { Store } from "../store/store.ts";
import { duckdb } from "../store/dialect.ts";
import { sqlTimestampText } from "../store/result-tables.ts";
import { hasPrimaryKey, schemaSql, sqlType, type ColumnDef, type TableDef } from "./schema.ts";

const CHUNK_ROWS = 50_000;

export async function ensureSchema(store: Store): Promise<void> {
  for (const sql of schemaSql(store.dialect)) await store.exec(sql);
}

async function count(store: Store, table: TableDef): Promise<number> {
  const [{ n }] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM ${store.dialect.ident(table.name)}`);
  return Number(n);
}

/** How a column travels from DuckDB to PostgreSQL: its DuckDB select expression and PostgreSQL array type. */
function transport(c: ColumnDef): { select: string; pgArray: string } {
  const name = duckdb.ident(c.name);
  switch (c.type) {
    case "timestamp":
      return { select: `strftime(${name}, '%Y-%m-%d %H:%M:%S.%f')`, pgArray: "timestamp[]" };
    case "json":
      return { select: `CAST(${name} AS VARCHAR)`, pgArray: "jsonb[]" };
    case "text":
      return { select: name, pgArray: "text[]" };
    case "double":
      return { select: name, pgArray: "float8[]" };
    case "integer":
      return { select: name, pgArray: "bigint[]" };
    case "boolean":
      return { select: name, pgArray: "boolean[]" };
  }
}

/**
 * Inserts `stagedSql` (a DuckDB query returning `columns` in order) into `table`, adding the
 * constant columns (dataset, ingest_id). Returns the number of rows inserted (rows whose
 * natural key already existed are skipped).
 */
export async function insertStaged(
  tx: Store,
  stager: Store,
  table: TableDef,
  columns: readonly ColumnDef[],
  stagedSql: string,
  constants: Readonly<Record<string, string>>,
): Promise<number> {
  const d = tx.dialect;
  const constantNames = Object.keys(constants);
  const targetCols = [...columns.map((c) => c.name), ...constantNames].map((n) => d.ident(n)).join(", ");
  if (tx.kind === "duckdb") {
    // Same connection: the staged TEMP tables are visible to the transaction.
    const before = await count(tx, table);
    const params = constantNames.map((n) => constants[n]);
    const constantSql = constantNames.map((_, k) => `CAST($${k + 1} AS VARCHAR)`);
    const casts = columns.map((c) => `CAST(s.${d.ident(c.name)} AS ${sqlType(d, c.type)})`);
    const keyMatch = table.key.map((k) => {
      const at = constantNames.indexOf(k);
      return `t.${d.ident(k)} = ${at >= 0 ? constantSql[at] : `s.${d.ident(k)}`}`;
    });
    const guard = hasPrimaryKey(d, table)
      ? "ON CONFLICT DO NOTHING"
      : `WHERE NOT EXISTS (SELECT 1 FROM ${d.ident(table.name)} t WHERE ${keyMatch.join(" AND ")})`;
    await tx.exec(
      `INSERT INTO ${d.ident(table.name)} (${targetCols}) SELECT ${[...casts, ...constantSql].join(", ")} FROM (${stagedSql}) s ${guard}`,
      params,
    );
    return (await count(tx, table)) - before;
  }
  // Each chunk travels as one delimited text per column, built by DuckDB (string_agg) and
  // split by PostgreSQL (string_to_array): no per-value work in JavaScript at all. Unit
  // separator between values, record separator for NULL, and a leading sentinel element so
  // that a chunk of one empty string is not an empty array. A chunk whose text contains those
  // control characters goes as ordinary parameter arrays instead.
  const chunkTable = `${table.name}_chunks_${Math.floor(performance.now() * 1000) % 1e9}`;
  await stager.exec(
    `CREATE OR REPLACE TEMP TABLE ${chunkTable} AS SELECT row_number() OVER () - 1 AS __k, ${columns
      .map((c) => `${transport(c).select} AS ${duckdb.ident(c.name)}`)
      .join(", ")} FROM (${stagedSql})`,
  );
  try {
    const [{ n }] = await stager.query<{ n: number }>(`SELECT count(*) AS n FROM ${chunkTable}`);
    const nRows = Number(n);
    const constantSql = constantNames.map((_, k) => `$${columns.length + k + 1}::text`).join(", ");
    const insertFrom = (unnest: string) => `WITH ins AS (INSERT INTO ${d.ident(table.name)} (${targetCols})
      SELECT u.*${constantNames.length ? ", " + constantSql : ""} FROM unnest(${unnest}) AS u
      ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) AS n FROM ins`;
    const packedSql = insertFrom(
      columns.map((c, j) => `(string_to_array($${j + 1}::text, E'\\x1f', E'\\x1e'))[2:]::${transport(c).pgArray}`).join(", "),
    );
    const arraySql = insertFrom(columns.map((c, j) => `$${j + 1}::${transport(c).pgArray}`).join(", "));
    const texts = columns.map((c) => `CAST(${duckdb.ident(c.name)} AS VARCHAR)`);
    const unsafe = texts.map((t) => `coalesce(bool_or(contains(${t}, chr(31)) OR contains(${t}, chr(30))), false)`).join(" OR ");
    const packed = texts.map((t, j) => `'-' || chr(31) || string_agg(coalesce(${t}, chr(30)), chr(31) ORDER BY __k) AS p${j}`);
    let inserted = 0;
    for (let from = 0; from < nRows; from += CHUNK_ROWS) {
      const range = `__k >= ${from} AND __k < ${from + CHUNK_ROWS}`;
      const [row] = await stager.query<Record<string, unknown>>(
        `SELECT ${unsafe} AS unsafe, ${packed.join(", ")} FROM ${chunkTable} WHERE ${range}`,
      );
      let params: unknown[];
      let sql = packedSql;
      if (!row.unsafe) params = columns.map((_, j) => row[`p${j}`]);
      else {
        sql = arraySql;
        const chunk = await stager.frame(`SELECT ${columns.map((c) => duckdb.ident(c.name)).join(", ")} FROM ${chunkTable} WHERE ${range} ORDER BY __k`);
        params = chunk.columns.map((fc, j) => {
          if (fc.kind === "categorical") return fc.values;
          return Array.from(fc.values, (v) => (Number.isNaN(v) ? null : columns[j].type === "boolean" ? v !== 0 : v));
        });
      }
      for (const name of constantNames) params.push(constants[name]);
      const [{ n: added }] = await tx.query<{ n: number }>(sql, params);
      inserted += Number(added);
    }
    return inserted;
  } finally {
    await stager.exec(`DROP TABLE IF EXISTS ${chunkTable}`);
  }
}

/** Inserts literal rows (bookkeeping) through parameters, in statements of up to 200 rows; both engines. */
export async function insertRows(tx: Store, table: TableDef, rows: readonly Record<string, unknown>[]): Promise<void> {
  const d = tx.dialect;
  if (rows.length === 0) return;
  const columns = table.columns.filter((c) => c.name in rows[0]);
  const placeholder = (c: ColumnDef, k: number) =>
    c.type === "json" ? `CAST($${k} AS ${sqlType(d, "json")})` : c.type === "timestamp" ? `CAST($${k} AS TIMESTAMP)` : `$${k}`;
  const value = (c: ColumnDef, v: unknown) => {
    if (v === null || v === undefined) return null;
    if (c.type === "json") return JSON.stringify(v);
    if (c.type === "timestamp") return sqlTimestampText((v as Date).getTime());
    return v;
  };
  for (let from = 0; from < rows.length; from += 200) {
    const batch = rows.slice(from, from + 200);
    const params: unknown[] = [];
    const tuples = batch.map((row) => {
      const slots = columns.map((c) => {
        params.push(value(c, row[c.name]));
        return placeholder(c, params.length);
      });
      return `(${slots.join(", ")})`;
    });
    await tx.exec(`INSERT INTO ${d.ident(table.name)} (${columns.map((c) => d.ident(c.name)).join(", ")}) VALUES ${tuples.join(", ")}`, params);
  }
}
