/**
 * The fitted GBDT: a frozen TreeEnsemble (ensemble.ts) with predict / predictProba /
 * decisionFunction, XGBoost's feature importances, and versioned JSON whose `fromJSON`
 * validates every field (zod, then tree.ts's structural checks) before building.
 */
import { z } from "zod";
import { check, PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { Classifier, Model, ModelJSON } from "../types.ts";
import { applyLink, type TreeEnsemble } from "./ensemble.ts";
import type { Objective } from "./gbdt-objective.ts";
import { parseOptions, taskOf, type GbdtParsed } from "./gbdt-options.ts";
import { sameNames } from "./gbdt-input.ts";
import { isMainThread } from "node:worker_threads";
import { defaultThreads } from "../../core/worker-pool.ts";
import { compiledMargins, compileEnsemble, toRowMajor, walkedMargins, type CompiledEnsemble } from "./gbdt-predict.ts";
import { openTeam } from "./gbdt-team.ts";
import { treeFromJSON, treeToJSON, type Tree, type TreeJSON } from "./tree.ts";

export const KIND = "gbdt";
export const SCHEMA_VERSION = 1;

export type ImportanceType = "weight" | "gain" | "total_gain" | "cover" | "total_cover";

interface GbdtBase extends Model {
  readonly kind: typeof KIND;
  readonly objective: Objective;
  readonly options: Readonly<GbdtParsed>;
  /** 1 for binary and regression. */
  readonly nClasses: number;
  readonly ensemble: TreeEnsemble;
  /** loss_chg per node of each tree (0 at leaves). */
  readonly gains: readonly Float64Array[];
  /** The last boosting round kept (0-based); earlier than nEstimators − 1 after early stopping. */
  readonly bestIteration: number;
  /** The validation metric per round, when there was a validation set. */
  readonly evalHistory: readonly number[];
  /** Margins: one per row, or row-major nRows × nClasses for multiclass. */
  decisionFunction(x: Matrix): Float64Array;
  /** XGBoost's get_score: per used feature, split count, mean/total gain or mean/total cover. */
  featureImportance(type?: ImportanceType): Record<string, number>;
  toJSON(): GbdtJSON;
}

/** Structurally a Classifier (types.ts); see the assignment check below. */
export interface GbdtClassifier extends GbdtBase {
  readonly task: "binary" | "multiclass";
  /** Binary: P(y = 1) per row. Multiclass: row-major nRows × nClasses. */
  predictProba(x: Matrix): Float64Array;
}

export const asClassifier: (model: GbdtClassifier) => Classifier = (model) => model;

export interface GbdtRegressor extends GbdtBase {
  readonly task: "regression";
}

export type GbdtModel = GbdtClassifier | GbdtRegressor;

export interface GbdtJSON extends ModelJSON {
  kind: typeof KIND;
  schemaVersion: number;
  options: GbdtParsed;
  featureNames: string[];
  nClasses: number;
  baseMargin: number;
  bestIteration: number;
  evalHistory: number[];
  trees: (TreeJSON & { gain: number[] })[];
  treeClass: number[];
}

export interface ModelParts {
  options: GbdtParsed;
  featureNames: string[];
  /** Margins per row: the class count for multi:softmax, else 1. */
  nOutputs: number;
  baseMargin: number;
  trees: Tree[];
  gains: Float64Array[];
  treeClass: Int32Array;
  bestIteration: number;
  evalHistory: number[];
}

export function makeModel(parts: ModelParts): GbdtModel {
  const { options, featureNames, nOutputs, baseMargin, trees, gains, treeClass } = parts;
  const objective = options.objective;
  const task = taskOf(objective);
  const ensemble: TreeEnsemble = Object.freeze({
    trees: Object.freeze(trees.map((t) => Object.freeze(t))),
    baseMargin,
    treeWeight: 1,
    link: task === "binary" ? "logit" : task === "multiclass" ? "softmax" : "identity",
    nFeatures: featureNames.length,
    ...(task === "multiclass" ? { nClasses: nOutputs, treeClass } : {}),
  });
  const checkInput = (x: Matrix) => {
    check(
      x.nCols === featureNames.length,
      "E_SHAPE",
      () => `the model was trained on ${featureNames.length} columns (${featureNames.join(", ")}); x has ${x.nCols}. Pass the same columns in the same order.`,
    );
    check(
      sameNames(x.columns, featureNames),
      "E_COLUMN",
      () => `x's columns (${x.columns.join(", ")}) differ from the training columns (${featureNames.join(", ")}); select and order them as in training`,
    );
  };
  // Compiled on first use (gbdt-predict.ts); a cache, not observable state.
  let compiled: CompiledEnsemble | undefined | null = null;
  const margins = (x: Matrix) => {
    checkInput(x);
    if (compiled === null) compiled = compileEnsemble(trees, treeClass, featureNames.length);
    const nThreads = isMainThread && x.nRows * trees.length >= PARALLEL_PREDICT ? defaultThreads() : 1;
    return toRowMajor(classMajorMargins(trees, treeClass, nOutputs, baseMargin, x, compiled, nThreads), x.nRows, nOutputs);
  };
  const probabilities = (x: Matrix) => applyLink(ensemble, margins(x));
  const model = {
    kind: KIND,
    task,
    objective,
    options,
    featureNames: Object.freeze([...featureNames]),
    nClasses: nOutputs,
    ensemble,
    gains: Object.freeze(gains),
    bestIteration: parts.bestIteration,
    evalHistory: Object.freeze([...parts.evalHistory]),
    decisionFunction: margins,
    predict(x: Matrix): Float64Array {
      if (task === "regression") return margins(x);
      const p = probabilities(x);
      if (task === "binary") return p;
      const out = new Float64Array(x.nRows);
      for (let i = 0; i < x.nRows; i++) {
        let best = 0;
        for (let k = 1; k < nOutputs; k++) if (p[i * nOutputs + k] > p[i * nOutputs + best]) best = k;
        out[i] = best;
      }
      return out;
    },
    ...(task === "regression" ? {} : { predictProba: probabilities }),
    featureImportance(type: ImportanceType = "gain"): Record<string, number> {
      return importance(trees, gains, featureNames, type);
    },
    toJSON(): GbdtJSON {
      return {
        kind: KIND,
        schemaVersion: SCHEMA_VERSION,
        options,
        featureNames: [...featureNames],
        nClasses: nOutputs,
        baseMargin,
        bestIteration: parts.bestIteration,
        evalHistory: [...parts.evalHistory],
        trees: trees.map((t, k) => ({ ...treeToJSON(t), gain: Array.from(gains[k]) })),
        treeClass: Array.from(treeClass),
      };
    },
  };
  return Object.freeze(model) as GbdtModel;
}

/** Row × tree visits from which predict uses every core (below, one thread is faster than starting work). */
export const PARALLEL_PREDICT = 5_000_000;

/**
 * Class-major margins (class k of row i at k·nRows + i): compiled (gbdt-predict.ts) when the
 * ensemble compiles, on nThreads threads; else the plain walk. Each row's sum runs in tree
 * order on one thread, so the thread count never changes a result.
 */
export function classMajorMargins(
  trees: readonly Tree[],
  treeClass: Int32Array,
  nOutputs: number,
  baseMargin: number,
  x: Matrix,
  compiled: CompiledEnsemble | undefined,
  nThreads: number,
): Float64Array {
  const out = new Float64Array(x.nRows * nOutputs).fill(baseMargin);
  if (!compiled) {
    walkedMargins(trees, treeClass, x.data, x.nRows, out);
    return out;
  }
  if (nThreads <= 1) {
    compiledMargins(compiled, x.data, x.nRows, 0, x.nRows, out);
    return out;
  }
  // The team shares memory only: the rows go into a SharedArrayBuffer (one copy).
  const data = x.data.buffer instanceof SharedArrayBuffer ? x.data : new Float64Array(new SharedArrayBuffer(x.data.byteLength));
  if (data !== x.data) data.set(x.data);
  const shared = new Float64Array(new SharedArrayBuffer(out.byteLength)).fill(baseMargin);
  const work = { kind: "predict" as const, model: compiled, data, nRows: x.nRows, out: shared };
  const team = openTeam(nThreads, work);
  try {
    team.run(work);
  } finally {
    team.release();
  }
  out.set(shared);
  return out;
}

function importance(trees: readonly Tree[], gains: readonly Float64Array[], names: readonly string[], type: ImportanceType): Record<string, number> {
  const count = new Float64Array(names.length);
  const gain = new Float64Array(names.length);
  const cover = new Float64Array(names.length);
  trees.forEach((tree, t) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const j = tree.feature[n];
      if (j < 0) continue;
      count[j]++;
      gain[j] += gains[t][n];
      cover[j] += tree.cover[n];
    }
  });
  const out: Record<string, number> = {};
  names.forEach((name, j) => {
    if (count[j] === 0) return;
    out[name] = type === "weight" ? count[j]
      : type === "gain" ? gain[j] / count[j]
        : type === "total_gain" ? gain[j]
          : type === "cover" ? cover[j] / count[j]
            : cover[j];
  });
  return out;
}

