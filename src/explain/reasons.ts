/**
 * Per-customer reasons in plain words from SHAP values: "pages per visit is low (1.2): +0.21
 * to decline risk". Each reason names the feature, describes the customer's value against a
 * background distribution (very low / low / typical / high / very high by percentile; yes/no
 * for 0/1 flags; the category for categorical and one-hot-grouped features; missing), and
 * gives the signed contribution on the chosen scale (outputScale in shap-values.ts).
 */
import type { Frame } from "../core/frame.ts";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { checkOutput, checkRow, outputScale, type ContributionScale, type ShapValues } from "./shap-values.ts";

export type Qualifier = "very low" | "low" | "typical" | "high" | "very high" | "yes" | "no" | "category" | "missing";

export interface Reason {
  feature: string;
  label: string;
  /** The customer's value: a number, a category, or null when missing. */
  value: number | string | null;
  qualifier: Qualifier;
  /** Signed contribution on the chosen scale. */
  contribution: number;
  text: string;
}

export interface ReasonOptions {
  /** What the output means, used in the text: "decline risk", "chance to buy". */
  target: string;
  /** Reasons per row. Default 3. */
  k?: number;
  /** Only reasons that raise the output, only those that lower it, or both (by |contribution|). */
  direction?: "both" | "increase" | "decrease";
  /** "probability" (default for logit/softmax models) or "margin" (log-odds; the output itself for identity links). */
  scale?: ContributionScale;
  /** Display names by feature; default: the name with _ and . as spaces. */
  labels?: Readonly<Record<string, string>>;
  /** Decimals of the contribution. Default 2. */
  digits?: number;
  /** Class, for multiclass explanations. */
  output?: number;
}

/** Where a row's feature values come from: the original Frame (categories) or a Matrix. */
export type FeatureSource = Frame | Matrix;

interface Describer {
  describe(i: number): { value: number | string | null; qualifier: Qualifier };
}

function isMatrix(source: FeatureSource): source is Matrix {
  return (source as Matrix).data instanceof Float64Array;
}

function numericValues(source: FeatureSource, name: string): Float64Array | undefined {
  if (isMatrix(source)) {
    const j = source.columns.indexOf(name);
    return j < 0 ? undefined : source.data.subarray(j * source.nRows, (j + 1) * source.nRows);
  }
  const column = source.columns.find((c) => c.name === name);
  return column?.kind === "numeric" ? column.values : undefined;
}

function categoricalValues(source: FeatureSource, name: string): readonly (string | null)[] | undefined {
  if (isMatrix(source)) return undefined;
  const column = source.columns.find((c) => c.name === name);
  return column?.kind === "categorical" ? column.values : undefined;
}

/** One-hot columns "name=category" of a Matrix: the category whose column is 1. */
function oneHotValues(source: FeatureSource, name: string): ((i: number) => string | null) | undefined {
  if (!isMatrix(source)) return undefined;
  const members = source.columns.flatMap((c, j) => (c.startsWith(`${name}=`) ? [[j, c.slice(name.length + 1)] as const] : []));
  if (members.length === 0) return undefined;
  return (i) => {
    for (const [j, category] of members) if (source.data[j * source.nRows + i] === 1) return category === "<missing>" ? null : category;
    return null;
  };
}

