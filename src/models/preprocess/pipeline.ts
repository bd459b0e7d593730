/**
 * A pipeline = preprocessing (imputers, encoder, scaler in a column transformer) in front of
 * a matrix estimator, fitted and serialized as one model (scikit-learn's
 * `Pipeline([("pre", ColumnTransformer(...)), ("model", ...)])`). It implements
 * FrameEstimator / FrameModel, so jobs pass a Frame straight from the store and model
 * selection searches encoder × scaler × model × parameters through one JSON spec:
 *
 *   { kind: "pipeline", options: { encoder: "onehot", scaler: "robust",
 *     model: { kind: "logistic-regression", options: { c: 0.1 } } } }
 *
 * The shorthand builds two branches: numeric columns → numericImputer → scaler, categorical
 * columns → categoricalImputer → encoder. Each shorthand value is a name or a full
 * transformer spec (`{kind, options}`); `preprocessor` replaces the shorthand with any
 * column-transformer spec. The fitted model exposes the encoded feature names and, for each,
 * the original column (`featureSources`) so SHAP values of one-hot columns can be summed back.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame } from "../../core/frame.ts";
import type { Matrix } from "../../core/matrix.ts";
import { estimatorFromSpec, modelFromJSON } from "../registry.ts";
import type { Classifier, Estimator, EstimatorSpec, FitContext, FrameEstimator, FrameModel, Model, Task } from "../types.ts";
import { columnTransformer, columnTransformerFromJSON, type ColumnTransformerModel } from "./column-transformer.ts";
import { parseModelJSON, parseOptions, type TransformerSpec } from "./transformer.ts";

const KIND = "pipeline";
const SCHEMA_VERSION = 1;

const Spec = z.strictObject({ kind: z.string(), options: z.record(z.string(), z.unknown()).optional() });

export const PipelineOptions = z.strictObject({
  /** The Frame columns to use; default every column. */
  columns: z.array(z.string()).min(1).optional(),
  numericImputer: z.union([z.enum(["mean", "median", "most_frequent", "constant", "none"]), Spec]).optional(),
  categoricalImputer: z.union([z.enum(["most_frequent", "constant", "none"]), Spec]).optional(),
  encoder: z.union([z.enum(["onehot", "ordinal"]), Spec]).optional(),
  scaler: z.union([z.enum(["standard", "minmax", "robust", "none"]), Spec]).optional(),
  /** Adds a 0/1 `name:missing` column for numeric columns with missing values in fit. */
  missingIndicator: z.boolean().optional(),
  /** A full column-transformer spec; replaces the shorthand options above. */
  preprocessor: Spec.optional(),
  model: z.strictObject({ kind: z.string(), options: z.record(z.string(), z.unknown()) }),
});
export type PipelineOptions = z.output<typeof PipelineOptions>;

/** Defaults of the shorthand: safe for every model (linear, kNN and SVC need imputed, scaled input). */
const DEFAULTS = {
  numericImputer: "median",
  categoricalImputer: "constant",
  encoder: "onehot",
  scaler: "standard",
  missingIndicator: false,
} as const;

export interface PipelineModel extends FrameModel {
  readonly kind: "pipeline";
  readonly preprocessor: ColumnTransformerModel;
  /** The encoded columns the inner model sees, in order (= model.featureNames). */
  readonly featureNames: readonly string[];
  /** For each encoded column, the original Frame column it came from. */
  readonly featureSources: readonly string[];
  /** The inner model's decision function (margin) on the preprocessed Frame, if it has one. */
  decisionFunction(f: Frame): Float64Array;
}

export interface PipelineEstimator extends FrameEstimator<PipelineModel> {
  readonly kind: "pipeline";
  readonly options: PipelineOptions;
}

type PipelineInput = Omit<z.input<typeof PipelineOptions>, "model"> & { model: Estimator | EstimatorSpec };

function isEstimator(model: unknown): model is Estimator {
  return typeof (model as Estimator)?.fit === "function";
}

