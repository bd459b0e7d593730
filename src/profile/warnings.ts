/**
 * Turns profile figures into warnings a user can act on: each names the table and column,
 * gives the count and share and the offending values, and says what to do. Pure: everything
 * here was already measured in SQL. The thresholds are the conventional ones and are named
 * below so a reader can see every rule in one place.
 */
import { PSI_MODERATE, PSI_SIGNIFICANT } from "./drift.ts";
import { fmt, pct } from "./relation.ts";
import type { ColumnProfile, CrossTableSpelling, DriftReport, OutlierExample, ProfileWarning, TableProfile } from "./types.ts";

/** |modified z| beyond which a value is an extreme outlier worth a warning (≈ 15 MADs). */
export const EXTREME_ROBUST_Z = 10;
/** Negative values are suspicious in a measure that is otherwise positive in ≥ 95 % of rows. */
export const RARE_NEGATIVE_SHARE = 0.05;
export const REDUNDANT_CORRELATION = 0.95;
export const LEAKAGE_AUC = 0.99;
export const LEAKAGE_NMI = 0.95;
/** An id whose order separates the classes this well (AUC ≥ 0.7 or ≤ 0.3) encodes the label. */
export const ID_AUC_DISTANCE = 0.2;
export const ID_NMI = 0.2;

const quote = (v: string | null) => (v === null ? "NULL" : `'${v}'`);

