/**
 * `npm run bench -- ingest [--repeats 3] [--pg URL|--no-pg]`: the online-retail preset — all
 * 541,909 lines in 305 gzip files, with hashing, line tagging, typing, the Insiders cleaning
 * rules, derived customers and products, quarantine and bookkeeping in one transaction —
 * into a fresh DuckDB file, and the same into PostgreSQL. The reference is the floor for the
 * same files: a bare DuckDB `read_csv` of the 305 files into a table (no validation, no
 * line numbers, no rules). Prints wall seconds (medians over repeats) and rows/s; the last
 * line is {"duckdb_s":…,"duckdb_rows_per_s":…,"ratio_to_read_csv":…,"postgres_s":…,"postgres_rows_per_s":…}.
 */
import { rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import pg from "pg";
import { ingest } from "../src/data/ingest.ts";
import { getPreset } from "../src/data/presets/index.ts";
import { openDuckDBStore } from "../src/store/duckdb-store.ts";
import { openPostgresStore } from "../src/store/postgres-store.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const repeats = Number(option("repeats", "3"));
const pgUrl = args.includes("--no-pg") ? undefined : option("pg", process.env.PATRON_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s: number) => s.toFixed(2);

const preset = getPreset("online-retail");
const dir = mkdtempSync(join(tmpdir(), "patron-bench-ingest-"));
const results: Record<string, number | null> = {};
try {
  const patronS: number[] = [];
  const referenceS: number[] = [];
  let rows = 0;
  for (let r = 0; r < repeats; r++) {
    const file = join(dir, `bench-${r}.duckdb`);
    const store = await openDuckDBStore(file);
    let start = performance.now();
    const result = await ingest(store, preset.mapping, preset.defaultPath, { quarantineDir: dir });
    await store.close(); // includes DuckDB's checkpoint of the new rows
    patronS.push((performance.now() - start) / 1000);
    rows = result.rows_read;

    const bare = await openDuckDBStore(join(dir, `reference-${r}.duckdb`));
    start = performance.now();
    await bare.exec(`CREATE TABLE lines AS SELECT * FROM read_csv('${preset.defaultPath}/*.csv.gz', header = true, all_varchar = true)`);
    await bare.close();
    referenceS.push((performance.now() - start) / 1000);
  }
  const duck = median(patronS);
  results.duckdb_s = Number(duck.toFixed(3));
  results.duckdb_rows_per_s = Math.round(rows / duck);
  results.ratio_to_read_csv = Number((duck / median(referenceS)).toFixed(2));
  console.log(`online-retail: ${rows} lines, 305 files — ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} threads, node ${process.version}`);
  console.log(`  duckdb    patron ingest ${fmt(duck)} s [${patronS.map(fmt).join(", ")}]  ${results.duckdb_rows_per_s} rows/s`);
  console.log(`            bare read_csv ${fmt(median(referenceS))} s [${referenceS.map(fmt).join(", ")}]  ratio ${results.ratio_to_read_csv}`);

  results.postgres_s = null;
  results.postgres_rows_per_s = null;
  if (pgUrl) {
    const schema = `bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      const url = new URL(pgUrl);
      url.searchParams.set("options", `-c search_path=${schema}`);
      const store = await openPostgresStore(url.toString());
      const start = performance.now();
      await ingest(store, preset.mapping, preset.defaultPath, { quarantineDir: dir });
      const seconds = (performance.now() - start) / 1000;
      await store.close();
      results.postgres_s = Number(seconds.toFixed(3));
      results.postgres_rows_per_s = Math.round(rows / seconds);
      console.log(`  postgres  patron ingest ${fmt(seconds)} s (one run)  ${results.postgres_rows_per_s} rows/s`);
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
