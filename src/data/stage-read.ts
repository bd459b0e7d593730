/**
 * Staging, step 1: DuckDB reads the prepared files (read_csv / read_parquet; JSONL is read as
 * one text column and parsed with DuckDB's JSON functions), records that DuckDB cannot parse
 * go to quarantine with the line from our prefix, and every mapped column is typed in SQL
 * (TRY_CAST / strptime): a value that does not fit its type quarantines the record, naming
 * the column and what was expected.
 *
 * Staging runs in a DuckDB connection (the target itself when it is DuckDB, with TEMP tables
 * that never reach the file; an in-memory DuckDB otherwise), never through row objects.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PatronError } from "../core/errors.ts";
import { duckdb } from "../store/dialect.ts";
import type { Store } from "../store/store.ts";
import { columnSpecs, type ColumnSpec, type SourceSpec } from "./mapping.ts";
import type { StagedGroup } from "./prepare.ts";

const ident = duckdb.ident;
const lit = duckdb.literal;
/** A 1 MB field must pass; DuckDB's default line limit is 2 MB. */
const MAX_LINE_BYTES = 64 << 20;
export const RAW_PREVIEW_CHARS = 1000;

export interface StageNames {
  /** Prefix of every temp table of this ingest. */
  readonly prefix: string;
  /** The quarantine temp table: source, file, line, column_name, reason, raw. */
  readonly quarantine: string;
  readonly files: string;
}

export function createStageTables(stager: Store, names: StageNames): Promise<void> {
  return stager.exec(
    `CREATE OR REPLACE TEMP TABLE ${names.quarantine} (source VARCHAR, file VARCHAR, line BIGINT, column_name VARCHAR, reason VARCHAR, raw VARCHAR);
     CREATE OR REPLACE TEMP TABLE ${names.files} (source VARCHAR, idx INTEGER, path VARCHAR)`,
  );
}

/** Our prefix columns are typed in the scan (cheaper than casting afterwards); the rest stay text. */
const PREFIX_TYPES: Record<string, string> = { __f: "INTEGER", __l: "BIGINT", __r: "BIGINT" };

function csvOptions(group: StagedGroup, columns: string[], rejects: string): string {
  const spec = columns.map((c) => `${lit(c)}: '${PREFIX_TYPES[c] ?? "VARCHAR"}'`).join(", ");
  return [
    `columns = {${spec}}`,
    "header = false",
    "auto_detect = false",
    `delim = ${lit(group.delimiter)}`,
    `quote = ${lit(group.quote)}`,
    `escape = ${lit(group.escape)}`,
    "store_rejects = true",
    `rejects_table = ${lit(`${rejects}_errors`)}`,
    `rejects_scan = ${lit(`${rejects}_scans`)}`,
    `max_line_size = ${MAX_LINE_BYTES}`,
    `buffer_size = ${MAX_LINE_BYTES * 2}`,
  ].join(", ");
}

/** Friendly reason for a DuckDB CSV reject (column counts exclude our three prefix columns). */
function rejectReasonSql(): string {
  return `CASE error_type
    WHEN 'MISSING COLUMNS' THEN 'too few fields: expected ' || (CAST(regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1) AS INTEGER) - 3)
        || ', found ' || (CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER) - 3) || '. Is the separator right, or the record cut short?'
    WHEN 'TOO MANY COLUMNS' THEN 'too many fields: expected ' || (CAST(regexp_extract(error_message, 'Expected Number of Columns: (\\d+)', 1) AS INTEGER) - 3)
        || ', found ' || (CAST(regexp_extract(error_message, 'Found: (\\d+)', 1) AS INTEGER) - 3) || '. Quote fields that contain the separator.'
    WHEN 'UNQUOTED VALUE' THEN 'unterminated or misplaced quote. Close the quote, or double quotes inside quoted fields.'
    WHEN 'INVALID ENCODING' THEN 'invalid UTF-8 byte sequence. Re-save the file as UTF-8.'
    WHEN 'INVALID UNICODE' THEN 'invalid UTF-8 byte sequence. Re-save the file as UTF-8.'
    WHEN 'LINE SIZE OVER MAXIMUM' THEN 'record longer than ${MAX_LINE_BYTES} bytes'
    ELSE lower(error_type) || ': ' || error_message END`;
}

