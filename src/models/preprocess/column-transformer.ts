/**
 * scikit-learn's ColumnTransformer: each branch takes some columns (by name, or every numeric
 * / every categorical column like `make_column_selector`), runs them through a chain of
 * steps (e.g. imputer → one-hot), and the outputs are placed side by side in branch order;
 * the remaining columns are dropped or passed through. Branch specs are plain JSON so a
 * whole preprocessing plan can cross worker threads and be stored.
 *
 * The fitted transformer knows, for every output column, the original input column it came
 * from (`outputSources`), composed through each branch's chain.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import { matrix, type Matrix } from "../../core/matrix.ts";
import {
  checkUniqueNames,
  frameAsMatrix,
  inputColumn,
  parseModelJSON,
  parseOptions,
  type FittedTransformer,
  type Transformer,
  type TransformerJSON,
  type TransformerSpec,
} from "./transformer.ts";
import { toTransformerSpec, transformerFromJSON, transformerFromSpec } from "./transformers.ts";

const KIND = "column-transformer";
const SCHEMA_VERSION = 1;

const SpecSchema = z.strictObject({ kind: z.string(), options: z.record(z.string(), z.unknown()).optional() });

export const ColumnTransformerOptions = z.strictObject({
  transformers: z.array(
    z.strictObject({
      name: z.string().min(1),
      /** Column names, or every column of one kind. */
      columns: z.union([z.array(z.string()).min(1), z.enum(["numeric", "categorical"])]),
      /** Applied in order; an empty chain passes the columns through. */
      steps: z.array(SpecSchema).default([]),
    }),
  ),
  remainder: z.enum(["drop", "passthrough"]).default("drop"),
});
export type ColumnTransformerOptions = z.output<typeof ColumnTransformerOptions>;

type BranchInput = {
  name: string;
  columns: string[] | "numeric" | "categorical";
  steps?: (TransformerSpec | Transformer)[];
};

const ColumnTransformerJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: ColumnTransformerOptions,
  branches: z.array(
    z.strictObject({
      name: z.string(),
      columns: z.array(z.string()),
      steps: z.array(z.looseObject({ kind: z.string(), schemaVersion: z.number() })),
    }),
  ),
  remainder: z.array(z.strictObject({ name: z.string(), kind: z.enum(["numeric", "categorical"]) })),
});

interface Branch {
  name: string;
  columns: string[];
  steps: FittedTransformer[];
}

export interface ColumnTransformerModel extends FittedTransformer {
  /** The fitted steps of each branch, in order. */
  readonly branches: readonly { readonly name: string; readonly columns: readonly string[]; readonly steps: readonly FittedTransformer[] }[];
  /** Transforms and packs the result into the Matrix an estimator takes (every output must be numeric). */
  transformToMatrix(f: Frame): Matrix;
}

export function columnTransformer(options: {
  transformers: BranchInput[];
  remainder?: "drop" | "passthrough";
}): Transformer<ColumnTransformerModel> {
  const plain = {
    ...options,
    transformers: options?.transformers?.map((b) => ({ ...b, steps: b.steps?.map(toTransformerSpec) })),
  };
  const opts = parseOptions(ColumnTransformerOptions, plain, KIND);
  checkUniqueNames(
    opts.transformers.map((b) => b.name),
    "column transformer (branch names)",
  );
  // Build every step once now, so bad step options fail here rather than inside fit.
  const factories = opts.transformers.map((b) => b.steps.map((s) => transformerFromSpec(s)));
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame): ColumnTransformerModel {
      const used = new Set<string>();
      const branches: Branch[] = opts.transformers.map((b, index) => {
        const columns =
          typeof b.columns === "string"
            ? f.columns.filter((c) => c.kind === b.columns).map((c) => c.name)
            : b.columns;
        columns.forEach((name) => used.add(name));
        if (columns.length === 0) return { name: b.name, columns: [], steps: [] };
        let current = frame(columns.map((name) => inputColumn(f, name, "any", `column transformer branch "${b.name}"`)));
        const steps = factories[index].map((factory) => {
          const fitted = factory.fit(current);
          current = withRows(fitted.transform(current), f.nRows);
          return fitted;
        });
        return { name: b.name, columns: [...columns], steps };
      });
      const remainder =
        opts.remainder === "passthrough"
          ? f.columns.filter((c) => !used.has(c.name)).map((c) => ({ name: c.name, kind: c.kind }))
          : [];
      return build(opts, branches, remainder);
    },
  };
}