export function tableWarnings(profile: TableProfile, options: { keyColumns?: readonly string[] } = {}): ProfileWarning[] {
  const out: ProfileWarning[] = [];
  const table = profile.table;
  const n = profile.nRows;
  const add = (column: string, code: string, message: string, details?: Record<string, unknown>) =>
    out.push({ table, column, code, message: `${table}${column ? `.${column}` : ""}: ${message}`, ...(details ? { details } : {}) });
  const keyNames = profile.columns.filter((c) => c.idLike).map((c) => c.name).slice(0, 3);

  for (const c of profile.columns) {
    const nonNull = n - c.nMissing;
    if (c.nMissing > 0) {
      const advice = c.idLike
        ? `rows without a ${c.name} cannot be attributed; set them aside for per-${c.name} features and keep them only for totals`
        : c.nMissing > 0.5 * n
          ? "mostly empty: drop the column unless its presence itself is the signal"
          : "impute (median, or a 'missing' category) or drop those rows, and keep a was-missing flag if missingness may carry signal";
      add(c.name, "MISSING_VALUES", `${fmt(c.nMissing)} of ${fmt(n)} rows (${pct(c.nMissing, n)}) have no ${c.name}; ${advice}.`, { nMissing: c.nMissing });
    }
    if (n > 1 && c.nDistinct === 1 && c.nMissing === 0) {
      add(c.name, "CONSTANT", `every row holds the same value ${quote(c.top[0]?.value ?? null)}; it carries no information — drop it.`);
    }
    if (c.text && c.text.nBlank > 0) {
      add(c.name, "BLANK_STRINGS", `${fmt(c.text.nBlank)} values are empty or blank strings; treat them as missing (NULL) before counting or encoding.`, { nBlank: c.text.nBlank });
    }
    if (c.text && c.text.nPadded > 0) {
      add(c.name, "PADDED_STRINGS", `${fmt(c.text.nPadded)} values (${pct(c.text.nPadded, nonNull)}) have leading or trailing spaces; trim them before grouping or joining, or 'X' and 'X ' count as two values.`, { nPadded: c.text.nPadded });
    }
    const nested = /^(struct|map|list|union|json)|\[\]$/i.test(c.type);
    if (c.kind === "categorical" && !c.idLike && !nested && c.nDistinct > 50 && c.nDistinct > 0.5 * nonNull) {
      add(c.name, "HIGH_CARDINALITY", `${fmt(c.nDistinct)} distinct values in ${fmt(nonNull)} rows: an identifier or free text, not a category; do not one-hot encode it (hash, group or drop it).`);
    }
    outlierWarning(c, keyNames, add);
  }

  for (const neg of profile.findings.negatives) {
    const c = profile.columns.find((col) => col.name === neg.column);
    const explained = neg.codeColumn
      ? `; ${fmt(neg.nNegativeWithPrefix)} of them have ${neg.codeColumn} starting with '${neg.prefix}' (${neg.prefix === "C" ? "cancellations / returns" : "a special kind of record"})`
      : "";
    add(
      neg.column,
      "NEGATIVE_VALUES",
      `${fmt(neg.nNegative)} rows (${pct(neg.nNegative, n)}) have ${neg.column} < 0 (min ${fmt(c?.numeric?.min)}) in an otherwise positive measure${explained}. ` +
        `They are returns, cancellations or corrections: net them against the original lines or drop them before summing revenue or counting purchases.`,
      { ...neg },
    );
  }
  for (const p of profile.findings.offPattern) {
    const shape = p.normal === "digit" ? "start with a digit" : "start with a letter";
    const list = p.examples.slice(0, 8).map((e) => `${e.value} (${fmt(e.count)})`).join(", ");
    add(
      p.column,
      "OFF_PATTERN_CODES",
      `${fmt(p.nRows)} rows (${fmt(p.nValues)} distinct values) break the pattern of the other ${(100 * p.normalShare).toFixed(1)} % that ${shape}: ${list}${p.nValues > 8 ? ", …" : ""}. ` +
        `Such codes are usually not ordinary items (postage, discounts, manual entries, fees, cancellations); exclude or model them separately.`,
      { values: p.examples.map((e) => e.value), prefixes: p.prefixes },
    );
  }
  for (const nd of profile.findings.nearDuplicates) {
    for (const pair of nd.pairs) {
      add(
        nd.column,
        "NEAR_DUPLICATE_CATEGORY",
        `${quote(pair.rare.value)} (${fmt(pair.rare.count)} rows) looks like another spelling of ${quote(pair.common.value)} (${fmt(pair.common.count)} rows); map it to ${quote(pair.common.value)} before grouping or encoding, or the category splits in two.`,
        { rare: pair.rare.value, common: pair.common.value },
      );
    }
  }

  const dup = profile.duplicates;
  if (dup.nDuplicateRows > 0) {
    add("", "DUPLICATE_ROWS", `${fmt(dup.nDuplicateRows)} rows (${pct(dup.nDuplicateRows, n)}) repeat an earlier row exactly (${fmt(dup.nDuplicateGroups)} groups, up to ${fmt(dup.examples[0]?.count ?? 2)} copies); drop exact duplicates unless identical lines are genuinely separate events.`, { nDuplicateRows: dup.nDuplicateRows });
  }
  for (const id of dup.ids) {
    const c = profile.columns.find((col) => col.name === id.column);
    const nonNull = c ? n - c.nMissing : n;
    const declared = options.keyColumns?.includes(id.column) ?? false;
    // A column that is unique for almost every row is meant to be a key; one repeating by design
    // (lines of an invoice, months of a customer) is not, unless the user says so.
    if (id.nDuplicateValues > 0 && (declared || (c && c.nDistinct >= 0.9 * nonNull))) {
      add(id.column, "DUPLICATE_IDS", `${fmt(id.nDuplicateValues)} values occur more than once (${fmt(id.nRowsInvolved)} rows, up to ${fmt(id.maxRowsPerValue)} per value) in what should be a unique key; deduplicate or find the column that completes the key.`, { ...id });
    }
  }

  const corr = profile.correlation;
  for (const pair of corr.topPairs) {
    const r = Math.max(Math.abs(pair.spearman ?? 0), Math.abs(pair.pearson ?? 0));
    if (r >= REDUNDANT_CORRELATION) {
      add(pair.a, "HIGHLY_CORRELATED", `${pair.a} and ${pair.b} are almost the same signal (Spearman ${fmt(pair.spearman)}, Pearson ${fmt(pair.pearson)}); keep one, or models split their weight and explanations between them.`, { other: pair.b });
    }
  }

  if (profile.label) out.push(...labelWarnings(profile));
  return out;
}

type Add = (column: string, code: string, message: string, details?: Record<string, unknown>) => void;

function outlierWarning(c: ColumnProfile, keyNames: readonly string[], add: Add): void {
  const o = c.outliers;
  // A point mass (more than half the rows on one value: flags, zero-inflated spend) has
  // IQR = MAD = 0, so every other value is "out"; outlier rules say nothing there.
  if (!o || (o.iqrLow === o.iqrHigh && o.mad === 0)) return;
  // Far from the median in robust units AND beyond Tukey's far-out fence: a second mode (40 %
  // of rows around another value) passes the first test but not the second.
  const extreme = o.nFarOut > 0 && (o.maxAbsRobustZ === null || o.maxAbsRobustZ >= EXTREME_ROBUST_Z);
  if (!extreme) return;
  const where = (e: OutlierExample) => {
    const keys = keyNames.filter((k) => k !== c.name && e.row[k] !== null).map((k) => `${k} ${e.row[k]}`);
    return keys.length > 0 ? ` (${keys.join(", ")})` : "";
  };
  const examples = o.examples.slice(0, 3).map((e) => `${fmt(e.value)}${where(e)}`).join(", ");
  add(
    c.name,
    "OUTLIERS",
    `${fmt(o.nBelowIqr + o.nAboveIqr)} values lie beyond Tukey's fences [${fmt(o.iqrLow)}, ${fmt(o.iqrHigh)}]` +
      `${o.nRobustZ !== null ? `, ${fmt(o.nRobustZ)} with robust z > 3.5` : ""}; the most extreme: ${examples} (median ${fmt(o.median)}). ` +
      `Check them for entry errors or special lines; cap, exclude or log-transform before fitting means or linear models.`,
    { extremes: o.examples.map((e) => e.value), median: o.median, mad: o.mad },
  );
}

