/**
 * Rebuilds any fitted uplift model from its JSON, dispatching on `kind`. Nested base models are
 * rebuilt through `resolve` (the model registry by default; tests pass their own), and every
 * part is validated before anything is built.
 */
import { PatronError } from "../core/errors.ts";
import { registryResolver } from "./meta-model.ts";
import type { ModelResolver, UpliftModel } from "./types.ts";

const loaders: Record<string, () => Promise<{ fromJSON(json: unknown, resolve?: ModelResolver): Promise<UpliftModel> }>> = {
  "s-learner": () => import("./s-learner.ts"),
  "t-learner": () => import("./t-learner.ts"),
  "x-learner": () => import("./x-learner.ts"),
  "class-transformation": () => import("./class-transformation.ts"),
  "transformed-outcome": () => import("./transformed-outcome.ts"),
  "uplift-average": () => import("./average.ts"),
  "uplift-tree": () => import("./uplift-tree.ts"),
  "uplift-forest": () => import("./uplift-forest.ts"),
  "uplift-bagging": () => import("./bagging.ts"),
};

export const UPLIFT_KINDS = Object.freeze(Object.keys(loaders));

export async function upliftModelFromJSON(json: unknown, resolve: ModelResolver = registryResolver): Promise<UpliftModel> {
  const kind = typeof json === "object" && json !== null ? (json as { kind?: unknown }).kind : undefined;
  if (typeof kind !== "string" || !(kind in loaders)) {
    throw new PatronError(
      "E_MODEL_JSON",
      `not an uplift model: kind ${JSON.stringify(kind)}; expected one of ${UPLIFT_KINDS.join(", ")}. Pass the JSON written by an uplift model's toJSON().`,
    );
  }
  const module = await loaders[kind]();
  return module.fromJSON(json, resolve);
}
