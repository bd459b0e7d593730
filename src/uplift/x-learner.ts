/**
 * X-learner (Künzel, Sekhon, Bickel & Yu 2019, "Metalearners for estimating heterogeneous
 * treatment effects using machine learning", PNAS 116(10), §3), for one control and K arms as in
 * causalml's BaseXLearner:
 *   1. outcome models μ_0 on the control rows and μ_k on arm k's rows (the base estimator);
 *   2. imputed effects D¹ = y − μ_0(x) on arm k's rows and D⁰ = μ_k(x) − y on the control rows,
 *      each regressed on x (the effect estimator) into τ¹_k and τ⁰_k;
 *   3. τ_k(x) = g_k(x)·τ⁰_k(x) + (1 − g_k(x))·τ¹_k(x), with g_k = P(arm k | x, arm ∈ {0, k}).
 * g_k comes from the design ("fraction": the arms' shares; or the known probabilities) or from a
 * propensity model fitted on the pair's rows. Its strength is an unbalanced design: the small
 * arm's effect is imputed with the large arm's accurate outcome model.
 */
import { z } from "zod";
import { PatronError, isPatronError } from "../core/errors.ts";
import { takeRows, type Matrix } from "../core/matrix.ts";
import type { Estimator, FitContext, Model } from "../models/types.ts";
import { armPropensities, baseContext, checkArms, checkOutcome, childSeed, pairRows, subset } from "./arms.ts";
import {
  checkColumns, estimatorOption, estimatorSummaryJSON, MetaModel, metaHeaderJSON, outcomeOf, parseJSON,
  propensityOption, registryResolver, resolveModels, responsesFromUplift,
} from "./meta-model.ts";
import { summarizeEstimator, type EstimatorSummary, type ModelResolver, type UpliftEstimator, type UpliftFitContext, type UpliftOutcome } from "./types.ts";

export const X_LEARNER = "x-learner";

export const XLearnerOptions = z.strictObject({
  /** Outcome model μ (stage 1): a classifier for a binary outcome, a regressor for an amount. */
  base: estimatorOption,
  /** Effect model τ (stage 2), a regressor on the imputed effects. Default: base (right when base is a regressor). */
  effect: estimatorOption.optional(),
  /** g_k: "fraction" (default; randomised experiments), known arm probabilities (control first), or a classifier. */
  propensity: z.union([propensityOption, estimatorOption]).default("fraction"),
});

/** Per arm k (index k − 1): either the design's constant g_k or a fitted propensity model. */
export type XPropensity = { kind: "constant"; values: readonly number[] } | { kind: "model"; models: readonly Model[] };

export class XLearnerModel extends MetaModel {
  /** μ_0 … μ_K. */
  readonly outcomeModels: readonly Model[];
  /** τ⁰_k (fitted on control rows) and τ¹_k (fitted on arm k's rows), index k − 1. */
  readonly effectControl: readonly Model[];
  readonly effectTreated: readonly Model[];
  readonly propensity: XPropensity;
  readonly base: EstimatorSummary;
  readonly effect: EstimatorSummary;

  constructor(parts: {
    featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; outcomeModels: readonly Model[];
    effectControl: readonly Model[]; effectTreated: readonly Model[]; propensity: XPropensity; base: EstimatorSummary; effect: EstimatorSummary;
  }) {
    super(X_LEARNER, parts.featureNames, parts.arms, parts.outcome);
    this.outcomeModels = Object.freeze([...parts.outcomeModels]);
    this.effectControl = Object.freeze([...parts.effectControl]);
    this.effectTreated = Object.freeze([...parts.effectTreated]);
    this.propensity = parts.propensity;
    this.base = parts.base;
    this.effect = parts.effect;
    Object.freeze(this);
  }

  /** g_k(x) for arm k (1-based), one value per row. */
  propensityOf(x: Matrix, k: number): Float64Array {
    if (this.propensity.kind === "constant") return new Float64Array(x.nRows).fill(this.propensity.values[k - 1]);
    return this.propensity.models[k - 1].predict(x).map((p) => Math.min(1, Math.max(0, p)));
  }

  predictUplift(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nTreatments = this.nTreatments;
    const out = new Float64Array(x.nRows * nTreatments);
    for (let k = 1; k <= nTreatments; k++) {
      const tau0 = this.effectControl[k - 1].predict(x);
      const tau1 = this.effectTreated[k - 1].predict(x);
      const g = this.propensityOf(x, k);
      for (let i = 0; i < x.nRows; i++) out[i * nTreatments + k - 1] = g[i] * tau0[i] + (1 - g[i]) * tau1[i];
    }
    return out;
  }

  /** Control: μ_0(x); arm k: μ_0(x) + τ_k(x) (clipped to [0, 1] for a binary outcome). */
  predictResponses(x: Matrix): Float64Array {
    const uplift = this.predictUplift(x);
    return responsesFromUplift(this.outcomeModels[0].predict(x), uplift, this.nTreatments, this.outcome);
  }

  toJSON() {
    return {
      ...this.header(),
      base: this.base,
      effect: this.effect,
      outcomeModels: this.outcomeModels.map((m) => m.toJSON()),
      effectControl: this.effectControl.map((m) => m.toJSON()),
      effectTreated: this.effectTreated.map((m) => m.toJSON()),
      propensity: this.propensity.kind === "constant"
        ? { kind: "constant", values: [...this.propensity.values] }
        : { kind: "model", models: this.propensity.models.map((m) => m.toJSON()) },
    };
  }
}

