/**
 * Uplift tree (Rzepakowski & Jaroszewicz 2012, Knowl. Inf. Syst. 32(2)): a decision tree that
 * models the uplift directly — each split maximises the gain in divergence (KL, Euclidean or χ²,
 * normalised; uplift-forest-criterion.ts) between the arms' outcome distributions — for a binary
 * outcome and one control with one or several treatments. Growth, the per-arm constraints and the
 * shrinkage of leaf rates are in uplift-forest-grow.ts; the fitted model in uplift-forest-model.ts.
 * A single tree is a readable segmentation ("who responds to the e-mail"); for ranking, the forest
 * (uplift-forest.ts) averages many of them.
 *
 * `honesty` (Athey & Imbens 2016) grows the tree on a share of the rows and estimates the leaves'
 * rates on the rest (split per arm), so a leaf's uplift is not biased toward the noise its split
 * was chosen for.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { rng, type Rng } from "../core/rng.ts";
import { MaxFeatures, resolveMaxFeatures } from "../models/tree/cart-input.ts";
import { checkArms, checkOutcome, isBinaryOutcome, type ArmLayout } from "./arms.ts";
import type { ModelResolver, UpliftEstimator, UpliftFitContext } from "./types.ts";
import { binFeatures, growUpliftTree, type GrowData, type GrowSettings } from "./uplift-forest-grow.ts";
import { treesModelFromJSON, UpliftTreesModel } from "./uplift-forest-model.ts";

export const UPLIFT_TREE = "uplift-tree";

/** The options of one uplift tree, shared by the forest. */
export const UpliftTreeShape = {
  criterion: z.enum(["kl", "ed", "chi"]).default("kl"),
  /** Divide the gain by R&J's normalisation I(A) / J(A). */
  normalization: z.boolean().default(true),
  /** Several treatments: weight of "differs from control" against "treatments differ" (R&J §5). */
  alpha: z.number().min(0).max(1).default(0.5),
  /** Deepest level below the root; 0 = the root alone. */
  maxDepth: z.number().int().min(0).max(30).default(6),
  /** Rows each child keeps at least (all arms together). */
  minSamplesLeaf: z.number().int().min(1).default(100),
  /** Rows of every arm each child keeps at least. */
  minSamplesTreatment: z.number().int().min(1).default(10),
  /** Weight (in rows) of the parent's rate in a child's rate. */
  nReg: z.number().min(0).default(10),
  /** Quantile bins per feature (split candidates). */
  maxBins: z.number().int().min(2).max(255).default(64),
  /** A split's normalised gain must exceed this. */
  minGain: z.number().min(0).default(0),
  /** Grow on part of the rows, estimate leaf rates on the rest. */
  honesty: z.boolean().default(false),
  /** With honesty: the share of each arm's rows that estimates the leaves. */
  estimationFraction: z.number().gt(0).lt(1).default(0.5),
};

export const UpliftTreeOptions = z.strictObject({
  ...UpliftTreeShape,
  /** Features tried at each node: all (null), "sqrt", "log2", a share or a count. */
  maxFeatures: MaxFeatures.default(null),
});

type ShapeOptions = z.output<z.ZodObject<typeof UpliftTreeShape>> & { maxFeatures: z.output<typeof MaxFeatures> };

export function growSettings(opts: ShapeOptions, nFeatures: number, who: string): GrowSettings {
  return {
    criterion: opts.criterion, normalization: opts.normalization, alpha: opts.alpha, maxDepth: opts.maxDepth,
    minSamplesLeaf: opts.minSamplesLeaf, minSamplesTreatment: opts.minSamplesTreatment, nReg: opts.nReg,
    maxFeatures: resolveMaxFeatures(opts.maxFeatures, nFeatures, who), minGain: opts.minGain,
  };
}

/** Checks x, y and the arms at the boundary; the data the grower reads. */
export function treeInput(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext, maxBins: number, who: string): { data: GrowData; layout: ArmLayout } {
  checkOutcome(y, x.nRows);
  const layout = checkArms(treatment, x.nRows, ctx.arms);
  if (!isBinaryOutcome(y)) {
    throw new PatronError("E_NOT_BINARY", `the ${who} models a binary outcome: y must hold only 0 and 1; found other values. Use a meta-learner (tLearner, xLearner) for an amount.`);
  }
  if (ctx.sampleWeight) {
    throw new PatronError("E_OPTION", `the ${who} does not take sample weights; repeat or drop rows instead, or use a meta-learner whose base takes weights.`);
  }
  for (let k = 0; k < x.data.length; k++) {
    const v = x.data[k];
    if (v === Infinity || v === -Infinity) {
      throw new PatronError("E_NOT_FINITE", `x has ${v} at row ${k % x.nRows}, column "${x.columns[Math.floor(k / x.nRows)]}"; the ${who} accepts finite numbers and NaN for missing. Cap the value or set it to NaN.`);
    }
  }
  return { data: { binned: binFeatures(x, maxBins), y: Uint8Array.from(y), arm: Int32Array.from(treatment), nArms: layout.nArms }, layout };
}

/**
 * Splits each arm's rows into growth and estimation rows, so both parts keep the experiment's
 * balance (an arm with ≥ 2 rows keeps ≥ 1 in each part). Returns the parts per arm.
 */
export function honestSplit(rowsOf: readonly Int32Array[], estimationFraction: number, random: Rng): { grow: Int32Array[]; estimate: Int32Array[] } {
  const grow: Int32Array[] = [];
  const estimate: Int32Array[] = [];
  for (const rows of rowsOf) {
    const mine = Int32Array.from(rows);
    for (let r = mine.length - 1; r > 0; r--) {
      const s = random.int(r + 1);
      const tmp = mine[r];
      mine[r] = mine[s];
      mine[s] = tmp;
    }
    const nEstimate = Math.min(mine.length - 1, Math.max(1, Math.round(estimationFraction * mine.length)));
    estimate.push(mine.slice(0, nEstimate));
    grow.push(mine.slice(nEstimate));
  }
  return { grow, estimate };
}

/** The rows of several arms in one array. */
export function concatRows(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function upliftTree(options: z.input<typeof UpliftTreeOptions> = {}): UpliftEstimator<UpliftTreesModel> {
  const opts = UpliftTreeOptions.parse(options);
  return {
    kind: UPLIFT_TREE,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): UpliftTreesModel {
      const { data, layout } = treeInput(x, y, treatment, ctx, opts.maxBins, "uplift tree");
      const random = rng(ctx.seed ?? 0);
      const settings = growSettings(opts, x.nCols, "uplift tree");
      let tree;
      if (opts.honesty) {
        const parts = honestSplit(layout.rowsOf, opts.estimationFraction, random);
        tree = growUpliftTree(data, concatRows(parts.grow), concatRows(parts.estimate), settings, random);
      } else {
        tree = growUpliftTree(data, Int32Array.from({ length: x.nRows }, (_, i) => i), undefined, settings, random);
      }
      return new UpliftTreesModel(UPLIFT_TREE, { featureNames: x.columns, arms: layout.names, trees: [tree], fitOptions: opts });
    },
  };
}

export { UpliftTreesModel };

export async function fromJSON(json: unknown, _resolve?: ModelResolver): Promise<UpliftTreesModel> {
  return treesModelFromJSON(UPLIFT_TREE, json);
}
