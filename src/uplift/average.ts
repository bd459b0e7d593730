/**
 * An average of uplift learners: each member (any meta-learner on any base) is fitted on the same
 * rows, and the model predicts a weighted mean of the members' responses per arm — so the uplift
 * is the same weighted mean of their uplifts, in the same units. Averaging differently biased,
 * noisy estimates of the same effect lowers the variance of the ranking (the argument for
 * bagging, Breiman 1996, and for model averaging in uplift benchmarks such as Gutierrez &
 * Gérardy 2017), which is what decides Qini and uplift@k on small experiments; the uplift job
 * offers it as one more candidate for cross-validation to accept or reject.
 *
 * Weights: by default each member's weight is inversely proportional to the spread (sd) of its
 * predicted uplift of arm 1 on the training rows, normalised to sum to 1 — so each member moves
 * the ranking equally, as an average of standardised scores would, while the output keeps the
 * units of an uplift. (A plain mean lets the member with the widest scores — usually the
 * T-learner, a difference of two noisy models — decide the order alone.) `weighting: "equal"`
 * gives the plain mean.
 *
 * No library in JavaScript combines uplift models, hence this file; it has no maths of its own.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { childSeed } from "./arms.ts";
import { checkColumns, MetaModel, metaHeaderJSON, parseJSON, registryResolver } from "./meta-model.ts";
import type { ModelResolver, UpliftEstimator, UpliftFitContext, UpliftModel, UpliftOutcome } from "./types.ts";

export const UPLIFT_AVERAGE = "uplift-average";

const upliftEstimatorOption = z.custom<UpliftEstimator>(
  (value) => typeof value === "object" && value !== null && typeof (value as UpliftEstimator).fit === "function" && typeof (value as UpliftEstimator).kind === "string",
  { message: "expected an uplift estimator such as tLearner({ base: gbdt() })" },
);

export const UpliftAverageOptions = z.strictObject({
  /** At least two uplift estimators, all fitted on the same rows. */
  members: z.array(upliftEstimatorOption).min(2),
  /** "inverse-spread" (default) or "equal" weights; see the module comment. */
  weighting: z.enum(["inverse-spread", "equal"]).default("inverse-spread"),
});

export class UpliftAverageModel extends MetaModel {
  readonly members: readonly UpliftModel[];
  /** One weight per member, summing to 1. */
  readonly weights: readonly number[];

  constructor(parts: { featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; members: readonly UpliftModel[]; weights: readonly number[] }) {
    super(UPLIFT_AVERAGE, parts.featureNames, parts.arms, parts.outcome);
    this.members = Object.freeze([...parts.members]);
    this.weights = Object.freeze([...parts.weights]);
    Object.freeze(this);
  }

  predictResponses(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const out = new Float64Array(x.nRows * this.arms.length);
    this.members.forEach((member, m) => {
      const responses = member.predictResponses(x);
      for (let c = 0; c < out.length; c++) out[c] += this.weights[m] * responses[c];
    });
    return out;
  }

  /** The weighted mean of the members' uplifts (the difference of the mean responses, before clipping). */
  predictUplift(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const out = new Float64Array(x.nRows * this.nTreatments);
    this.members.forEach((member, m) => {
      const uplift = member.predictUplift(x);
      for (let c = 0; c < out.length; c++) out[c] += this.weights[m] * uplift[c];
    });
    return out;
  }

  toJSON() {
    return { ...this.header(), weights: [...this.weights], members: this.members.map((m) => m.toJSON()) };
  }
}

/** The sd of a model's predicted uplift of arm 1 on the rows of `x`. */
export function upliftSpread(member: UpliftModel, x: Matrix): number {
  const nTreatments = member.arms.length - 1;
  const uplift = member.predictUplift(x);
  let mean = 0;
  for (let i = 0; i < x.nRows; i++) mean += uplift[i * nTreatments] / x.nRows;
  let ss = 0;
  for (let i = 0; i < x.nRows; i++) ss += (uplift[i * nTreatments] - mean) ** 2;
  return Math.sqrt(ss / Math.max(1, x.nRows - 1));
}

