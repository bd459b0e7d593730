/**
 * Filling missing values with scikit-learn 1.2's SimpleImputer rules: mean or median of the
 * observed values, the most frequent value (ties → the smallest, as scikit-learn), or a
 * constant (0 for numbers, "missing_value" for text by default). Numeric columns take all
 * four strategies, categorical columns most_frequent and constant.
 *
 * `addIndicator` appends a 0/1 column `name:missing` for every column that had missing values
 * in fit (MissingIndicator with features="missing-only"), after the imputed columns.
 * A column with no observed value in fit is kept and filled with the constant
 * (scikit-learn's keep_empty_features=True), with a warning, so the columns a model sees do
 * not depend on the data.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import { warn } from "../../core/warn.ts";
import { categoryAt, countCategories } from "./categories.ts";
import { meanAndVariance } from "./scalers.ts";
import {
  inputColumn,
  numericColumn,
  parseModelJSON,
  parseOptions,
  type FittedTransformer,
  type Transformer,
} from "./transformer.ts";

const KIND = "simple-imputer";
const SCHEMA_VERSION = 1;

export const SimpleImputerOptions = z.strictObject({
  strategy: z.enum(["mean", "median", "most_frequent", "constant"]).default("mean"),
  /** Fill for numeric columns with strategy "constant" (and for empty columns). */
  fillValue: z.number().default(0),
  /** Fill for categorical columns with strategy "constant" (and for empty columns). */
  fillCategory: z.string().default("missing_value"),
  addIndicator: z.boolean().default(false),
});
export type SimpleImputerOptions = z.output<typeof SimpleImputerOptions>;

const FittedColumn = z.strictObject({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  /** The fill value: a number for numeric columns, a string for categorical ones. */
  fill: z.union([z.number(), z.string()]),
  /** Whether fit saw missing values here (then an indicator column is added, if asked). */
  hadMissing: z.boolean(),
});
type FittedColumn = z.output<typeof FittedColumn>;

const ImputerJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: SimpleImputerOptions,
  columns: z.array(FittedColumn),
});

export interface SimpleImputerModel extends FittedTransformer {
  /** The value each column's missing entries are replaced with. */
  readonly fills: Readonly<Record<string, number | string>>;
}

export function simpleImputer(options: z.input<typeof SimpleImputerOptions> = {}): Transformer<SimpleImputerModel> {
  const opts = parseOptions(SimpleImputerOptions, options, KIND);
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame): SimpleImputerModel {
      return build(opts, f.columns.map((c) => fitColumn(c, opts)));
    },
  };
}

function fitColumn(c: FrameColumn, opts: SimpleImputerOptions): FittedColumn {
  const { categories, counts } = countCategories(c);
  const hadMissing = categories[categories.length - 1] === null;
  const nObserved = c.values.length - (hadMissing ? counts[counts.length - 1] : 0);
  if (c.kind === "categorical" && (opts.strategy === "mean" || opts.strategy === "median")) {
    throw new PatronError(
      "E_COLUMN_KIND",
      `imputer strategy "${opts.strategy}" needs numbers, but column "${c.name}" is categorical; use "most_frequent" or "constant" for categorical columns.`,
    );
  }
  const constant = c.kind === "numeric" ? opts.fillValue : opts.fillCategory;
  if (opts.strategy === "constant") return { name: c.name, kind: c.kind, fill: constant, hadMissing };
  if (nObserved === 0) {
    warn("W_EMPTY_COLUMN", `column "${c.name}" has no observed values; the imputer fills it with ${JSON.stringify(constant)}.`);
    return { name: c.name, kind: c.kind, fill: constant, hadMissing };
  }
  let fill: number | string;
  if (opts.strategy === "most_frequent") {
    // Categories are sorted, so the first with the highest count is the smallest of the tied.
    let best = -1;
    categories.forEach((v, k) => {
      if (v !== null && (best < 0 || counts[k] > counts[best])) best = k;
    });
    fill = categories[best] as number | string;
  } else if (opts.strategy === "mean") {
    fill = meanAndVariance(c.values as Float64Array).mean;
  } else {
    const sorted = (c.values as Float64Array).filter((v) => !Number.isNaN(v)).sort();
    const m = sorted.length >> 1;
    fill = sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }
  return { name: c.name, kind: c.kind, fill, hadMissing };
}

function build(opts: SimpleImputerOptions, columns: FittedColumn[]): SimpleImputerModel {
  const indicated = opts.addIndicator ? columns.filter((c) => c.hadMissing) : [];
  const names = columns.map((c) => c.name);
  return Object.freeze({
    kind: KIND,
    inputColumns: Object.freeze(names),
    outputColumns: Object.freeze([...names, ...indicated.map((c) => `${c.name}:missing`)]),
    outputSources: Object.freeze([...names, ...indicated.map((c) => c.name)]),
    fills: Object.freeze(Object.fromEntries(columns.map((c) => [c.name, c.fill]))),
    transform(f: Frame): Frame {
      const out: FrameColumn[] = columns.map((c) => {
        const source = inputColumn(f, c.name, c.kind, "imputer");
        if (source.kind === "numeric") {
          const fill = c.fill as number;
          return numericColumn(c.name, source.values.map((v) => (Number.isNaN(v) ? fill : v)));
        }
        const fill = c.fill as string;
        return { name: c.name, kind: "categorical", values: source.values.map((v) => (v === null ? fill : v)) };
      });
      for (const c of indicated) {
        const source = inputColumn(f, c.name, c.kind, "imputer");
        const flags = new Float64Array(f.nRows);
        for (let i = 0; i < f.nRows; i++) flags[i] = categoryAt(source, i) === null ? 1 : 0;
        out.push(numericColumn(`${c.name}:missing`, flags));
      }
      return frame(out);
    },
    toJSON: () => ({ kind: KIND, schemaVersion: SCHEMA_VERSION, options: opts, columns }),
  });
}

export function simpleImputerFromJSON(json: unknown): SimpleImputerModel {
  const parsed = parseModelJSON(ImputerJSON, json, KIND);
  for (const c of parsed.columns) {
    if (typeof c.fill !== (c.kind === "numeric" ? "number" : "string")) {
      throw new PatronError("E_MODEL_JSON", `imputer column "${c.name}" is ${c.kind} but its fill value is a ${typeof c.fill}`);
    }
  }
  return build(parsed.options, parsed.columns);
}
