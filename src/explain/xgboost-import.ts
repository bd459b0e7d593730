/**
 * Reads a model saved by XGBoost (`booster.save_model("m.json")`, JSON format of XGBoost
 * 1.x/2.x) into Patron's tree format, so its predictions equal XGBoost's and TreeSHAP equals
 * `pred_contribs`. Format: xgboost/doc/model.schema (learner → gradient_booster → model →
 * trees with left_children, right_children, split_indices, split_conditions, default_left,
 * sum_hessian, and tree_info giving each tree's class).
 *
 * XGBoost computes in float32: it casts every input to float32 and splits on
 * `float32(x) < split_condition`. Patron keeps float64 inputs, so each threshold t is replaced
 * by the float64 boundary b with `x < b ⟺ fround(x) < t` (half-way to t's float32 predecessor,
 * with round-half-even deciding the tie). Leaves, covers and the base score are read as the
 * float32 values XGBoost holds (Math.fround of the printed decimal).
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Link } from "../models/tree/ensemble.ts";
import type { Tree } from "../models/tree/tree.ts";
import type { Task } from "../models/types.ts";
import { XGBoostModel } from "./xgboost-model.ts";

const XGBTree = z.object({
  left_children: z.array(z.number().int()),
  right_children: z.array(z.number().int()),
  split_indices: z.array(z.number().int()),
  split_conditions: z.array(z.number()),
  default_left: z.array(z.union([z.number(), z.boolean()])),
  sum_hessian: z.array(z.number()),
  split_type: z.array(z.number()).optional(),
  tree_param: z.object({ size_leaf_vector: z.string().optional() }).passthrough().optional(),
});

const XGBTreeModel = z.object({
  tree_info: z.array(z.number().int()),
  trees: z.array(XGBTree),
});

const XGBLearner = z.object({
  version: z.array(z.number()).optional(),
  learner: z.object({
    feature_names: z.array(z.string()).optional(),
    learner_model_param: z.object({
      base_score: z.string(),
      num_class: z.string(),
      num_feature: z.string(),
      num_target: z.string().optional(),
    }),
    objective: z.object({ name: z.string() }).passthrough(),
    gradient_booster: z.union([
      z.object({ name: z.literal("gbtree"), model: XGBTreeModel }),
      z.object({ name: z.literal("dart"), gbtree: z.object({ model: XGBTreeModel }), weight_drop: z.array(z.number()) }),
      z.object({ name: z.literal("gblinear") }).passthrough(),
    ]),
  }),
});

type Objective = { task: Task; link: Link; logitBase: boolean };

// Objectives whose prediction is a tree margin under a link Patron models. Log-link objectives
// (count:poisson, reg:gamma, reg:tweedie, survival:*) are rejected rather than approximated.
const OBJECTIVES: Record<string, Objective> = {
  "binary:logistic": { task: "binary", link: "logit", logitBase: true },
  "binary:logitraw": { task: "binary", link: "logit", logitBase: true },
  "reg:logistic": { task: "regression", link: "logit", logitBase: true },
  "reg:squarederror": { task: "regression", link: "identity", logitBase: false },
  "reg:linear": { task: "regression", link: "identity", logitBase: false },
  "reg:squaredlogerror": { task: "regression", link: "identity", logitBase: false },
  "reg:pseudohubererror": { task: "regression", link: "identity", logitBase: false },
  "reg:absoluteerror": { task: "regression", link: "identity", logitBase: false },
  "rank:pairwise": { task: "regression", link: "identity", logitBase: false },
  "rank:ndcg": { task: "regression", link: "identity", logitBase: false },
  "rank:map": { task: "regression", link: "identity", logitBase: false },
  "multi:softprob": { task: "multiclass", link: "softmax", logitBase: false },
  "multi:softmax": { task: "multiclass", link: "softmax", logitBase: false },
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The largest float32 below t (t a finite float32). */
function float32Below(t: number): number {
  if (t === 0) return -1.401298464324817e-45;
  f32[0] = t;
  u32[0] += t > 0 ? -1 : 1;
  return f32[0];
}

