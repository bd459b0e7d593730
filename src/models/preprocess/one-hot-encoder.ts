/**
 * One-hot encoding with scikit-learn 1.2's OneHotEncoder semantics: categories sorted like
 * `np.unique` (missing last, as its own category when seen in fit), unknown categories →
 * all-zero rows (`handleUnknown: "ignore"`, our default, because scoring new customers must
 * not fail on a new city) or an error, infrequent categories (`minFrequency`,
 * `maxCategories`) grouped into one `column=<infrequent>` output placed last, and
 * `drop: "first" | "if_binary"` for unpenalised linear models.
 *
 * Output columns are named `column=value` (missing: `column=<missing>`), each sourced from
 * its input column.
 */
import { z } from "zod";
import { PatronError, preview } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import {
  categoryAt,
  categoryLabel,
  categoryMatchesKind,
  countCategories,
  type Category,
} from "./categories.ts";
import {
  inputColumn,
  numericColumn,
  parseModelJSON,
  parseOptions,
  type FittedTransformer,
  type Transformer,
} from "./transformer.ts";

const KIND = "one-hot-encoder";
const SCHEMA_VERSION = 1;

export const CategoryValue = z.union([z.string(), z.number(), z.null()]);

export const OneHotOptions = z.strictObject({
  /** "ignore": unseen category → all zeros; "infrequent_if_exist": → the infrequent column. */
  handleUnknown: z.enum(["ignore", "error", "infrequent_if_exist"]).default("ignore"),
  drop: z.enum(["none", "first", "if_binary"]).default("none"),
  /** An integer ≥ 1 is a count, a number in (0, 1) a share of the rows (scikit-learn's rule). */
  minFrequency: z
    .number()
    .positive()
    .refine((v) => v < 1 || Number.isInteger(v), "must be an integer count ≥ 1 or a share in (0, 1)")
    .optional(),
  maxCategories: z.number().int().min(1).optional(),
  /** Categories per column in the order wanted; other values are treated as unknown. */
  categories: z.record(z.string(), z.array(CategoryValue).min(1)).optional(),
});
export type OneHotOptions = z.output<typeof OneHotOptions>;

const FittedColumn = z.strictObject({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  categories: z.array(CategoryValue),
  /** Indices into categories that are grouped as infrequent. */
  infrequent: z.array(z.number().int().min(0)),
  /** The output slot (before dropping) that is dropped, or null. */
  dropSlot: z.number().int().min(0).nullable(),
});
type FittedColumn = z.output<typeof FittedColumn>;

const OneHotJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: OneHotOptions,
  columns: z.array(FittedColumn),
});

export interface OneHotModel extends FittedTransformer {
  /** Per input column, the categories learned in fit (sorted; null = missing). */
  readonly categories: Readonly<Record<string, readonly Category[]>>;
}

export function oneHotEncoder(options: z.input<typeof OneHotOptions> = {}): Transformer<OneHotModel> {
  const opts = parseOptions(OneHotOptions, options, KIND);
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame): OneHotModel {
      const columns = f.columns.map((c) => fitColumn(c, f.nRows, opts));
      return build(opts, columns);
    },
  };
}

function fitColumn(c: FrameColumn, nRows: number, opts: OneHotOptions): FittedColumn {
  const counted = countCategories(c);
  let categories = counted.categories;
  let counts = counted.counts;
  const given = opts.categories?.[c.name];
  if (given) {
    const bad = given.filter((v) => !categoryMatchesKind(v, c.kind));
    if (bad.length > 0) {
      throw new PatronError(
        "E_OPTIONS",
        `one-hot categories for "${c.name}" must be ${c.kind === "numeric" ? "numbers" : "strings"} like the column; found ${preview(bad)}.`,
      );
    }
    const seen = new Map(categories.map((v, k) => [v, counts[k]]));
    if (opts.handleUnknown === "error") {
      const extra = categories.filter((v) => !given.includes(v));
      if (extra.length > 0) {
        throw new PatronError(
          "E_UNKNOWN_CATEGORY",
          `column "${c.name}" has values ${preview(extra.map(categoryLabel))} that are not in the categories given; add them or use handleUnknown "ignore".`,
        );
      }
    }
    categories = [...given];
    counts = given.map((v) => seen.get(v) ?? 0);
  }
  const infrequent = identifyInfrequent(counts, nRows, opts);
  const nSlots = categories.length - (infrequent.length > 0 ? infrequent.length - 1 : 0);
  let dropSlot: number | null = null;
  if (opts.drop === "first" || (opts.drop === "if_binary" && nSlots === 2)) {
    if (infrequent.includes(0)) {
      throw new PatronError(
        "E_OPTIONS",
        `cannot drop category ${JSON.stringify(categories[0])} of "${c.name}" because it is infrequent; lower minFrequency or use drop "none".`,
      );
    }
    dropSlot = 0;
  }
  return { name: c.name, kind: c.kind, categories, infrequent, dropSlot };
}

