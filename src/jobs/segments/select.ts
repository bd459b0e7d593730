/**
 * Choosing the segmentation: every requested space is built from the scaled features, the
 * sweep fits every algorithm × space × k and applies its stated winner rule (highest
 * silhouette in the scaled feature space among eligible candidates — those whose highest-value
 * cluster, the Insiders, holds at most maxInsidersShare of the customers — ties to fewer clusters;
 * models/cluster/sweep.ts), and the winner is refitted so its model can be stored.
 */
import type { ModelJSON } from "../../models/types.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { sweepClusters, type SweepResult } from "../../models/cluster/sweep.ts";
import { configFromRow, fitConfig, type Prepared, type SegmentConfig, type SegmentsOptions } from "./pipeline.ts";
import { buildSpaces } from "./space.ts";

export interface Selection {
  config: SegmentConfig;
  labels: Int32Array;
  model: ModelJSON;
  sweep: SweepResult;
  spacesMs: Record<string, number>;
}

/** Spaces → sweep → the winner refitted (its model is what a run stores). */
export function selectSegments(prepared: Prepared, opts: SegmentsOptions, progress: Progress = silentProgress): Selection {
  const spaces = buildSpaces(prepared.x, prepared.values.gross_revenue, { ...opts, progress });
  const sweep = sweepClusters({
    spaces: spaces.map((s) => ({ name: s.name, x: s.x })),
    reference: prepared.x,
    algorithms: opts.algorithms,
    kValues: opts.kValues,
    minClusterShare: opts.minClusterShare,
    // The value the Insiders are chosen by (profiles.ts chooseInsiders): expected revenue when the CLV fitted.
    topCluster: opts.maxInsidersShare < 1 ? { value: prepared.values.expected_revenue ?? prepared.netRevenue, maxShare: opts.maxInsidersShare } : undefined,
    maxNoiseShare: opts.maxNoiseShare,
    tieTolerance: opts.tieTolerance,
    kmeansInit: opts.kmeansInit,
    seed: opts.seed,
    progress,
  });
  const config = configFromRow(sweep.winner, prepared.clusterFeatures, prepared.x.nRows);
  const space = spaces.find((s) => s.name === config.space)!;
  const model = fitConfig(config, space.x, opts);
  return { config, labels: sweep.labels, model: model.toJSON(), sweep, spacesMs: Object.fromEntries(spaces.map((s) => [s.name, Math.round(s.ms)])) };
}

