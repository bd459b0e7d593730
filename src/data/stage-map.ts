/**
 * Staging, step 2: typed source rows become canonical rows. Each target's fields are SQL
 * over the typed columns; fields the mapping leaves out get the model's defaults (line_no,
 * amount, is_return, …); a row missing a required canonical value is quarantined; then the
 * cleaning rules run on the first target's fields, then duplicate natural keys within this
 * ingest are dropped. The result is one staged table per target with exactly the canonical
 * columns (without dataset and ingest_id, which the loader adds).
 */
import { PatronError } from "../core/errors.ts";
import { duckdb } from "../store/dialect.ts";
import type { Store } from "../store/store.ts";
import { columnSpecs, type CustomerPolicy, type Mapping, type Rule, type SourceSpec } from "./mapping.ts";
import { firstRuleSql } from "./rules.ts";
import { canonicalTables, type CanonicalTableName, type ColumnDef, type ColumnType } from "./schema.ts";
import type { StageNames } from "./stage-read.ts";

const ident = duckdb.ident;
const lit = duckdb.literal;

export const EVENT_TYPES = ["view", "buy", "return"] as const;
/** Rule names the pipeline itself uses (mapping rules may not reuse them). */
export const BUILT_IN_RULES = {
  missing_customer_id: "customer id missing (customer policy: drop)",
  duplicate_key: "a row with the same natural key came earlier in this ingest",
  already_loaded: "a row with the same natural key is already in the store",
} as const;

export interface StagedTarget {
  readonly table: CanonicalTableName;
  readonly staged: string;
}

export interface MappedSource {
  readonly targets: StagedTarget[];
  readonly filtered: Record<string, number>;
  readonly kept: number;
}

const DUCK_TYPES: Record<ColumnType, string> = {
  text: "VARCHAR",
  double: "DOUBLE",
  integer: "BIGINT",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
  json: "JSON",
};

const AUTOMATIC = new Set(["dataset", "ingest_id"]);

export function payloadColumns(table: CanonicalTableName): ColumnDef[] {
  return (canonicalTables[table].columns as readonly ColumnDef[]).filter((c) => !AUTOMATIC.has(c.name));
}

/** Defaults for fields a mapping does not give, written over the other canonical fields. */
function defaultSql(table: CanonicalTableName, column: string, given: Set<string>): string | undefined {
  if (table === "orders") {
    if (column === "line_no" && given.has("order_id")) return `row_number() OVER (PARTITION BY __file, "order_id" ORDER BY __line)`;
    if (column === "amount") return `"quantity" * "unit_price"`;
    if (column === "is_return") return `"quantity" < 0`;
    if (column === "is_cancellation") return "false";
  }
  return undefined;
}

function fieldSql(expr: string, sourceColumns: readonly string[]): string {
  return sourceColumns.includes(expr) ? ident(expr) : `(${expr})`;
}

function customerSql(policy: CustomerPolicy, given: Set<string>): string {
  if (policy !== "generate") return `"customer_id"`;
  const per = given.has("order_id") ? `"order_id"` : `CAST(__file AS VARCHAR) || '-' || CAST(__line AS VARCHAR)`;
  return `coalesce("customer_id", 'anon-' || ${per})`;
}

/**
 * Builds the staged canonical tables of one source and returns the per-rule counts. Rows
 * that fail validation go to the quarantine table.
 */
