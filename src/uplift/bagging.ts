/**
 * Bagging of an uplift learner (Breiman 1996, "Bagging predictors", Machine Learning 24): the
 * learner is refitted on resamples of the rows — each arm resampled on its own, so every refit
 * keeps the experiment's arms and balance — and the model predicts the mean of the refits'
 * responses per arm, hence the mean of their uplifts. A T- or X-learner's uplift is a difference of
 * separately fitted models, so its variance from the particular sample is large next to an effect
 * of a few points; averaging refits on resamples removes much of that variance without adding
 * bias beyond the learner's own (Sołtys, Jaroszewicz & Rzepakowski 2015, "Ensemble methods for
 * uplift modeling", Data Min. Knowl. Disc. 29, found bagged uplift learners among the best).
 *
 * `sampleFraction` < 1 without replacement is subagging (Bühlmann & Yu 2002), cheaper and about as
 * effective; with `sampleFraction` 1 and `replace` false every refit sees all rows and only the
 * seed differs (seed averaging, for learners with randomness of their own).
 *
 * No JavaScript library bags uplift learners, hence this file.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { takeRows, type Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import { rng } from "../core/rng.ts";
import { checkArms, checkOutcome, childSeed } from "./arms.ts";
import { checkColumns, MetaModel, metaHeaderJSON, parseJSON, registryResolver } from "./meta-model.ts";
import type { ModelResolver, UpliftEstimator, UpliftFitContext, UpliftModel, UpliftOutcome } from "./types.ts";

export const UPLIFT_BAGGING = "uplift-bagging";

const upliftEstimatorOption = z.custom<UpliftEstimator>(
  (value) => typeof value === "object" && value !== null && typeof (value as UpliftEstimator).fit === "function" && typeof (value as UpliftEstimator).kind === "string",
  { message: "expected an uplift estimator such as tLearner({ base: gbdt() })" },
);

export const UpliftBaggingOptions = z.strictObject({
  /** The uplift learner refitted on every resample. */
  learner: upliftEstimatorOption,
  nBags: z.number().int().min(2).max(1000).default(10),
  /** Share of each arm's rows in a resample. */
  sampleFraction: z.number().gt(0).max(1).default(1),
  /** Draw with replacement (the bootstrap) or without (subagging). */
  replace: z.boolean().default(true),
});

/** `share` of `rows`, with or without replacement (at least one row). */
export function drawRows(rows: Int32Array, share: number, replace: boolean, random: Rng): Int32Array {
  const m = Math.max(1, Math.round(share * rows.length));
  const out = new Int32Array(m);
  if (replace) {
    for (let r = 0; r < m; r++) out[r] = rows[random.int(rows.length)];
    return out;
  }
  const pool = Int32Array.from(rows);
  for (let r = 0; r < m; r++) {
    const s = r + random.int(pool.length - r);
    out[r] = pool[s];
    pool[s] = pool[r];
  }
  return out;
}

/** A resample: `share` of each arm's rows, the arms concatenated in order. */
export function sampleByArm(rowsOf: readonly Int32Array[], share: number, replace: boolean, random: Rng): Int32Array {
  const parts = rowsOf.map((rows) => drawRows(rows, share, replace, random));
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface BaggingRecord {
  learner: { kind: string; options: Record<string, unknown> };
  nBags: number;
  sampleFraction: number;
  replace: boolean;
}

export class UpliftBaggingModel extends MetaModel {
  /** The refits, one per resample. */
  readonly members: readonly UpliftModel[];
  readonly record: BaggingRecord;

  constructor(parts: { featureNames: readonly string[]; arms: readonly string[]; outcome: UpliftOutcome; members: readonly UpliftModel[]; record: BaggingRecord }) {
    super(UPLIFT_BAGGING, parts.featureNames, parts.arms, parts.outcome);
    this.members = Object.freeze([...parts.members]);
    this.record = parts.record;
    Object.freeze(this);
  }

  private mean(x: Matrix, predict: (m: UpliftModel) => Float64Array): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    let out: Float64Array | undefined;
    for (const member of this.members) {
      const p = predict(member);
      if (!out) out = new Float64Array(p.length);
      for (let c = 0; c < p.length; c++) out[c] += p[c] / this.members.length;
    }
    return out!;
  }

  predictResponses(x: Matrix): Float64Array {
    return this.mean(x, (m) => m.predictResponses(x));
  }

  /** The mean of the refits' uplifts (not the difference of clipped mean responses). */
  predictUplift(x: Matrix): Float64Array {
    return this.mean(x, (m) => m.predictUplift(x));
  }

  toJSON() {
    return { ...this.header(), ...this.record, members: this.members.map((m) => m.toJSON()) };
  }
}

