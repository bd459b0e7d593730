/**
 * The unit of parallel work of a random forest: grow a batch of trees, each from its own seed,
 * on data shared with the main thread (SharedArrayBuffer views, so workers copy nothing). Runs
 * in a worker thread through src/core/worker-pool.ts, or in the calling thread for small fits;
 * either way tree t depends only on its seed, so the forest does not depend on the thread count.
 *
 * Bootstrap rows become integer weights (rows drawn twice weigh 2, rows not drawn weigh 0 and
 * are out of bag), as scikit-learn's forests pass bootstrap counts as sample_weight.
 */
import { rng } from "../../core/rng.ts";
import { growTree, impurityImportances } from "./cart-builder.ts";
import { classWeightsFor, growParams } from "./cart-input.ts";
import type { MaxFeatures } from "./cart-input.ts";
import { leafIndex, type Tree } from "./tree.ts";
import type { z } from "zod";

export interface ForestShared {
  /** Column-major features, nRows × nFeatures (a SharedArrayBuffer when sent to workers). */
  data: Float64Array;
  /** presortColumns(data): rows ordered by each feature. */
  presorted: Int32Array;
  target: Float64Array;
  /** Row weights before bootstrap: sampleWeight × class weight (class weight "balanced_subsample" is applied per tree instead). */
  baseWeight: Float64Array;
  nRows: number;
  nFeatures: number;
  nClasses: number;
  criterion: number;
  treeOptions: {
    maxDepth: number | null;
    minSamplesSplit: number;
    minSamplesLeaf: number;
    minWeightFractionLeaf: number;
    minImpurityDecrease: number;
    maxFeatures: z.output<typeof MaxFeatures>;
  };
  bootstrap: boolean;
  nBootstrap: number;
  balancedSubsample: boolean;
  oob: boolean;
}

export interface TreeChunkPayload {
  shared: ForestShared;
  seeds: number[];
}

export interface GrownForestTree {
  tree: Tree;
  classProba?: Float64Array;
  importances: Float64Array;
  nNodes: number;
}

export interface TreeChunkResult {
  trees: GrownForestTree[];
  /** Out-of-bag sums of predictions, nRows × max(nClasses, 1), and how many trees each row was out of bag for. */
  oobSum?: Float64Array;
  oobCount?: Int32Array;
}

export function growTreeChunk(payload: TreeChunkPayload): TreeChunkResult {
  const s = payload.shared;
  const { nRows, nFeatures, nClasses } = s;
  const classOf = nClasses > 0 ? Int32Array.from(s.target) : new Int32Array(0);
  const nOut = Math.max(nClasses, 1);
  const oobSum = s.oob ? new Float64Array(nRows * nOut) : undefined;
  const oobCount = s.oob ? new Int32Array(nRows) : undefined;
  const trees: GrownForestTree[] = [];
  const counts = new Float64Array(nRows);
  const weight = new Float64Array(nRows);
  for (const seed of payload.seeds) {
    const random = rng(seed);
    if (s.bootstrap) {
      counts.fill(0);
      for (let draw = 0; draw < s.nBootstrap; draw++) counts[random.int(nRows)]++;
    } else {
      counts.fill(1);
    }
    let classFactor: Float64Array | undefined;
    if (s.balancedSubsample) {
      // Class weights from this tree's bootstrap sample, repeats counted (scikit-learn's rule).
      const drawn: number[] = [];
      for (let i = 0; i < nRows; i++) for (let c = 0; c < counts[i]; c++) drawn.push(classOf[i]);
      classFactor = classWeightsFor("balanced", drawn, nClasses, "random forest");
    }
    let totalWeight = 0;
    for (let i = 0; i < nRows; i++) {
      weight[i] = s.baseWeight[i] * counts[i] * (classFactor ? classFactor[classOf[i]] : 1);
      totalWeight += weight[i];
    }
    const params = growParams(s.treeOptions, nRows, nFeatures, totalWeight, "random forest");
    const grown = growTree({
      data: s.data,
      nRows,
      nFeatures,
      classOf,
      target: s.target,
      nClasses,
      weight,
      criterion: s.criterion,
      minSamplesLeaf: params.minSamplesLeaf,
      minWeightLeaf: params.minWeightLeaf,
      params,
      presorted: s.presorted,
      random,
    });
    trees.push({
      tree: grown.tree,
      classProba: grown.classProba,
      importances: impurityImportances(grown, nFeatures),
      nNodes: grown.tree.feature.length,
    });
    if (oobSum && oobCount) {
      const x = { data: s.data, nRows, nCols: nFeatures, columns: [] };
      for (let i = 0; i < nRows; i++) {
        if (counts[i] !== 0) continue;
        const leaf = leafIndex(grown.tree, x, i);
        if (nClasses > 2) for (let k = 0; k < nClasses; k++) oobSum[i * nOut + k] += grown.classProba![leaf * nClasses + k];
        else if (nClasses === 2) {
          oobSum[i * 2] += grown.classProba![leaf * 2];
          oobSum[i * 2 + 1] += grown.classProba![leaf * 2 + 1];
        } else oobSum[i] += grown.tree.value[leaf];
        oobCount[i]++;
      }
    }
  }
  return { trees, oobSum, oobCount };
}
