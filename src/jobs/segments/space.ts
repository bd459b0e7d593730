/**
 * The spaces the segmentation sweep clusters in (the Insiders seed's study of spaces): the
 * scaled features, PCA, UMAP (McInnes et al. 2018), t-SNE (van der Maaten & Hinton 2008) and the
 * seed's tree-based embedding (random-forest leaves on revenue, then UMAP).
 *
 * Scaling: money and counts are heavy-tailed (one wholesale customer buys as much as hundreds
 * of others), so they go through log1p before z-scoring; without it, min-max scaling (the
 * seed's) squeezes 95% of customers into the bottom percent of the range and distances see
 * only the outliers. Days and rates stay linear. The transform is kept (`SegmentScaler`) so a
 * later run can put an earlier run's centroids into its own space (identity matching, warm
 * starts).
 */
import { PatronError } from "../../core/errors.ts";
import { matrix, type Matrix } from "../../core/matrix.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { pca } from "../../models/embed/pca.ts";
import { treeEmbedding } from "../../models/embed/tree-embedding.ts";
import { tsne } from "../../models/embed/tsne.ts";
import { umap } from "../../models/embed/umap.ts";
import { randomForestRegressor } from "../../models/tree/forest.ts";

export type SpaceName = "features" | "pca" | "umap" | "tsne" | "tree";
export const SPACE_NAMES: readonly SpaceName[] = ["features", "pca", "umap", "tsne", "tree"];

/** Features that are logged before scaling: money and counts (heavy right tails). */
const LOGGED = new Set([
  "gross_revenue", "n_invoices", "purchase_days", "avg_ticket", "frequency_per_month", "monetary_per_month",
  "avg_days_between_purchases", "n_items", "n_products", "avg_basket_size", "avg_unique_basket_size",
  "n_returned_items", "n_return_invoices", "returned_value", "expected_revenue",
]);

export interface SegmentScaler {
  columns: string[];
  logged: boolean[];
  mean: number[];
  scale: number[];
}

/** log1p (for logged columns, clamped at 0) before z-scoring; exported for centroids. */
export function preScale(column: string, value: number): number {
  return LOGGED.has(column) ? Math.log1p(Math.max(0, value)) : value;
}

/** Fits the scaler on the given columns (population standard deviation; constant columns scale 1). */
export function fitScaler(values: Record<string, ArrayLike<number>>, columns: readonly string[]): SegmentScaler {
  const mean: number[] = [];
  const scale: number[] = [];
  for (const name of columns) {
    const v = values[name];
    if (!v) throw new PatronError("E_COLUMN", `no feature "${name}"; have ${Object.keys(values).join(", ")}`);
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += preScale(name, v[i]);
    const m = sum / v.length;
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += (preScale(name, v[i]) - m) ** 2;
    const sd = Math.sqrt(ss / v.length);
    mean.push(m);
    scale.push(sd > 1e-12 ? sd : 1);
  }
  return { columns: [...columns], logged: columns.map((c) => LOGGED.has(c)), mean, scale };
}

/** The scaled feature matrix (column-major, columns named as the features). */
export function applyScaler(scaler: SegmentScaler, values: Record<string, ArrayLike<number>>): Matrix {
  const nRows = values[scaler.columns[0]].length;
  const data = new Float64Array(nRows * scaler.columns.length);
  scaler.columns.forEach((name, j) => {
    const v = values[name];
    for (let i = 0; i < nRows; i++) data[j * nRows + i] = (preScale(name, v[i]) - scaler.mean[j]) / scaler.scale[j];
  });
  return matrix(data, nRows, scaler.columns);
}

/** A point given in pre-scaled units (log1p applied, not standardised) → this scaler's space. */
export function scalePoint(scaler: SegmentScaler, preScaled: ArrayLike<number>): number[] {
  return scaler.columns.map((_, j) => (preScaled[j] - scaler.mean[j]) / scaler.scale[j]);
}

export interface SpaceOptions {
  spaces: readonly SpaceName[];
  /** UMAP epochs (umap-js's default is 500 below 10k rows; 200 keeps a run within its budget). */
  umapEpochs: number;
  tsneIterations: number;
  /** Trees of the tree embedding's forest. */
  forestTrees: number;
  seed: number;
  progress?: Progress;
}

export interface BuiltSpace {
  name: SpaceName;
  x: Matrix;
  ms: number;
}

/**
 * Builds every requested space from the scaled features. `revenue` is the tree embedding's
 * target (the seed trains its forest on gross revenue; we use log1p so the deepest splits are
 * not spent on the few largest accounts).
 */
export function buildSpaces(x: Matrix, revenue: ArrayLike<number>, options: SpaceOptions): BuiltSpace[] {
  const progress = options.progress ?? silentProgress;
  const out: BuiltSpace[] = [];
  progress.start("spaces", options.spaces.length);
  for (const name of options.spaces) {
    const started = performance.now();
    let space: Matrix;
    if (name === "features") space = x;
    else if (name === "pca") space = pca({ nComponents: 0.9 }).fit(x).embedding;
    else if (name === "umap") space = umap({ nEpochs: options.umapEpochs }).fit(x, { seed: options.seed }).embedding;
    else if (name === "tsne") space = tsne({ nIter: options.tsneIterations }).fit(x, { seed: options.seed }).embedding;
    else {
      const target = Float64Array.from(revenue, (v) => Math.log1p(Math.max(0, v)));
      // Depth-limited so leaves hold groups of customers, not single rows (leaf ids would
      // then separate everyone from everyone and the map would carry no structure).
      const forest = randomForestRegressor({ nTrees: options.forestTrees, maxDepth: 8, minSamplesLeaf: 5 }).fit(x, target, { seed: options.seed, nThreads: 1 });
      space = treeEmbedding({ nEpochs: options.umapEpochs }).fit(x, forest.ensemble, { seed: options.seed }).embedding;
    }
    out.push({ name, x: space, ms: performance.now() - started });
    progress.tick();
  }
  progress.stop();
  return out;
}