/** The column-transformer spec the shorthand options describe. */
export function preprocessorSpec(opts: PipelineOptions): TransformerSpec {
  const shorthand = ["numericImputer", "categoricalImputer", "encoder", "scaler", "missingIndicator"] as const;
  if (opts.preprocessor) {
    const set = shorthand.filter((key) => opts[key] !== undefined);
    if (set.length > 0) {
      throw new PatronError(
        "E_OPTIONS",
        `pipeline options ${set.join(", ")} and "preprocessor" both describe the preprocessing; give one or the other.`,
      );
    }
    if (opts.preprocessor.kind !== "column-transformer") {
      throw new PatronError("E_OPTIONS", `pipeline "preprocessor" must be a column-transformer spec; found kind "${opts.preprocessor.kind}".`);
    }
    return opts.preprocessor;
  }
  type Shorthand = Required<Pick<PipelineOptions, (typeof shorthand)[number]>>;
  const o: Shorthand = { ...DEFAULTS, ...Object.fromEntries(shorthand.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]])) };
  const numeric: TransformerSpec[] = [];
  if (typeof o.numericImputer !== "string") numeric.push(o.numericImputer);
  else if (o.numericImputer !== "none") {
    numeric.push({ kind: "simple-imputer", options: { strategy: o.numericImputer, addIndicator: o.missingIndicator } });
  } else if (o.missingIndicator) {
    throw new PatronError("E_OPTIONS", `pipeline missingIndicator needs a numeric imputer; set numericImputer to "median" (or another strategy).`);
  }
  const scalers = { standard: "standard-scaler", minmax: "min-max-scaler", robust: "robust-scaler" } as const;
  if (typeof o.scaler !== "string") numeric.push(o.scaler);
  else if (o.scaler !== "none") numeric.push({ kind: scalers[o.scaler], options: {} });
  const categorical: TransformerSpec[] = [];
  if (typeof o.categoricalImputer !== "string") categorical.push(o.categoricalImputer);
  else if (o.categoricalImputer !== "none") categorical.push({ kind: "simple-imputer", options: { strategy: o.categoricalImputer } });
  if (typeof o.encoder !== "string") categorical.push(o.encoder);
  else categorical.push({ kind: o.encoder === "onehot" ? "one-hot-encoder" : "ordinal-encoder", options: {} });
  return {
    kind: "column-transformer",
    options: {
      transformers: [
        { name: "numeric", columns: "numeric", steps: numeric },
        { name: "categorical", columns: "categorical", steps: categorical },
      ],
      remainder: "drop",
    },
  };
}

/**
 * The pipeline estimator. `model` is an estimator object (`logisticRegression({ c: 0.5 })`);
 * to build from a plain JSON spec (worker threads, stored searches) use
 * `estimatorFromSpec({ kind: "pipeline", options })` from src/models/registry.ts.
 */
export function pipeline(options: PipelineInput): PipelineEstimator {
  const model = options?.model;
  if (!isEstimator(model)) {
    throw new PatronError(
      "E_OPTIONS",
      `pipeline "model" must be an estimator object such as logisticRegression(); to build from a JSON spec use await estimatorFromSpec({ kind: "pipeline", options }).`,
    );
  }
  const opts = parseOptions(PipelineOptions, { ...options, model: { kind: model.kind, options: { ...model.options } } }, KIND);
  const preprocessor = columnTransformer(preprocessorSpec(opts).options as Parameters<typeof columnTransformer>[0]);
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame, y: Float64Array, ctx: FitContext = {}): PipelineModel {
      checkFrame(f, "fit");
      if (!(y instanceof Float64Array) || y.length !== f.nRows) {
        throw new PatronError(
          "E_SHAPE",
          `pipeline fit needs one label per row: the frame has ${f.nRows} rows but y has ${y?.length} values (y must be a Float64Array).`,
        );
      }
      const used = selectColumns(f, opts.columns);
      const fittedPre = preprocessor.fit(used) as ColumnTransformerModel;
      const x = fittedPre.transformToMatrix(used);
      const innerCtx: FitContext = { ...ctx };
      const validation = ctx.validation as { x: Matrix | Frame; y: Float64Array } | undefined;
      if (validation && !isMatrix(validation.x)) {
        innerCtx.validation = { x: fittedPre.transformToMatrix(validation.x), y: validation.y };
      }
      const inner = model.fit(x, y, innerCtx);
      return build(opts, fittedPre, inner);
    },
  };
}

function isMatrix(x: Matrix | Frame): x is Matrix {
  return (x as Matrix).data instanceof Float64Array;
}

function checkFrame(f: Frame, where: string): void {
  if (typeof f !== "object" || f === null || !Array.isArray(f.columns) || typeof f.nRows !== "number") {
    throw new PatronError("E_SHAPE", `pipeline ${where} takes a Frame ({ nRows, columns }); for a Matrix, call the model directly.`);
  }
}