export interface RawResult {
  readonly table: string;
  readonly rowsRead: number;
  readonly rejected: number;
}

/**
 * Reads every staged group into one raw table (__file, __line, __row, then c0… as VARCHAR,
 * or __json) and moves unparseable records to quarantine. Records the scanner found but
 * DuckDB did not return (merged into a neighbour by a stray quote) are quarantined too, so
 * every record is accounted for.
 */
export async function readRaw(stager: Store, source: SourceSpec, groups: StagedGroup[], names: StageNames, dir: string): Promise<RawResult> {
  const table = `${names.prefix}_${source.name}_raw`;
  const isJson = groups.some((g) => g.format === "jsonl");
  if (isJson && groups.some((g) => g.format !== "jsonl")) {
    throw new PatronError("E_MAPPING", `source ${source.name} mixes JSONL with other formats; give each format its own source.`);
  }
  const mapped = columnSpecs(source).map(([name]) => name);
  const cols = isJson ? ["__json"] : Array.from({ length: mapped.length }, (_, k) => `c${k}`);
  await stager.exec(
    `CREATE OR REPLACE TEMP TABLE ${table} (__file INTEGER, __line BIGINT, __row BIGINT, ${cols.map((c) => `${c} VARCHAR`).join(", ")})`,
  );
  let rowsRead = 0;
  for (const [g, group] of groups.entries()) {
    const rejects = `${names.prefix}_${source.name}_rej${g}`;
    await stager.exec(`INSERT INTO ${names.files} VALUES ${group.files.map((f) => `(${lit(source.name)}, ${f.index}, ${lit(f.path)})`).join(", ")}`);
    if (group.format === "parquet") {
      rowsRead += await readParquet(stager, table, group, mapped);
      continue;
    }
    const fileCols = group.format === "jsonl" ? ["__json"] : group.columns.map((_, j) => `c${j}`);
    const all = ["__f", "__l", "__r", ...fileCols];
    const pick = isJson ? ["__json"] : mapped.map((name) => `c${group.positions.get(name)}`);
    const scan = `read_csv(${lit(group.stagedPath)}, ${csvOptions(group, all, rejects)})`;
    await stager.exec(
      `INSERT INTO ${table} SELECT __f, __l, __r, ${pick.join(", ")} FROM ${scan}`,
    );
    const expected = group.files.reduce((s, f) => s + f.nRecords, 0);
    rowsRead += expected;
    // DuckDB writes one reject row per problem; a record counts once, at its first problem.
    await stager.exec(
      `INSERT INTO ${names.quarantine}
       SELECT ${lit(source.name)}, fl.path, r.line, r.column_name, r.reason, r.raw FROM (
         SELECT TRY_CAST(split_part(csv_line, ${lit(group.delimiter)}, 1) AS INTEGER) AS file_idx,
                TRY_CAST(split_part(csv_line, ${lit(group.delimiter)}, 2) AS BIGINT) AS line,
                ${columnNameSql(group)} AS column_name,
                ${rejectReasonSql()} AS reason,
                replace(left(regexp_replace(csv_line, '^[0-9]+${escapeRegex(group.delimiter)}[0-9]+${escapeRegex(group.delimiter)}[0-9]+${escapeRegex(group.delimiter)}', ''), ${RAW_PREVIEW_CHARS}), chr(31), ' ') AS raw,
                row_number() OVER (PARTITION BY csv_line ORDER BY column_idx) AS k
         FROM ${rejects}_errors) r
       JOIN ${names.files} fl ON fl.source = ${lit(source.name)} AND fl.idx = r.file_idx
       WHERE r.k = 1 AND r.line IS NOT NULL`,
    );
    const [{ good, bad }] = await stager.query<{ good: number; bad: number }>(
      `SELECT (SELECT count(*) FROM ${table} WHERE __file IN (${group.files.map((f) => f.index).join(", ")})) AS good,
              (SELECT count(*) FROM ${names.quarantine} q JOIN ${names.files} fl ON fl.source = q.source AND fl.path = q.file
               WHERE q.source = ${lit(source.name)} AND fl.idx IN (${group.files.map((f) => f.index).join(", ")})) AS bad`,
    );
    if (Number(good) + Number(bad) !== expected) await accountForLostRecords(stager, source, group, table, names, dir);
    await stager.exec(`DROP TABLE IF EXISTS ${rejects}_errors; DROP TABLE IF EXISTS ${rejects}_scans`);
  }
  const [{ n }] = await stager.query<{ n: number }>(`SELECT count(*) AS n FROM ${names.quarantine} WHERE source = ${lit(source.name)}`);
  return { table, rowsRead, rejected: Number(n) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\x1f/g, "\\x1f");
}

