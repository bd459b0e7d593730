/**
 * Random forests (Breiman 2001): `randomForestClassifier()` and `randomForestRegressor()`,
 * CART trees grown on bootstrap samples with a random subset of features tried at each node,
 * with scikit-learn's RandomForest options (nTrees = n_estimators, maxFeatures "sqrt" by
 * default for classification and all features for regression, maxSamples, classWeight incl.
 * "balanced_subsample", out-of-bag score). Trees grow in parallel on worker threads, each
 * from its own seed drawn from ctx.seed, so the result does not depend on the thread count;
 * `fit` stays synchronous (forest-pool.ts blocks on Atomics while workers grow trees).
 *
 * The fitted model is a TreeEnsemble with treeWeight 1/nTrees and the identity link: leaves
 * hold P(y = 1) (binary) or means (regression), so the ensemble margin is the forest's
 * prediction and TreeSHAP and SQL export read it directly. Multiclass: K trees per grown tree
 * sharing one structure, tree k holding P(class k) (treeClass k), as in cart.ts.
 *
 * The optional out-of-bag score never crashes on small forests (forest-oob.ts).
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng } from "../../core/rng.ts";
import { defaultThreads } from "../../core/worker-pool.ts";
import type { Classifier, Estimator, FitContext, Model, ModelJSON, Task } from "../types.ts";
import {
  checkFitInput, checkPredictInput, ClassWeight, classLabels, MaxFeatures, rowWeights, TreeShape,
} from "./cart-input.ts";
import { presortColumns } from "./cart-presort.ts";
import { ENTROPY, GINI, SQUARED_ERROR } from "./cart-split.ts";
import type { TreeEnsemble } from "./ensemble.ts";
import { outOfBag, type OobResult } from "./forest-oob.ts";
import { runTasksSync } from "./forest-pool.ts";
import { growTreeChunk, type ForestShared, type GrownForestTree, type TreeChunkPayload, type TreeChunkResult } from "./forest-task.ts";
import { leafIndex, treeFromJSON, treeToJSON, type Tree, type TreeJSON } from "./tree.ts";

const SCHEMA_VERSION = 1;

const ForestCommon = {
  nTrees: z.number().int().min(1).default(100),
  ...TreeShape,
  /** Draw each tree's rows with replacement; false gives every tree all rows. */
  bootstrap: z.boolean().default(true),
  /** Rows per bootstrap sample: null = nRows, a share in (0, 1], or a count > 1. */
  maxSamples: z.number().positive().nullable().default(null),
  /** Compute the out-of-bag score and predictions (needs bootstrap). */
  oobScore: z.boolean().default(false),
};

export const RandomForestClassifierOptions = z.strictObject({
  criterion: z.enum(["gini", "entropy", "log_loss"]).default("gini"),
  ...ForestCommon,
  maxFeatures: MaxFeatures.default("sqrt"),
  classWeight: z.union([ClassWeight, z.literal("balanced_subsample")]).default(null),
});

export const RandomForestRegressorOptions = z.strictObject({
  criterion: z.literal("squared_error").default("squared_error"),
  ...ForestCommon,
  maxFeatures: MaxFeatures.default(null),
});

export type RandomForestClassifierOptions = z.output<typeof RandomForestClassifierOptions>;
export type RandomForestRegressorOptions = z.output<typeof RandomForestRegressorOptions>;
type Kind = "random-forest-classifier" | "random-forest-regressor";

export interface ForestModel extends Model {
  readonly kind: Kind;
  readonly nClasses: number;
  readonly nTrees: number;
  /** margin = Σ_t tree_t(x) / nTrees, identity link; multiclass via treeClass. */
  readonly ensemble: TreeEnsemble;
  /** Mean over trees of each tree's normalised impurity decrease, renormalised (scikit-learn). */
  readonly featureImportances: Float64Array;
  /** With oobScore: accuracy (classification) or R² (regression) on out-of-bag predictions. */
  readonly oobScore?: number;
  /** Binary only, with oobScore: ROC-AUC of the out-of-bag P(y = 1). */
  readonly oobRocAuc?: number;
  /** With oobScore: P(y = 1), the class probability rows (multiclass) or the mean, NaN where never out of bag. */
  readonly oobPrediction?: Float64Array;
  /** Leaf index of each row in each grown tree, row-major nRows × nTrees (for tree embeddings). */
  apply(x: Matrix): Int32Array;
}

