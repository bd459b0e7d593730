/**
 * The fitted uplift tree and uplift forest: flat trees (src/models/tree/tree.ts's layout) whose
 * nodes hold P(y = 1 | node, arm) for every arm. The forest predicts, per arm, the mean of its trees'
 * leaf rates (causalml's UpliftRandomForestClassifier averages the same way), and the uplift of arm
 * k as that mean minus the control's. `upliftEnsemble(k)` gives the uplift as an ordinary
 * TreeEnsemble (leaf value p_k − p_0, weight 1/nTrees, identity link), so TreeSHAP explains it
 * exactly and SQL export compiles it.
 *
 * JSON is validated completely before a model is built (STYLE.md §4).
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { TreeEnsemble } from "../models/tree/ensemble.ts";
import type { Tree } from "../models/tree/tree.ts";
import { checkColumns, MetaModel, metaHeaderJSON, parseJSON, upliftFromResponses } from "./meta-model.ts";
import type { FlatUpliftTree } from "./uplift-forest-grow.ts";

/** The leaf that row i of x falls into (x < threshold → left; NaN follows missingLeft). */
function leafOf(tree: FlatUpliftTree, data: Float64Array, nRows: number, i: number): number {
  let n = 0;
  while (tree.feature[n] !== -1) {
    const v = data[tree.feature[n] * nRows + i];
    n = v < tree.threshold[n] ? tree.left[n] : v >= tree.threshold[n] ? tree.right[n] : tree.missingLeft[n] ? tree.left[n] : tree.right[n];
  }
  return n;
}

export class UpliftTreesModel extends MetaModel {
  readonly trees: readonly FlatUpliftTree[];
  /** The estimator's options, as fitted (for the record; not needed to predict). */
  readonly fitOptions: Readonly<Record<string, unknown>>;

  constructor(kind: string, parts: { featureNames: readonly string[]; arms: readonly string[]; trees: readonly FlatUpliftTree[]; fitOptions: Record<string, unknown> }) {
    super(kind, parts.featureNames, parts.arms, "binary");
    this.trees = Object.freeze([...parts.trees]);
    this.fitOptions = Object.freeze({ ...parts.fitOptions });
    Object.freeze(this);
  }

  /** Mean over trees of each arm's leaf rate: row-major nRows × nArms. */
  predictResponses(x: Matrix): Float64Array {
    checkColumns(this.featureNames, x, this.kind);
    const nArms = this.arms.length;
    const out = new Float64Array(x.nRows * nArms);
    const weight = 1 / this.trees.length;
    for (const tree of this.trees) {
      for (let i = 0; i < x.nRows; i++) {
        const leaf = leafOf(tree, x.data, x.nRows, i);
        for (let a = 0; a < nArms; a++) out[i * nArms + a] += weight * tree.values[leaf * nArms + a];
      }
    }
    return out;
  }

  predictUplift(x: Matrix): Float64Array {
    return upliftFromResponses(this.predictResponses(x), this.arms.length);
  }

  /** The uplift of arm k (1..K) over control as a tree ensemble (exact TreeSHAP, SQL export). */
  upliftEnsemble(k: number): TreeEnsemble {
    if (!(Number.isInteger(k) && k >= 1 && k < this.arms.length)) {
      throw new PatronError("E_OPTION", `arm ${k} is not a treatment arm of this model; expected 1..${this.arms.length - 1}.`);
    }
    const nArms = this.arms.length;
    const trees: Tree[] = this.trees.map((t) => ({
      feature: t.feature, threshold: t.threshold, left: t.left, right: t.right, missingLeft: t.missingLeft, cover: t.cover,
      value: Float64Array.from({ length: t.feature.length }, (_, n) => t.values[n * nArms + k] - t.values[n * nArms]),
    }));
    return { trees, baseMargin: 0, treeWeight: 1 / trees.length, link: "identity", nFeatures: this.featureNames.length };
  }

  /** Share of the total normalised split gain per feature, summing to 1 (0s when no tree split). */
  featureImportance(): Float64Array {
    const out = new Float64Array(this.featureNames.length);
    for (const tree of this.trees) tree.feature.forEach((j, n) => { if (j >= 0) out[j] += tree.gain[n]; });
    const total = out.reduce((a, b) => a + b, 0);
    return total > 0 ? out.map((v) => v / total) : out;
  }

  toJSON() {
    return {
      ...this.header(),
      options: { ...this.fitOptions },
      trees: this.trees.map((t) => ({
        feature: Array.from(t.feature), threshold: Array.from(t.threshold), left: Array.from(t.left), right: Array.from(t.right),
        missingLeft: Array.from(t.missingLeft), cover: Array.from(t.cover), values: Array.from(t.values), gain: Array.from(t.gain),
      })),
    };
  }
}

const FlatTreeJSON = z.object({
  feature: z.array(z.number().int().min(-1)).min(1),
  threshold: z.array(z.number()),
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  missingLeft: z.array(z.union([z.literal(0), z.literal(1)])),
  cover: z.array(z.number().min(0)),
  values: z.array(z.number().min(0).max(1)),
  gain: z.array(z.number()),
});

export function treesJSON(kind: string) {
  return z.object({
    kind: z.literal(kind),
    ...metaHeaderJSON,
    outcome: z.literal("binary"),
    options: z.record(z.string(), z.unknown()),
    trees: z.array(FlatTreeJSON).min(1),
  });
}

/** Validates and rebuilds an uplift tree or forest from its JSON. */
export function treesModelFromJSON(kind: string, json: unknown): UpliftTreesModel {
  const parsed = parseJSON(treesJSON(kind), json, kind);
  const nFeatures = parsed.featureNames.length;
  const nArms = parsed.arms.length;
  const bad = (t: number, what: string) => new PatronError("E_MODEL_JSON", `not a valid ${kind} model: tree ${t} ${what}. Rebuild the file with toJSON() of a fitted model.`);
  const trees = parsed.trees.map((tree, t): FlatUpliftTree => {
    const nNodes = tree.feature.length;
    for (const field of ["threshold", "left", "right", "missingLeft", "cover", "gain"] as const) {
      if (tree[field].length !== nNodes) throw bad(t, `has ${tree[field].length} ${field} entries for ${nNodes} nodes`);
    }
    if (tree.values.length !== nNodes * nArms) throw bad(t, `has ${tree.values.length} values; ${nNodes} nodes × ${nArms} arms need ${nNodes * nArms}`);
    for (let n = 0; n < nNodes; n++) {
      const j = tree.feature[n];
      if (j === -1) continue;
      if (j >= nFeatures) throw bad(t, `splits node ${n} on feature ${j}, but the model has ${nFeatures}`);
      const { left, right } = tree;
      if (!(left[n] > n && left[n] < nNodes && right[n] > n && right[n] < nNodes)) throw bad(t, `has children of node ${n} outside the tree or before it`);
    }
    return {
      feature: Int32Array.from(tree.feature), threshold: Float64Array.from(tree.threshold), left: Int32Array.from(tree.left),
      right: Int32Array.from(tree.right), missingLeft: Uint8Array.from(tree.missingLeft), cover: Float64Array.from(tree.cover),
      values: Float64Array.from(tree.values), gain: Float64Array.from(tree.gain),
    };
  });
  return new UpliftTreesModel(kind, { featureNames: parsed.featureNames, arms: parsed.arms, trees, fitOptions: parsed.options });
}
