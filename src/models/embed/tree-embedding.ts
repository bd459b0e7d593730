/**
 * The seed project's tree-based embedding: a random forest is trained to predict a value
 * (revenue in the Insiders seed), each customer is described by the leaf it reaches in every
 * tree (one-hot over all leaves), and UMAP maps those descriptions to 2-D. Customers the
 * forest treats alike land together (Breiman's forest proximity, Breiman 2001 / Shi & Horvath
 * 2006's random-forest dissimilarity, then McInnes et al. 2018's UMAP).
 *
 * Written against the TreeEnsemble interface (src/models/tree/ensemble.ts) with leafIndex()
 * from tree.ts, so any forest or boosted ensemble works. The one-hot matrix is never built: two
 * rows' one-hot vectors differ in 2 entries per tree where their leaves differ, so their
 * Euclidean distance is √(2·#trees with different leaves), computed from leaf ids directly.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { TreeEnsemble } from "../tree/ensemble.ts";
import { leafIndex } from "../tree/tree.ts";
import type { Estimator, FitContext, Model, ModelJSON } from "../types.ts";
import { fromRowMajor, type EmbeddingModel } from "./types.ts";
import { runUmap, UmapOptions } from "./umap.ts";

export interface TreeEmbeddingModel extends EmbeddingModel {
  readonly kind: "tree-embedding";
  /** Leaf id per row and tree, row-major nRows × nTrees. */
  readonly leaves: Int32Array;
}

/** Leaf reached by each row in each tree, row-major nRows × nTrees. */
export function leafIndices(ensemble: TreeEnsemble, x: Matrix): Int32Array {
  if (x.nCols !== ensemble.nFeatures) {
    throw new PatronError("E_COLUMNS", `the ensemble was trained on ${ensemble.nFeatures} features; found ${x.nCols}. Pass the same feature matrix.`);
  }
  const nTrees = ensemble.trees.length;
  const out = new Int32Array(x.nRows * nTrees);
  ensemble.trees.forEach((tree, t) => {
    for (let i = 0; i < x.nRows; i++) out[i * nTrees + t] = leafIndex(tree, x, i);
  });
  return out;
}

/** Euclidean distance between the one-hot leaf encodings of two rows. */
export function leafDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let differ = 0;
  for (let t = 0; t < a.length; t++) if (a[t] !== b[t]) differ++;
  return Math.sqrt(2 * differ);
}

export const TreeEmbeddingOptions = UmapOptions;

/**
 * Embeds rows through a fitted ensemble's leaves. Use `treeEmbeddingFromEstimator` to train the
 * forest first (the seed's recipe: a random forest regressor on revenue).
 */
export function treeEmbedding(options: z.input<typeof TreeEmbeddingOptions> = {}) {
  const opts = TreeEmbeddingOptions.parse(options);
  return {
    kind: "tree-embedding" as const,
    options: opts,
    fit(x: Matrix, ensemble: TreeEnsemble, ctx: FitContext = {}): TreeEmbeddingModel {
      const leaves = leafIndices(ensemble, x);
      const nTrees = ensemble.trees.length;
      if (nTrees === 0) throw new PatronError("E_OPTION", "the ensemble has no trees");
      const vectors = Array.from({ length: x.nRows }, (_, i) => Array.from(leaves.subarray(i * nTrees, (i + 1) * nTrees)));
      const { coords } = runUmap(vectors, opts, ctx.seed ?? 0, leafDistance);
      const featureNames = Object.freeze([...x.columns]);
      return Object.freeze({
        kind: "tree-embedding" as const,
        featureNames,
        leaves,
        embedding: fromRowMajor(coords, x.nRows, opts.nComponents, "tree"),
        toJSON: (): ModelJSON => ({ kind: "tree-embedding", schemaVersion: 1, featureNames: [...featureNames], options: opts, nRows: x.nRows, embedding: Array.from(coords) }),
      });
    },
  };
}

/**
 * Trains `forest` (any Estimator whose model is a TreeEnsemble, e.g. the random forest in
 * src/models/tree/forest.ts) on (x, target) with ctx.seed, then embeds x through its leaves.
 */
export function treeEmbeddingFromEstimator(forest: Estimator<Model & TreeEnsemble>, x: Matrix, target: Float64Array, options: z.input<typeof TreeEmbeddingOptions> = {}, ctx: FitContext = {}): TreeEmbeddingModel {
  const model = forest.fit(x, target, ctx);
  if (!Array.isArray(model.trees)) throw new PatronError("E_OPTION", `estimator "${forest.kind}" does not produce a tree ensemble`);
  return treeEmbedding(options).fit(x, model, ctx);
}