export async function mapSource(
  stager: Store,
  mapping: Mapping,
  source: SourceSpec,
  typedTable: string,
  names: StageNames,
  policy: CustomerPolicy,
): Promise<MappedSource> {
  const sourceColumns = columnSpecs(source).map(([name]) => name);
  const dropped = `${names.prefix}_${source.name}_dropped`;
  await stager.exec(`CREATE OR REPLACE TEMP TABLE ${dropped} (__file INTEGER, __line BIGINT, verdict VARCHAR)`);
  const mappedTables: string[] = [];
  for (const [i, target] of source.targets.entries()) {
    const table = target.table as CanonicalTableName;
    const columns = payloadColumns(table);
    const given = new Set(Object.keys(target.fields));
    const level1 = Object.entries(target.fields).map(([field, expr]) => `${fieldSql(expr, sourceColumns)} AS ${ident(field)}`);
    const level2 = columns.map((c) => {
      let expr = given.has(c.name) ? ident(c.name) : (defaultSql(table, c.name, given) ?? "NULL");
      if (c.name === "customer_id" && given.has("customer_id")) expr = customerSql(policy, given);
      if (!given.has(c.name) && !c.nullable && defaultSql(table, c.name, given) === undefined) {
        throw new PatronError("E_MAPPING", `source ${source.name}: ${table}.${c.name} is required; add it to the target's fields.`);
      }
      return `TRY_CAST(${expr} AS ${DUCK_TYPES[c.type]}) AS ${ident(c.name)}`;
    });
    const staged = `${names.prefix}_${source.name}_t${i}`;
    mappedTables.push(staged);
    try {
      await stager.exec(
        `CREATE OR REPLACE TEMP TABLE ${staged} AS
         SELECT __file, __line, ${level2.join(", ")}
         FROM (SELECT __file, __line, __row, ${level1.join(", ")} FROM ${typedTable} WHERE __bad IS NULL)`,
      );
    } catch (error) {
      throw new PatronError(
        "E_MAPPING",
        `source ${source.name}: a field of target ${table} cannot be computed: ${(error as Error).message.split("\n")[0]}. Field expressions are DuckDB SQL over the source columns ${sourceColumns.join(", ")}.`,
      );
    }
    // Required canonical values: name the source column when the field is one.
    const checks: (readonly [string, string, string, string?])[] = columns
      .filter((c) => !c.nullable)
      .map((c) => {
        const expr = target.fields[c.name];
        const column = expr !== undefined && sourceColumns.includes(expr) ? expr : `${table}.${c.name}`;
        return [`m.${ident(c.name)} IS NULL`, column, `${table}.${c.name} is missing or could not be computed`];
      });
    if (table === "events") {
      const column = sourceColumns.includes(target.fields.event_type ?? "") ? target.fields.event_type : "events.event_type";
      checks.push([
        `m."event_type" NOT IN (${EVENT_TYPES.map(lit).join(", ")})`,
        column,
        `events.event_type must be one of ${EVENT_TYPES.join(", ")}`,
        `'; found ''' || left(m."event_type", 40) || ''''`,
      ]);
    }
    if (checks.length > 0) {
      const reason = `CASE ${checks.map(([cond, , why, found]) => `WHEN ${cond} THEN ${lit(why)}${found ? ` || ${found}` : ""}`).join(" ")} END`;
      const column = `CASE ${checks.map(([cond, col]) => `WHEN ${cond} THEN ${lit(col)}`).join(" ")} END`;
      await stager.exec(
        `INSERT INTO ${names.quarantine}
         SELECT ${lit(source.name)}, fl.path, m.__line, ${column}, ${reason}, NULL
         FROM ${staged} m JOIN ${names.files} fl ON fl.source = ${lit(source.name)} AND fl.idx = m.__file
         WHERE (${checks.map(([cond]) => cond).join(" OR ")})
           AND NOT EXISTS (SELECT 1 FROM ${dropped} d WHERE d.__file = m.__file AND d.__line = m.__line);
         INSERT INTO ${dropped} SELECT __file, __line, 'rejected' FROM ${staged} m
         WHERE (${checks.map(([cond]) => cond).join(" OR ")})
           AND NOT EXISTS (SELECT 1 FROM ${dropped} d WHERE d.__file = m.__file AND d.__line = m.__line)`,
      );
    }
  }
  const rules: Rule[] = [...source.rules];
  const primary = source.targets[0].table as CanonicalTableName;
  for (const rule of rules) {
    if (rule.name in BUILT_IN_RULES) throw new PatronError("E_MAPPING", `source ${source.name}: rule name ${rule.name} is reserved.`);
  }
  if (policy === "drop" && payloadColumns(primary).some((c) => c.name === "customer_id")) {
    rules.push({ name: "missing_customer_id", description: BUILT_IN_RULES.missing_customer_id, drop: { field: "customer_id", missing: true } });
  }
  const first = mappedTables[0];
  const key = (canonicalTables[primary].key as readonly string[]).filter((k) => !AUTOMATIC.has(k)).map(ident).join(", ");
  await stager.exec(
    `INSERT INTO ${dropped}
     SELECT __file, __line, verdict FROM (SELECT __file, __line, ${firstRuleSql(rules)} AS verdict FROM ${first} m
       WHERE NOT EXISTS (SELECT 1 FROM ${dropped} d WHERE d.__file = m.__file AND d.__line = m.__line)) WHERE verdict IS NOT NULL;
     INSERT INTO ${dropped}
     SELECT __file, __line, 'duplicate_key' FROM (
       SELECT __file, __line, row_number() OVER (PARTITION BY ${key} ORDER BY __file, __line) AS k FROM ${first} m
       WHERE NOT EXISTS (SELECT 1 FROM ${dropped} d WHERE d.__file = m.__file AND d.__line = m.__line)) WHERE k > 1`,
  );
  const targets: StagedTarget[] = [];
  for (const [i, staged] of mappedTables.entries()) {
    const table = source.targets[i].table as CanonicalTableName;
    const cols = payloadColumns(table).map((c) => ident(c.name));
    const final = `${staged}_final`;
    // Secondary targets (customers from order lines, …) repeat keys: keep the first row per key.
    const tableKey = (canonicalTables[table].key as readonly string[]).filter((k) => !AUTOMATIC.has(k)).map(ident).join(", ");
    const firstPerKey = i > 0 ? `QUALIFY row_number() OVER (PARTITION BY ${tableKey} ORDER BY __file, __line) = 1` : "";
    await stager.exec(
      `CREATE OR REPLACE TEMP TABLE ${final} AS
       SELECT ${cols.join(", ")} FROM ${staged} m
       WHERE NOT EXISTS (SELECT 1 FROM ${dropped} d WHERE d.__file = m.__file AND d.__line = m.__line)
       ${firstPerKey};
       DROP TABLE ${staged}`,
    );
    targets.push({ table, staged: final });
  }
  const counts = await stager.query<{ verdict: string; n: number }>(
    `SELECT verdict, count(*) AS n FROM ${dropped} WHERE verdict <> 'rejected' GROUP BY verdict`,
  );
  const filtered: Record<string, number> = {};
  for (const rule of rules) filtered[rule.name] = 0;
  filtered.duplicate_key = 0;
  for (const row of counts) filtered[row.verdict] = Number(row.n);
  const [{ n: kept }] = await stager.query<{ n: number }>(`SELECT count(*) AS n FROM ${targets[0].staged}`);
  await stager.exec(`DROP TABLE ${dropped}; DROP TABLE ${typedTable}`);
  void mapping;
  return { targets, filtered, kept: Number(kept) };
}

