/**
 * Any CSV / TSV / Parquet / JSON Lines file (gzip or not, or a glob of them) as a table the
 * profiler can scan: DuckDB reads the file itself (read_csv sniffs the separator, quoting and
 * types; read_parquet and read_json keep theirs) into a temporary table. It is materialised
 * because profiling scans a table a dozen times and re-parsing a gzip CSV each time would cost
 * more than the statistics. Semicolon files with decimal commas ('0,98'), the European export
 * format, are detected and read as numbers.
 *
 * Only the embedded DuckDB engine reads files; a PostgreSQL store profiles ingested tables.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import { describeTable, type Relation } from "./relation.ts";

export interface FileSource {
  /** Table name in reports. */
  table: string;
  /** A path or a glob (`by-day/*.csv.gz`). */
  path: string;
  /** A SELECT over `{src}` (replaced by the reader) for files that need reshaping. */
  select?: string;
  /** Extra read_csv options, e.g. `header = false, columns = {...}`. */
  csvOptions?: string;
}

type Format = "csv" | "parquet" | "json";

export function formatOf(path: string): Format {
  const name = path.toLowerCase().replace(/\.(gz|gzip|zst)$/, "");
  if (name.endsWith(".parquet")) return "parquet";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) return "json";
  return "csv";
}

/** A directory stands for the data files in it; a path with * is kept as a glob. */
export function expandPath(path: string): string {
  if (path.includes("*")) return path;
  if (!existsSync(path)) {
    throw new PatronError("E_FILE", `file ${path} does not exist; expected a CSV, Parquet or JSON Lines file (or a folder of them). Check the path.`);
  }
  if (statSync(path).isDirectory()) {
    const files = readdirSync(path).filter((f) => /\.(csv|tsv|txt|parquet|jsonl|ndjson|json)(\.gz)?$/i.test(f));
    if (files.length === 0) throw new PatronError("E_FILE", `folder ${path} holds no CSV, Parquet or JSON Lines files; point at a file instead.`);
    const ext = files[0].slice(files[0].indexOf("."));
    return join(path, `*${ext}`);
  }
  return path;
}

export function tableNameOf(path: string): string {
  const stem = basename(path.replace(/[/\\]\*.*$/, "")).replace(/\.(gz|gzip|zst)$/i, "").replace(/\.[a-z0-9]+$/i, "");
  return stem.replace(/[^\p{L}\p{N}_]+/gu, "_").replace(/^_+|_+$/g, "") || "file";
}

function reader(store: Store, path: string, format: Format, extra: string): string {
  const literal = store.dialect.literal(path);
  if (format === "parquet") return `read_parquet(${literal})`;
  if (format === "json") return `read_json_auto(${literal})`;
  return `read_csv(${literal}${extra ? `, ${extra}` : ""})`;
}

/** Reads a file into a temporary table of a DuckDB store and describes it. */
export async function loadFile(store: Store, source: FileSource): Promise<Relation> {
  if (store.kind !== "duckdb") {
    throw new PatronError(
      "E_PROFILE_INPUT",
      `profiling a file needs the embedded DuckDB engine, but the store is ${store.kind}. Profile the file without --db, or ingest it and use --table.`,
    );
  }
  const path = expandPath(source.path);
  const format = formatOf(path);
  const table = store.dialect.ident(source.table);
  const create = async (extra: string) => {
    const from = reader(store, path, format, extra);
    const select = source.select ? source.select.replaceAll("{src}", from) : `SELECT * FROM ${from}`;
    try {
      await store.exec(`CREATE OR REPLACE TEMP TABLE ${table} AS ${select}`);
    } catch (error) {
      throw new PatronError(
        "E_FILE",
        `cannot read ${path} as ${format.toUpperCase()}: ${(error as Error).message}. Check the file's format, separator and encoding (UTF-8).`,
      );
    }
  };
  // DuckDB sniffs every file of a glob, which on 305 daily files costs ten times the read;
  // sniff the first file and read the rest with its dialect and types, falling back to the
  // full sniff when a later file does not fit them.
  const sniffed = format === "csv" && path.includes("*") && !source.csvOptions ? await sniffFirstFile(store, path) : undefined;
  if (sniffed) {
    try {
      await create(sniffed);
    } catch {
      await create("");
    }
  } else {
    await create(source.csvOptions ?? "");
  }
  let relation = await describeTable(store, source.table);
  if (format === "csv" && !source.csvOptions && (await hasDecimalCommaColumn(store, relation))) {
    await create("decimal_separator = ','");
    relation = await describeTable(store, source.table);
  }
  return relation;
}

/** read_csv options (dialect and column types) sniffed from the first file a glob matches. */
async function sniffFirstFile(store: Store, glob: string): Promise<string | undefined> {
  const d = store.dialect;
  const [first] = await store.query<{ file: string }>(`SELECT file FROM glob(${d.literal(glob)}) ORDER BY file LIMIT 1`);
  if (!first) throw new PatronError("E_FILE", `no file matches ${glob}; check the pattern.`);
  const [sniff] = await store.query<{ Prompt: string }>(`SELECT Prompt FROM sniff_csv(${d.literal(first.file)})`);
  const prompt = sniff?.Prompt ?? "";
  const start = prompt.indexOf("auto_detect=false");
  const end = prompt.lastIndexOf(")");
  return start > 0 && end > start ? prompt.slice(start, end) : undefined;
}

/** A text column whose every value reads as a number written with a decimal comma. */
async function hasDecimalCommaColumn(store: Store, relation: Relation): Promise<boolean> {
  // Only text columns can hold decimal commas (a BOOLEAN column is "categorical" too, and regexp_full_match rejects it).
  const text = relation.columns.filter((c) => c.kind === "categorical" && /^varchar/i.test(c.type));
  if (text.length === 0) return false;
  const checks = text.map(
    (c, j) =>
      `count(${c.ident}) > 0 AND sum(CASE WHEN regexp_full_match(${c.ident}, '-?[0-9]+(,[0-9]+)?') THEN 1 ELSE 0 END) = count(${c.ident})` +
      ` AND sum(CASE WHEN contains(${c.ident}, ',') THEN 1 ELSE 0 END) > 0 AS c${j}`,
  );
  const [row] = await store.query(`SELECT ${checks.join(", ")} FROM ${relation.from}`);
  return text.some((_, j) => row[`c${j}`] === true);
}
