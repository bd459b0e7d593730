/**
 * Declarative cleaning rules compiled to SQL. A rule names a condition on the target's
 * canonical fields; rows where it holds are dropped and counted under the rule's name, so
 * the reconciliation (rows read = loaded + rejected + Σ filtered) can say why every row that
 * was not loaded is missing. A row is counted under the first rule that drops it.
 */
import { duckdb } from "../store/dialect.ts";
import type { Condition, Rule } from "./mapping.ts";

const ident = duckdb.ident;

function value(v: string | number): string {
  return typeof v === "number" ? duckdb.number(v) : duckdb.literal(v);
}

/** The SQL condition (DuckDB) under which a row is dropped. NULL never drops a row, except `missing`. */
export function conditionSql(condition: Condition): string {
  if ("sql" in condition) return `(${condition.sql})`;
  const field = ident(condition.field);
  if ("below" in condition) return `(${field} < ${value(condition.below)})`;
  if ("above" in condition) return `(${field} > ${value(condition.above)})`;
  if ("in" in condition) return `(${field} IN (${condition.in.map(value).join(", ")}))`;
  if ("matches" in condition) return `regexp_matches(CAST(${field} AS VARCHAR), ${duckdb.literal(condition.matches)})`;
  return `(${field} IS NULL)`;
}

/** A CASE expression giving the name of the first rule that drops the row, or NULL. */
export function firstRuleSql(rules: readonly Rule[]): string {
  if (rules.length === 0) return "CAST(NULL AS VARCHAR)";
  const whens = rules.map((r) => `WHEN coalesce(${conditionSql(r.drop)}, false) THEN ${duckdb.literal(r.name)}`);
  return `CASE ${whens.join(" ")} END`;
}

/** Human description of a rule for reports (the rule's own description when it has one). */
export function describeRule(rule: Rule): string {
  if (rule.description) return rule.description;
  const c = rule.drop;
  if ("sql" in c) return `drop rows where ${c.sql}`;
  if ("below" in c) return `drop rows with ${c.field} < ${c.below}`;
  if ("above" in c) return `drop rows with ${c.field} > ${c.above}`;
  if ("in" in c) return `drop rows with ${c.field} in ${c.in.join(", ")}`;
  if ("matches" in c) return `drop rows with ${c.field} matching /${c.matches}/`;
  return `drop rows without ${c.field}`;
}