function columnNameSql(group: StagedGroup): string {
  if (group.format === "jsonl") return "CAST(NULL AS VARCHAR)";
  const names = group.columns.map((c, j) => `WHEN ${j + 3} THEN ${lit(c)}`).join(" ");
  return `CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') THEN NULL ELSE CASE column_idx ${names} END END`;
}

/**
 * The scanner's record list is the truth for what was read: a record that DuckDB returned
 * twice (once parsed, once rejected) counts as rejected; a record it never returned is
 * quarantined as unreadable.
 */
async function accountForLostRecords(stager: Store, source: SourceSpec, group: StagedGroup, table: string, names: StageNames, dir: string) {
  const expectedTable = `${names.prefix}_${source.name}_expected`;
  const csvPath = join(dir, `${names.prefix}-${source.name}-expected.csv`);
  const lines: string[] = [];
  for (const f of group.files) for (const line of f.recordLines) lines.push(`${f.index},${line}`);
  writeFileSync(csvPath, `${lines.join("\n")}\n`);
  const fileList = group.files.map((f) => f.index).join(", ");
  const seen = `${names.prefix}_${source.name}_seen`;
  await stager.exec(
    `CREATE OR REPLACE TEMP TABLE ${expectedTable} AS SELECT * FROM read_csv(${lit(csvPath)}, columns = {'idx': 'INTEGER', 'line': 'BIGINT'}, header = false, auto_detect = false);
     CREATE OR REPLACE TEMP TABLE ${seen} AS SELECT fl.idx, q.line FROM ${names.quarantine} q JOIN ${names.files} fl ON fl.source = q.source AND fl.path = q.file
       WHERE q.source = ${lit(source.name)} AND fl.idx IN (${fileList});
     DELETE FROM ${table} r WHERE r.__file IN (${fileList}) AND (
        NOT EXISTS (SELECT 1 FROM ${expectedTable} e WHERE e.idx = r.__file AND e.line = r.__line)
        OR EXISTS (SELECT 1 FROM ${seen} s WHERE s.idx = r.__file AND s.line = r.__line));
     DELETE FROM ${names.quarantine} q WHERE q.source = ${lit(source.name)}
        AND q.file IN (SELECT path FROM ${names.files} WHERE source = ${lit(source.name)} AND idx IN (${fileList}))
        AND NOT EXISTS (SELECT 1 FROM ${expectedTable} e JOIN ${names.files} fl ON fl.source = ${lit(source.name)} AND fl.idx = e.idx
                        WHERE fl.path = q.file AND e.line = q.line);
     INSERT INTO ${names.quarantine}
       SELECT ${lit(source.name)}, fl.path, e.line, NULL, 'record could not be read: it was merged into a neighbouring record, usually by an unbalanced quote on an earlier line', NULL
       FROM ${expectedTable} e JOIN ${names.files} fl ON fl.source = ${lit(source.name)} AND fl.idx = e.idx
       WHERE NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.__file = e.idx AND r.__line = e.line)
         AND NOT EXISTS (SELECT 1 FROM ${seen} s WHERE s.idx = e.idx AND s.line = e.line);
     DROP TABLE ${expectedTable}; DROP TABLE ${seen}`,
  );
}

