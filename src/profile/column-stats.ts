/**
 * Per-column summaries in one scan of the table: missing and distinct counts, min / max /
 * mean / standard deviation and linear-interpolated quantiles (pandas' describe()), text
 * lengths, blank and space-padded strings, and the time range. A second scan, once the means
 * are known, gives the central moments behind skewness and kurtosis: computing them from raw
 * power sums in one pass loses every digit on values like prices in the thousands.
 *
 * Quantiles are exact on both engines (DuckDB quantile_cont, PostgreSQL percentile_cont).
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { NumericStats, TextStats } from "./types.ts";

export const QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

export interface ColumnSummary {
  nMissing: number;
  nDistinct: number;
  numeric?: NumericStats;
  text?: TextStats;
  temporal?: { min: string; max: string; minSeconds: number; maxSeconds: number };
  /** Text values that start with a digit, and that contain a space (the shape of codes). */
  leading?: { digit: number; spaced: number };
}

export interface ColumnStats {
  nRows: number;
  byColumn: Map<string, ColumnSummary>;
}

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export async function columnStats(store: Store, relation: Relation): Promise<ColumnStats> {
  const d = store.dialect;
  const select: string[] = ["count(*) AS n_rows"];
  relation.columns.forEach((c, j) => {
    select.push(`count(${c.expr}) AS c${j}_n`, `count(DISTINCT ${c.kind === "temporal" ? c.ident : c.expr}) AS c${j}_distinct`);
    if (c.kind === "numeric") {
      const x = c.expr;
      select.push(
        `min(${x}) AS c${j}_min`, `max(${x}) AS c${j}_max`, `avg(${x}) AS c${j}_mean`, `stddev_samp(${x}) AS c${j}_std`,
        // One sort for all quantiles; none for keys, whose quantiles mean nothing.
        ...(c.idLike ? [] : [`${d.quantiles(c.sortExpr, QUANTILES)} AS c${j}_q`]),
        `sum(CASE WHEN ${x} = 0 THEN 1 ELSE 0 END) AS c${j}_zero`,
        `sum(CASE WHEN ${x} < 0 THEN 1 ELSE 0 END) AS c${j}_neg`,
        `sum(CASE WHEN ${x} <> floor(${x}) THEN 1 ELSE 0 END) AS c${j}_frac`,
      );
    } else if (c.kind === "categorical") {
      const x = c.expr;
      select.push(
        `min(length(${x})) AS c${j}_minlen`, `max(length(${x})) AS c${j}_maxlen`,
        // LIKE on the ends is several times cheaper than trim() on every value.
        `sum(CASE WHEN ${x} LIKE ' %' THEN (CASE WHEN trim(${x}) = '' THEN 1 ELSE 0 END) WHEN ${x} = '' THEN 1 ELSE 0 END) AS c${j}_blank`,
        `sum(CASE WHEN ${x} LIKE ' %' OR ${x} LIKE '% ' THEN 1 ELSE 0 END) AS c${j}_padded`,
        `sum(CASE WHEN left(${x}, 1) BETWEEN '0' AND '9' THEN 1 ELSE 0 END) AS c${j}_digit`,
        `sum(CASE WHEN ${x} LIKE '% %' THEN 1 ELSE 0 END) AS c${j}_spaced`,
      );
    } else {
      select.push(
        `CAST(min(${c.ident}) AS VARCHAR) AS c${j}_tmin`, `CAST(max(${c.ident}) AS VARCHAR) AS c${j}_tmax`,
        `min(${c.expr}) AS c${j}_smin`, `max(${c.expr}) AS c${j}_smax`,
      );
    }
  });
  const [row] = await store.query(`SELECT ${select.join(", ")} FROM ${relation.from}`);
  const nRows = num(row.n_rows);
  const moments = await centralMoments(store, relation, relation.columns.filter((c) => c.kind === "numeric"), row);
  const byColumn: ColumnStats["byColumn"] = new Map();
  relation.columns.forEach((c, j) => {
    const n = num(row[`c${j}_n`]);
    const entry: ColumnSummary = { nMissing: nRows - n, nDistinct: num(row[`c${j}_distinct`]) };
    if (c.kind === "numeric" && n > 0) {
      const quantiles: Record<string, number> = {};
      const values = row[`c${j}_q`];
      if (Array.isArray(values)) QUANTILES.forEach((q, k) => (quantiles[String(q)] = num(values[k])));
      const m = moments.get(c.name);
      entry.numeric = {
        min: num(row[`c${j}_min`]), max: num(row[`c${j}_max`]), mean: num(row[`c${j}_mean`]),
        std: orNull(num(row[`c${j}_std`])),
        skew: m ? m.skew : null, kurtosis: m ? m.kurtosis : null,
        quantiles,
        nZero: num(row[`c${j}_zero`]), nNegative: num(row[`c${j}_neg`]), nNonInteger: num(row[`c${j}_frac`]),
      };
    } else if (c.kind === "categorical" && n > 0) {
      entry.text = {
        minLength: num(row[`c${j}_minlen`]), maxLength: num(row[`c${j}_maxlen`]),
        nBlank: num(row[`c${j}_blank`]), nPadded: num(row[`c${j}_padded`]),
      };
      entry.leading = { digit: num(row[`c${j}_digit`]), spaced: num(row[`c${j}_spaced`]) };
    } else if (c.kind === "temporal" && n > 0) {
      entry.temporal = {
        min: String(row[`c${j}_tmin`]), max: String(row[`c${j}_tmax`]),
        minSeconds: num(row[`c${j}_smin`]), maxSeconds: num(row[`c${j}_smax`]),
      };
    }
    byColumn.set(c.name, entry);
  });
  return { nRows, byColumn };
}

