/**
 * `patron segments run --as-of DATE`: a scheduled segmentation run. It refits the
 * configuration the latest full analysis chose (algorithm, space, k, features) on the data
 * before DATE — no sweep, so a month's new orders move customers, not the definition of the
 * segments — keeps cluster identities by matching centroids to the previous run, and stores
 * assignments, model, profiles, rules, the migration matrix and who entered or left the
 * Insiders and why. k-means in the feature space starts from the previous run's centroids
 * (brought into this run's scaling), so clusters move only as far as the data moved; spaces
 * that are refitted (UMAP, t-SNE, the tree map) rely on the matching alone.
 * Without a stored analysis the first run makes one (the sweep, without the out-of-time proof).
 */
import { randomUUID } from "node:crypto";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { warn } from "../../core/warn.ts";
import type { Store } from "../../store/store.ts";
import { analyseSegments, assemble, storeResult, type SegmentResult } from "./analysis.ts";
import { fitConfig, prepare, SegmentsOptions, type SegmentConfig } from "./pipeline.ts";
import { latestAnalysis, previousRun } from "./runs.ts";
import { buildSpaces, scalePoint } from "./space.ts";

export async function runScheduledSegments(store: Store, options: import("zod").input<typeof SegmentsOptions> & { asOf: string }, progress: Progress = silentProgress): Promise<SegmentResult> {
  const opts = SegmentsOptions.parse(options);
  const asOf = options.asOf;
  const analysis = await latestAnalysis(store, opts.dataset);
  if (!analysis) {
    warn("W_SEGMENTS_FIRST_RUN", `no stored segmentation analysis for "${opts.dataset}"; this first run chooses the configuration with the sweep (run \`patron segments\` for the full analysis with the out-of-time proof)`);
    return analyseSegments(store, { ...options, ootCutoff: null }, progress);
  }
  const config = analysis.config as unknown as SegmentConfig;
  const timingsMs: Record<string, number> = {};
  let started = performance.now();
  const prepared = await prepare(store, { ...opts, features: config.features, asOf });
  timingsMs.features_and_clv = Math.round(performance.now() - started);
  started = performance.now();
  const [space] = buildSpaces(prepared.x, prepared.values.gross_revenue, { ...opts, spaces: [config.space], progress });
  const previous = await previousRun(store, opts.dataset, asOf);
  const prior = previous?.profiles.filter((p) => p.segment >= 0) ?? [];
  const warm = config.algorithm === "kmeans" && config.space === "features" && prior.length === config.k && previous!.scaler.columns.join() === prepared.scaler.columns.join()
    ? prior.map((p) => scalePoint(prepared.scaler, p.centroid))
    : undefined;
  const model = fitConfig(config, space.x, { ...opts, warmCenters: warm });
  timingsMs.fit = Math.round(performance.now() - started);
  const assembled = await assemble(store, prepared, { runId: randomUUID(), mode: "run", config, labels: model.labels, sweep: null, spacesMs: { [space.name]: Math.round(space.ms) }, oot: null, timingsMs }, opts);
  await storeResult(store, assembled, prepared, model.toJSON());
  return assembled.result;
}