async function readParquet(stager: Store, table: string, group: StagedGroup, mapped: string[]): Promise<number> {
  const file = group.files[0];
  const scan = `read_parquet(${lit(group.stagedPath)}, file_row_number = true)`;
  let present: string[];
  try {
    present = (await stager.query<{ column_name: string }>(`DESCRIBE SELECT * FROM ${scan}`)).map((r) => r.column_name);
  } catch (error) {
    throw new PatronError("E_BAD_PARQUET", `${file.path}: not a readable Parquet file (${(error as Error).message}).`, { file: file.path });
  }
  for (const name of mapped) {
    if (!present.includes(name)) {
      throw new PatronError(
        "E_MISSING_COLUMN",
        `${file.path}: expected a column "${name}"; found ${present.filter((c) => c !== "file_row_number").join(", ")}. Check the mapping's column names.`,
        { file: file.path, column: name },
      );
    }
  }
  const casts = mapped.map((name) => `CAST(${ident(name)} AS VARCHAR)`);
  await stager.exec(
    `INSERT INTO ${table} SELECT ${file.index}, file_row_number + 1, file_row_number, ${casts.join(", ")} FROM ${scan}`,
  );
  const [{ n }] = await stager.query<{ n: number }>(`SELECT count(*) AS n FROM ${scan}`);
  (file as { nRecords: number }).nRecords = Number(n);
  return Number(n);
}

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  id: "an id",
  integer: "a whole number",
  double: "a number",
  timestamp: "a valid date-time",
  date: "a valid date",
  boolean: "true/false or 1/0",
  json: "a JSON value",
};

function typedSql(v: string, spec: ColumnSpec, decimal: string): string {
  const t = `trim(${v})`;
  switch (spec.type) {
    case "string":
      return `NULLIF(${v}, '')`;
    case "id":
      // Ids written as floats (13995.0) lose the ".0"; anything else stays as written.
      return `NULLIF(CASE WHEN suffix(${t}, '.0') AND regexp_full_match(${t}, '-?[0-9]+\\.0') THEN left(${t}, -2) ELSE ${t} END, '')`;
    case "integer":
      // TRY_CAST alone would round "1.5"; a whole number has no decimal point.
      return `CASE WHEN strpos(${v}, '.') = 0 THEN TRY_CAST(${t} AS BIGINT) END`;
    case "double": {
      const text = decimal === "," ? `replace(${t}, ',', '.')` : t;
      return `(CASE WHEN isfinite(TRY_CAST(${text} AS DOUBLE)) THEN TRY_CAST(${text} AS DOUBLE) END)`;
    }
    case "timestamp":
      return spec.format ? `TRY_STRPTIME(${t}, ${lit(spec.format)})` : `TRY_CAST(${t} AS TIMESTAMP)`;
    case "date":
      return spec.format
        ? `CAST(CAST(TRY_STRPTIME(${t}, ${lit(spec.format)}) AS DATE) AS TIMESTAMP)`
        : `CAST(TRY_CAST(${t} AS DATE) AS TIMESTAMP)`;
    case "boolean":
      return `CASE WHEN lower(${t}) IN ('1', 'true', 't', 'yes', 'y') THEN true WHEN lower(${t}) IN ('0', 'false', 'f', 'no', 'n') THEN false END`;
    case "json":
      return `CASE WHEN json_valid(${v}) THEN CAST(${v} AS JSON) END`;
  }
}

/**
 * Types the raw table: one column per mapped source column, named as in the source. The
 * first column that is missing (when required) or does not fit its type quarantines the
 * record; the reason (computed for those records only) quotes the value found.
 */
