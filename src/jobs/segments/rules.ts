/**
 * Entry and exit conditions of a segment as readable rules: a shallow CART classifier
 * (Breiman et al. 1984; src/models/tree/cart.ts) learns "member or not" from the customers'
 * features in their own units (money, days, counts — not the scaled space the clusters were
 * found in), and every leaf that predicts membership becomes one entry rule, the conjunction of
 * the conditions on its path. Exit conditions are the negations: a member leaves when any
 * condition of her rule fails. The tree is a surrogate of the clustering, so its fidelity
 * (accuracy, precision, recall against the cluster labels) is reported with the rules.
 */
import type { Matrix } from "../../core/matrix.ts";
import { fromColumns } from "../../core/matrix.ts";
import { cartClassifier, cartFromJSON, type CartModel } from "../../models/tree/cart.ts";
import type { ModelJSON } from "../../models/types.ts";

export interface Condition {
  feature: string;
  /** x < threshold goes left in the tree: "<" is the left branch, ">=" the right. */
  op: "<" | ">=";
  threshold: number;
}

export interface Rule {
  conditions: Condition[];
  /** Training customers in the rule's leaf, and the members among them. */
  customers: number;
  members: number;
  /** Members / customers in the leaf. */
  precision: number;
  text: string;
}

export interface MembershipRules {
  features: string[];
  entry: Rule[];
  /** One line per entry rule: what makes a member satisfying it leave. */
  exit: string[];
  accuracy: number;
  precision: number;
  recall: number;
  tree: ModelJSON;
}

/** Rounds a threshold for reading: 3 significant digits, whole numbers for days and counts. */
export function formatThreshold(value: number): string {
  const abs = Math.abs(value);
  const rounded = abs >= 100 ? Math.round(value) : Number(value.toPrecision(3));
  return rounded.toLocaleString("en-US", { maximumFractionDigits: 3 });
}

export function conditionText(c: Condition): string {
  return `${c.feature} ${c.op === "<" ? "<" : "≥"} ${formatThreshold(c.threshold)}`;
}

export function negate(c: Condition): Condition {
  return { ...c, op: c.op === "<" ? ">=" : "<" };
}

/** Keeps the tightest bound per feature and direction (a path may split one feature twice). */
function simplify(conditions: Condition[]): Condition[] {
  const out = new Map<string, Condition>();
  for (const c of conditions) {
    const key = `${c.feature}${c.op}`;
    const seen = out.get(key);
    if (!seen || (c.op === "<" ? c.threshold < seen.threshold : c.threshold > seen.threshold)) out.set(key, c);
  }
  return [...out.values()];
}

export function satisfies(conditions: readonly Condition[], valueOf: (feature: string) => number): boolean {
  return conditions.every((c) => (c.op === "<" ? valueOf(c.feature) < c.threshold : valueOf(c.feature) >= c.threshold));
}

/** The conditions of `rule` that a customer no longer meets. */
export function failedConditions(conditions: readonly Condition[], valueOf: (feature: string) => number): Condition[] {
  return conditions.filter((c) => !(c.op === "<" ? valueOf(c.feature) < c.threshold : valueOf(c.feature) >= c.threshold));
}

function featureMatrix(values: Record<string, ArrayLike<number>>, features: readonly string[]): Matrix {
  return fromColumns(Object.fromEntries(features.map((f) => [f, values[f]])));
}

/** Fits the surrogate tree and reads its rules. `member[i]` is 1 for members of the segment. */
export function explainMembership(
  values: Record<string, ArrayLike<number>>,
  features: readonly string[],
  member: ArrayLike<number>,
  options: { maxDepth?: number; minLeafShare?: number } = {},
): MembershipRules {
  const x = featureMatrix(values, features);
  const y = Float64Array.from(member, (m) => (m ? 1 : 0));
  const model = cartClassifier({ maxDepth: options.maxDepth ?? 3, minSamplesLeaf: options.minLeafShare ?? 0.01 }).fit(x, y);
  return readRules(model, x, y);
}

/** Rebuilds the rules of a stored surrogate tree (validated by cartFromJSON). */
export function rulesFromTree(json: ModelJSON): { model: CartModel; entry: Condition[][] } {
  const model = cartFromJSON(json);
  return { model, entry: memberPaths(model).map((p) => p.conditions) };
}

function memberPaths(model: CartModel): Array<{ leaf: number; conditions: Condition[] }> {
  const { feature, threshold, left, right, value } = model.tree;
  const out: Array<{ leaf: number; conditions: Condition[] }> = [];
  const walk = (node: number, path: Condition[]) => {
    if (feature[node] === -1) {
      if (value[node] > 0.5) out.push({ leaf: node, conditions: simplify(path) });
      return;
    }
    const name = model.featureNames[feature[node]];
    walk(left[node], [...path, { feature: name, op: "<", threshold: threshold[node] }]);
    walk(right[node], [...path, { feature: name, op: ">=", threshold: threshold[node] }]);
  };
  walk(0, []);
  return out;
}

function readRules(model: CartModel, x: Matrix, y: Float64Array): MembershipRules {
  const leaves = model.apply(x);
  const paths = memberPaths(model);
  const predicted = model.predict(x);
  let tp = 0, fp = 0, fn = 0, correct = 0;
  for (let i = 0; i < y.length; i++) {
    const p = predicted[i] > 0.5 ? 1 : 0;
    if (p === y[i]) correct++;
    if (p === 1 && y[i] === 1) tp++;
    else if (p === 1) fp++;
    else if (y[i] === 1) fn++;
  }
  const entry: Rule[] = paths.map(({ leaf, conditions }) => {
    let customers = 0, members = 0;
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i] !== leaf) continue;
      customers++;
      members += y[i];
    }
    return { conditions, customers, members, precision: customers ? members / customers : 0, text: conditions.map(conditionText).join(" and ") || "every customer" };
  }).sort((a, b) => b.members - a.members);
  const exit = entry.map((r) => (r.conditions.length ? `leaves when ${r.conditions.map((c) => conditionText(negate(c))).join(" or ")}` : "never leaves by this rule"));
  return {
    features: [...model.featureNames],
    entry,
    exit,
    accuracy: correct / y.length,
    precision: tp + fp ? tp / (tp + fp) : 0,
    recall: tp + fn ? tp / (tp + fn) : 0,
    tree: model.toJSON(),
  };
}
