/**
 * A mapping says how a user's files become canonical rows: which files, in which format,
 * which columns with which types, which canonical table(s) they fill with which fields, and
 * which named cleaning rules drop rows. Mapping files are JSON or YAML; the built-in presets
 * are mappings too (src/data/presets/). docs/data-model.md documents the format by example.
 *
 * Field expressions are DuckDB SQL evaluated in the staging database over the typed source
 * columns (plus `__file`, `__line` and `__row`, the 0-based record number in its file); a
 * field whose value is exactly a source column name is that column.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { canonicalTableNames, canonicalTables } from "./schema.ts";

export const ColumnTypeName = z.enum(["string", "id", "integer", "double", "timestamp", "date", "boolean", "json"]);
export type ColumnTypeName = z.infer<typeof ColumnTypeName>;

export const ColumnSpec = z.strictObject({
  /** string: text as is; id: text with `13995.0` → `13995`; json: a JSON value (JSONL sources). */
  type: ColumnTypeName.default("string"),
  /** A record whose value is missing or empty is quarantined. */
  required: z.boolean().default(false),
  /** strptime format for timestamp/date (e.g. "%Y%m%d"); default: ISO 8601. */
  format: z.string().optional(),
});
export type ColumnSpec = z.infer<typeof ColumnSpec>;

const Condition = z.union([
  z.strictObject({ field: z.string(), below: z.number() }),
  z.strictObject({ field: z.string(), above: z.number() }),
  z.strictObject({ field: z.string(), in: z.array(z.union([z.string(), z.number()])).min(1) }),
  /** Drops values that match the regular expression (RE2 syntax, as DuckDB's regexp_matches). */
  z.strictObject({ field: z.string(), matches: z.string() }),
  z.strictObject({ field: z.string(), missing: z.literal(true) }),
  /** Any DuckDB SQL condition over the target's fields. */
  z.strictObject({ sql: z.string() }),
]);
export type Condition = z.infer<typeof Condition>;

export const Rule = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "rule names are snake_case"),
  description: z.string().optional(),
  /** Rows for which the condition holds are dropped and counted under the rule's name. */
  drop: Condition,
});
export type Rule = z.infer<typeof Rule>;

const TableName = z.enum(canonicalTableNames as [string, ...string[]]);

export const Target = z.strictObject({
  table: TableName,
  /** canonical column → SQL expression (or source column name). */
  fields: z.record(z.string(), z.string()),
});
export type Target = z.infer<typeof Target>;

export const SourceSpec = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, "source names are snake_case"),
  /** Glob relative to PATH (compression suffix ignored); default: every file. */
  files: z.string().optional(),
  /** whitespace: columns separated by runs of spaces/tabs (CDNOW). */
  format: z.enum(["auto", "csv", "jsonl", "parquet", "whitespace"]).default("auto"),
  /** CSV separator; "auto" sniffs among , ; TAB |. */
  delimiter: z.union([z.literal("auto"), z.string().length(1, "a separator is one character (or \"auto\")")]).default("auto"),
  decimal: z.enum([".", ","]).default("."),
  quote: z.string().max(1).default('"'),
  escape: z.string().max(1).optional(),
  header: z.boolean().default(true),
  /** Source columns by name (CSV header, JSON key); for headerless files, in file order. */
  columns: z.record(z.string(), z.union([ColumnTypeName, ColumnSpec])),
  targets: z.array(Target).min(1),
  /** Cleaning rules, applied in order to the first target's fields; a row counts under the first rule that drops it. */
  rules: z.array(Rule).default([]),
});
export type SourceSpec = z.infer<typeof SourceSpec>;

/** A canonical table computed from what this ingest staged (e.g. customers from orders). */
export const Derived = z.strictObject({
  table: TableName,
  /** DuckDB SQL; `{orders}` etc. name this ingest's staged rows of that canonical table. */
  sql: z.string(),
});

export const CustomerPolicy = z.enum(["anonymous", "drop", "generate"]);
export type CustomerPolicy = z.infer<typeof CustomerPolicy>;

export const Mapping = z.strictObject({
  dataset: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "dataset names are lower-case, digits, - and _"),
  description: z.string().optional(),
  /** What to do with rows whose customer_id is missing: keep as anonymous (NULL), drop, or generate an id per order. */
  customerPolicy: CustomerPolicy.optional(),
  sources: z.array(SourceSpec).min(1),
  derived: z.array(Derived).default([]),
});
export type Mapping = z.infer<typeof Mapping>;
export type MappingInput = z.input<typeof Mapping>;

/** The fields a mapping may give for a canonical table (dataset and ingest_id are added by the loader). */
export function targetFields(table: string): string[] {
  const def = canonicalTables[table as keyof typeof canonicalTables];
  return def.columns.map((c) => c.name).filter((name) => name !== "dataset" && name !== "ingest_id");
}

/** Normalised column specs (a bare type name becomes `{ type }`). */
export function columnSpecs(source: SourceSpec): [string, ColumnSpec][] {
  return Object.entries(source.columns).map(([name, spec]) => [
    name,
    typeof spec === "string" ? ColumnSpec.parse({ type: spec }) : spec,
  ]);
}

export function parseMapping(input: unknown, origin: string): Mapping {
  const parsed = Mapping.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new PatronError("E_MAPPING", `${origin} is not a valid mapping: ${issues}. See docs/data-model.md#mapping-files.`);
  }
  const mapping = parsed.data;
  const names = new Set<string>();
  for (const source of mapping.sources) {
    if (names.has(source.name)) throw new PatronError("E_MAPPING", `${origin}: source name "${source.name}" is used twice.`);
    names.add(source.name);
    for (const target of source.targets) {
      const fields = targetFields(target.table);
      const unknown = Object.keys(target.fields).filter((f) => !fields.includes(f));
      if (unknown.length > 0) {
        throw new PatronError(
          "E_MAPPING",
          `${origin}: source ${source.name}: ${target.table} has no field ${unknown.map((f) => `"${f}"`).join(", ")}; its fields are ${fields.join(", ")}.`,
        );
      }
    }
    const primary = source.targets[0].table;
    for (const rule of source.rules) {
      if ("field" in rule.drop && !targetFields(primary).includes(rule.drop.field)) {
        throw new PatronError(
          "E_MAPPING",
          `${origin}: source ${source.name}: rule ${rule.name} tests field "${rule.drop.field}", which ${primary} does not have; rules test the first target's fields: ${targetFields(primary).join(", ")}.`,
        );
      }
    }
  }
  return mapping;
}

/** Reads a mapping file (.json, .yaml or .yml). */
export function loadMapping(path: string): Mapping {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PatronError("E_NOT_FOUND", `cannot read mapping file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new PatronError("E_MAPPING", `${path} is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(error as Error).message}`);
  }
  return parseMapping(data, path);
}
