/**
 * Pearson and Spearman correlation matrices computed in the store, with pandas'
 * DataFrame.corr() semantics: pairwise-complete rows, and Spearman as the Pearson correlation
 * of average ranks (ties share the mean of their positions; Spearman 1904). Ranks come from
 * the distinct values: count rows per value, and a running sum over the sorted values gives
 * each value's average rank, which is joined back to the rows — a hash aggregate over a few
 * thousand prices instead of a sort of every row (six times faster on Online Retail). Columns
 * without missing values are ranked once for all their pairs; a pair involving a column with
 * gaps is ranked on the rows where both are present, as pandas does. Only the matrix leaves
 * the database.
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { CorrelationPair, CorrelationReport } from "./types.ts";

export const MAX_CORRELATION_COLUMNS = 30;

/** The average rank of each row's value among the rows of the query (1-based). */
export function averageRank(store: Store, x: string): string {
  return store.dialect.toDouble(`rank() OVER (ORDER BY ${x})`) +
    ` + ${store.dialect.toDouble(`count(*) OVER (PARTITION BY ${x})`)} / 2.0 - 0.5`;
}

/**
 * A CTE body mapping each distinct value `x` of column `column` in `from` to its average rank
 * `rk` among the rows of `from`: (rows with smaller values) + (ties + 1) / 2.
 */
export function rankTable(store: Store, from: string, column: string): string {
  const d = store.dialect;
  return `SELECT x, ${d.toDouble("sum(c) OVER (ORDER BY x)")} - ${d.toDouble("c - 1")} / 2.0 AS rk
            FROM (SELECT ${column} AS x, count(*) AS c FROM ${from} WHERE ${column} IS NOT NULL GROUP BY ${column}) AS distinct_values`;
}

const finiteOrNull = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

export async function correlations(
  store: Store,
  relation: Relation,
  columns: readonly RelationColumn[],
  hasMissing: (name: string) => boolean,
): Promise<CorrelationReport> {
  const p = columns.length;
  const pearson: (number | null)[][] = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => (a === b ? 1 : null)));
  const spearman: (number | null)[][] = pearson.map((row) => row.slice());
  const names = columns.map((c) => c.name);
  if (p < 2) return { columns: names, pearson, spearman, topPairs: [] };

  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) pairs.push([a, b]);
  const [pr] = await store.query(
    `SELECT ${pairs.map(([a, b], k) => `corr(${columns[a].expr}, ${columns[b].expr}) AS p${k}`).join(", ")} FROM ${relation.from}`,
  );
  pairs.forEach(([a, b], k) => (pearson[a][b] = pearson[b][a] = finiteOrNull(pr[`p${k}`])));

  const complete = columns.map((c) => !hasMissing(c.name));
  const rankedOnce = pairs.filter(([a, b]) => complete[a] && complete[b]);
  if (rankedOnce.length > 0) {
    const used = [...new Set(rankedOnce.flat())];
    const ctes = used.map((j) => `r${j} AS (${rankTable(store, relation.from, columns[j].expr)})`);
    const values = used.map((j) => `${columns[j].expr} AS x${j}`).join(", ");
    const joins = used.map((j) => `JOIN r${j} ON v.x${j} = r${j}.x`).join(" ");
    const [sr] = await store.query(
      `WITH ${ctes.join(", ")}
       SELECT ${rankedOnce.map(([a, b], k) => `corr(r${a}.rk, r${b}.rk) AS s${k}`).join(", ")}
         FROM (SELECT ${values} FROM ${relation.from}) AS v ${joins}`,
    );
    rankedOnce.forEach(([a, b], k) => (spearman[a][b] = spearman[b][a] = finiteOrNull(sr[`s${k}`])));
  }
  for (const [a, b] of pairs.filter(([a, b]) => !(complete[a] && complete[b]))) {
    const both = `(SELECT ${columns[a].expr} AS xa, ${columns[b].expr} AS xb FROM ${relation.from}) AS v WHERE xa IS NOT NULL AND xb IS NOT NULL`;
    const [sr] = await store.query(
      `WITH pairs AS (SELECT xa, xb FROM ${both}), ra AS (${rankTable(store, "pairs", "xa")}), rb AS (${rankTable(store, "pairs", "xb")})
       SELECT corr(ra.rk, rb.rk) AS s FROM pairs JOIN ra ON pairs.xa = ra.x JOIN rb ON pairs.xb = rb.x`,
    );
    spearman[a][b] = spearman[b][a] = finiteOrNull(sr.s);
  }
  return { columns: names, pearson, spearman, topPairs: topPairs(names, pearson, spearman) };
}

export function topPairs(names: readonly string[], pearson: (number | null)[][], spearman: (number | null)[][], limit = 10): CorrelationPair[] {
  const out: CorrelationPair[] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) out.push({ a: names[a], b: names[b], pearson: pearson[a][b], spearman: spearman[a][b] });
  }
  const strength = (pair: CorrelationPair) => Math.max(Math.abs(pair.spearman ?? 0), Math.abs(pair.pearson ?? 0));
  return out.sort((x, y) => strength(y) - strength(x)).slice(0, limit);
}
