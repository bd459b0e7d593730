/**
 * Uplift random forest (Guelman, Guillén & Pérez-Marín 2015, "Uplift random forests", Cybernetics
 * and Systems 46; as causalml's UpliftRandomForestClassifier): many uplift trees (uplift-tree.ts,
 * Rzepakowski & Jaroszewicz 2012 criteria), each grown on a random sample of the rows with a random
 * subset of features tried at each node, their per-arm leaf rates averaged. One tree's uplift is a
 * step function fitted to noise as much as to signal; averaging de-correlated trees keeps the signal
 * and shrinks the noise, which is what ranking customers on a few points of uplift needs.
 *
 * Rows are sampled per arm (each arm keeps its share in every tree: an uplift tree compares arms,
 * and a bootstrap that starves one arm starves the comparison). With honesty, each tree first splits
 * the rows into growth and estimation parts (per arm; Wager & Athey 2018's honest forests) and then
 * samples within each part, so no row both chooses a split and estimates its leaf.
 *
 * The features are binned once for all trees (uplift-forest-grow.ts); trees grow in this thread —
 * the uplift job already runs one fit per worker — each from its own seed forked from ctx.seed.
 */
import { z } from "zod";
import type { Matrix } from "../core/matrix.ts";
import { rng } from "../core/rng.ts";
import { sampleByArm } from "./bagging.ts";
import { MaxFeatures } from "../models/tree/cart-input.ts";
import type { ModelResolver, UpliftEstimator, UpliftFitContext } from "./types.ts";
import { growUpliftTree, type FlatUpliftTree } from "./uplift-forest-grow.ts";
import { treesModelFromJSON, UpliftTreesModel } from "./uplift-forest-model.ts";
import { growSettings, honestSplit, treeInput, UpliftTreeShape } from "./uplift-tree.ts";

export const UPLIFT_FOREST = "uplift-forest";

export const UpliftForestOptions = z.strictObject({
  nTrees: z.number().int().min(1).max(10_000).default(100),
  ...UpliftTreeShape,
  /** Features tried at each node: all (null), "sqrt", "log2", a share or a count. Default "sqrt" (Breiman). */
  maxFeatures: MaxFeatures.default("sqrt"),
  /** Draw each tree's rows with replacement (true) or without. */
  bootstrap: z.boolean().default(true),
  /** Share of each arm's rows drawn for each tree. */
  maxSamples: z.number().gt(0).max(1).default(1),
});

export function upliftForest(options: z.input<typeof UpliftForestOptions> = {}): UpliftEstimator<UpliftTreesModel> {
  const opts = UpliftForestOptions.parse(options);
  return {
    kind: UPLIFT_FOREST,
    options: opts,
    fit(x: Matrix, y: Float64Array, treatment: ArrayLike<number>, ctx: UpliftFitContext = {}): UpliftTreesModel {
      const { data, layout } = treeInput(x, y, treatment, ctx, opts.maxBins, "uplift forest");
      const settings = growSettings(opts, x.nCols, "uplift forest");
      const master = rng(ctx.seed ?? 0);
      const trees: FlatUpliftTree[] = [];
      ctx.progress?.start("uplift forest", opts.nTrees);
      for (let t = 0; t < opts.nTrees; t++) {
        const random = master.fork();
        let grow: Int32Array;
        let estimate: Int32Array | undefined;
        if (opts.honesty) {
          const parts = honestSplit(layout.rowsOf, opts.estimationFraction, random);
          grow = sampleByArm(parts.grow, opts.maxSamples, opts.bootstrap, random);
          estimate = sampleByArm(parts.estimate, opts.maxSamples, opts.bootstrap, random);
        } else {
          grow = sampleByArm(layout.rowsOf, opts.maxSamples, opts.bootstrap, random);
        }
        trees.push(growUpliftTree(data, grow, estimate, settings, random));
        ctx.progress?.tick();
      }
      ctx.progress?.stop();
      return new UpliftTreesModel(UPLIFT_FOREST, { featureNames: x.columns, arms: layout.names, trees, fitOptions: opts });
    },
  };
}

export { UpliftTreesModel };

export async function fromJSON(json: unknown, _resolve?: ModelResolver): Promise<UpliftTreesModel> {
  return treesModelFromJSON(UPLIFT_FOREST, json);
}
