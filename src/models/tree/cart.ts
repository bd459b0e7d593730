/**
 * CART decision trees (Breiman, Friedman, Olshen & Stone 1984): `cartClassifier()` (Gini or
 * entropy; binary and multiclass) and `cartRegressor()` (squared error), with scikit-learn's
 * DecisionTreeClassifier/Regressor options and results: on data without near-ties the same
 * tree node by node, the same predictions and the same feature importances.
 *
 * The fitted model is a flat Tree (tree.ts) and, for explanation and SQL export, a TreeEnsemble
 * with the identity link: binary leaves hold P(y = 1), regression leaves the mean. A multiclass
 * tree is K trees that share one structure, tree k holding P(class k) (`treeClass` = k, nClasses
 * = K), so the ensemble margin is already the probability row.
 *
 * Split thresholds are scikit-learn's midpoints moved up by one ulp, because scikit-learn sends
 * x ≤ t left and the Tree format sends x < threshold left: the two agree for every input.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng } from "../../core/rng.ts";
import type { Classifier, Estimator, FitContext, Model, ModelJSON, Task } from "../types.ts";
import { growTree, impurityImportances, type GrownTree } from "./cart-builder.ts";
import {
  checkFitInput, checkPredictInput, ClassWeight, classLabels, growParams, MaxFeatures, rowWeights, TreeShape,
} from "./cart-input.ts";
import { ENTROPY, GINI, SQUARED_ERROR } from "./cart-split.ts";
import type { TreeEnsemble } from "./ensemble.ts";
import { leafIndex, treeFromJSON, treeToJSON, type Tree, type TreeJSON } from "./tree.ts";

const SCHEMA_VERSION = 1;

export const CartClassifierOptions = z.strictObject({
  /** "log_loss" is scikit-learn's other name for entropy. */
  criterion: z.enum(["gini", "entropy", "log_loss"]).default("gini"),
  ...TreeShape,
  /** Features drawn at random per node; null examines all (then the tree does not depend on the seed). */
  maxFeatures: MaxFeatures.default(null),
  /** "balanced" weighs class k by n / (K · n_k); or explicit weights keyed by class index. */
  classWeight: ClassWeight.default(null),
});

export const CartRegressorOptions = z.strictObject({
  criterion: z.literal("squared_error").default("squared_error"),
  ...TreeShape,
  maxFeatures: MaxFeatures.default(null),
});

export type CartClassifierOptions = z.output<typeof CartClassifierOptions>;
export type CartRegressorOptions = z.output<typeof CartRegressorOptions>;

export interface CartModel extends Model {
  readonly kind: "cart-classifier" | "cart-regressor";
  /** 0 for regression. */
  readonly nClasses: number;
  /** Binary and regression: the tree. Multiclass: the tree of P(class 0) (same structure as all). */
  readonly tree: Tree;
  /** Multiclass: P(class k) per node, row-major nNodes × nClasses. */
  readonly classProba?: Float64Array;
  /** The same tree as an ensemble (identity link) for TreeSHAP and SQL export. */
  readonly ensemble: TreeEnsemble;
  /** Per node: impurity and training rows (weight > 0), as scikit-learn's tree_.impurity / n_node_samples. */
  readonly nodeImpurity: Float64Array;
  readonly nodeSamples: Int32Array;
  /** Normalised total impurity decrease per feature (scikit-learn's feature_importances_). */
  readonly featureImportances: Float64Array;
  /** The leaf each row falls in (scikit-learn's apply). */
  apply(x: Matrix): Int32Array;
}

export interface CartClassifierModel extends CartModel, Classifier {
  readonly kind: "cart-classifier";
  readonly task: "binary" | "multiclass";
}

const CRITERIA = { gini: GINI, entropy: ENTROPY, log_loss: ENTROPY, squared_error: SQUARED_ERROR } as const;