/** Weights ∝ 1 / spread, summing to 1 (equal when some spread is 0). */
export function inverseSpreadWeights(spreads: readonly number[]): number[] {
  if (spreads.some((sd) => !(sd > 0) || !Number.isFinite(sd))) return spreads.map(() => 1 / spreads.length);
  const total = spreads.reduce((a, sd) => a + 1 / sd, 0);
  return spreads.map((sd) => 1 / sd / total);
}

function checkWeights(weights: readonly number[], nMembers: number): void {
  const total = weights.reduce((a, b) => a + b, 0);
  if (weights.length !== nMembers || weights.some((w) => !(w >= 0)) || Math.abs(total - 1) > 1e-9) {
    throw new PatronError("E_OPTION", `an uplift average needs one weight ≥ 0 per member (${nMembers}), summing to 1; found ${weights.join(", ")}.`);
  }
}

/** Checks that every member was fitted on the same columns and arms, with the same kind of outcome. */
function checkMembers(members: readonly UpliftModel[]): void {
  const [first] = members;
  members.forEach((m, k) => {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, j) => v === b[j]);
    if (!same(m.featureNames, first.featureNames) || !same(m.arms, first.arms) || m.outcome !== first.outcome) {
      throw new PatronError(
        "E_MODEL_JSON",
        `member ${k} of the uplift average (${m.kind}) reads columns ${m.featureNames.join(", ")} with arms ${m.arms.join(", ")} (${m.outcome}); ` +
          `member 0 reads ${first.featureNames.join(", ")} with arms ${first.arms.join(", ")} (${first.outcome}). Average models of the same experiment only.`,
      );
    }
  });
}

export function upliftAverage(options: z.input<typeof UpliftAverageOptions>): UpliftEstimator<UpliftAverageModel> {
  const opts = UpliftAverageOptions.parse(options);
  return {
    kind: UPLIFT_AVERAGE,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): UpliftAverageModel {
      // Each member gets a seed of its own, fixed by the parent's (so one member's randomness
      // does not depend on how many others there are).
      const members = opts.members.map((member, k) => (member as UpliftEstimator).fit(x, y, treatment, { ...ctx, seed: childSeed(ctx.seed, 7, k) }));
      checkMembers(members);
      const weights = opts.weighting === "equal" ? members.map(() => 1 / members.length) : inverseSpreadWeights(members.map((m) => upliftSpread(m, x)));
      return new UpliftAverageModel({ featureNames: x.columns, arms: members[0].arms, outcome: members[0].outcome, members, weights });
    },
  };
}

/** Fitted members averaged with the given weights (e.g. learners already fitted during model selection). */
export function averageOf(members: readonly UpliftModel[], weights: readonly number[]): UpliftAverageModel {
  if (members.length < 2) throw new PatronError("E_OPTION", `an uplift average needs at least two members; found ${members.length}.`);
  checkMembers(members);
  checkWeights(weights, members.length);
  return new UpliftAverageModel({ featureNames: members[0].featureNames, arms: members[0].arms, outcome: members[0].outcome, members, weights });
}

const UpliftAverageJSON = z.object({
  kind: z.literal(UPLIFT_AVERAGE),
  ...metaHeaderJSON,
  weights: z.array(z.number().min(0)),
  members: z.array(z.object({ kind: z.string() }).passthrough()).min(2),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<UpliftAverageModel> {
  const parsed = parseJSON(UpliftAverageJSON, json, UPLIFT_AVERAGE);
  // Members are uplift models themselves; rebuilt (and validated) by their own loaders.
  const { upliftModelFromJSON } = await import("./model-json.ts");
  const members = await Promise.all(parsed.members.map((m) => upliftModelFromJSON(m, resolve)));
  checkMembers(members);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, j) => v === b[j]);
  if (!same(members[0].featureNames, parsed.featureNames) || !same(members[0].arms, parsed.arms)) {
    throw new PatronError("E_MODEL_JSON", `not a valid ${UPLIFT_AVERAGE} model: its members read other columns or arms than the model says.`);
  }
  checkWeights(parsed.weights, members.length);
  return new UpliftAverageModel({ featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, members, weights: parsed.weights });
}
