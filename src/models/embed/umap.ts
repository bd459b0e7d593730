/**
 * UMAP (McInnes, Healy & Melville 2018) as a thin wrapper over umap-js (the PAIR-code port of
 * umap-learn): options validated here, its random source replaced by our seeded Rng so the same
 * seed gives the same embedding, and a custom distance allowed (the tree embedding passes one).
 * umap-js runs 500 epochs below 10,000 rows and 200 above, as umap-learn.
 *
 * No out-of-sample transform: umap-js 1.4's transform() did not return (20 new rows against a
 * 160-row fit, > 20 s) in our tests, so it is not exposed. A scheduled segmentation run refits
 * the map and keeps cluster identities by matching centroids (cluster/matching.ts).
 */
import { UMAP } from "umap-js";
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng } from "../../core/rng.ts";
import { checkClusterInput } from "../cluster/types.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { fromRowMajor, toRowArrays, type EmbeddingModel } from "./types.ts";

export const UmapOptions = z.strictObject({
  nComponents: z.number().int().min(1).default(2),
  nNeighbors: z.number().int().min(2).default(15),
  minDist: z.number().min(0).default(0.1),
  spread: z.number().positive().default(1),
  /** Default: umap-js's choice from the row count. */
  nEpochs: z.number().int().min(1).optional(),
});

export interface UmapModel extends EmbeddingModel {
  readonly kind: "umap";
}

/** Fits umap-js on row vectors with an optional distance; returns row-major coordinates and the fitted UMAP. */
export function runUmap(vectors: number[][], options: z.infer<typeof UmapOptions>, seed: number, distanceFn?: (a: number[], b: number[]) => number): { coords: Float64Array; umap: UMAP } {
  const n = vectors.length;
  if (n <= options.nNeighbors) {
    throw new PatronError("E_OPTION", `UMAP needs more rows (${n}) than nNeighbors (${options.nNeighbors}); lower nNeighbors`);
  }
  const random = rng(seed);
  const umap = new UMAP({
    nComponents: options.nComponents,
    nNeighbors: options.nNeighbors,
    minDist: options.minDist,
    spread: options.spread,
    nEpochs: options.nEpochs,
    random: () => random.next(),
    ...(distanceFn ? { distanceFn } : {}),
  });
  const embedding = umap.fit(vectors);
  const coords = new Float64Array(n * options.nComponents);
  embedding.forEach((row, i) => row.forEach((v, a) => (coords[i * options.nComponents + a] = v)));
  for (const v of coords) if (!Number.isFinite(v)) throw new PatronError("E_UMAP", "UMAP produced non-finite coordinates; scale the features or raise nNeighbors");
  return { coords, umap };
}

export function umap(options: z.input<typeof UmapOptions> = {}) {
  const opts = UmapOptions.parse(options);
  return {
    kind: "umap" as const,
    options: opts,
    fit(x: Matrix, ctx: FitContext = {}): UmapModel {
      checkClusterInput(x, "UMAP", 3);
      const { coords } = runUmap(toRowArrays(x), opts, ctx.seed ?? 0);
      const featureNames = Object.freeze([...x.columns]);
      return Object.freeze({
        kind: "umap" as const,
        featureNames,
        embedding: fromRowMajor(coords, x.nRows, opts.nComponents, "umap"),
        toJSON: (): ModelJSON => ({ kind: "umap", schemaVersion: 1, featureNames: [...featureNames], options: opts, nRows: x.nRows, embedding: Array.from(coords) }),
      });
    },
  };
}