function selectColumns(f: Frame, columns: readonly string[] | undefined): Frame {
  if (!columns) return f;
  const missing = columns.filter((name) => !f.columns.some((c) => c.name === name));
  if (missing.length > 0) {
    throw new PatronError(
      "E_COLUMN",
      `pipeline columns ${missing.map((m) => `"${m}"`).join(", ")} are not in the data (columns: ${f.columns.map((c) => c.name).join(", ")}).`,
    );
  }
  return frame(columns.map((name) => f.columns.find((c) => c.name === name)!));
}

function build(opts: PipelineOptions, preprocessor: ColumnTransformerModel, model: Model): PipelineModel {
  const featureNames = preprocessor.outputColumns;
  if (model.featureNames.length !== featureNames.length || model.featureNames.some((name, j) => name !== featureNames[j])) {
    throw new PatronError(
      "E_MODEL_JSON",
      `pipeline model expects features [${model.featureNames.join(", ")}] but the preprocessing produces [${featureNames.join(", ")}]`,
    );
  }
  const transform = (f: Frame): Matrix => {
    checkFrame(f, "predict");
    return preprocessor.transformToMatrix(f);
  };
  const classifier = (): Classifier => {
    if (typeof (model as Classifier).predictProba !== "function") {
      throw new PatronError("E_NOT_CLASSIFIER", `the pipeline's ${model.kind} model is a ${model.task} model and has no probabilities; use predict.`);
    }
    return model as Classifier;
  };
  return Object.freeze({
    kind: KIND,
    task: model.task as Task,
    inputColumns: preprocessor.inputColumns,
    model,
    preprocessor,
    featureNames,
    featureSources: preprocessor.outputSources,
    transform,
    predict: (f: Frame) => model.predict(transform(f)),
    predictProba: (f: Frame) => classifier().predictProba(transform(f)),
    decisionFunction(f: Frame): Float64Array {
      const inner = model as Classifier;
      if (typeof inner.decisionFunction !== "function") {
        throw new PatronError("E_NOT_CLASSIFIER", `the pipeline's ${model.kind} model has no decision function; use predict or predictProba.`);
      }
      return inner.decisionFunction(transform(f));
    },
    toJSON: () => ({
      kind: KIND,
      schemaVersion: SCHEMA_VERSION,
      options: opts,
      preprocessor: preprocessor.toJSON(),
      model: model.toJSON(),
    }),
  } satisfies PipelineModel);
}

const PipelineJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: PipelineOptions,
  preprocessor: z.looseObject({ kind: z.literal("column-transformer"), schemaVersion: z.number() }),
  model: z.looseObject({ kind: z.string(), schemaVersion: z.number() }),
});

/** Registry entry: builds the pipeline from a plain JSON spec, the inner model included. */
export async function estimator(options: Record<string, unknown>): Promise<PipelineEstimator> {
  const spec = (options ?? {}) as { model?: unknown };
  const parsedModel = z.strictObject({ kind: z.string(), options: z.record(z.string(), z.unknown()).default({}) }).safeParse(spec.model);
  if (!parsedModel.success) {
    throw new PatronError("E_OPTIONS", `pipeline "model" must be an estimator spec { kind, options }; found ${JSON.stringify(spec.model)}`);
  }
  const inner = await estimatorFromSpec(parsedModel.data);
  if (inner.kind === KIND) {
    throw new PatronError("E_OPTIONS", `a pipeline's model must be a matrix estimator, not "${inner.kind}"`);
  }
  return pipeline({ ...(options as Omit<PipelineInput, "model">), model: inner as Estimator });
}

/** Registry entry: rebuilds a fitted pipeline, validating the preprocessing and the model. */
export async function fromJSON(json: unknown): Promise<PipelineModel> {
  const parsed = parseModelJSON(PipelineJSON, json, KIND);
  const preprocessor = columnTransformerFromJSON(parsed.preprocessor);
  const model = await modelFromJSON(parsed.model);
  if (!("featureNames" in model) || typeof (model as Model).predict !== "function" || model.kind === KIND) {
    throw new PatronError("E_MODEL_JSON", `a pipeline's model must be a matrix model; found "${model.kind}"`);
  }
  return build(parsed.options, preprocessor, model as Model);
}