function describer(name: string, values: FeatureSource, background: FeatureSource): Describer {
  const numeric = numericValues(values, name);
  if (numeric) {
    const reference = numericValues(background, name) ?? numeric;
    const sorted = Float64Array.from(reference.filter((v) => !Number.isNaN(v))).sort();
    const isFlag = sorted.length > 0 && sorted.every((v) => v === 0 || v === 1);
    return {
      describe(i) {
        const v = numeric[i];
        if (Number.isNaN(v)) return { value: null, qualifier: "missing" };
        if (isFlag && (v === 0 || v === 1)) return { value: v, qualifier: v === 1 ? "yes" : "no" };
        if (sorted.length === 0) return { value: v, qualifier: "typical" };
        // mid-rank percentile: the share of background values below v, counting ties as half
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[mid] < v) lo = mid + 1;
          else hi = mid;
        }
        let upper = lo;
        while (upper < sorted.length && sorted[upper] === v) upper++;
        const percentile = (lo + upper) / 2 / sorted.length;
        const qualifier = percentile < 0.1 ? "very low" : percentile < 0.3 ? "low" : percentile <= 0.7 ? "typical" : percentile <= 0.9 ? "high" : "very high";
        return { value: v, qualifier };
      },
    };
  }
  const categories = categoricalValues(values, name);
  if (categories) {
    return { describe: (i) => (categories[i] === null ? { value: null, qualifier: "missing" } : { value: categories[i], qualifier: "category" }) };
  }
  const oneHot = oneHotValues(values, name);
  if (oneHot) {
    return {
      describe(i) {
        const category = oneHot(i);
        return category === null ? { value: null, qualifier: "missing" } : { value: category, qualifier: "category" };
      },
    };
  }
  throw new PatronError(
    "E_COLUMN",
    `no values for feature "${name}": pass the rows as a Frame with that column, or the encoded Matrix (with "${name}=…" one-hot columns for a grouped feature).`,
  );
}

export function humanize(name: string): string {
  return name.replace(/[_.]+/g, " ").trim();
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? "-" : "+"}${text}`;
}

/**
 * The top reasons of each row in `rows` (default: every row). `values` holds the same rows
 * as the explanation (row i of values ↔ row i of shap); `background` (default `values`) is
 * the population the words low/high compare against.
 */
export function topReasons(
  shap: ShapValues,
  values: FeatureSource,
  options: ReasonOptions & { rows?: readonly number[]; background?: FeatureSource },
): Reason[][] {
  const k = options.output ?? 0;
  checkOutput(shap, k);
  if (values.nRows !== shap.nRows) {
    throw new PatronError("E_SHAPE", `values have ${values.nRows} rows but the explanation has ${shap.nRows}; pass the rows that were explained.`);
  }
  const nReasons = options.k ?? 3;
  const digits = options.digits ?? 2;
  const direction = options.direction ?? "both";
  const scale = options.scale ?? (shap.link === "identity" ? "margin" : "probability");
  const nFeatures = shap.featureNames.length;
  const describers = shap.featureNames.map((name) => describer(name, values, options.background ?? values));
  const labels = shap.featureNames.map((name) => options.labels?.[name] ?? humanize(name));
  const rows = options.rows ?? Array.from({ length: shap.nRows }, (_, i) => i);
  return rows.map((i) => {
    checkRow(shap, i);
    const { factor } = outputScale(shap, i, k, scale);
    const offset = (i * shap.nOutputs + k) * nFeatures;
    const order = Array.from({ length: nFeatures }, (_, j) => j)
      .filter((j) => {
        const v = shap.values[offset + j];
        return direction === "both" ? v !== 0 : direction === "increase" ? v > 0 : v < 0;
      })
      .sort((a, b) => Math.abs(shap.values[offset + b]) - Math.abs(shap.values[offset + a]) || a - b)
      .slice(0, nReasons);
    return order.map((j) => {
      const { value, qualifier } = describers[j].describe(i);
      const contribution = shap.values[offset + j] * factor;
      const label = labels[j];
      const what =
        qualifier === "missing" ? `${label} is missing`
        : qualifier === "category" ? `${label} is ${value}`
        : qualifier === "yes" || qualifier === "no" ? `${label} is ${qualifier}`
        : `${label} is ${qualifier} (${formatValue(value as number)})`;
      return { feature: shap.featureNames[j], label, value, qualifier, contribution, text: `${what}: ${signed(contribution, digits)} to ${options.target}` };
    });
  });
}