/** Derived tables (customers from orders, …) over this ingest's staged canonical rows. */
export async function deriveTables(stager: Store, mapping: Mapping, staged: StagedTarget[], names: StageNames): Promise<StagedTarget[]> {
  const out: StagedTarget[] = [];
  for (const [i, derived] of mapping.derived.entries()) {
    const table = derived.table as CanonicalTableName;
    const sql = derived.sql.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
      const parts = staged.filter((s) => s.table === name).map((s) => `SELECT * FROM ${s.staged}`);
      if (parts.length === 0) {
        throw new PatronError("E_MAPPING", `derived ${table}: no source of this mapping fills {${name}}.`);
      }
      return `(${parts.join(" UNION ALL ")})`;
    });
    const tmp = `${names.prefix}_derived${i}`;
    await stager.exec(`CREATE OR REPLACE TEMP TABLE ${tmp}_raw AS ${sql}`);
    const have = new Set((await stager.query<{ column_name: string }>(`DESCRIBE ${tmp}_raw`)).map((r) => r.column_name));
    const cols = payloadColumns(table).map((c) => {
      if (!have.has(c.name) && !c.nullable) {
        throw new PatronError("E_MAPPING", `derived ${table}: the SQL must return column ${c.name}.`);
      }
      return `TRY_CAST(${have.has(c.name) ? ident(c.name) : "NULL"} AS ${DUCK_TYPES[c.type]}) AS ${ident(c.name)}`;
    });
    await stager.exec(`CREATE OR REPLACE TEMP TABLE ${tmp} AS SELECT ${cols.join(", ")} FROM ${tmp}_raw; DROP TABLE ${tmp}_raw`);
    out.push({ table, staged: tmp });
  }
  return out;
}
