/**
 * Transformed outcome (Athey & Imbens 2015, "Machine learning methods for estimating
 * heterogeneous causal effects", §2.3; Hitsch & Misra 2018): with p the probability of being
 * treated, Y* = y·(t − p) / (p·(1 − p)) has E[Y* | x] = τ(x) in a randomised experiment, so a
 * regressor on Y* estimates the uplift of any outcome — here the point is continuous ones such
 * as spend, which class transformation cannot take. Y* is very noisy (±y/p), so it needs many
 * rows; the T-/X-learners are usually stronger on small data.
 *
 * With several arms, one regressor per arm on that arm's rows and the control's, with p the arm's
 * share of the pair. As for class transformation, a control response model (the base on the
 * control rows) lets predictResponses report control + uplift.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Estimator, Model } from "../models/types.ts";
import { armPropensities, baseContext, checkArms, checkOutcome, childSeed, isBinaryOutcome, pairRows, subset } from "./arms.ts";
import {
  checkColumns, estimatorOption, estimatorSummaryJSON, MetaModel, metaHeaderJSON, parseJSON, propensityOption,
  registryResolver, resolveModels, responsesFromUplift,
} from "./meta-model.ts";
import { summarizeEstimator, type EstimatorSummary, type ModelResolver, type UpliftEstimator, type UpliftFitContext, type UpliftOutcome } from "./types.ts";

export const TRANSFORMED_OUTCOME = "transformed-outcome";

export const TransformedOutcomeOptions = z.strictObject({
  /** A regressor, fitted on Y*. */
  base: estimatorOption,
  /** P(arm): "fraction" of the training rows (default) or the design's probabilities, control first. */
  propensity: propensityOption.default("fraction"),
  /** Also fit a control response model so that predictResponses works. Default true. */
  responseModel: z.boolean().default(true),
});

export class TransformedOutcomeModel extends MetaModel {
  readonly models: readonly Model[];
  readonly controlModel?: Model;
  /** p_k = P(arm k | arm ∈ {0, k}) used in the transformation, index k − 1. */
  readonly treatedShare: readonly number[];
  readonly base: EstimatorSummary;

  constructor(parts: {
    featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; models: readonly Model[]; controlModel?: Model;
    treatedShare: readonly number[]; base: EstimatorSummary;
  }) {
    super(TRANSFORMED_OUTCOME, parts.featureNames, parts.arms, parts.outcome);
    this.models = Object.freeze([...parts.models]);
    this.controlModel = parts.controlModel;
    this.treatedShare = Object.freeze([...parts.treatedShare]);
    this.base = parts.base;
    Object.freeze(this);
  }

  predictUplift(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nTreatments = this.nTreatments;
    const out = new Float64Array(x.nRows * nTreatments);
    this.models.forEach((model, k) => {
      const tau = model.predict(x);
      for (let i = 0; i < x.nRows; i++) out[i * nTreatments + k] = tau[i];
    });
    return out;
  }

  predictResponses(x: Matrix): Float64Array {
    if (!this.controlModel) {
      throw new PatronError(
        "E_NOT_SUPPORTED",
        "this transformed-outcome model was fitted with responseModel: false, so it estimates only the uplift; refit with responseModel: true or use a T-learner.",
      );
    }
    return responsesFromUplift(this.controlModel.predict(x), this.predictUplift(x), this.nTreatments, this.outcome);
  }

  toJSON() {
    return {
      ...this.header(), base: this.base, treatedShare: [...this.treatedShare],
      models: this.models.map((m) => m.toJSON()), controlModel: this.controlModel?.toJSON() ?? null,
    };
  }
}

export function transformedOutcome(options: z.input<typeof TransformedOutcomeOptions>): UpliftEstimator<TransformedOutcomeModel> {
  const opts = TransformedOutcomeOptions.parse(options);
  return {
    kind: TRANSFORMED_OUTCOME,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): TransformedOutcomeModel {
      checkOutcome(y, x.nRows);
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const p = armPropensities(opts.propensity as "fraction" | number[], layout);
      const base = opts.base as Estimator;
      const models: Model[] = [];
      const treatedShare: number[] = [];
      for (let k = 1; k < layout.nArms; k++) {
        const share = p[k] / (p[k] + p[0]);
        treatedShare.push(share);
        const rows = pairRows(layout, k);
        const nControl = layout.counts[0];
        const yStar = new Float64Array(rows.length);
        for (let r = 0; r < rows.length; r++) {
          const t = r >= nControl ? 1 : 0;
          yStar[r] = (y[rows[r]] * (t - share)) / (share * (1 - share));
        }
        const part = subset(x, y, rows, ctx);
        models.push(base.fit(part.x, yStar, baseContext(ctx, childSeed(ctx.seed, 0, k), part.weight)));
      }
      let controlModel: Model | undefined;
      if (opts.responseModel) {
        const control = subset(x, y, layout.rowsOf[0], ctx);
        controlModel = base.fit(control.x, control.y, baseContext(ctx, childSeed(ctx.seed, 1, 0), control.weight));
      }
      return new TransformedOutcomeModel({
        featureNames: x.columns, arms: layout.names, outcome: isBinaryOutcome(y) ? "binary" : "continuous", models, controlModel,
        treatedShare, base: summarizeEstimator(base),
      });
    },
  };
}

const modelJSON = z.object({ kind: z.string() }).passthrough();
const TransformedOutcomeJSON = z.object({
  kind: z.literal(TRANSFORMED_OUTCOME),
  ...metaHeaderJSON,
  base: estimatorSummaryJSON,
  treatedShare: z.array(z.number().gt(0).lt(1)),
  models: z.array(modelJSON).min(1),
  controlModel: modelJSON.nullable(),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<TransformedOutcomeModel> {
  const parsed = parseJSON(TransformedOutcomeJSON, json, TRANSFORMED_OUTCOME);
  const nTreatments = parsed.arms.length - 1;
  if (parsed.models.length !== nTreatments || parsed.treatedShare.length !== nTreatments) {
    throw new PatronError(
      "E_MODEL_JSON",
      `not a valid ${TRANSFORMED_OUTCOME} model: ${parsed.models.length} models and ${parsed.treatedShare.length} shares for ${nTreatments} treatment arm(s); it needs one of each per arm.`,
    );
  }
  const all = parsed.controlModel ? [...parsed.models, parsed.controlModel] : parsed.models;
  const resolved = await resolveModels(all, resolve, all.map(() => parsed.featureNames), TRANSFORMED_OUTCOME);
  return new TransformedOutcomeModel({
    featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, models: resolved.slice(0, nTreatments),
    controlModel: parsed.controlModel ? resolved[nTreatments] : undefined, treatedShare: parsed.treatedShare, base: parsed.base as EstimatorSummary,
  });
}
