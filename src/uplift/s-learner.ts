/**
 * S-learner ("solo model"; Künzel et al. 2019 §2, scikit-uplift's SoloModel): one base model on
 * the features plus the arm as indicator columns (one per treatment arm; the control is all
 * zeros). The uplift of arm k is μ(x, k) − μ(x, control). With `interactions`, each indicator
 * is also multiplied with every feature (Lo 2002's treatment interaction terms; scikit-uplift's
 * method="treatment_interaction"), which a linear base needs to express an effect that varies
 * with x — trees find such interactions themselves.
 *
 * When the arms are doses of one treatment (discount levels 0/5/10/15/20 %), `armValues` encodes
 * the arm as one numeric column instead: a tree then splits "discount ≥ 10" once for all arms
 * and shares what it learns across neighbouring doses, which needs far fewer rows per arm than
 * separate indicators (or separate models, as the T-learner).
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { matrix, type Matrix } from "../core/matrix.ts";
import type { Estimator, Model } from "../models/types.ts";
import { baseContext, checkArms, checkOutcome, childSeed } from "./arms.ts";
import {
  checkColumns, estimatorOption, estimatorSummaryJSON, MetaModel, metaHeaderJSON, outcomeOf, parseJSON,
  registryResolver, resolveModels, upliftFromResponses,
} from "./meta-model.ts";
import { summarizeEstimator, type EstimatorSummary, type ModelResolver, type UpliftEstimator, type UpliftFitContext, type UpliftOutcome } from "./types.ts";

export const S_LEARNER = "s-learner";

export const SLearnerOptions = z.strictObject({
  base: estimatorOption,
  /** Add arm × feature interaction columns. Default false. */
  interactions: z.boolean().default(false),
  /** One numeric column with this value per arm (control first, e.g. the discount levels) instead of indicators. */
  armValues: z.array(z.number().finite()).min(2).optional(),
});

/** How the arm enters the base model: indicators per treatment arm, or one dose column. */
type ArmEncoding = { kind: "indicators" } | { kind: "values"; values: readonly number[] };

/** Column names the base model sees: features, the arm column(s), then interactions. */
export function sLearnerColumns(featureNames: readonly string[], arms: readonly string[], interactions: boolean, encoding: ArmEncoding = { kind: "indicators" }): string[] {
  const indicators = encoding.kind === "values" ? ["arm"] : arms.slice(1).map((name) => `arm=${name}`);
  const columns = [...featureNames, ...indicators];
  if (interactions) for (const ind of indicators) for (const f of featureNames) columns.push(`${ind}*${f}`);
  const clash = columns.find((name, j) => columns.indexOf(name) !== j);
  if (clash !== undefined) {
    throw new PatronError("E_COLUMN", `the S-learner's added column "${clash}" collides with a feature of that name; rename the feature.`);
  }
  return columns;
}

/**
 * x with the arm columns set for every row to `arm` (a number) or to each row's own arm (an
 * array). Indicators: column k is 1 for arm k + 1. Values: one column holding the arm's value.
 */
function augment(x: Matrix, arm: number | ArrayLike<number>, nArms: number, interactions: boolean, columns: readonly string[], encoding: ArmEncoding): Matrix {
  const { nRows, nCols } = x;
  const data = new Float64Array(nRows * columns.length);
  data.set(x.data, 0);
  const armOf = (i: number) => (typeof arm === "number" ? arm : arm[i]);
  // Column c of the arm block for row i: an indicator, or the arm's value in one column.
  const nArmColumns = encoding.kind === "values" ? 1 : nArms - 1;
  const armColumn = (c: number, i: number): number =>
    encoding.kind === "values" ? encoding.values[armOf(i)] : armOf(i) === c + 1 ? 1 : 0;
  for (let c = 0; c < nArmColumns; c++) {
    const base = (nCols + c) * nRows;
    for (let i = 0; i < nRows; i++) data[base + i] = armColumn(c, i);
  }
  if (interactions) {
    for (let c = 0; c < nArmColumns; c++) {
      for (let j = 0; j < nCols; j++) {
        const target = (nCols + nArmColumns + c * nCols + j) * nRows;
        const source = j * nRows;
        for (let i = 0; i < nRows; i++) data[target + i] = armColumn(c, i) * x.data[source + i];
      }
    }
  }
  return matrix(data, nRows, columns);
}

