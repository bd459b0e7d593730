/**
 * What every fitted meta-learner shares: the column check at predict time, the arm bookkeeping,
 * turning a control response plus uplifts into per-arm responses (and back), and rebuilding the
 * nested base models from JSON — validated before anything is built (STYLE.md §4).
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Estimator, Model, ModelJSON } from "../models/types.ts";
import type { ModelResolver, UpliftModel, UpliftOutcome } from "./types.ts";

export const SCHEMA_VERSION = 1;

/** Options schema for an estimator argument: anything with a kind, options and fit. */
export const estimatorOption = z.custom<Estimator>(
  (value) =>
    typeof value === "object" && value !== null &&
    typeof (value as Estimator).kind === "string" && typeof (value as Estimator).fit === "function",
  { message: "expected a Patron estimator such as gbdt({ maxDepth: 4 }) (an object with kind, options and fit)" },
);

export const propensityOption = z.union([z.literal("fraction"), z.array(z.number().positive()).min(2)]);

export const estimatorSummaryJSON = z.object({ kind: z.string(), options: z.record(z.string(), z.unknown()) });

/** Fields every meta-learner's JSON carries. */
export const metaHeaderJSON = {
  schemaVersion: z.literal(SCHEMA_VERSION),
  featureNames: z.array(z.string()).min(1),
  arms: z.array(z.string()).min(2),
  outcome: z.enum(["binary", "continuous"]),
};

export function parseJSON<T extends z.ZodType>(schema: T, json: unknown, kind: string): z.infer<T> {
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PatronError(
      "E_MODEL_JSON",
      `not a valid ${kind} model: ${issue.path.join(".") || "(root)"}: ${issue.message}. Rebuild the file with toJSON() of a fitted model.`,
    );
  }
  return result.data;
}

/** Rebuilds nested models and checks each sees the feature names it should. */
export async function resolveModels(
  jsons: readonly unknown[], resolve: ModelResolver, featureNames: readonly (readonly string[])[], kind: string,
): Promise<Model[]> {
  const models = await Promise.all(jsons.map((json) => resolve(json)));
  models.forEach((model, m) => {
    const expected = featureNames[m];
    if (model.featureNames.length !== expected.length || model.featureNames.some((name, j) => name !== expected[j])) {
      throw new PatronError(
        "E_MODEL_JSON",
        `not a valid ${kind} model: nested model ${m} reads columns ${model.featureNames.join(", ")} but should read ${expected.join(", ")}.`,
      );
    }
  });
  return models;
}

export function checkColumns(featureNames: readonly string[], x: Matrix, kind: string): void {
  if (x.nCols !== featureNames.length || x.columns.some((name, j) => name !== featureNames[j])) {
    throw new PatronError(
      "E_SHAPE",
      `the ${kind} model was fitted on columns ${featureNames.join(", ")} but the matrix has ${x.columns.join(", ")}; pass the same columns in the same order.`,
    );
  }
}

export function outcomeOf(models: readonly Model[]): UpliftOutcome {
  return models.every((m) => m.task === "binary") ? "binary" : "continuous";
}

/** Row-major nRows × (K + 1) responses from the control response and nRows × K uplifts. */
export function responsesFromUplift(control: Float64Array, uplift: Float64Array, nTreatments: number, outcome: UpliftOutcome): Float64Array {
  const nRows = control.length;
  const nArms = nTreatments + 1;
  const out = new Float64Array(nRows * nArms);
  for (let i = 0; i < nRows; i++) {
    out[i * nArms] = control[i];
    for (let k = 0; k < nTreatments; k++) {
      const value = control[i] + uplift[i * nTreatments + k];
      // A probability plus an estimated effect can leave [0, 1]; the response is clipped, the
      // uplift itself (predictUplift) is reported as the learner estimated it.
      out[i * nArms + k + 1] = outcome === "binary" ? Math.min(1, Math.max(0, value)) : value;
    }
  }
  return out;
}

/** Row-major nRows × K uplifts from nRows × (K + 1) responses (arm minus control). */
export function upliftFromResponses(responses: Float64Array, nArms: number): Float64Array {
  const nRows = responses.length / nArms;
  const nTreatments = nArms - 1;
  const out = new Float64Array(nRows * nTreatments);
  for (let i = 0; i < nRows; i++) {
    for (let k = 0; k < nTreatments; k++) out[i * nTreatments + k] = responses[i * nArms + k + 1] - responses[i * nArms];
  }
  return out;
}

/** Fields and behaviour every fitted meta-learner has; subclasses supply the two predictions. */
export abstract class MetaModel implements UpliftModel {
  readonly task = "regression" as const;
  readonly featureNames: readonly string[];
  readonly arms: readonly string[];

  constructor(
    readonly kind: string,
    featureNames: readonly string[],
    arms: readonly string[],
    readonly outcome: UpliftOutcome,
  ) {
    this.featureNames = Object.freeze([...featureNames]);
    this.arms = Object.freeze([...arms]);
  }

  get nTreatments(): number {
    return this.arms.length - 1;
  }

  abstract predictUplift(x: Matrix): Float64Array;
  abstract predictResponses(x: Matrix): Float64Array;
  abstract toJSON(): ModelJSON;

  predict(x: Matrix): Float64Array {
    return this.predictUplift(x);
  }

  protected header(): { kind: string; schemaVersion: number; featureNames: string[]; arms: string[]; outcome: UpliftOutcome } {
    return {
      kind: this.kind,
      schemaVersion: SCHEMA_VERSION,
      featureNames: [...this.featureNames],
      arms: [...this.arms],
      outcome: this.outcome,
    };
  }
}

/** The default resolver: the model registry (imported lazily: the registry imports us lazily too). */
export const registryResolver: ModelResolver = async (json) => {
  const { modelFromJSON } = await import("../models/registry.ts");
  return (await modelFromJSON(json)) as Model;
};
