/**
 * Drift between two snapshots (or two periods) of a table as the population stability index,
 * PSI = Σ_b (a_b − e_b) ln(a_b / e_b), where e_b and a_b are the shares of baseline and current
 * rows in bucket b (Siddiqi 2006, "Credit Risk Scorecards", ch. 8). The usual reading: below
 * 0.1 stable, 0.1–0.25 a moderate shift worth a look, above 0.25 a significant shift.
 *
 * Buckets come from the baseline: for numbers, the distinct baseline deciles as cut points with
 * bins (e_{b−1}, e_b] (numpy.searchsorted(edges, x, side="left")); for categories, the 20
 * most frequent baseline values plus "(other)"; missing values are a bucket of their own. An
 * empty bucket on either side counts as a share of 0.0001 so the logarithm stays finite — the
 * common convention, and the reason PSI is not defined for buckets no one falls in.
 */
import type { Store } from "../store/store.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { DriftColumn, DriftReport } from "./types.ts";

export const PSI_MODERATE = 0.1;
export const PSI_SIGNIFICANT = 0.25;
export const EMPTY_SHARE = 1e-4;
const TOP_CATEGORIES = 20;
const MISSING = "(missing)";
const OTHER = "(other)";

export function psi(expected: readonly number[], actual: readonly number[]): number {
  let total = 0;
  for (let b = 0; b < expected.length; b++) {
    const e = Math.max(expected[b], EMPTY_SHARE);
    const a = Math.max(actual[b], EMPTY_SHARE);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}

export function psiLevel(value: number): DriftColumn["level"] {
  return value >= PSI_SIGNIFICANT ? "significant" : value >= PSI_MODERATE ? "moderate" : "stable";
}

export async function drift(
  store: Store,
  table: string,
  baseline: Relation,
  current: Relation,
  columns: readonly RelationColumn[],
): Promise<DriftReport> {
  const d = store.dialect;
  const count = async (r: Relation) => Number((await store.query<{ n: number }>(`SELECT count(*) AS n FROM ${r.from}`))[0].n);
  const nBaseline = await count(baseline);
  const nCurrent = await count(current);
  const numeric = columns.filter((c) => c.kind === "numeric");
  const deciles = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const edgesByColumn = new Map<string, number[]>();
  if (numeric.length > 0 && nBaseline > 0) {
    const [q] = await store.query(
      `SELECT ${numeric.map((c, j) => `${d.quantiles(c.expr, deciles)} AS c${j}`).join(", ")} FROM ${baseline.from}`,
    );
    numeric.forEach((c, j) => {
      const values = Array.isArray(q[`c${j}`]) ? (q[`c${j}`] as unknown[]) : [];
      const edges = values.map(Number).filter((v) => Number.isFinite(v));
      edgesByColumn.set(c.name, [...new Set(edges)].sort((a, b) => a - b));
    });
  }

  const out: DriftColumn[] = [];
  for (const c of columns) {
    let bucket: string;
    let labels: string[];
    if (c.kind === "numeric") {
      const edges = edgesByColumn.get(c.name) ?? [];
      const index = edges.length === 0 ? "0" : edges.map((e) => `(CASE WHEN ${c.expr} > ${d.number(e)} THEN 1 ELSE 0 END)`).join(" + ");
      bucket = `CASE WHEN ${c.expr} IS NULL THEN -1 ELSE ${index} END`;
      labels = edges.length === 0 ? ["all"] : [`≤ ${edges[0]}`, ...edges.slice(1).map((e, b) => `(${edges[b]}, ${e}]`), `> ${edges[edges.length - 1]}`];
    } else {
      const top = await store.query<{ v: string }>(
        `SELECT ${c.expr} AS v FROM ${baseline.from} WHERE ${c.expr} IS NOT NULL GROUP BY ${c.expr} ORDER BY count(*) DESC, v LIMIT ${TOP_CATEGORIES}`,
      );
      labels = top.map((r) => String(r.v));
      const list = labels.map((v) => d.literal(v)).join(", ");
      bucket = `CASE WHEN ${c.expr} IS NULL THEN -1 ${labels.length > 0 ? `WHEN ${c.expr} IN (${list}) THEN ${caseIndex(c.expr, labels, d.literal)}` : ""} ELSE ${labels.length} END`;
      labels = [...labels, OTHER];
    }
    labels = [...labels, MISSING];
    const shares = async (r: Relation, total: number) => {
      const rows = await store.query<{ b: number; n: number }>(`SELECT ${bucket} AS b, count(*) AS n FROM ${r.from} GROUP BY 1`);
      const s = new Array<number>(labels.length).fill(0);
      for (const row of rows) {
        const b = Number(row.b);
        s[b < 0 ? labels.length - 1 : b] += total > 0 ? Number(row.n) / total : 0;
      }
      return s;
    };
    const expected = await shares(baseline, nBaseline);
    const actual = await shares(current, nCurrent);
    // Buckets empty on both sides say nothing; drop them ("(other)" and "(missing)" usually).
    const keep = labels.map((_, b) => expected[b] > 0 || actual[b] > 0);
    const value = psi(expected.filter((_, b) => keep[b]), actual.filter((_, b) => keep[b]));
    out.push({
      column: c.name,
      psi: value,
      level: psiLevel(value),
      buckets: labels.flatMap((label, b) => (keep[b] ? [{ label, expected: expected[b], actual: actual[b] }] : [])),
    });
  }
  return { table, baseline: baseline.name, current: current.name, nBaseline, nCurrent, columns: out };
}

function caseIndex(x: string, labels: readonly string[], literal: (v: string) => string): string {
  return `CASE ${labels.map((v, b) => `WHEN ${x} = ${literal(v)} THEN ${b}`).join(" ")} END`;
}