export async function typeRaw(stager: Store, source: SourceSpec, raw: RawResult, names: StageNames): Promise<string> {
  const table = `${names.prefix}_${source.name}_typed`;
  const specs = columnSpecs(source);
  const isJson = (await stager.query(`SELECT 1 FROM information_schema.columns WHERE table_name = ${lit(raw.table)} AND column_name = '__json'`)).length > 0;
  // For JSONL the values are extracted once into v0…; for CSV they are the raw columns c0….
  const valueOf = (k: number, name: string, spec: ColumnSpec) =>
    isJson
      ? spec.type === "json"
        ? `CAST(json_extract(__safe, ${lit(jsonPath(name))}) AS VARCHAR)`
        : `json_extract_string(__safe, ${lit(jsonPath(name))})`
      : `c${k}`;
  const v = (k: number) => (isJson ? `v${k}` : `c${k}`);
  const values = isJson
    ? `SELECT __file, __line, __row, __ok, __json, ${specs.map(([name, spec], k) => `${valueOf(k, name, spec)} AS v${k}`).join(", ")}
       FROM (SELECT *, CASE WHEN __ok THEN __json ELSE '{}' END AS __safe
             FROM (SELECT *, coalesce(json_type(CASE WHEN json_valid(__json) THEN __json ELSE 'null' END) = 'OBJECT', false) AS __ok
                   FROM ${raw.table}))`
    : `SELECT *, true AS __ok FROM ${raw.table}`;
  const typed = specs.map(([, spec], k) => `${typedSql(v(k), spec, source.decimal)} AS t${k}`);
  const checks = specs.map(([, spec], k) => {
    const present = `(${v(k)} IS NOT NULL AND trim(${v(k)}) <> '')`;
    const missing = spec.required ? `WHEN NOT ${present} THEN ${k} ` : "";
    return `${missing}WHEN ${present} AND t${k} IS NULL THEN ${k}`;
  });
  const bad = `CASE ${isJson ? "WHEN NOT __ok THEN -1 " : ""}${checks.join(" ")} END`;
  await stager.exec(
    `CREATE OR REPLACE TEMP TABLE ${table} AS
     SELECT __file, __line, __row, ${specs.map(([name], k) => `t${k} AS ${ident(name)}`).join(", ")}, ${bad} AS __bad
     FROM (SELECT *, ${typed.join(", ")} FROM (${values}))`,
  );
  const reasons = specs.map(([, spec], k) => {
    const expected =
      TYPE_WORDS[spec.type] +
      (spec.format ? ` in format ${spec.format}` : "") +
      (spec.type === "double" && source.decimal === "," ? " with decimal comma" : "");
    return `WHEN ${k} THEN CASE WHEN ${v(k)} IS NULL OR trim(${v(k)}) = '' THEN 'a value is required; found nothing'
       ELSE ${lit(`expected ${expected}, found `)} || '''' || left(${v(k)}, 80) || '''' END`;
  });
  const rawText = isJson ? "__json" : `concat_ws(' | ', ${specs.map((_, k) => `coalesce(c${k}, '')`).join(", ")})`;
  const columnNames = specs.map(([name], k) => `WHEN ${k} THEN ${lit(name)}`).join(" ");
  await stager.exec(
    `INSERT INTO ${names.quarantine}
     SELECT ${lit(source.name)}, fl.path, t.__line, CASE t.__bad ${columnNames} END,
            CASE t.__bad ${isJson ? "WHEN -1 THEN CASE WHEN json_valid(r.__json) THEN 'expected a JSON object, found another JSON value' ELSE 'not valid JSON' END" : ""} ${reasons.join(" ")} END,
            left(${rawText}, ${RAW_PREVIEW_CHARS})
     FROM ${table} t
     JOIN (${values}) r ON r.__file = t.__file AND r.__line = t.__line
     JOIN ${names.files} fl ON fl.source = ${lit(source.name)} AND fl.idx = t.__file
     WHERE t.__bad IS NOT NULL;
     DROP TABLE ${raw.table}`,
  );
  return table;
}

function jsonPath(key: string): string {
  return `$."${key.replaceAll('"', '\\"')}"`;
}