/** The smallest float64 above b (b finite). */
function float64Above(b: number): number {
  if (b === 0) return 5e-324;
  f64[0] = b;
  u64[0] += b > 0 ? 1n : -1n;
  return f64[0];
}

/**
 * The float64 threshold b with `x < b` exactly when XGBoost's `float32(x) < t`.
 * float32(x) < t ⟺ float32(x) ≤ p (p = t's float32 predecessor) ⟺ x below the midpoint m of
 * p and t, or at m when round-half-even sends m to p. m is exact in float64.
 */
export function float32SplitToFloat64(t: number): number {
  if (!Number.isFinite(t)) return t;
  const p = float32Below(t);
  const m = (p + t) / 2;
  return Math.fround(m) < t ? float64Above(m) : m;
}

function fail(message: string): never {
  throw new PatronError("E_XGBOOST_JSON", message);
}

function parseBaseScore(text: string): number {
  // XGBoost ≥ 3 writes a vector "[5E-1]"; earlier versions a scalar "5E-1".
  const value = Number(text.replace(/^\[|\]$/g, ""));
  if (!Number.isFinite(value)) fail(`learner_model_param.base_score must be a number; found ${JSON.stringify(text)}.`);
  return Math.fround(value);
}

/** XGBoost's ProbToMargin for logistic objectives, in float32 as XGBoost computes it. */
function logitFloat32(p: number): number {
  if (!(p > 0 && p < 1)) fail(`base_score of a logistic objective must be in (0, 1); found ${p}.`);
  return Math.fround(-Math.log(Math.fround(Math.fround(1 / p) - 1)));
}

function convertTree(raw: z.infer<typeof XGBTree>, index: number, nFeatures: number, leafScale: number): Tree {
  const n = raw.left_children.length;
  for (const [name, arr] of Object.entries({
    right_children: raw.right_children, split_indices: raw.split_indices, split_conditions: raw.split_conditions,
    default_left: raw.default_left, sum_hessian: raw.sum_hessian,
  })) {
    if (arr.length !== n) fail(`tree ${index}: ${name} has ${arr.length} entries but left_children has ${n}.`);
  }
  if (raw.tree_param?.size_leaf_vector && Number(raw.tree_param.size_leaf_vector) > 1) {
    fail(`tree ${index} has vector leaves (multi_strategy="multi_output_tree"); Patron imports one-output trees only. Train with multi_strategy="one_output_per_tree".`);
  }
  if (raw.split_type?.some((s, node) => s !== 0 && raw.left_children[node] !== -1)) {
    fail(`tree ${index} has categorical splits (enable_categorical); Patron imports numeric splits only. One-hot encode the categories before training.`);
  }
  // Renumber reachable nodes depth-first so every child follows its parent (tree.ts's layout;
  // XGBoost may leave deleted nodes behind after pruning).
  const order: number[] = [];
  const newIndex = new Int32Array(n).fill(-1);
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node < 0 || node >= n || newIndex[node] !== -1) fail(`tree ${index}: node ${node} is referenced twice or lies outside the tree.`);
    newIndex[node] = order.length;
    order.push(node);
    if (raw.left_children[node] !== -1) stack.push(raw.right_children[node], raw.left_children[node]);
  }
  const m = order.length;
  const tree = {
    feature: new Int32Array(m),
    threshold: new Float64Array(m),
    left: new Int32Array(m),
    right: new Int32Array(m),
    missingLeft: new Uint8Array(m),
    value: new Float64Array(m),
    cover: new Float64Array(m),
  };
  order.forEach((node, k) => {
    tree.cover[k] = Math.fround(raw.sum_hessian[node]);
    if (raw.left_children[node] === -1) {
      tree.feature[k] = -1;
      tree.left[k] = tree.right[k] = -1;
      // dart: XGBoost multiplies each tree's float32 output by its weight, in float32
      tree.value[k] = Math.fround(Math.fround(raw.split_conditions[node]) * leafScale);
      return;
    }
    const j = raw.split_indices[node];
    if (j < 0 || j >= nFeatures) fail(`tree ${index}: node ${node} splits on feature ${j} but the model has ${nFeatures}.`);
    tree.feature[k] = j;
    tree.threshold[k] = float32SplitToFloat64(Math.fround(raw.split_conditions[node]));
    tree.left[k] = newIndex[raw.left_children[node]];
    tree.right[k] = newIndex[raw.right_children[node]];
    tree.missingLeft[k] = Number(raw.default_left[node]) ? 1 : 0;
  });
  return tree;
}

