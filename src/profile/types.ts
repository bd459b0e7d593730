/**
 * The shape of a data profile: what `patron profile` prints with --json, what the report
 * section draws, and what the service may return. Plain data (numbers, strings, arrays) so it
 * serialises as is; every figure was computed in SQL by the store (src/profile/*.ts).
 */

export type ColumnKind = "numeric" | "categorical" | "temporal";

export interface ProfileWarning {
  table: string;
  /** The column concerned; "" for a table-level warning (duplicate rows). */
  column: string;
  code: string;
  message: string;
  /** Machine-readable facts behind the message (counts, values, other table). */
  details?: Record<string, unknown>;
}

export interface ValueCount {
  value: string | null;
  count: number;
}

export interface Histogram {
  /** Bin edges, nBins + 1 of them; bins are [e_b, e_b+1), the last one closed (numpy). */
  edges: number[];
  counts: number[];
  /** Values below the first edge / above the last (the range is clipped on heavy tails). */
  below: number;
  above: number;
  /** Edges are epoch seconds for temporal columns. */
  unit: "value" | "epoch-seconds";
}

export interface NumericStats {
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (ddof = 1, as pandas). */
  std: number | null;
  /** Adjusted Fisher–Pearson skewness and excess kurtosis, as pandas' skew() and kurt(). */
  skew: number | null;
  kurtosis: number | null;
  /** Linear-interpolated quantiles (pandas' default), keyed "0.25" etc. */
  quantiles: Record<string, number>;
  nZero: number;
  nNegative: number;
  /** Values with a fractional part; 0 means integer-valued. */
  nNonInteger: number;
}

export interface TextStats {
  minLength: number;
  maxLength: number;
  /** Empty or blank strings. */
  nBlank: number;
  /** Values with leading or trailing spaces. */
  nPadded: number;
}

export interface OutlierExample {
  value: number;
  /** Robust z-score (x − median) / robustScale; null when the scale is 0. */
  robustZ: number | null;
  /** The rest of the row, as text, so a user can find it. */
  row: Record<string, string | null>;
}

export interface Outliers {
  /** Tukey's fences Q1 − 1.5 IQR and Q3 + 1.5 IQR. */
  iqrLow: number;
  iqrHigh: number;
  nBelowIqr: number;
  nAboveIqr: number;
  /** Beyond Q1 − 3 IQR or Q3 + 3 IQR ("far out"). */
  nFarOut: number;
  median: number;
  /** Median absolute deviation (unscaled). */
  mad: number;
  /** σ estimate behind the robust z: MAD / 0.6745, or 1.2533 × mean |x − median| when MAD = 0. */
  robustScale: number | null;
  scaleMethod: "mad" | "mean-ad";
  /** |robust z| > 3.5 (Iglewicz & Hoaglin 1993); null when every value equals the median. */
  nRobustZ: number | null;
  maxAbsRobustZ: number | null;
  /** The most extreme values, farthest from the median first. */
  examples: OutlierExample[];
}

export interface ColumnProfile {
  name: string;
  /** The engine's type name (BIGINT, double precision, VARCHAR, …). */
  type: string;
  kind: ColumnKind;
  nMissing: number;
  nDistinct: number;
  /** The name looks like a key (id, …ID, …No, …Code) and the values are not measurements. */
  idLike: boolean;
  numeric?: NumericStats;
  text?: TextStats;
  /** Temporal columns: earliest and latest as ISO-like text. */
  temporal?: { min: string; max: string };
  histogram?: Histogram;
  /** Most frequent values (all of them when the column has few distinct values). */
  top: ValueCount[];
  outliers?: Outliers;
}

export interface DuplicateReport {
  /** Rows that repeat an earlier row exactly (pandas' duplicated().sum()). */
  nDuplicateRows: number;
  nDuplicateGroups: number;
  examples: Array<{ count: number; row: Record<string, string | null> }>;
  /** Per id-like column: values that occur more than once. */
  ids: Array<{ column: string; nDuplicateValues: number; nRowsInvolved: number; maxRowsPerValue: number }>;
}

export interface CorrelationPair {
  a: string;
  b: string;
  pearson: number | null;
  spearman: number | null;
}

export interface CorrelationReport {
  columns: string[];
  /** Square matrices, row-major by `columns`; null where undefined (a constant column). */
  pearson: (number | null)[][];
  spearman: (number | null)[][];
  /** Pairs by largest |Spearman| (then |Pearson|), at most 10. */
  topPairs: CorrelationPair[];
}

export interface FeatureAssociation {
  column: string;
  /** Single-feature ROC-AUC (binary label): the feature's values (numeric or id-like) or its
   * in-sample positive rate per category (categorical) as the score. */
  auc: number | null;
  /** Plug-in mutual information in nats between the (binned) feature and the label. */
  mutualInfo: number;
  /** mutualInfo / H(label), in [0, 1]. */
  normalizedMutualInfo: number;
  /** How the feature was discretised for mutual information. */
  binning: "values" | "deciles";
}

export interface LabelReport {
  column: string;
  task: "binary" | "multiclass" | "regression";
  /** Binary: the class counted as positive for ROC-AUC. */
  positive?: string;
  /** Entropy of the (binned) label in nats. */
  labelEntropy: number;
  features: FeatureAssociation[];
}

export interface DriftColumn {
  column: string;
  psi: number;
  level: "stable" | "moderate" | "significant";
  /** Bucket labels and the share of rows in each, baseline (expected) and current (actual). */
  buckets: Array<{ label: string; expected: number; actual: number }>;
}

export interface DriftReport {
  table: string;
  baseline: string;
  current: string;
  nBaseline: number;
  nCurrent: number;
  columns: DriftColumn[];
}

export interface OffPattern {
  column: string;
  /** "digit" when normal values start with a digit, "letter" otherwise. */
  normal: "digit" | "letter";
  normalShare: number;
  nRows: number;
  nValues: number;
  examples: ValueCount[];
  /** Off-pattern rows grouped by first character, largest first. */
  prefixes: ValueCount[];
}

export interface NegativeMarker {
  /** The measure with negative values. */
  column: string;
  nNegative: number;
  /** The code column and first character that mark most negative rows, when one does. */
  codeColumn?: string;
  prefix?: string;
  nNegativeWithPrefix?: number;
  nNonNegativeWithPrefix?: number;
}

export interface SpellingPair {
  rare: ValueCount;
  common: ValueCount;
}

export interface NearDuplicateCategories {
  column: string;
  pairs: SpellingPair[];
}

export interface CrossTableSpelling {
  /** Where the `rare` value lives, and where its near spelling does. */
  table: string;
  column: string;
  otherTable: string;
  otherColumn: string;
  pair: SpellingPair;
}

export interface TableFindings {
  offPattern: OffPattern[];
  negatives: NegativeMarker[];
  nearDuplicates: NearDuplicateCategories[];
}

export interface TableProfile {
  table: string;
  /** Where it came from: a file path, a store table name. */
  source: string;
  nRows: number;
  columns: ColumnProfile[];
  duplicates: DuplicateReport;
  correlation: CorrelationReport;
  label?: LabelReport;
  findings: TableFindings;
  /** Milliseconds per step, for the benchmark and for slow tables. */
  timings?: Record<string, number>;
}

export interface ProfileReport {
  engine: "duckdb" | "postgres";
  tables: number;
  columns: number;
  warnings: ProfileWarning[];
  profiles: TableProfile[];
  crossTable: CrossTableSpelling[];
  drift: DriftReport[];
}
