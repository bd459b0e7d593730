/**
 * Two checks on what values look like, both grouped in SQL:
 *  - off-pattern codes: in a code column where nearly every value starts with a digit
 *    (stock codes '85123A', invoice numbers '536365'), the few that do not are usually not
 *    the same kind of thing ('POST', 'D', 'M', 'BANK CHARGES', cancellations 'C536379');
 *  - negative values in an almost always positive measure, explained, when it can be, by a
 *    code prefix that marks them (returns and cancellations on 'C' invoices).
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { NegativeMarker, OffPattern } from "./types.ts";

/** Share of values of the dominant leading class above which the rest is "off-pattern". */
const DOMINANT = 0.9;
const MIN_DISTINCT = 20;

/**
 * Digit-led codes with a minority of exceptions. (Letter-led codes with digit-led exceptions
 * exist too, but telling letters from punctuation portably costs a scan of upper/lower on every
 * value; the digit test is a plain range comparison.)
 */
export function isCodeLike(s: { nonNull: number; nDistinct: number; leading?: { digit: number; spaced: number } }): false | "digit" {
  if (!s.leading || s.nonNull === 0 || s.nDistinct < MIN_DISTINCT) return false;
  // Free text (descriptions, names) has spaces; codes do not.
  if (s.leading.spaced / s.nonNull > 0.05) return false;
  if (s.leading.digit / s.nonNull >= DOMINANT && s.leading.digit < s.nonNull) return "digit";
  return false;
}

function leadingTest(x: string): string {
  return `left(${x}, 1) BETWEEN '0' AND '9'`;
}

export async function offPattern(store: Store, relation: Relation, column: RelationColumn, normal: "digit", normalShare: number): Promise<OffPattern> {
  const x = column.expr;
  const grouped = `SELECT ${x} AS v, count(*) AS n FROM ${relation.from} WHERE ${x} IS NOT NULL AND NOT (${leadingTest(x)}) GROUP BY ${x}`;
  // One scan: the off-pattern values with their counts, totals as window sums over the groups.
  const rows = await store.query<{ kind: string; v: string; n: number; n_values: number; n_rows: number }>(
    `WITH g AS (${grouped}),
          t AS (SELECT v, n, count(*) OVER () AS n_values, sum(n) OVER () AS n_rows FROM g)
     SELECT * FROM (SELECT 'value' AS kind, v, n, n_values, n_rows FROM t ORDER BY n DESC, v LIMIT 12) AS top_values
     UNION ALL
     SELECT 'prefix' AS kind, left(v, 1) AS v, sum(n) AS n, 0 AS n_values, 0 AS n_rows FROM g GROUP BY left(v, 1)`,
  );
  const values = rows.filter((r) => r.kind === "value");
  const prefixes = rows.filter((r) => r.kind === "prefix").sort((a, b) => Number(b.n) - Number(a.n) || String(a.v).localeCompare(String(b.v)));
  return {
    column: column.name,
    normal,
    normalShare,
    nRows: Number(values[0]?.n_rows ?? 0),
    nValues: Number(values[0]?.n_values ?? 0),
    examples: values.map((r) => ({ value: String(r.v), count: Number(r.n) })),
    prefixes: prefixes.slice(0, 10).map((r) => ({ value: String(r.v), count: Number(r.n) })),
  };
}

type Marker = Required<Omit<NegativeMarker, "column" | "nNegative">>;

/**
 * For each measure with negative values: a first character of a code column that covers at
 * least half of the rows where the measure is negative and almost none (≤ 1 %) of the others.
 * One GROUP BY per code column serves all measures.
 */
export async function explainNegatives(
  store: Store,
  relation: Relation,
  values: readonly RelationColumn[],
  codeColumns: readonly RelationColumn[],
): Promise<Map<string, Marker>> {
  const best = new Map<string, Marker>();
  if (values.length === 0) return best;
  for (const code of codeColumns) {
    const sums = values.flatMap((v, j) => [
      `sum(CASE WHEN ${v.expr} < 0 THEN 1 ELSE 0 END) AS neg${j}`,
      `sum(CASE WHEN ${v.expr} >= 0 THEN 1 ELSE 0 END) AS pos${j}`,
    ]);
    const rows = await store.query(
      `SELECT left(${code.expr}, 1) AS p, ${sums.join(", ")} FROM ${relation.from} WHERE ${code.expr} IS NOT NULL GROUP BY left(${code.expr}, 1)`,
    );
    values.forEach((v, j) => {
      const totalNeg = rows.reduce((s, r) => s + Number(r[`neg${j}`]), 0);
      const totalPos = rows.reduce((s, r) => s + Number(r[`pos${j}`]), 0);
      for (const r of rows) {
        const neg = Number(r[`neg${j}`]);
        const pos = Number(r[`pos${j}`]);
        if (r.p === null || neg === 0 || neg < 0.5 * totalNeg || pos > 0.01 * totalPos) continue;
        const current = best.get(v.name);
        if (!current || neg > current.nNegativeWithPrefix) {
          best.set(v.name, { codeColumn: code.name, prefix: String(r.p), nNegativeWithPrefix: neg, nNonNegativeWithPrefix: pos });
        }
      }
    });
  }
  return best;
}
