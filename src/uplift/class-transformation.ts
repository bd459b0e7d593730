/**
 * Class transformation (Jaskowski & Jaroszewicz 2012, "Uplift modeling for clinical trial
 * data"; scikit-uplift's ClassTransformation): for a binary outcome, Z = 1 when a treated row
 * responded or a control row did not. If P(T = 1) = ½, then uplift(x) = 2·P(Z = 1 | x) − 1, so
 * one ordinary classifier on Z estimates the uplift directly.
 *
 * The identity needs a balanced design. Rather than assume it (as scikit-uplift does, with only
 * a warning), the rows are reweighted so that each side carries half the weight — treated rows
 * 0.5/p, control rows 0.5/(1 − p), p the treated share — which restores P_w(T = 1) = ½ exactly;
 * the base estimator must honour sampleWeight. With several arms, one classifier per arm is fitted
 * on that arm's rows and the control's.
 *
 * The transformation yields no response per arm. So that customer types and economics work with
 * every learner, a control response model (the base on the control rows) is fitted too, and arm
 * k's response is reported as P(y | control) + uplift_k, clipped to [0, 1] (responseModel: false
 * skips it, and predictResponses then refuses).
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { takeRows, type Matrix } from "../core/matrix.ts";
import type { Estimator, Model } from "../models/types.ts";
import { baseContext, checkArms, checkOutcome, childSeed, isBinaryOutcome, pairRows, subset } from "./arms.ts";
import {
  checkColumns, estimatorOption, estimatorSummaryJSON, MetaModel, metaHeaderJSON, parseJSON, registryResolver,
  resolveModels, responsesFromUplift,
} from "./meta-model.ts";
import { summarizeEstimator, type EstimatorSummary, type ModelResolver, type UpliftEstimator, type UpliftFitContext } from "./types.ts";

export const CLASS_TRANSFORMATION = "class-transformation";

export const ClassTransformationOptions = z.strictObject({
  /** A binary classifier, fitted on the transformed class Z. */
  base: estimatorOption,
  /** Reweight to P_w(T = 1) = ½ (see the module comment). Default true; false is scikit-uplift's plain version. */
  reweight: z.boolean().default(true),
  /** Also fit a control response model so that predictResponses works. Default true. */
  responseModel: z.boolean().default(true),
});

export class ClassTransformationModel extends MetaModel {
  /** One classifier of Z per treatment arm (index k − 1). */
  readonly models: readonly Model[];
  readonly controlModel?: Model;
  readonly reweight: boolean;
  readonly base: EstimatorSummary;

  constructor(parts: { featureNames: readonly string[]; arms: readonly string[]; models: readonly Model[]; controlModel?: Model; reweight: boolean; base: EstimatorSummary }) {
    super(CLASS_TRANSFORMATION, parts.featureNames, parts.arms, "binary");
    this.models = Object.freeze([...parts.models]);
    this.controlModel = parts.controlModel;
    this.reweight = parts.reweight;
    this.base = parts.base;
    Object.freeze(this);
  }

  predictUplift(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nTreatments = this.nTreatments;
    const out = new Float64Array(x.nRows * nTreatments);
    this.models.forEach((model, k) => {
      const pz = model.predict(x);
      for (let i = 0; i < x.nRows; i++) out[i * nTreatments + k] = 2 * pz[i] - 1;
    });
    return out;
  }

  predictResponses(x: Matrix): Float64Array {
    if (!this.controlModel) {
      throw new PatronError(
        "E_NOT_SUPPORTED",
        "this class-transformation model was fitted with responseModel: false, so it estimates only the uplift; refit with responseModel: true or use a T-learner.",
      );
    }
    const uplift = this.predictUplift(x);
    return responsesFromUplift(this.controlModel.predict(x), uplift, this.nTreatments, "binary");
  }

  toJSON() {
    return {
      ...this.header(), base: this.base, reweight: this.reweight,
      models: this.models.map((m) => m.toJSON()), controlModel: this.controlModel?.toJSON() ?? null,
    };
  }
}

export function classTransformation(options: z.input<typeof ClassTransformationOptions>): UpliftEstimator<ClassTransformationModel> {
  const opts = ClassTransformationOptions.parse(options);
  return {
    kind: CLASS_TRANSFORMATION,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): ClassTransformationModel {
      checkOutcome(y, x.nRows);
      if (!isBinaryOutcome(y)) {
        throw new PatronError(
          "E_NOT_BINARY",
          "class transformation needs a binary outcome (0/1); for an amount such as spend use transformedOutcome() or a T-/X-learner.",
        );
      }
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const base = opts.base as Estimator;
      const models: Model[] = [];
      for (let k = 1; k < layout.nArms; k++) {
        const rows = pairRows(layout, k);
        const nControl = layout.counts[0];
        const z = new Float64Array(rows.length);
        const weight = new Float64Array(rows.length);
        let treatedWeight = 0;
        let totalWeight = 0;
        for (let r = 0; r < rows.length; r++) {
          const i = rows[r];
          const treated = r >= nControl;
          z[r] = treated ? y[i] : 1 - y[i];
          weight[r] = ctx.sampleWeight ? ctx.sampleWeight[i] : 1;
          totalWeight += weight[r];
          if (treated) treatedWeight += weight[r];
        }
        if (opts.reweight) {
          const p = treatedWeight / totalWeight;
          for (let r = 0; r < rows.length; r++) weight[r] *= r >= nControl ? 0.5 / p : 0.5 / (1 - p);
        }
        models.push(base.fit(takeRows(x, rows), z, baseContext(ctx, childSeed(ctx.seed, 0, k), opts.reweight || ctx.sampleWeight ? weight : undefined)));
      }
      let controlModel: Model | undefined;
      if (opts.responseModel) {
        const control = subset(x, y, layout.rowsOf[0], ctx);
        controlModel = base.fit(control.x, control.y, baseContext(ctx, childSeed(ctx.seed, 1, 0), control.weight));
      }
      return new ClassTransformationModel({
        featureNames: x.columns, arms: layout.names, models, controlModel, reweight: opts.reweight, base: summarizeEstimator(base),
      });
    },
  };
}

const modelJSON = z.object({ kind: z.string() }).passthrough();
const ClassTransformationJSON = z.object({
  kind: z.literal(CLASS_TRANSFORMATION),
  ...metaHeaderJSON,
  base: estimatorSummaryJSON,
  reweight: z.boolean(),
  models: z.array(modelJSON).min(1),
  controlModel: modelJSON.nullable(),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<ClassTransformationModel> {
  const parsed = parseJSON(ClassTransformationJSON, json, CLASS_TRANSFORMATION);
  if (parsed.models.length !== parsed.arms.length - 1) {
    throw new PatronError(
      "E_MODEL_JSON",
      `not a valid ${CLASS_TRANSFORMATION} model: ${parsed.models.length} models for ${parsed.arms.length - 1} treatment arm(s); it needs one per arm.`,
    );
  }
  const all = parsed.controlModel ? [...parsed.models, parsed.controlModel] : parsed.models;
  const resolved = await resolveModels(all, resolve, all.map(() => parsed.featureNames), CLASS_TRANSFORMATION);
  return new ClassTransformationModel({
    featureNames: parsed.featureNames, arms: parsed.arms, models: resolved.slice(0, parsed.models.length),
    controlModel: parsed.controlModel ? resolved[parsed.models.length] : undefined, reweight: parsed.reweight, base: parsed.base as EstimatorSummary,
  });
}