/**
 * Skewness and excess kurtosis with pandas' small-sample adjustments (nanops.nanskew /
 * nankurt): G1 = √(n(n−1)) / (n−2) · m3 / m2^1.5, G2 = n(n+1)(n−1) S4 / ((n−2)(n−3) S2²)
 * − 3(n−1)² / ((n−2)(n−3)), with S_k = Σ (x − mean)^k.
 */
async function centralMoments(
  store: Store,
  relation: Relation,
  numeric: RelationColumn[],
  stats: Record<string, unknown>,
): Promise<Map<string, { skew: number | null; kurtosis: number | null }>> {
  const out = new Map<string, { skew: number | null; kurtosis: number | null }>();
  const usable = numeric.filter((c) => Number.isFinite(num(stats[`c${relation.columns.indexOf(c)}_mean`])));
  if (usable.length === 0) return out;
  const d = store.dialect;
  const select = usable.flatMap((c, j) => {
    const mean = num(stats[`c${relation.columns.indexOf(c)}_mean`]);
    const dev = `(${c.expr} - ${d.number(mean)})`;
    return [`sum(${dev} * ${dev}) AS m${j}_2`, `sum(${dev} * ${dev} * ${dev}) AS m${j}_3`, `sum(${dev} * ${dev} * ${dev} * ${dev}) AS m${j}_4`];
  });
  const [row] = await store.query(`SELECT ${select.join(", ")} FROM ${relation.from}`);
  usable.forEach((c, j) => {
    const n = num(stats[`c${relation.columns.indexOf(c)}_n`]);
    const s2 = num(row[`m${j}_2`]);
    const s3 = num(row[`m${j}_3`]);
    const s4 = num(row[`m${j}_4`]);
    // pandas returns 0 for a constant column and NaN below 3 (skew) / 4 (kurtosis) values.
    const skew = n < 3 ? null : s2 === 0 ? 0 : (Math.sqrt(n * (n - 1)) / (n - 2)) * ((s3 / n) / Math.pow(s2 / n, 1.5));
    const kurtosis =
      n < 4 ? null : s2 === 0 ? 0 : (n * (n + 1) * (n - 1) * s4) / ((n - 2) * (n - 3) * s2 * s2) - (3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
    out.set(c.name, { skew, kurtosis });
  });
  return out;
}
