/**
 * Recommendations in plain sentences from the SHAP drivers, each with the numbers behind it:
 * how the segment differs from the rest on the driver, how strong the driver is (mean |SHAP|)
 * and which way it pushes (the sign of the correlation between the feature's value and its
 * SHAP value over the explained customers; for a category, the category with the largest mean
 * contribution). A job may add what to do about each driver (`actions`); without one the
 * sentence states the finding only.
 */
import type { Frame } from "../../core/frame.ts";
import type { FeatureImportance } from "../../explain/ranking.ts";
import { humanize } from "../../explain/reasons.ts";
import type { ShapValues } from "../../explain/shap-values.ts";

export interface Driver {
  feature: string;
  label: string;
  rank: number;
  meanAbsShap: number;
  /** Numeric: +1 when higher values raise the output, −1 when lower values do. */
  direction: 1 | -1 | 0;
  kind: "numeric" | "categorical";
  /** Numeric: the means; categorical: the share of `category`. */
  segment: number;
  rest: number;
  /** Categorical: the category that raises the output most. */
  category?: string;
  text: string;
}

export interface RecommendationOptions {
  /** What the output is: "decline risk". */
  target: string;
  /** Who the segment is: "customers at risk". */
  segmentName: string;
  /** Display names by feature. */
  labels?: Readonly<Record<string, string>>;
  /**
   * What to do about a driver, by feature: a sentence (or nothing). Actions of one `group`
   * (several engagement measures calling for the same mailing) are written once, with the
   * strongest driver of the group.
   */
  actions?: Readonly<Record<string, (driver: Driver) => { group?: string; text: string } | undefined>>;
  /** Units of the SHAP values, for the sentence: "probability" or "log-odds". */
  units: string;
  /** Drivers to write about. Default 5. */
  maxDrivers?: number;
}

const ORDINALS = ["strongest", "second strongest", "third strongest", "fourth strongest", "fifth strongest"];

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
}

const percent = (v: number) => `${(100 * v).toFixed(0)} %`;

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  if (n < 2) return 0;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) continue;
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/**
 * `explained` holds the explained rows' feature values (row r ↔ row r of `shap`), `all` every
 * customer with `inSegment` marking the segment.
 */
export function recommendations(
  ranking: readonly FeatureImportance[],
  shap: ShapValues,
  explained: Frame,
  all: Frame,
  inSegment: Uint8Array,
  options: RecommendationOptions,
): Driver[] {
  const nFeatures = shap.featureNames.length;
  const drivers: Driver[] = [];
  const usedGroups = new Set<string>();
  for (const [rank, imp] of ranking.slice(0, options.maxDrivers ?? 5).entries()) {
    const j = shap.featureNames.indexOf(imp.feature);
    const column = explained.columns.find((c) => c.name === imp.feature);
    const everyone = all.columns.find((c) => c.name === imp.feature);
    if (j < 0 || !column || !everyone) continue;
    const phi = Float64Array.from({ length: shap.nRows }, (_, i) => shap.values[i * shap.nOutputs * nFeatures + j]);
    const label = options.labels?.[imp.feature] ?? humanize(imp.feature);
    const strength = `${label} is the ${ORDINALS[rank] ?? `#${rank + 1}`} driver (mean |SHAP| ${formatNumber(imp.meanAbs)} in ${options.units})`;
    let driver: Driver;
    if (column.kind === "numeric" && everyone.kind === "numeric") {
      const r = correlation(column.values, phi);
      const direction = r > 0.05 ? 1 : r < -0.05 ? -1 : 0;
      const mean = (want: number) => {
        let s = 0;
        let n = 0;
        everyone.values.forEach((v, i) => {
          if (inSegment[i] === want && !Number.isNaN(v)) {
            s += v;
            n++;
          }
        });
        return n > 0 ? s / n : NaN;
      };
      const segment = mean(1);
      const rest = mean(0);
      // A 0/1 flag reads as a share of customers, not as an average.
      const flag = everyone.values.every((v) => Number.isNaN(v) || v === 0 || v === 1);
      const how = flag
        ? direction === 1 ? `having it raises the ${options.target}` : direction === -1 ? `not having it raises the ${options.target}` : "its effect has no single direction"
        : direction === 1 ? `higher values raise the ${options.target}` : direction === -1 ? `lower values raise the ${options.target}` : "its effect has no single direction";
      const text = flag
        ? `Among ${options.segmentName}, ${percent(segment)} have ${label} vs ${percent(rest)} of the rest; ${strength}, and ${how}.`
        : `Among ${options.segmentName}, ${label} averages ${formatNumber(segment)} vs ${formatNumber(rest)} for the rest; ${strength}, and ${how}.`;
      driver = { feature: imp.feature, label, rank: rank + 1, meanAbsShap: imp.meanAbs, direction, kind: "numeric", segment, rest, text };
    } else if (column.kind === "categorical" && everyone.kind === "categorical") {
      const sums = new Map<string, { sum: number; n: number }>();
      column.values.forEach((v, i) => {
        const key = v ?? "(missing)";
        const entry = sums.get(key) ?? { sum: 0, n: 0 };
        entry.sum += phi[i];
        entry.n++;
        sums.set(key, entry);
      });
      const [category] = [...sums.entries()].sort((a, b) => b[1].sum / b[1].n - a[1].sum / a[1].n || a[0].localeCompare(b[0]))[0] ?? ["(none)"];
      const shareOf = (want: number) => {
        let hit = 0;
        let n = 0;
        everyone.values.forEach((v, i) => {
          if (inSegment[i] !== want) return;
          n++;
          if ((v ?? "(missing)") === category) hit++;
        });
        return n > 0 ? hit / n : NaN;
      };
      const segment = shareOf(1);
      const rest = shareOf(0);
      const text = `Among ${options.segmentName}, ${percent(segment)} have ${label} "${category}" vs ${percent(rest)} of the rest; ${strength}, and "${category}" raises the ${options.target} most.`;
      driver = { feature: imp.feature, label, rank: rank + 1, meanAbsShap: imp.meanAbs, direction: 0, kind: "categorical", segment, rest, category, text };
    } else continue;
    const action = options.actions?.[imp.feature]?.(driver);
    if (action && !(action.group && usedGroups.has(action.group))) {
      if (action.group) usedGroups.add(action.group);
      driver = { ...driver, text: `${driver.text} ${action.text}` };
    }
    drivers.push(driver);
  }
  return drivers;
}
