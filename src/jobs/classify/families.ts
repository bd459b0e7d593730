/**
 * The search space of model selection, as the seeds built it and beyond: encoders (one-hot,
 * ordinal) × scalers (standard, min-max, robust) × models (kNN, decision tree, logistic
 * regression, SVC) with their grids, plus random forest and gradient boosting. Each family is
 * a list of parameter grids over one pipeline spec (src/models/preprocess/pipeline.ts), so the
 * whole space runs as one grid search on the worker pool.
 *
 * Two sizes: "full" (the command) and "small" (tests, smoke runs): the same families, fewer
 * points. Trees and ensembles of trees are invariant to monotone rescaling, so they are not
 * crossed with the three scalers — that would fit the same trees three times.
 */
import { PatronError } from "../../core/errors.ts";
import type { ParamGrid } from "../../models/select/params.ts";
import type { EstimatorSpec } from "../../models/types.ts";

export const FAMILY_NAMES = ["knn", "tree", "logistic", "svc", "forest", "boosting"] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];
export type GridSize = "full" | "small";

export interface Family {
  name: FamilyName;
  /** For tables: "kNN", "SVC", … */
  label: string;
  /** Grids over the pipeline spec (keys "encoder", "scaler", "model", "model.options.*"). */
  grids: ParamGrid[];
}

export const FAMILY_LABELS: Record<FamilyName, string> = {
  knn: "kNN",
  tree: "decision tree",
  logistic: "logistic regression",
  svc: "SVC",
  forest: "random forest",
  boosting: "gradient boosting",
};

const ENCODERS = ["onehot", "ordinal"];
const SCALERS = ["standard", "minmax", "robust"];

/** The pipeline spec every candidate starts from; grids override its parts. */
export const BASE_PIPELINE: EstimatorSpec = {
  kind: "pipeline",
  options: { numericImputer: "median", categoricalImputer: "constant", encoder: "onehot", scaler: "standard", model: { kind: "knn-classifier", options: {} } },
};

const model = (kind: string, options: Record<string, unknown> = {}) => [{ kind, options }];

function grids(size: GridSize): Record<FamilyName, ParamGrid[]> {
  const full = size === "full";
  const encoders = full ? ENCODERS : ["onehot"];
  const scalers = full ? SCALERS : ["standard"];
  const scaled = { encoder: encoders, scaler: scalers };
  const unscaled = { encoder: encoders, scaler: ["none"] };
  return {
    knn: [{
      ...scaled,
      model: model("knn-classifier"),
      "model.options.nNeighbors": full ? [5, 11, 21, 31, 41, 61] : [15, 41],
      "model.options.weights": full ? ["uniform", "distance"] : ["distance"],
    }],
    tree: [{
      ...unscaled,
      model: model("cart-classifier"),
      "model.options.maxDepth": full ? [3, 4, 5, 6, 8, null] : [4],
      "model.options.minSamplesLeaf": full ? [1, 5, 10, 20] : [10],
      "model.options.minSamplesSplit": full ? [2, 8] : [2],
    }],
    logistic: [{
      ...scaled,
      model: model("logistic-regression", { maxIter: 1000 }),
      "model.options.c": full ? [0.01, 0.03, 0.1, 0.3, 1, 3, 10] : [0.1],
    }],
    // probability: false while searching — ROC-AUC ranks by the decision value, and Platt
    // scaling's five extra fits per candidate would change no score (selection.ts turns it on
    // for the refits whose probabilities are used).
    svc: full
      ? [
          { ...scaled, model: model("svc", { probability: false }), "model.options.kernel": ["rbf"], "model.options.c": [0.3, 1, 3] },
          { ...scaled, model: model("svc", { probability: false, kernel: "poly" }), "model.options.degree": [2, 3] },
        ]
      : [{ ...scaled, model: model("svc", { probability: false }), "model.options.c": [1] }],
    forest: [{
      encoder: ["ordinal"],
      scaler: ["none"],
      model: model("random-forest-classifier", { nTrees: full ? 150 : 30 }),
      "model.options.minSamplesLeaf": full ? [1, 3, 5] : [3],
    }],
    boosting: [{
      encoder: ["ordinal"],
      scaler: ["none"],
      model: model("gbdt", { nEstimators: full ? 300 : 60, learningRate: full ? 0.03 : 0.1, subsample: 0.8 }),
      "model.options.maxDepth": full ? [2, 3, 4] : [3],
      "model.options.colsampleByTree": full ? [0.5, 0.8] : [0.8],
    }],
  };
}