function labelWarnings(profile: TableProfile): ProfileWarning[] {
  const label = profile.label!;
  const out: ProfileWarning[] = [];
  for (const f of label.features) {
    const c = profile.columns.find((col) => col.name === f.column);
    if (!c) continue;
    const nonNull = profile.nRows - c.nMissing;
    const base = { table: profile.table, column: f.column };
    if (c.idLike) {
      const aucOff = f.auc !== null && Math.abs(f.auc - 0.5) >= ID_AUC_DISTANCE;
      const nmiHigh = label.task !== "binary" && f.binning === "deciles" && f.normalizedMutualInfo >= ID_NMI;
      if (aucOff || nmiHigh) {
        out.push({
          ...base,
          code: "ID_PREDICTS_LABEL",
          message:
            `${profile.table}.${f.column}: the identifier predicts ${label.column} (${f.auc !== null ? `ROC-AUC ${fmt(f.auc)}` : `normalised MI ${fmt(f.normalizedMutualInfo)}`}): ` +
            `ids were assigned or sorted in a way that encodes the outcome. Never use it as a feature, and shuffle or group-split by it before cross-validation.`,
          details: { auc: f.auc, normalizedMutualInfo: f.normalizedMutualInfo },
        });
      }
      continue;
    }
    const fewValues = c.nDistinct <= Math.max(20, 0.05 * nonNull);
    const aucLeak = f.auc !== null && (f.auc >= LEAKAGE_AUC || f.auc <= 1 - LEAKAGE_AUC) && (c.kind !== "categorical" || fewValues);
    const nmiLeak = f.normalizedMutualInfo >= LEAKAGE_NMI && fewValues;
    if (aucLeak || nmiLeak) {
      out.push({
        ...base,
        code: "LEAKAGE",
        message:
          `${profile.table}.${f.column} almost equals the label ${label.column} (${f.auc !== null ? `ROC-AUC ${fmt(f.auc)}, ` : ""}normalised MI ${fmt(f.normalizedMutualInfo)}): ` +
          `it is probably recorded after the outcome or derived from it. Drop it from the features unless it is truly known at prediction time.`,
        details: { auc: f.auc, normalizedMutualInfo: f.normalizedMutualInfo },
      });
    }
  }
  return out;
}

export function crossTableWarnings(found: readonly CrossTableSpelling[]): ProfileWarning[] {
  return found.map((s) => ({
    table: s.table,
    column: s.column,
    code: "CROSS_TABLE_SPELLING",
    message:
      `${s.table}.${s.column}: ${quote(s.pair.rare.value)} (${fmt(s.pair.rare.count)} rows) is spelled ${quote(s.pair.common.value)} in ${s.otherTable}.${s.otherColumn} (${fmt(s.pair.common.count)} rows); ` +
      `a join or union on ${s.column} will not match them — map both to one spelling first.`,
    details: { value: s.pair.rare.value, otherTable: s.otherTable, otherColumn: s.otherColumn, otherValue: s.pair.common.value },
  }));
}

export function driftWarnings(report: DriftReport): ProfileWarning[] {
  return report.columns
    .filter((c) => c.psi >= PSI_MODERATE)
    .map((c) => ({
      table: report.table,
      column: c.column,
      code: c.psi >= PSI_SIGNIFICANT ? "DRIFT_SIGNIFICANT" : "DRIFT_MODERATE",
      message:
        `${report.table}.${c.column}: population stability index ${fmt(c.psi)} between ${report.baseline} and ${report.current} ` +
        `(${c.psi >= PSI_SIGNIFICANT ? `≥ ${PSI_SIGNIFICANT}: a significant shift` : `≥ ${PSI_MODERATE}: a moderate shift`}); ` +
        `check what changed, and retrain or recalibrate models that use it.`,
      details: { psi: c.psi },
    }));
}