/** Fits one tree; shared with the random forest through growTree. */
function fitCart(
  kind: "cart-classifier" | "cart-regressor",
  opts: CartClassifierOptions | CartRegressorOptions,
  x: Matrix,
  y: Float64Array,
  ctx: FitContext,
): CartModel {
  checkFitInput(x, y, kind);
  const labels = kind === "cart-classifier" ? classLabels(y, kind) : undefined;
  const classWeight = "classWeight" in opts ? opts.classWeight : null;
  const weight = rowWeights(x.nRows, ctx.sampleWeight, classWeight, labels, kind);
  let totalWeight = 0;
  for (let i = 0; i < x.nRows; i++) totalWeight += weight[i];
  const params = growParams(opts, x.nRows, x.nCols, totalWeight, kind);
  const grown = growTree({
    data: x.data,
    nRows: x.nRows,
    nFeatures: x.nCols,
    classOf: labels?.classOf ?? new Int32Array(0),
    target: y,
    nClasses: labels?.nClasses ?? 0,
    weight,
    criterion: CRITERIA[opts.criterion],
    minSamplesLeaf: params.minSamplesLeaf,
    minWeightLeaf: params.minWeightLeaf,
    params,
    random: params.maxFeatures < x.nCols ? rng(ctx.seed ?? 0) : undefined,
  });
  return buildModel(kind, opts, x.columns, labels?.nClasses ?? 0, grown);
}

/** Builds the immutable model from a grown tree (fit) or validated JSON (fromJSON). */
function buildModel(
  kind: "cart-classifier" | "cart-regressor",
  options: CartClassifierOptions | CartRegressorOptions,
  featureNames: readonly string[],
  nClasses: number,
  grown: GrownTree,
): CartModel {
  const nFeatures = featureNames.length;
  const task: Task = nClasses === 0 ? "regression" : nClasses === 2 ? "binary" : "multiclass";
  const { tree, classProba } = grown;
  const nNodes = tree.feature.length;
  const classTrees: Tree[] =
    task === "multiclass"
      ? Array.from({ length: nClasses }, (_, k) => ({
          ...tree,
          value: Float64Array.from({ length: nNodes }, (_, n) => classProba![n * nClasses + k]),
        }))
      : [tree];
  const ensemble: TreeEnsemble = Object.freeze({
    trees: classTrees,
    baseMargin: 0,
    treeWeight: 1,
    link: "identity" as const,
    nFeatures,
    ...(task === "multiclass" ? { nClasses, treeClass: Int32Array.from({ length: nClasses }, (_, k) => k) } : {}),
  });
  const featureImportances = impurityImportances(grown, nFeatures);
  const leaves = (x: Matrix): Int32Array => {
    checkPredictInput(x, featureNames, kind);
    const out = new Int32Array(x.nRows);
    for (let i = 0; i < x.nRows; i++) out[i] = leafIndex(tree, x, i);
    return out;
  };
  const probaMatrix = (x: Matrix): Float64Array => {
    const leaf = leaves(x);
    const out = new Float64Array(x.nRows * nClasses);
    for (let i = 0; i < x.nRows; i++) out.set(classProba!.subarray(leaf[i] * nClasses, (leaf[i] + 1) * nClasses), i * nClasses);
    return out;
  };
  const leafValues = (x: Matrix): Float64Array => {
    const leaf = leaves(x);
    return Float64Array.from(leaf, (n) => tree.value[n]);
  };
  const model: CartModel & { predictProba?: (x: Matrix) => Float64Array } = {
    kind,
    task,
    featureNames: Object.freeze([...featureNames]),
    nClasses,
    tree,
    classProba,
    ensemble,
    nodeImpurity: grown.impurity,
    nodeSamples: grown.nodeSamples,
    featureImportances,
    apply: leaves,
    predict(x: Matrix): Float64Array {
      if (task !== "multiclass") return leafValues(x);
      // The most likely class; the first one on ties, as numpy's argmax.
      const proba = probaMatrix(x);
      return Float64Array.from({ length: x.nRows }, (_, i) => {
        let bestK = 0;
        for (let k = 1; k < nClasses; k++) if (proba[i * nClasses + k] > proba[i * nClasses + bestK]) bestK = k;
        return bestK;
      });
    },
    toJSON(): ModelJSON {
      return {
        kind,
        schemaVersion: SCHEMA_VERSION,
        options: options as unknown as Record<string, unknown>,
        featureNames: [...featureNames],
        nClasses,
        tree: treeToJSON(tree),
        classProba: classProba ? Array.from(classProba) : null,
        nodeImpurity: Array.from(grown.impurity),
        nodeSamples: Array.from(grown.nodeSamples),
      };
    },
  };
  if (task !== "regression") {
    model.predictProba = (x: Matrix) => (task === "binary" ? leafValues(x) : probaMatrix(x));
  }
  return Object.freeze(model);
}