const TreeSchema = z.object({
  feature: z.array(z.number().int()),
  threshold: z.array(z.number().nullable()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  missingLeft: z.array(z.number().int().min(0).max(1)),
  value: z.array(z.number()),
  cover: z.array(z.number()),
  gain: z.array(z.number()),
});

const JSONSchema = z.object({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: z.record(z.string(), z.unknown()),
  featureNames: z.array(z.string()).min(1),
  nClasses: z.number().int().min(1),
  baseMargin: z.number(),
  bestIteration: z.number().int().min(-1),
  evalHistory: z.array(z.number().nullable()),
  trees: z.array(TreeSchema),
  treeClass: z.array(z.number().int().min(0)),
});

/** Rebuilds a model from toJSON() output, validating every field before building. */
export function fromJSON(json: ModelJSON): GbdtModel {
  const parsed = JSONSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new PatronError("E_MODEL_JSON", `not a gbdt model JSON (schemaVersion ${SCHEMA_VERSION}): ${issues}`);
  }
  const data = parsed.data;
  const options = parseOptions(data.options);
  const nFeatures = data.featureNames.length;
  const nOutputs = data.nClasses;
  check(
    (options.objective === "multi:softmax") === nOutputs > 1,
    "E_MODEL_JSON",
    `nClasses ${nOutputs} does not fit objective ${options.objective}`,
  );
  check(data.treeClass.length === data.trees.length, "E_MODEL_JSON", `treeClass has ${data.treeClass.length} entries for ${data.trees.length} trees`);
  const trees = data.trees.map((t, k) => {
    check(data.treeClass[k] < nOutputs, "E_MODEL_JSON", `tree ${k} adds to class ${data.treeClass[k]} of ${nOutputs}`);
    check(t.gain.length === t.feature.length, "E_MODEL_JSON", `tree ${k}: gain has ${t.gain.length} entries for ${t.feature.length} nodes`);
    check(t.feature.length > 0, "E_MODEL_JSON", `tree ${k} has no nodes`);
    return treeFromJSON(t as TreeJSON, nFeatures);
  });
  return makeModel({
    options,
    featureNames: data.featureNames,
    nOutputs,
    baseMargin: data.baseMargin,
    trees,
    gains: data.trees.map((t) => Float64Array.from(t.gain)),
    treeClass: Int32Array.from(data.treeClass),
    bestIteration: data.bestIteration,
    evalHistory: data.evalHistory.map((v) => (v === null ? NaN : v)),
  });
}