export interface ForestClassifierModel extends ForestModel, Classifier {
  readonly kind: "random-forest-classifier";
  readonly task: "binary" | "multiclass";
}

const CRITERIA = { gini: GINI, entropy: ENTROPY, log_loss: ENTROPY, squared_error: SQUARED_ERROR } as const;
const TASK_MODULE = new URL("./forest-task.ts", import.meta.url).href;

/** Python's round(): halves go to the even neighbour (scikit-learn rounds maxSamples × n this way). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rows per bootstrap sample: a share when ≤ 1 (rounded as Python's round, min 1), else a count. */
function bootstrapSize(maxSamples: number | null, nRows: number, who: string): number {
  if (maxSamples === null) return nRows;
  if (maxSamples <= 1) return Math.max(roundHalfEven(nRows * maxSamples), 1);
  if (!Number.isInteger(maxSamples) || maxSamples > nRows) {
    throw new PatronError("E_OPTION", `${who}: maxSamples must be a share in (0, 1] or an integer ≤ ${nRows} rows; found ${maxSamples}.`);
  }
  return maxSamples;
}

/** Shares a typed array with worker threads (one copy into a SharedArrayBuffer). */
function shareFloat64(values: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

function fitForest(kind: Kind, opts: RandomForestClassifierOptions | RandomForestRegressorOptions, x: Matrix, y: Float64Array, ctx: FitContext): ForestModel {
  checkFitInput(x, y, kind);
  if (opts.oobScore && !opts.bootstrap) {
    throw new PatronError("E_OPTION", `${kind}: oobScore needs bootstrap: true (without bootstrap no row is out of bag).`);
  }
  const labels = kind === "random-forest-classifier" ? classLabels(y, kind) : undefined;
  const classWeight = "classWeight" in opts ? opts.classWeight : null;
  const baseWeight = rowWeights(x.nRows, ctx.sampleWeight, classWeight === "balanced_subsample" ? null : classWeight, labels, kind);
  const nClasses = labels?.nClasses ?? 0;
  const { nRows, nCols } = x;
  const sorted = presortColumns(x.data, nRows, nCols);
  const presorted = new Int32Array(new SharedArrayBuffer(sorted.byteLength));
  presorted.set(sorted);
  const shared: ForestShared = {
    data: shareFloat64(x.data),
    presorted,
    target: shareFloat64(y),
    baseWeight: shareFloat64(baseWeight),
    nRows,
    nFeatures: nCols,
    nClasses,
    criterion: CRITERIA[opts.criterion],
    treeOptions: opts,
    bootstrap: opts.bootstrap,
    nBootstrap: bootstrapSize(opts.maxSamples, nRows, kind),
    balancedSubsample: classWeight === "balanced_subsample",
    oob: opts.oobScore,
  };
  const master = rng(ctx.seed ?? 0);
  const seeds = Array.from({ length: opts.nTrees }, () => Math.floor(master.next() * 4294967296));
  // Workers start once per process (~0.5 s each, loading TypeScript): small forests grow here.
  const work = nRows * nCols * opts.nTrees;
  const nThreads = Math.min(ctx.nThreads ?? (work < 5_000_000 ? 1 : defaultThreads()), opts.nTrees);
  const chunkSize = Math.max(1, Math.ceil(opts.nTrees / (nThreads * 4)));
  const payloads: TreeChunkPayload[] = [];
  for (let t = 0; t < opts.nTrees; t += chunkSize) payloads.push({ shared, seeds: seeds.slice(t, t + chunkSize) });
  ctx.progress?.start(`${kind} (${opts.nTrees} trees)`, opts.nTrees);
  let results: TreeChunkResult[];
  try {
    results = runTasksSync(growTreeChunk, TASK_MODULE, "growTreeChunk", payloads, nThreads, (index) =>
      ctx.progress?.tick(payloads[index].seeds.length),
    );
  } finally {
    ctx.progress?.stop();
  }
  const grown = results.flatMap((r) => r.trees);
  const oob = opts.oobScore ? outOfBag(results, y, nRows, nClasses, kind) : undefined;
  return buildForest(kind, opts, x.columns, nClasses, grown, oob);
}

function buildForest(
  kind: Kind,
  options: RandomForestClassifierOptions | RandomForestRegressorOptions,
  featureNames: readonly string[],
  nClasses: number,
  grown: GrownForestTree[],
  oob: OobResult | undefined,
): ForestModel {
  const nFeatures = featureNames.length;
  const nTrees = grown.length;
  const task: Task = nClasses === 0 ? "regression" : nClasses === 2 ? "binary" : "multiclass";
  const trees: Tree[] = [];
  const treeClass: number[] = [];
  for (const g of grown) {
    if (task !== "multiclass") {
      trees.push(g.tree);
      continue;
    }
    const nNodes = g.tree.feature.length;
    for (let k = 0; k < nClasses; k++) {
      trees.push({ ...g.tree, value: Float64Array.from({ length: nNodes }, (_, n) => g.classProba![n * nClasses + k]) });
      treeClass.push(k);
    }
  }
  const ensemble: TreeEnsemble = Object.freeze({
    trees,
    baseMargin: 0,
    treeWeight: 1 / nTrees,
    link: "identity" as const,
    nFeatures,
    ...(task === "multiclass" ? { nClasses, treeClass: Int32Array.from(treeClass) } : {}),
  });
  // scikit-learn: mean of the per-tree importances over trees with a split, renormalised.
  const featureImportances = new Float64Array(nFeatures);
  let nSplitTrees = 0;
  for (const g of grown) {
    if (g.tree.feature.length <= 1) continue;
    nSplitTrees++;
    for (let j = 0; j < nFeatures; j++) featureImportances[j] += g.importances[j];
  }
  if (nSplitTrees > 0) {
    let total = 0;
    for (let j = 0; j < nFeatures; j++) total += (featureImportances[j] /= nSplitTrees);
    if (total > 0) for (let j = 0; j < nFeatures; j++) featureImportances[j] /= total;
  }

  const check = (x: Matrix) => checkPredictInput(x, featureNames, kind);
  /** Σ_t tree_t(x) / nTrees, accumulated like scikit-learn (sum first, divide once). */
  const average = (x: Matrix): Float64Array => {
    check(x);
    const nOut = task === "multiclass" ? nClasses : 1;
    const out = new Float64Array(x.nRows * nOut);
    for (const g of grown) {
      const { tree, classProba } = g;
      for (let i = 0; i < x.nRows; i++) {
        const leaf = leafIndex(tree, x, i);
        if (nOut === 1) out[i] += tree.value[leaf];
        else for (let k = 0; k < nClasses; k++) out[i * nClasses + k] += classProba![leaf * nClasses + k];
      }
    }
    for (let p = 0; p < out.length; p++) out[p] /= nTrees;
    if (task !== "regression") for (let p = 0; p < out.length; p++) out[p] = Math.min(1, out[p]);
    return out;
  };
  const model: ForestModel & { predictProba?: (x: Matrix) => Float64Array } = {
    kind,
    task,
    featureNames: Object.freeze([...featureNames]),
    nClasses,
    nTrees,
    ensemble,
    featureImportances,
    oobScore: oob?.score,
    oobRocAuc: oob?.rocAuc,
    oobPrediction: oob?.prediction,
    apply(x: Matrix): Int32Array {
      check(x);
      const out = new Int32Array(x.nRows * nTrees);
      grown.forEach((g, t) => {
        for (let i = 0; i < x.nRows; i++) out[i * nTrees + t] = leafIndex(g.tree, x, i);
      });
      return out;
    },
    predict(x: Matrix): Float64Array {
      const avg = average(x);
      if (task !== "multiclass") return avg;
      return Float64Array.from({ length: x.nRows }, (_, i) => {
        let best = 0;
        for (let k = 1; k < nClasses; k++) if (avg[i * nClasses + k] > avg[i * nClasses + best]) best = k;
        return best;
      });
    },
    toJSON(): ModelJSON {
      return {
        kind,
        schemaVersion: SCHEMA_VERSION,
        options: options as unknown as Record<string, unknown>,
        featureNames: [...featureNames],
        nClasses,
        trees: grown.map((g) => ({
          tree: treeToJSON(g.tree),
          classProba: g.classProba && task === "multiclass" ? Array.from(g.classProba) : null,
          importances: Array.from(g.importances),
        })),
        oob: oob ? { prediction: Array.from(oob.prediction), score: oob.score, rocAuc: oob.rocAuc ?? null } : null,
      };
    },
  };
  if (task !== "regression") model.predictProba = average;
  return Object.freeze(model);
}

export function randomForestClassifier(options: z.input<typeof RandomForestClassifierOptions> = {}): Estimator<ForestClassifierModel> & { options: RandomForestClassifierOptions } {
  const opts = RandomForestClassifierOptions.parse(options);
  return Object.freeze({
    kind: "random-forest-classifier",
    options: opts,
    fit: (x: Matrix, y: Float64Array, ctx: FitContext = {}) => fitForest("random-forest-classifier", opts, x, y, ctx) as ForestClassifierModel,
  });
}

export function randomForestRegressor(options: z.input<typeof RandomForestRegressorOptions> = {}): Estimator<ForestModel> & { options: RandomForestRegressorOptions } {
  const opts = RandomForestRegressorOptions.parse(options);
  return Object.freeze({
    kind: "random-forest-regressor",
    options: opts,
    fit: (x: Matrix, y: Float64Array, ctx: FitContext = {}) => fitForest("random-forest-regressor", opts, x, y, ctx),
  });
}

const num = z.number();
const ForestJSON = z.strictObject({
  kind: z.enum(["random-forest-classifier", "random-forest-regressor"]),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: z.record(z.string(), z.unknown()),
  featureNames: z.array(z.string()).min(1),
  nClasses: z.number().int().min(0),
  trees: z.array(z.strictObject({
    tree: z.strictObject({
      feature: z.array(z.number().int()),
      threshold: z.array(z.union([num, z.nan()]).nullable()),
      left: z.array(z.number().int()),
      right: z.array(z.number().int()),
      missingLeft: z.array(z.number().int().min(0).max(1)),
      value: z.array(num),
      cover: z.array(num),
    }),
    classProba: z.array(num).nullable(),
    importances: z.array(num),
  })).min(1),
  oob: z.strictObject({
    prediction: z.array(z.union([num, z.nan()]).nullable()),
    score: num,
    rocAuc: num.nullable(),
  }).nullable(),
});

export function forestFromJSON(json: ModelJSON): ForestModel {
  const parsed = ForestJSON.safeParse(json);
  if (!parsed.success) {
    throw new PatronError("E_MODEL_JSON", `not a valid random forest JSON: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const j = parsed.data;
  const classifier = j.kind === "random-forest-classifier";
  const options = classifier ? RandomForestClassifierOptions.parse(j.options) : RandomForestRegressorOptions.parse(j.options);
  if (classifier ? j.nClasses < 2 : j.nClasses !== 0) {
    throw new PatronError("E_MODEL_JSON", `a ${j.kind} needs nClasses ${classifier ? "≥ 2" : "0"}; found ${j.nClasses}.`);
  }
  const nFeatures = j.featureNames.length;
  const grown = j.trees.map((t, index): GrownForestTree => {
    const tree = treeFromJSON(t.tree as TreeJSON, nFeatures);
    const nNodes = tree.feature.length;
    if (nNodes === 0) throw new PatronError("E_MODEL_JSON", `random forest JSON: tree ${index} has no nodes.`);
    if (j.nClasses > 2 && t.classProba?.length !== nNodes * j.nClasses) {
      throw new PatronError("E_MODEL_JSON", `random forest JSON: tree ${index} needs classProba with ${nNodes * j.nClasses} entries.`);
    }
    if (t.importances.length !== nFeatures) throw new PatronError("E_MODEL_JSON", `random forest JSON: tree ${index} needs ${nFeatures} importances.`);
    // Binary and regression trees need only value (P(1) or the mean).
    const classProba = j.nClasses > 2 ? Float64Array.from(t.classProba!) : undefined;
    return { tree, classProba, importances: Float64Array.from(t.importances), nNodes };
  });
  const oob = j.oob
    ? { prediction: Float64Array.from(j.oob.prediction, (v) => (v === null ? NaN : v)), score: j.oob.score, rocAuc: j.oob.rocAuc ?? undefined }
    : undefined;
  return buildForest(j.kind, options, j.featureNames, j.nClasses, grown, oob);
}

/** The registry's entries for the two kinds (src/models/registry.ts). */
export const classifierKind = { estimator: (options: Record<string, unknown>) => randomForestClassifier(options), fromJSON: forestFromJSON };
export const regressorKind = { estimator: (options: Record<string, unknown>) => randomForestRegressor(options), fromJSON: forestFromJSON };
