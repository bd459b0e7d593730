/**
 * The contract every preprocessing step follows (scikit-learn's fit/transform, made
 * immutable): a factory validates options and returns a `Transformer`; `fit(frame)` returns a
 * frozen `FittedTransformer` whose `transform(frame)` maps its input columns to typed output
 * columns. Steps work on `Frame` (numeric Float64Array with NaN missing, categorical string
 * arrays with null missing) because encoders need the categories; a Frame whose columns are
 * all numeric becomes the `Matrix` an estimator takes.
 *
 * Every output column remembers the input column it came from (`outputSources`), so SHAP
 * values of one-hot columns can be summed back to the original feature.
 */
import type { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import { matrix, type Matrix } from "../../core/matrix.ts";

export interface TransformerJSON {
  kind: string;
  schemaVersion: number;
  [key: string]: unknown;
}

/** A serializable description of a transformer: `transformerFromSpec` rebuilds it. */
export interface TransformerSpec {
  kind: string;
  options?: Record<string, unknown>;
}

export interface Transformer<M extends FittedTransformer = FittedTransformer> {
  readonly kind: string;
  readonly options: Readonly<Record<string, unknown>>;
  fit(f: Frame): M;
}

export interface FittedTransformer {
  readonly kind: string;
  /** The Frame columns the step reads, by name; other columns of the input are ignored. */
  readonly inputColumns: readonly string[];
  /** The columns transform() returns, in order. */
  readonly outputColumns: readonly string[];
  /** For each output column, the input column it was derived from. */
  readonly outputSources: readonly string[];
  transform(f: Frame): Frame;
  toJSON(): TransformerJSON;
}

/** The input columns a step needs, looked up by name and checked for kind. */
export function inputColumn(f: Frame, name: string, kind: FrameColumn["kind"] | "any", step: string): FrameColumn {
  const found = f.columns.find((c) => c.name === name);
  if (!found) {
    throw new PatronError(
      "E_COLUMN",
      `${step} was fitted on column "${name}", which this data does not have (columns: ${f.columns
        .map((c) => c.name)
        .join(", ")}). Pass the same columns that were used in fit.`,
    );
  }
  if (kind !== "any" && found.kind !== kind) {
    throw new PatronError(
      "E_COLUMN_KIND",
      `${step} needs column "${name}" to be ${kind}, but it is ${found.kind}. ${
        kind === "numeric"
          ? "Encode categorical columns (one-hot or ordinal) instead of scaling them."
          : "Convert the column to text, or use a numeric step."
      }`,
    );
  }
  return found;
}

/** A numeric Frame column. */
export function numericColumn(name: string, values: Float64Array): FrameColumn {
  return { name, kind: "numeric", values };
}

/** Views a Matrix as a Frame of numeric columns (no copy), so scalers can run on matrices. */
export function matrixAsFrame(x: Matrix): Frame {
  return frame(
    x.columns.map((name, j) => numericColumn(name, x.data.subarray(j * x.nRows, (j + 1) * x.nRows))),
  );
}

/** Packs the numeric columns of a Frame into a column-major Matrix (one copy). */
export function frameAsMatrix(f: Frame, step = "the preprocessing"): Matrix {
  const data = new Float64Array(f.nRows * f.columns.length);
  f.columns.forEach((c, j) => {
    if (c.kind !== "numeric") {
      throw new PatronError(
        "E_COLUMN_KIND",
        `${step} left column "${c.name}" categorical, but a model needs numbers. Add an encoder ` +
          `(one-hot or ordinal) for categorical columns.`,
      );
    }
    data.set(c.values, j * f.nRows);
  });
  return matrix(data, f.nRows, f.columns.map((c) => c.name));
}

/** Names must be unique in a Frame that becomes a Matrix; duplicates are a configuration error. */
export function checkUniqueNames(names: readonly string[], step: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new PatronError(
        "E_DUPLICATE_COLUMN",
        `${step} would output column "${name}" twice; give each column to exactly one transformer.`,
      );
    }
    seen.add(name);
  }
}

/**
 * Validates model or transformer JSON with a zod schema before anything is built from it; the
 * error names the first offending path.
 */
export function parseModelJSON<S extends z.ZodType>(schema: S, json: unknown, kind: string): z.output<S> {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PatronError(
      "E_MODEL_JSON",
      `invalid "${kind}" JSON at ${issue.path.join(".") || "(root)"}: ${issue.message}. The file is damaged or was written by another version; refit and save again.`,
    );
  }
  return result.data;
}

/**
 * Validates estimator or transformer options; zod's message says which option is wrong and why.
 */
export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, kind: string): z.output<S> {
  const result = schema.safeParse(options ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PatronError(
      "E_OPTIONS",
      `invalid ${kind} option ${issue.path.join(".") || "(options)"}: ${issue.message}.`,
    );
  }
  return result.data;
}
