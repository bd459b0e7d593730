/**
 * Every estimator and model kind Patron knows, in one table: `estimatorFromSpec` rebuilds an
 * estimator from `{kind, options}` (work sent to worker threads, stored search spaces) and
 * `modelFromJSON` rebuilds a fitted model from its JSON, validating before building.
 *
 * Each entry imports its module lazily so that loading the registry stays cheap.
 * To add a kind: one line in `kinds` below.
 */
import { PatronError } from "../core/errors.ts";
import type { Estimator, EstimatorSpec, FrameEstimator, FrameModel, Model, ModelJSON } from "./types.ts";

interface KindEntry {
  /** Module exporting `estimator(options)` and `fromJSON(json)` for this kind. */
  module: () => Promise<{
    // May be async: a pipeline builds its inner estimator / model through this registry.
    estimator?: (options: Record<string, unknown>) => Estimator | FrameEstimator | Promise<Estimator | FrameEstimator>;
    fromJSON: (json: ModelJSON) => Model | FrameModel | Promise<Model | FrameModel>;
  }>;
}

const kinds: Record<string, KindEntry> = {
  "gbdt": { module: () => import("./tree/gbdt.ts") },
  "cart-classifier": { module: async () => (await import("./tree/cart.ts")).classifierKind },
  "cart-regressor": { module: async () => (await import("./tree/cart.ts")).regressorKind },
  "random-forest-classifier": { module: async () => (await import("./tree/forest.ts")).classifierKind },
  "random-forest-regressor": { module: async () => (await import("./tree/forest.ts")).regressorKind },
  "pipeline": { module: () => import("./preprocess/pipeline.ts") },
  "logistic-regression": { module: () => import("./linear/logistic-regression.ts") },
  "knn-classifier": { module: () => import("./neighbors/knn-classifier.ts") },
  "knn-regressor": { module: () => import("./neighbors/knn-regressor.ts") },
  "svc": { module: () => import("./svm/svc.ts") },
  "xgboost": { module: () => import("../explain/xgboost-model.ts") },
  "s-learner": { module: () => import("../uplift/s-learner.ts") },
  "t-learner": { module: () => import("../uplift/t-learner.ts") },
  "x-learner": { module: () => import("../uplift/x-learner.ts") },
  "class-transformation": { module: () => import("../uplift/class-transformation.ts") },
  "transformed-outcome": { module: () => import("../uplift/transformed-outcome.ts") },
  "uplift-average": { module: () => import("../uplift/average.ts") },
  "uplift-tree": { module: () => import("../uplift/uplift-tree.ts") },
  "uplift-forest": { module: () => import("../uplift/uplift-forest.ts") },
  "uplift-bagging": { module: () => import("../uplift/bagging.ts") },
  "soft-voting": { module: async () => (await import("../jobs/classify/soft-voting.ts")).registryEntry },
};

function entry(kind: unknown): KindEntry {
  if (typeof kind !== "string" || !(kind in kinds)) {
    throw new PatronError(
      "E_UNKNOWN_KIND",
      `unknown model kind ${JSON.stringify(kind)}; known kinds: ${Object.keys(kinds).sort().join(", ")}`,
    );
  }
  return kinds[kind];
}

export async function estimatorFromSpec(spec: EstimatorSpec): Promise<Estimator | FrameEstimator> {
  const module = await entry(spec.kind).module();
  if (!module.estimator) throw new PatronError("E_UNKNOWN_KIND", `kind "${spec.kind}" cannot be built from options`);
  return module.estimator(spec.options);
}

export async function modelFromJSON(json: unknown): Promise<Model | FrameModel> {
  if (typeof json !== "object" || json === null) {
    throw new PatronError("E_MODEL_JSON", `a model must be a JSON object with "kind" and "schemaVersion"; found ${typeof json}`);
  }
  const module = await entry((json as ModelJSON).kind).module();
  return module.fromJSON(json as ModelJSON);
}

export function knownKinds(): string[] {
  return Object.keys(kinds).sort();
}
