/**
 * Outliers by two standard rules, counted in SQL:
 *  - Tukey's fences (Tukey 1977): below Q1 − 1.5 IQR or above Q3 + 1.5 IQR; "far out" beyond
 *    3 IQR;
 *  - the modified z-score 0.6745 (x − median) / MAD, flagged above 3.5 (Iglewicz & Hoaglin
 *    1993, "How to Detect and Handle Outliers"), robust where the mean and standard deviation
 *    are dragged by the very values we look for.
 * The median absolute deviation needs the median first, so this is two scans after the column
 * statistics; then the few most extreme rows of each column come back as examples. When more
 * than half the values equal the median (MAD = 0) the scale falls back to 1.2533 × the mean
 * absolute deviation from the median (the consistency constant √(π/2); IBM SPSS Modeler's
 * rule), so a column of mostly 4s with some 3s and 5s is not "all outliers".
 */
import type { Store } from "../store/store.ts";
import { rowText, textSelectList, type Relation, type RelationColumn } from "./relation.ts";
import type { Outliers } from "./types.ts";

export const ROBUST_Z_LIMIT = 3.5;
const MAD_TO_SIGMA = 1 / 0.6745; // 1/Φ⁻¹(0.75): makes MAD estimate σ for normal data.
const MEAN_AD_TO_SIGMA = Math.sqrt(Math.PI / 2);

export interface OutlierInput {
  column: RelationColumn;
  q25: number;
  median: number;
  q75: number;
}

export async function outliers(store: Store, relation: Relation, inputs: readonly OutlierInput[], nExamples = 5): Promise<Map<string, Outliers>> {
  const out = new Map<string, Outliers>();
  if (inputs.length === 0) return out;
  const d = store.dialect;
  const fences = inputs.map((s) => {
    const iqr = s.q75 - s.q25;
    return { low: s.q25 - 1.5 * iqr, high: s.q75 + 1.5 * iqr, farLow: s.q25 - 3 * iqr, farHigh: s.q75 + 3 * iqr };
  });
  const first = inputs.flatMap((s, j) => {
    const x = s.column.expr;
    const f = fences[j];
    return [
      `${d.quantile(`abs(${x} - ${d.number(s.median)})`, 0.5)} AS c${j}_mad`,
      `avg(abs(${x} - ${d.number(s.median)})) AS c${j}_meanad`,
      `sum(CASE WHEN ${x} < ${d.number(f.low)} THEN 1 ELSE 0 END) AS c${j}_below`,
      `sum(CASE WHEN ${x} > ${d.number(f.high)} THEN 1 ELSE 0 END) AS c${j}_above`,
      `sum(CASE WHEN ${x} < ${d.number(f.farLow)} OR ${x} > ${d.number(f.farHigh)} THEN 1 ELSE 0 END) AS c${j}_far`,
    ];
  });
  const [a] = await store.query(`SELECT ${first.join(", ")} FROM ${relation.from}`);
  const mads = inputs.map((_, j) => Number(a[`c${j}_mad`]));
  const scales = inputs.map((_, j) => {
    const meanAd = Number(a[`c${j}_meanad`]);
    return mads[j] > 0 ? MAD_TO_SIGMA * mads[j] : meanAd > 0 ? MEAN_AD_TO_SIGMA * meanAd : 0;
  });
  const second = inputs.flatMap((s, j) => {
    if (!(scales[j] > 0)) return [];
    const z = `abs(${s.column.expr} - ${d.number(s.median)}) * ${d.number(1 / scales[j])}`;
    return [`sum(CASE WHEN ${z} > ${ROBUST_Z_LIMIT} THEN 1 ELSE 0 END) AS c${j}_nz`, `max(${z}) AS c${j}_maxz`];
  });
  const b = second.length > 0 ? (await store.query(`SELECT ${second.join(", ")} FROM ${relation.from}`))[0] : {};
  for (let j = 0; j < inputs.length; j++) {
    const s = inputs[j];
    const mad = mads[j];
    const scale = scales[j];
    const report: Outliers = {
      iqrLow: fences[j].low,
      iqrHigh: fences[j].high,
      nBelowIqr: Number(a[`c${j}_below`] ?? 0),
      nAboveIqr: Number(a[`c${j}_above`] ?? 0),
      nFarOut: Number(a[`c${j}_far`] ?? 0),
      median: s.median,
      mad,
      robustScale: scale > 0 ? scale : null,
      scaleMethod: mad > 0 ? "mad" : "mean-ad",
      nRobustZ: scale > 0 ? Number(b[`c${j}_nz`] ?? 0) : null,
      maxAbsRobustZ: scale > 0 ? Number(b[`c${j}_maxz`]) : null,
      examples: [],
    };
    if (report.nBelowIqr + report.nAboveIqr + (report.nRobustZ ?? 0) > 0) {
      const deviation = `abs(${s.column.expr} - ${d.number(s.median)})`;
      const rows = await store.query(
        `SELECT ${s.column.expr} AS outlier_value, ${textSelectList(relation)} FROM ${relation.from}
          WHERE ${s.column.expr} IS NOT NULL ORDER BY ${deviation} DESC LIMIT ${nExamples}`,
      );
      report.examples = rows.map((r) => {
        const value = Number(r.outlier_value);
        return { value, robustZ: scale > 0 ? (value - s.median) / scale : null, row: rowText(r, relation.columns) };
      });
    }
    out.set(s.column.name, report);
  }
  return out;
}
