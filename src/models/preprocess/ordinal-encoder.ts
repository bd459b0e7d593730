/**
 * Ordinal encoding with scikit-learn 1.2's OrdinalEncoder semantics: category k of the sorted
 * categories (or of the order the user gives, e.g. S < M < L) becomes the number k.
 *
 * Documented codes: an unknown category becomes `unknownValue` (default -1, like
 * `handle_unknown="use_encoded_value", unknown_value=-1`; null means NaN so a tree model
 * treats it as missing), and a missing value becomes `encodedMissingValue` (default null =
 * NaN, scikit-learn's default). Unlike scikit-learn, a missing value not seen in fit is still
 * encoded as missing rather than unknown: missingness means the same thing at any time.
 * Output columns keep the input names.
 */
import { z } from "zod";
import { PatronError, preview } from "../../core/errors.ts";
import { frame, type Frame } from "../../core/frame.ts";
import { categoryAt, categoryLabel, categoryMatchesKind, countCategories, type Category } from "./categories.ts";
import { CategoryValue } from "./one-hot-encoder.ts";
import {
  inputColumn,
  numericColumn,
  parseModelJSON,
  parseOptions,
  type FittedTransformer,
  type Transformer,
} from "./transformer.ts";

const KIND = "ordinal-encoder";
const SCHEMA_VERSION = 1;

export const OrdinalOptions = z.strictObject({
  handleUnknown: z.enum(["use_encoded_value", "error"]).default("use_encoded_value"),
  /** Code for categories not seen in fit; null = NaN. */
  unknownValue: z.number().nullable().default(-1),
  /** Code for missing values; null = NaN (a tree's missing branch, or impute later). */
  encodedMissingValue: z.number().nullable().default(null),
  /** Categories per column in their meaningful order; columns not listed are sorted. */
  categories: z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1)).optional(),
});
export type OrdinalOptions = z.output<typeof OrdinalOptions>;

const FittedColumn = z.strictObject({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  categories: z.array(CategoryValue),
});
type FittedColumn = z.output<typeof FittedColumn>;

const OrdinalJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: OrdinalOptions,
  columns: z.array(FittedColumn),
});

export interface OrdinalModel extends FittedTransformer {
  readonly categories: Readonly<Record<string, readonly Category[]>>;
}

export function ordinalEncoder(options: z.input<typeof OrdinalOptions> = {}): Transformer<OrdinalModel> {
  const opts = parseOptions(OrdinalOptions, options, KIND);
  if (opts.unknownValue !== null && opts.handleUnknown === "use_encoded_value" && opts.unknownValue >= 0 && Number.isInteger(opts.unknownValue)) {
    // A non-negative integer would collide with a real category's code.
    throw new PatronError(
      "E_OPTIONS",
      `ordinal unknownValue ${opts.unknownValue} would be the code of a real category; use a negative number (default -1) or null for NaN.`,
    );
  }
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame): OrdinalModel {
      const columns = f.columns.map((c): FittedColumn => {
        const seen = countCategories(c).categories.filter((v) => v !== null);
        const given = opts.categories?.[c.name];
        if (!given) return { name: c.name, kind: c.kind, categories: seen };
        const bad = given.filter((v) => !categoryMatchesKind(v, c.kind));
        if (bad.length > 0) {
          throw new PatronError(
            "E_OPTIONS",
            `ordinal categories for "${c.name}" must be ${c.kind === "numeric" ? "numbers" : "strings"} like the column; found ${preview(bad)}.`,
          );
        }
        const extra = seen.filter((v) => !given.includes(v as string | number));
        if (extra.length > 0 && opts.handleUnknown === "error") {
          throw new PatronError(
            "E_UNKNOWN_CATEGORY",
            `column "${c.name}" has values ${preview(extra.map(categoryLabel))} that are not in the ordinal categories given; add them in order or use handleUnknown "use_encoded_value".`,
          );
        }
        return { name: c.name, kind: c.kind, categories: [...given] };
      });
      return build(opts, columns);
    },
  };
}

function build(opts: OrdinalOptions, columns: FittedColumn[]): OrdinalModel {
  const unknownCode = opts.unknownValue ?? NaN;
  const missingCode = opts.encodedMissingValue ?? NaN;
  const lookups = columns.map((c) => new Map<Category, number>(c.categories.map((v, k) => [v, k])));
  const names = Object.freeze(columns.map((c) => c.name));
  return Object.freeze({
    kind: KIND,
    inputColumns: names,
    outputColumns: names,
    outputSources: names,
    categories: Object.freeze(Object.fromEntries(columns.map((c) => [c.name, Object.freeze([...c.categories])]))),
    transform(f: Frame): Frame {
      return frame(
        columns.map((c, j) => {
          const source = inputColumn(f, c.name, c.kind, "ordinal encoder");
          const values = new Float64Array(f.nRows);
          for (let i = 0; i < f.nRows; i++) {
            const category = categoryAt(source, i);
            if (category === null) {
              values[i] = missingCode;
              continue;
            }
            const code = lookups[j].get(category);
            if (code !== undefined) values[i] = code;
            else if (opts.handleUnknown === "error") {
              throw new PatronError(
                "E_UNKNOWN_CATEGORY",
                `column "${c.name}" row ${i + 1} has category ${JSON.stringify(category)}, not seen in fit; use handleUnknown "use_encoded_value" to give unseen categories the code ${opts.unknownValue ?? "NaN"}.`,
              );
            } else values[i] = unknownCode;
          }
          return numericColumn(c.name, values);
        }),
      );
    },
    toJSON: () => ({ kind: KIND, schemaVersion: SCHEMA_VERSION, options: opts, columns }),
  });
}

export function ordinalEncoderFromJSON(json: unknown): OrdinalModel {
  const parsed = parseModelJSON(OrdinalJSON, json, KIND);
  for (const c of parsed.columns) {
    if (c.categories.some((v) => v === null || !categoryMatchesKind(v, c.kind))) {
      throw new PatronError("E_MODEL_JSON", `ordinal column "${c.name}" has categories of the wrong kind`);
    }
  }
  return build(parsed.options, parsed.columns);
}