/** scikit-learn's `_identify_infrequent`: below minFrequency, then the rarest beyond maxCategories. */
function identifyInfrequent(counts: number[], nRows: number, opts: OneHotOptions): number[] {
  const mask = new Array<boolean>(counts.length).fill(false);
  if (opts.minFrequency !== undefined) {
    const threshold = opts.minFrequency < 1 ? nRows * opts.minFrequency : opts.minFrequency;
    counts.forEach((n, k) => (mask[k] = n < threshold));
  }
  const nCurrent = counts.length - mask.filter(Boolean).length + 1;
  if (opts.maxCategories !== undefined && opts.maxCategories < nCurrent) {
    // Stable ascending sort by count (NumPy's mergesort), then the smallest beyond the limit.
    const order = counts.map((_, k) => k).sort((a, b) => counts[a] - counts[b] || a - b);
    for (const k of order.slice(0, counts.length - opts.maxCategories + 1)) mask[k] = true;
  }
  const out: number[] = [];
  mask.forEach((m, k) => m && out.push(k));
  return out;
}

/** Output slot of each category (infrequent ones share the last slot) and the slot labels. */
function slots(column: FittedColumn): { slotOf: Int32Array; labels: string[]; infrequentSlot: number } {
  const slotOf = new Int32Array(column.categories.length);
  const labels: string[] = [];
  const infrequent = new Set(column.infrequent);
  column.categories.forEach((v, k) => {
    if (infrequent.has(k)) return;
    slotOf[k] = labels.length;
    labels.push(`${column.name}=${categoryLabel(v)}`);
  });
  let infrequentSlot = -1;
  if (infrequent.size > 0) {
    infrequentSlot = labels.length;
    for (const k of infrequent) slotOf[k] = infrequentSlot;
    labels.push(`${column.name}=<infrequent>`);
  }
  return { slotOf, labels, infrequentSlot };
}

function build(opts: OneHotOptions, columns: FittedColumn[]): OneHotModel {
  const plans = columns.map((column) => {
    const { slotOf, labels, infrequentSlot } = slots(column);
    const lookup = new Map<Category, number>(column.categories.map((v, k) => [v, k]));
    // Output index of each slot after dropping (-1 = dropped).
    const outIndex = labels.map((_, s) => (column.dropSlot === null ? s : s < column.dropSlot ? s : s === column.dropSlot ? -1 : s - 1));
    const outLabels = labels.filter((_, s) => s !== column.dropSlot);
    return { column, slotOf, infrequentSlot, lookup, outIndex, outLabels };
  });
  const outputColumns = plans.flatMap((p) => p.outLabels);
  const outputSources = plans.flatMap((p) => p.outLabels.map(() => p.column.name));
  const categories = Object.fromEntries(columns.map((c) => [c.name, Object.freeze([...c.categories])]));
  return Object.freeze({
    kind: KIND,
    inputColumns: Object.freeze(columns.map((c) => c.name)),
    outputColumns: Object.freeze(outputColumns),
    outputSources: Object.freeze(outputSources),
    categories: Object.freeze(categories),
    transform(f: Frame): Frame {
      const out: FrameColumn[] = [];
      for (const p of plans) {
        const source = inputColumn(f, p.column.name, p.column.kind, "one-hot encoder");
        const values = p.outLabels.map(() => new Float64Array(f.nRows));
        for (let i = 0; i < f.nRows; i++) {
          const category = categoryAt(source, i);
          const k = p.lookup.get(category);
          let slot: number;
          if (k !== undefined) slot = p.slotOf[k];
          else if (opts.handleUnknown === "error") {
            throw new PatronError(
              "E_UNKNOWN_CATEGORY",
              `column "${p.column.name}" row ${i + 1} has category ${JSON.stringify(category)}, not seen in fit; use handleUnknown "ignore" to encode unseen categories as all zeros.`,
            );
          } else if (opts.handleUnknown === "infrequent_if_exist" && p.infrequentSlot >= 0) slot = p.infrequentSlot;
          else continue;
          const o = p.outIndex[slot];
          if (o >= 0) values[o][i] = 1;
        }
        p.outLabels.forEach((label, o) => out.push(numericColumn(label, values[o])));
      }
      return frame(out);
    },
    toJSON: () => ({ kind: KIND, schemaVersion: SCHEMA_VERSION, options: opts, columns }),
  });
}

export function oneHotEncoderFromJSON(json: unknown): OneHotModel {
  const parsed = parseModelJSON(OneHotJSON, json, KIND);
  for (const c of parsed.columns) {
    if (c.infrequent.some((k) => k >= c.categories.length)) {
      throw new PatronError("E_MODEL_JSON", `one-hot column "${c.name}" marks an infrequent category that does not exist`);
    }
    if (c.categories.some((v) => !categoryMatchesKind(v, c.kind))) {
      throw new PatronError("E_MODEL_JSON", `one-hot column "${c.name}" has categories of the wrong kind`);
    }
  }
  return build(parsed.options, parsed.columns);
}