export function cartClassifier(options: z.input<typeof CartClassifierOptions> = {}): Estimator<CartClassifierModel> & { options: CartClassifierOptions } {
  const opts = CartClassifierOptions.parse(options);
  return Object.freeze({
    kind: "cart-classifier",
    options: opts,
    fit: (x: Matrix, y: Float64Array, ctx: FitContext = {}) => fitCart("cart-classifier", opts, x, y, ctx) as CartClassifierModel,
  });
}

export function cartRegressor(options: z.input<typeof CartRegressorOptions> = {}): Estimator<CartModel> & { options: CartRegressorOptions } {
  const opts = CartRegressorOptions.parse(options);
  return Object.freeze({
    kind: "cart-regressor",
    options: opts,
    fit: (x: Matrix, y: Float64Array, ctx: FitContext = {}) => fitCart("cart-regressor", opts, x, y, ctx),
  });
}

const finite = z.number();
const CartJSON = z.strictObject({
  kind: z.enum(["cart-classifier", "cart-regressor"]),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: z.record(z.string(), z.unknown()),
  featureNames: z.array(z.string()).min(1),
  nClasses: z.number().int().min(0),
  tree: z.strictObject({
    feature: z.array(z.number().int()),
    threshold: z.array(z.union([z.number(), z.nan()]).nullable()),
    left: z.array(z.number().int()),
    right: z.array(z.number().int()),
    missingLeft: z.array(z.number().int().min(0).max(1)),
    value: z.array(finite),
    cover: z.array(finite),
  }),
  classProba: z.array(finite).nullable(),
  nodeImpurity: z.array(finite),
  nodeSamples: z.array(z.number().int().min(0)),
});

/** Rebuilds a CART model from its JSON, checking every field before building. */
export function cartFromJSON(json: ModelJSON): CartModel {
  const parsed = CartJSON.safeParse(json);
  if (!parsed.success) {
    throw new PatronError("E_MODEL_JSON", `not a valid CART model JSON: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const j = parsed.data;
  const options = j.kind === "cart-classifier" ? CartClassifierOptions.parse(j.options) : CartRegressorOptions.parse(j.options);
  if ((j.kind === "cart-classifier") !== j.nClasses >= 2 || (j.kind === "cart-regressor" && j.nClasses !== 0)) {
    throw new PatronError("E_MODEL_JSON", `a ${j.kind} needs nClasses ${j.kind === "cart-classifier" ? "≥ 2" : "0"}; found ${j.nClasses}.`);
  }
  const tree = treeFromJSON(j.tree as TreeJSON, j.featureNames.length);
  const nNodes = tree.feature.length;
  if (nNodes === 0 || j.nodeImpurity.length !== nNodes || j.nodeSamples.length !== nNodes) {
    throw new PatronError("E_MODEL_JSON", `CART JSON: nodeImpurity and nodeSamples need one entry per node (${nNodes}).`);
  }
  if (j.nClasses > 0 && j.classProba?.length !== nNodes * j.nClasses) {
    throw new PatronError("E_MODEL_JSON", `CART JSON: classProba needs nNodes × nClasses = ${nNodes * j.nClasses} entries.`);
  }
  return buildModel(j.kind, options, j.featureNames, j.nClasses, {
    tree,
    classProba: j.classProba ? Float64Array.from(j.classProba) : undefined,
    impurity: Float64Array.from(j.nodeImpurity),
    nodeSamples: Int32Array.from(j.nodeSamples),
  });
}

/** The registry's entries for the two kinds (src/models/registry.ts). */
export const classifierKind = { estimator: (options: Record<string, unknown>) => cartClassifier(options), fromJSON: cartFromJSON };
export const regressorKind = { estimator: (options: Record<string, unknown>) => cartRegressor(options), fromJSON: cartFromJSON };