/**
 * Imports an XGBoost JSON model (the parsed object or its text). featureNames overrides the
 * names stored in the file (XGBoost stores them only when trained from named columns).
 */
export function importXGBoost(source: unknown, options: { featureNames?: readonly string[] } = {}): XGBoostModel {
  let json = source;
  if (typeof source === "string") {
    try {
      json = JSON.parse(source);
    } catch (error) {
      fail(`the XGBoost model is not valid JSON (${(error as Error).message}). Save it with booster.save_model("model.json"); UBJSON and the old binary format are not read.`);
    }
  }
  const parsed = XGBLearner.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`not an XGBoost JSON model: at ${issue.path.join(".") || "(root)"}, ${issue.message}. Expected the output of booster.save_model("model.json").`);
  }
  const { learner, version } = parsed.data;
  const booster = learner.gradient_booster;
  if (booster.name === "gblinear") fail(`gblinear models are linear, not trees; import the coefficients as a linear model instead.`);
  const objectiveName = learner.objective.name;
  const objective = OBJECTIVES[objectiveName];
  if (!objective) {
    fail(`objective ${objectiveName} is not supported; supported: ${Object.keys(OBJECTIVES).join(", ")}. Log-link objectives (count:poisson, reg:gamma, reg:tweedie) have no Patron link yet.`);
  }
  const nFeatures = Number(learner.learner_model_param.num_feature);
  const numClass = Number(learner.learner_model_param.num_class);
  if (Number(learner.learner_model_param.num_target ?? "1") > 1) fail(`multi-target models are not supported; found num_target ${learner.learner_model_param.num_target}.`);
  const model = booster.name === "dart" ? booster.gbtree.model : booster.model;
  const weights = booster.name === "dart" ? booster.weight_drop : undefined;
  if (weights && weights.length !== model.trees.length) fail(`dart weight_drop has ${weights.length} entries for ${model.trees.length} trees.`);
  if (model.tree_info.length !== model.trees.length) fail(`tree_info has ${model.tree_info.length} entries for ${model.trees.length} trees.`);

  const names = options.featureNames ?? (learner.feature_names && learner.feature_names.length > 0 ? learner.feature_names : undefined);
  if (names && names.length !== nFeatures) fail(`${names.length} feature names given for a model with num_feature ${nFeatures}.`);
  const featureNames = names ?? Array.from({ length: nFeatures }, (_, j) => `f${j}`);

  const base = parseBaseScore(learner.learner_model_param.base_score);
  const trees = model.trees.map((t, index) => convertTree(t, index, nFeatures, weights ? Math.fround(weights[index]) : 1));
  const multiclass = objective.task === "multiclass";
  if (multiclass && !(numClass >= 2)) fail(`a ${objectiveName} model needs num_class ≥ 2; found ${numClass}.`);
  if (multiclass && model.tree_info.some((k) => k < 0 || k >= numClass)) fail(`tree_info has classes outside 0..${numClass - 1}.`);

  return new XGBoostModel({
    objective: objectiveName,
    task: objective.task,
    featureNames,
    namedFeatures: names !== undefined,
    trees,
    baseMargin: objective.logitBase ? logitFloat32(base) : base,
    link: objective.link,
    ...(multiclass ? { nClasses: numClass, treeClass: Int32Array.from(model.tree_info) } : {}),
    xgboostVersion: version ? version.join(".") : "unknown",
  });
}