/** The families to search, in table order. */
export function families(size: GridSize = "full", only?: readonly string[]): Family[] {
  const names = only && only.length > 0 ? only : FAMILY_NAMES;
  const unknown = names.filter((n) => !(FAMILY_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new PatronError("E_OPTIONS", `unknown model famil${unknown.length > 1 ? "ies" : "y"} ${unknown.map((n) => `"${n}"`).join(", ")}; choose from ${FAMILY_NAMES.join(", ")}.`);
  }
  const all = grids(size);
  return FAMILY_NAMES.filter((n) => names.includes(n)).map((name) => ({ name, label: FAMILY_LABELS[name], grids: all[name] }));
}

/** The spec with SVC probabilities turned on (for refits whose P(y = 1) is averaged or reported). */
export function withProbabilities(spec: EstimatorSpec): EstimatorSpec {
  const copy = structuredClone(spec);
  const inner = (copy.options as { model?: EstimatorSpec }).model;
  if (inner?.kind === "svc") inner.options = { ...inner.options, probability: true };
  if (copy.kind === "soft-voting") {
    (copy.options as { members: EstimatorSpec[] }).members = (copy.options as { members: EstimatorSpec[] }).members.map(withProbabilities);
  }
  return copy;
}

/** A short human description of a candidate: "SVC (rbf, C 3) · one-hot · standard". */
export function describeSpec(spec: EstimatorSpec): string {
  if (spec.kind === "soft-voting") {
    const members = (spec.options as { members: EstimatorSpec[] }).members;
    return `soft vote of ${members.map(describeSpec).join(" + ")}`;
  }
  if (spec.kind !== "pipeline") return spec.kind;
  const o = spec.options as { encoder?: string; scaler?: string; model: EstimatorSpec };
  const m = o.model.options;
  const shown: Record<string, string[]> = {
    "knn-classifier": ["nNeighbors", "weights"],
    "cart-classifier": ["maxDepth", "minSamplesLeaf", "minSamplesSplit"],
    "logistic-regression": ["c"],
    svc: ["kernel", "c", "degree"],
    "random-forest-classifier": ["nTrees", "minSamplesLeaf"],
    gbdt: ["nEstimators", "maxDepth", "colsampleByTree", "learningRate"],
  };
  const params = (shown[o.model.kind] ?? [])
    .filter((key) => m[key] !== undefined && !(o.model.kind === "svc" && key === "degree" && m.kernel !== "poly"))
    .map((key) => `${key} ${m[key] === null ? "none" : m[key]}`);
  const name = Object.entries({ knn: "knn-classifier", tree: "cart-classifier", logistic: "logistic-regression", svc: "svc", forest: "random-forest-classifier", boosting: "gbdt" } as const)
    .find(([, kind]) => kind === o.model.kind)?.[0] as FamilyName | undefined;
  const pre = [o.encoder === "ordinal" ? "ordinal" : "one-hot", o.scaler && o.scaler !== "none" ? o.scaler : undefined].filter(Boolean).join(" · ");
  return `${name ? FAMILY_LABELS[name] : o.model.kind}${params.length ? ` (${params.join(", ")})` : ""} · ${pre}`;
}

/** The family a pipeline spec belongs to (by its model kind). */
export function familyOf(spec: EstimatorSpec): FamilyName | undefined {
  const kind = (spec.options as { model?: EstimatorSpec }).model?.kind;
  const byKind: Record<string, FamilyName> = {
    "knn-classifier": "knn", "cart-classifier": "tree", "logistic-regression": "logistic", svc: "svc", "random-forest-classifier": "forest", gbdt: "boosting",
  };
  return kind ? byKind[kind] : undefined;
}