function fitEffect(effect: Estimator, x: Matrix, d: Float64Array, ctx: FitContext): Model {
  try {
    return effect.fit(x, d, ctx);
  } catch (error) {
    if (isPatronError(error) && error.code === "E_NOT_BINARY") {
      throw new PatronError(
        "E_OPTION",
        `the X-learner's effect models are regressions on imputed effects (real numbers), but ${effect.kind} wants 0/1 labels. ` +
          "Pass a regressor as effect, e.g. effect: gbdt({ objective: \"reg:squarederror\" }).",
      );
    }
    throw error;
  }
}

export function xLearner(options: z.input<typeof XLearnerOptions>): UpliftEstimator<XLearnerModel> {
  const opts = XLearnerOptions.parse(options);
  const effectEstimator = (opts.effect ?? opts.base) as Estimator;
  return {
    kind: X_LEARNER,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): XLearnerModel {
      checkOutcome(y, x.nRows);
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const parts = layout.rowsOf.map((rows) => subset(x, y, rows, ctx));
      const outcomeModels = parts.map((part, a) => (opts.base as Estimator).fit(part.x, part.y, baseContext(ctx, childSeed(ctx.seed, 0, a), part.weight)));
      const control = parts[0];
      const effectControl: Model[] = [];
      const effectTreated: Model[] = [];
      for (let k = 1; k < layout.nArms; k++) {
        const treated = parts[k];
        const mu0OnTreated = outcomeModels[0].predict(treated.x);
        const d1 = treated.y.map((v, r) => v - mu0OnTreated[r]);
        const muKOnControl = outcomeModels[k].predict(control.x);
        const d0 = control.y.map((v, r) => muKOnControl[r] - v);
        effectTreated.push(fitEffect(effectEstimator, treated.x, d1, baseContext(ctx, childSeed(ctx.seed, 1, k), treated.weight)));
        effectControl.push(fitEffect(effectEstimator, control.x, d0, baseContext(ctx, childSeed(ctx.seed, 2, k), control.weight)));
      }
      let propensity: XPropensity;
      if (opts.propensity === "fraction" || Array.isArray(opts.propensity)) {
        const p = armPropensities(opts.propensity as "fraction" | number[], layout);
        propensity = { kind: "constant", values: p.slice(1).map((pk) => pk / (pk + p[0])) };
      } else {
        const estimator = opts.propensity as Estimator;
        const models: Model[] = [];
        for (let k = 1; k < layout.nArms; k++) {
          const rows = pairRows(layout, k);
          const label = new Float64Array(rows.length);
          label.fill(1, layout.counts[0]);
          const weight = ctx.sampleWeight ? Float64Array.from(rows, (i) => ctx.sampleWeight![i]) : undefined;
          models.push(estimator.fit(takeRows(x, rows), label, baseContext(ctx, childSeed(ctx.seed, 3, k), weight)));
        }
        propensity = { kind: "model", models };
      }
      return new XLearnerModel({
        featureNames: x.columns, arms: layout.names, outcome: outcomeOf(outcomeModels), outcomeModels, effectControl, effectTreated,
        propensity, base: summarizeEstimator(opts.base), effect: summarizeEstimator(effectEstimator),
      });
    },
  };
}

const modelJSON = z.object({ kind: z.string() }).passthrough();
const XLearnerJSON = z.object({
  kind: z.literal(X_LEARNER),
  ...metaHeaderJSON,
  base: estimatorSummaryJSON,
  effect: estimatorSummaryJSON,
  outcomeModels: z.array(modelJSON),
  effectControl: z.array(modelJSON),
  effectTreated: z.array(modelJSON),
  propensity: z.union([
    z.object({ kind: z.literal("constant"), values: z.array(z.number().min(0).max(1)) }),
    z.object({ kind: z.literal("model"), models: z.array(modelJSON) }),
  ]),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<XLearnerModel> {
  const parsed = parseJSON(XLearnerJSON, json, X_LEARNER);
  const nArms = parsed.arms.length;
  const sizes: [string, number, number][] = [
    ["outcomeModels", parsed.outcomeModels.length, nArms],
    ["effectControl", parsed.effectControl.length, nArms - 1],
    ["effectTreated", parsed.effectTreated.length, nArms - 1],
    ["propensity", parsed.propensity.kind === "constant" ? parsed.propensity.values.length : parsed.propensity.models.length, nArms - 1],
  ];
  for (const [field, found, expected] of sizes) {
    if (found !== expected) {
      throw new PatronError("E_MODEL_JSON", `not a valid ${X_LEARNER} model: ${field} has ${found} entries but ${nArms} arms need ${expected}.`);
    }
  }
  const names = (list: readonly unknown[]) => list.map(() => parsed.featureNames);
  const outcomeModels = await resolveModels(parsed.outcomeModels, resolve, names(parsed.outcomeModels), X_LEARNER);
  const effectControl = await resolveModels(parsed.effectControl, resolve, names(parsed.effectControl), X_LEARNER);
  const effectTreated = await resolveModels(parsed.effectTreated, resolve, names(parsed.effectTreated), X_LEARNER);
  const propensity: XPropensity = parsed.propensity.kind === "constant"
    ? { kind: "constant", values: parsed.propensity.values }
    : { kind: "model", models: await resolveModels(parsed.propensity.models, resolve, names(parsed.propensity.models), X_LEARNER) };
  return new XLearnerModel({
    featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, outcomeModels, effectControl, effectTreated,
    propensity, base: parsed.base as EstimatorSummary, effect: parsed.effect as EstimatorSummary,
  });
}