function encodingOf(armValues: readonly number[] | undefined, nArms: number): ArmEncoding {
  if (!armValues) return { kind: "indicators" };
  if (armValues.length !== nArms) {
    throw new PatronError("E_OPTION", `armValues has ${armValues.length} values but there are ${nArms} arms; give one value per arm, control first.`);
  }
  return { kind: "values", values: armValues };
}

export class SLearnerModel extends MetaModel {
  readonly model: Model;
  readonly interactions: boolean;
  /** The arm's value per arm when encoded as one dose column; undefined for indicators. */
  readonly armValues?: readonly number[];
  readonly base: EstimatorSummary;
  private readonly columns: readonly string[];
  private readonly encoding: ArmEncoding;

  constructor(parts: {
    featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; model: Model; interactions: boolean;
    armValues?: readonly number[]; base: EstimatorSummary;
  }) {
    super(S_LEARNER, parts.featureNames, parts.arms, parts.outcome);
    this.model = parts.model;
    this.interactions = parts.interactions;
    this.armValues = parts.armValues ? Object.freeze([...parts.armValues]) : undefined;
    this.base = parts.base;
    this.encoding = encodingOf(this.armValues, parts.arms.length);
    this.columns = Object.freeze(sLearnerColumns(parts.featureNames, parts.arms, parts.interactions, this.encoding));
    Object.freeze(this);
  }

  predictResponses(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nArms = this.arms.length;
    const out = new Float64Array(x.nRows * nArms);
    for (let a = 0; a < nArms; a++) {
      const p = this.model.predict(augment(x, a, nArms, this.interactions, this.columns, this.encoding));
      for (let i = 0; i < x.nRows; i++) out[i * nArms + a] = p[i];
    }
    return out;
  }

  predictUplift(x: Matrix): Float64Array {
    return upliftFromResponses(this.predictResponses(x), this.arms.length);
  }

  toJSON() {
    return {
      ...this.header(), base: this.base, interactions: this.interactions, armValues: this.armValues ? [...this.armValues] : null,
      model: this.model.toJSON(),
    };
  }
}

export function sLearner(options: z.input<typeof SLearnerOptions>): UpliftEstimator<SLearnerModel> {
  const opts = SLearnerOptions.parse(options);
  return {
    kind: S_LEARNER,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): SLearnerModel {
      checkOutcome(y, x.nRows);
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const encoding = encodingOf(opts.armValues, layout.nArms);
      const columns = sLearnerColumns(x.columns, layout.names, opts.interactions, encoding);
      const augmented = augment(x, treatment, layout.nArms, opts.interactions, columns, encoding);
      const model = (opts.base as Estimator).fit(augmented, y, baseContext(ctx, childSeed(ctx.seed, 0, 0), ctx.sampleWeight));
      return new SLearnerModel({
        featureNames: x.columns, arms: layout.names, outcome: outcomeOf([model]), model,
        interactions: opts.interactions, armValues: opts.armValues, base: summarizeEstimator(opts.base),
      });
    },
  };
}

const SLearnerJSON = z.object({
  kind: z.literal(S_LEARNER),
  ...metaHeaderJSON,
  base: estimatorSummaryJSON,
  interactions: z.boolean(),
  armValues: z.array(z.number()).nullable().optional(),
  model: z.object({ kind: z.string() }).passthrough(),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<SLearnerModel> {
  const parsed = parseJSON(SLearnerJSON, json, S_LEARNER);
  const armValues = parsed.armValues ?? undefined;
  const columns = sLearnerColumns(parsed.featureNames, parsed.arms, parsed.interactions, encodingOf(armValues, parsed.arms.length));
  const [model] = await resolveModels([parsed.model], resolve, [columns], S_LEARNER);
  return new SLearnerModel({
    featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, model,
    interactions: parsed.interactions, armValues, base: parsed.base as EstimatorSummary,
  });
}