function summary(learner: UpliftEstimator): BaggingRecord["learner"] {
  // Nested estimators (a meta-learner's base) are summarised by kind and options, never as code.
  const options = JSON.parse(JSON.stringify(learner.options ?? {}, (_, v) => (v && typeof v === "object" && typeof v.fit === "function" ? { kind: v.kind, options: v.options } : v)));
  return { kind: learner.kind, options };
}

export function upliftBagging(options: z.input<typeof UpliftBaggingOptions>): UpliftEstimator<UpliftBaggingModel> {
  const opts = UpliftBaggingOptions.parse(options);
  const learner = opts.learner as UpliftEstimator;
  return {
    kind: UPLIFT_BAGGING,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): UpliftBaggingModel {
      checkOutcome(y, x.nRows);
      const layout = checkArms(treatment, x.nRows, ctx.arms);
      const members: UpliftModel[] = [];
      for (let b = 0; b < opts.nBags; b++) {
        // The resample and the refit each get a seed fixed by the parent's and the bag's number.
        const rows = sampleByArm(layout.rowsOf, opts.sampleFraction, opts.replace, rng(childSeed(ctx.seed, 11, b)));
        const weight = ctx.sampleWeight ? Float64Array.from(rows, (i) => ctx.sampleWeight![i]) : undefined;
        members.push(learner.fit(takeRows(x, rows), Float64Array.from(rows, (i) => y[i]), Int32Array.from(rows, (i) => treatment[i]), {
          ...ctx, seed: childSeed(ctx.seed, 12, b), sampleWeight: weight, arms: layout.names,
        }));
      }
      return new UpliftBaggingModel({
        featureNames: x.columns, arms: layout.names, outcome: members[0].outcome, members,
        record: { learner: summary(learner), nBags: opts.nBags, sampleFraction: opts.sampleFraction, replace: opts.replace },
      });
    },
  };
}

const UpliftBaggingJSON = z.object({
  kind: z.literal(UPLIFT_BAGGING),
  ...metaHeaderJSON,
  learner: z.object({ kind: z.string(), options: z.record(z.string(), z.unknown()) }),
  nBags: z.number().int().min(2),
  sampleFraction: z.number().gt(0).max(1),
  replace: z.boolean(),
  members: z.array(z.object({ kind: z.string() }).passthrough()).min(2),
});

export async function fromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<UpliftBaggingModel> {
  const parsed = parseJSON(UpliftBaggingJSON, json, UPLIFT_BAGGING);
  if (parsed.members.length !== parsed.nBags) {
    throw new PatronError("E_MODEL_JSON", `not a valid ${UPLIFT_BAGGING} model: ${parsed.members.length} members for nBags ${parsed.nBags}. Rebuild the file with toJSON() of a fitted model.`);
  }
  const { upliftModelFromJSON } = await import("./model-json.ts");
  const members = await Promise.all(parsed.members.map((m) => upliftModelFromJSON(m, resolve)));
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, j) => v === b[j]);
  members.forEach((m, b) => {
    if (!same(m.featureNames, parsed.featureNames) || !same(m.arms, parsed.arms) || m.outcome !== parsed.outcome) {
      throw new PatronError("E_MODEL_JSON", `not a valid ${UPLIFT_BAGGING} model: member ${b} (${m.kind}) reads other columns, arms or outcome than the model says.`);
    }
  });
  return new UpliftBaggingModel({
    featureNames: parsed.featureNames, arms: parsed.arms, outcome: parsed.outcome, members,
    record: { learner: parsed.learner, nBags: parsed.nBags, sampleFraction: parsed.sampleFraction, replace: parsed.replace },
  });
}
