/**
 * The worker-thread entry of the segment selection (core/worker-pool.ts): `patron segments`
 * chooses the segmentation as of the run date and, for the out-of-time proof, as of the
 * cut-off — two independent sweeps that run side by side on the two cores. The payload is
 * plain data (typed arrays are copied), so the sweep is the same as in the main thread.
 */
import type { Prepared, SegmentsOptions } from "./pipeline.ts";
import { selectSegments, type Selection } from "./select.ts";

export function selectTask(payload: { prepared: Prepared; opts: SegmentsOptions }): Selection {
  return selectSegments(payload.prepared, payload.opts);
}
