/**
 * Soft voting over Frame models (scikit-learn's VotingClassifier(voting="soft")): each member —
 * a whole pipeline with its own encoder, scaler and model — is fitted on the same rows, and
 * P(y = 1) is the (weighted) mean of the members' probabilities. Model selection offers it as
 * one more candidate family, built from the families that cross-validate best; it is chosen
 * only when its own cross-validated ROC-AUC beats every single family's.
 *
 * Members that differ in kind err differently (kNN by neighbourhoods, SVC by margins, boosting
 * by splits), so their average ranks customers better than any of them alone when none
 * dominates — the usual reason a vote helps on small tabular data (Dietterich 2000).
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Frame } from "../../core/frame.ts";
import { parseModelJSON, parseOptions } from "../../models/preprocess/transformer.ts";
import { estimatorFromSpec, modelFromJSON } from "../../models/registry.ts";
import type { EstimatorSpec, FitContext, FrameEstimator, FrameModel, ModelJSON, Task } from "../../models/types.ts";

export const KIND = "soft-voting";
const SCHEMA_VERSION = 1;

const MemberSpec = z.strictObject({ kind: z.string(), options: z.record(z.string(), z.unknown()) });

export const SoftVotingOptions = z
  .strictObject({
    /** Frame estimator specs (pipelines), at least two. */
    members: z.array(MemberSpec).min(2),
    /** One positive weight per member; default equal weights. */
    weights: z.array(z.number().positive()).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.weights && o.weights.length !== o.members.length) {
      ctx.addIssue({ code: "custom", message: `weights has ${o.weights.length} entries for ${o.members.length} members; give one weight per member` });
    }
  });
export type SoftVotingOptions = z.output<typeof SoftVotingOptions>;

/** The fitted vote: a binary Frame classifier. */
export interface SoftVotingModel {
  readonly kind: typeof KIND;
  readonly task: Task;
  readonly options: SoftVotingOptions;
  readonly members: readonly FrameModel[];
  /** Normalised to sum to 1. */
  readonly weights: Float64Array;
  readonly inputColumns: readonly string[];
  predict(f: Frame): Float64Array;
  predictProba(f: Frame): Float64Array;
  toJSON(): ModelJSON;
}

export interface SoftVotingEstimator {
  readonly kind: typeof KIND;
  readonly options: SoftVotingOptions;
  fit(f: Frame, y: Float64Array, ctx?: FitContext): SoftVotingModel;
}

function normalisedWeights(opts: SoftVotingOptions): Float64Array {
  const raw = opts.weights ?? opts.members.map(() => 1);
  const total = raw.reduce((a, b) => a + b, 0);
  return Float64Array.from(raw, (w) => w / total);
}

function build(opts: SoftVotingOptions, members: readonly FrameModel[]): SoftVotingModel {
  for (const m of members) {
    if (m.task !== "binary" || typeof m.predictProba !== "function") {
      throw new PatronError("E_NOT_CLASSIFIER", `soft voting averages binary probabilities; member "${m.kind}" is a ${m.task} model. Use binary classifiers only.`);
    }
  }
  const weights = normalisedWeights(opts);
  const inputColumns = [...new Set(members.flatMap((m) => m.inputColumns))];
  const predictProba = (f: Frame): Float64Array => {
    const out = new Float64Array(f.nRows);
    members.forEach((m, k) => {
      const p = m.predictProba(f);
      for (let i = 0; i < f.nRows; i++) out[i] += weights[k] * p[i];
    });
    return out;
  };
  return Object.freeze({
    kind: KIND,
    task: "binary" as Task,
    options: opts,
    members: Object.freeze([...members]),
    weights,
    inputColumns,
    predict: predictProba,
    predictProba,
    toJSON: () => ({ kind: KIND, schemaVersion: SCHEMA_VERSION, options: opts, members: members.map((m) => m.toJSON()) }),
  });
}

/**
 * The estimator. Members are built through the registry when fit starts, so the spec stays
 * plain JSON and crosses worker threads; fitting is synchronous, as every Frame estimator's.
 */
export async function estimator(options: Record<string, unknown>): Promise<SoftVotingEstimator> {
  const opts = parseOptions(SoftVotingOptions, options, KIND);
  const built = (await Promise.all(opts.members.map((m) => estimatorFromSpec(m as EstimatorSpec)))) as FrameEstimator[];
  return {
    kind: KIND,
    options: opts,
    fit(f: Frame, y: Float64Array, ctx: FitContext = {}): SoftVotingModel {
      // Every member sees ctx as is (the same seed), so a member fitted inside the vote is the
      // model that was cross-validated alone, and the vote's CV score is the mean of theirs.
      return build(opts, built.map((e) => e.fit(f, y, ctx)));
    },
  };
}

const SoftVotingJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: SoftVotingOptions,
  members: z.array(z.looseObject({ kind: z.string(), schemaVersion: z.number() })).min(2),
});

export async function fromJSON(json: unknown): Promise<SoftVotingModel> {
  const parsed = parseModelJSON(SoftVotingJSON, json, KIND);
  if (parsed.members.length !== parsed.options.members.length) {
    throw new PatronError("E_MODEL_JSON", `soft-voting JSON lists ${parsed.options.members.length} member specs but ${parsed.members.length} fitted members`);
  }
  const members = (await Promise.all(parsed.members.map((m) => modelFromJSON(m)))) as FrameModel[];
  for (const m of members) {
    if (typeof (m as FrameModel).inputColumns === "undefined") {
      throw new PatronError("E_MODEL_JSON", `soft-voting members must be Frame models (pipelines); found "${m.kind}"`);
    }
  }
  return build(parsed.options, members);
}

/**
 * The registry's view of this kind. A vote has no single matrix model or preprocessing, so it
 * is not a FrameModel in the full sense (no `model`, no `transform`); what model selection and
 * scoring call — fit, predict, predictProba, toJSON — it has. Code that needs the inner model
 * (exact SHAP) checks for it and falls back to the model-agnostic explainer.
 */
export const registryEntry = {
  estimator: estimator as unknown as (options: Record<string, unknown>) => Promise<FrameEstimator>,
  fromJSON: fromJSON as unknown as (json: ModelJSON) => Promise<FrameModel>,
};