/** A Frame that remembers its row count even with no columns. */
function withRows(f: Frame, nRows: number): Frame {
  return f.columns.length === 0 ? { nRows, columns: [] } : f;
}

function build(
  opts: ColumnTransformerOptions,
  branches: Branch[],
  remainder: { name: string; kind: FrameColumn["kind"] }[],
): ColumnTransformerModel {
  const outputColumns: string[] = [];
  const outputSources: string[] = [];
  for (const b of branches) {
    // Compose sources through the chain: each step's sources are the previous step's outputs.
    let names = b.columns;
    let sources = b.columns;
    for (const step of b.steps) {
      const sourceOf = new Map(names.map((name, j) => [name, sources[j]]));
      for (const input of step.inputColumns) {
        if (!sourceOf.has(input)) {
          throw new PatronError("E_MODEL_JSON", `branch "${b.name}": step ${step.kind} reads "${input}", which the step before it does not produce`);
        }
      }
      sources = step.outputSources.map((s) => sourceOf.get(s)!);
      names = [...step.outputColumns];
    }
    outputColumns.push(...names);
    outputSources.push(...sources);
  }
  for (const c of remainder) {
    outputColumns.push(c.name);
    outputSources.push(c.name);
  }
  checkUniqueNames(outputColumns, "column transformer");
  const inputColumns = [...new Set([...branches.flatMap((b) => b.columns), ...remainder.map((c) => c.name)])];

  const transform = (f: Frame): Frame => {
    const out: FrameColumn[] = [];
    for (const b of branches) {
      if (b.columns.length === 0) continue;
      let current = frame(b.columns.map((name) => inputColumn(f, name, "any", `column transformer branch "${b.name}"`)));
      for (const step of b.steps) current = withRows(step.transform(current), f.nRows);
      out.push(...current.columns);
    }
    for (const c of remainder) out.push(inputColumn(f, c.name, c.kind, "column transformer (passthrough)"));
    return withRows(frame(out), f.nRows);
  };

  return Object.freeze({
    kind: KIND,
    inputColumns: Object.freeze(inputColumns),
    outputColumns: Object.freeze(outputColumns),
    outputSources: Object.freeze(outputSources),
    branches: Object.freeze(branches.map((b) => Object.freeze({ name: b.name, columns: Object.freeze(b.columns), steps: Object.freeze(b.steps) }))),
    transform,
    transformToMatrix(f: Frame): Matrix {
      const out = transform(f);
      return out.columns.length === 0 ? matrix(new Float64Array(0), f.nRows, []) : frameAsMatrix(out, "column transformer");
    },
    toJSON: () => ({
      kind: KIND,
      schemaVersion: SCHEMA_VERSION,
      options: opts,
      branches: branches.map((b) => ({ name: b.name, columns: b.columns, steps: b.steps.map((s) => s.toJSON()) })),
      remainder,
    }),
  });
}

export function columnTransformerFromJSON(json: unknown): ColumnTransformerModel {
  const parsed = parseModelJSON(ColumnTransformerJSON, json, KIND);
  const branches = parsed.branches.map((b) => ({
    name: b.name,
    columns: b.columns,
    steps: b.steps.map((s) => transformerFromJSON(s as TransformerJSON)),
  }));
  return build(parsed.options, branches, parsed.remainder);
}
