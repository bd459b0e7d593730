/**
 * T-learner ("two models"; Künzel et al. 2019 §2, scikit-uplift's TwoModels): one base model per
 * arm, each fitted on that arm's rows only; the uplift of arm k is μ_k(x) − μ_0(x). Works for a
 * binary outcome (the base is a classifier: μ = P(y = 1)) and a continuous one (a regressor),
 * and for any number of arms.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Estimator, Model } from "../models/types.ts";
import { baseContext, checkArms, checkOutcome, childSeed, subset } from "./arms.ts";
import {
  checkColumns, estimatorOption, estimatorSummaryJSON, MetaModel, metaHeaderJSON, outcomeOf, parseJSON,
  registryResolver, resolveModels, upliftFromResponses,
} from "./meta-model.ts";
import { summarizeEstimator, type EstimatorSummary, type ModelResolver, type UpliftEstimator, type UpliftFitContext, type UpliftOutcome } from "./types.ts";

export const T_LEARNER = "t-learner";

export const TLearnerOptions = z.strictObject({
  /** The model fitted once per arm. */
  base: estimatorOption,
});

export class TLearnerModel extends MetaModel {
  /** One fitted base model per arm, control first. */
  readonly models: readonly Model[];
  readonly base: EstimatorSummary;

  constructor(parts: { featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; models: readonly Model[]; base: EstimatorSummary }) {
    super(T_LEARNER, parts.featureNames, parts.arms, parts.outcome);
    this.models = Object.freeze([...parts.models]);
    this.base = parts.base;
    Object.freeze(this);
  }

  predictResponses(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nArms = this.arms.length;
    const out = new Float64Array(x.nRows * nArms);
    this.models.forEach((model, a) => {
      const p = model.predict(x);
      for (let i = 0; i < x.nRows; i++) out[i * nArms + a] = p[i];
    });
    return out;
  }

  predictUplift(x: Matrix): Float64Array {
    return upliftFromResponses(this.predictResponses(x), this.arms.length);
  }

  toJSON() {
    return { ...this.header(), base: this.base, models: this.models.map((m) => m.toJSON()) };
  }
}

export function tLearner(options: z.input<typeof TLearnerOptions>): UpliftEstimator<TLearnerModel> {
  const opts = TLearnerOptions.parse(options);
  return {
    kind: T_LEARNER,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): TLearnerModel {
      checkOutcome(y, x.nRows);
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const models = layout.rowsOf.map((rows, a) => {
        const part = subset(x, y, rows, ctx);
        return (opts.base as Estimator).fit(part.x, part.y, baseContext(ctx, childSeed(ctx.seed, 0, a), part.weight));
      });
      return new TLearnerModel({
        featureNames: x.columns, arms: layout.names, outcome: outcomeOf(models), models, base: summarizeEstimator(opts.base),
      });
    },
  };
}

const TLearnerJSON = z.object({
  kind: z.literal(T_LEARNER),
  ...metaHeaderJSON,
  base: estimatorSummaryJSON,
  models: z.array(z.object({ kind: z.string() }).passthrough()).min(2),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<TLearnerModel> {
  const parsed = parseJSON(TLearnerJSON, json, T_LEARNER);
  if (parsed.models.length !== parsed.arms.length) {
    throw new PatronError("E_MODEL_JSON", `not a valid ${T_LEARNER} model: ${parsed.models.length} models for ${parsed.arms.length} arms; it needs one per arm.`);
  }
  const models = await resolveModels(parsed.models, resolve, parsed.models.map(() => parsed.featureNames), T_LEARNER);
  return new TLearnerModel({ featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, models, base: parsed.base as EstimatorSummary });
}
