/**
 * Exact duplicate rows (pandas' duplicated(keep="first"): NULLs compare equal) and repeated
 * values of key columns, counted by GROUP BY in the store; only the few largest duplicate
 * groups come back as examples. Key columns are those the caller expects to be unique (named
 * keys, near-unique ids): counting repeats of an invoice number that repeats by design costs a
 * scan and tells nothing.
 */
import type { Store } from "../store/store.ts";
import { rowText, type Relation } from "./relation.ts";
import type { DuplicateReport } from "./types.ts";

export async function duplicates(store: Store, relation: Relation, idColumns: readonly string[], nExamples = 3): Promise<DuplicateReport> {
  const all = relation.columns.map((c) => c.ident).join(", ");
  const groups = `SELECT ${all}, count(*) AS dup_count FROM ${relation.from} GROUP BY ${all} HAVING count(*) > 1`;
  // One GROUP BY serves both the totals (window sums over the groups) and the largest groups.
  const text = relation.columns.map((c) => `CAST(${c.ident} AS VARCHAR) AS ${c.ident}`).join(", ");
  const rows = await store.query(
    `SELECT ${text}, dup_count, sum(dup_count - 1) OVER () AS extra, count(*) OVER () AS n_groups
       FROM (${groups}) AS g ORDER BY dup_count DESC LIMIT ${Math.max(1, nExamples)}`,
  );
  const nDuplicateRows = Number(rows[0]?.extra ?? 0);
  const examples = rows.slice(0, nExamples).map((r) => ({ count: Number(r.dup_count), row: rowText(r, relation.columns) }));
  const ids: DuplicateReport["ids"] = [];
  for (const name of idColumns) {
    const column = relation.columns.find((c) => c.name === name);
    if (!column) continue;
    const [r] = await store.query<{ n_values: number; n_rows: number | null; max_rows: number | null }>(
      `SELECT count(*) AS n_values, sum(n) AS n_rows, max(n) AS max_rows FROM (
         SELECT count(*) AS n FROM ${relation.from} WHERE ${column.ident} IS NOT NULL GROUP BY ${column.ident} HAVING count(*) > 1
       ) AS repeated`,
    );
    ids.push({
      column: name,
      nDuplicateValues: Number(r.n_values),
      nRowsInvolved: Number(r.n_rows ?? 0),
      maxRowsPerValue: Number(r.max_rows ?? 0),
    });
  }
  return { nDuplicateRows, nDuplicateGroups: Number(rows[0]?.n_groups ?? 0), examples, ids };
}
