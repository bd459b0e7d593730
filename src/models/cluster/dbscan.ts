/**
 * DBSCAN (Ester, Kriegel, Sander & Xu 1996) with scikit-learn's exact semantics, so labels are
 * identical: neighbourhoods are distance ≤ eps including the row itself; a core row has at
 * least minSamples rows in its neighbourhood; clusters grow from the lowest-indexed unvisited
 * core row by depth-first expansion (scikit-learn's dbscan_inner), so a border row reachable
 * from two clusters joins the one started first; −1 is noise. Predict: a new row takes the
 * label of its nearest core row within eps, else −1.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { radiusNeighbors } from "./density.ts";
import { checkClusterInput, checkColumns, rowMajor, type ClusterModel } from "./types.ts";

export const DbscanOptions = z.strictObject({
  eps: z.number().positive().default(0.5),
  minSamples: z.number().int().min(1).default(5),
});

export interface DbscanModel extends ClusterModel {
  readonly kind: "dbscan";
  readonly coreSampleIndices: Int32Array;
}

export function dbscan(options: z.input<typeof DbscanOptions> = {}) {
  const opts = DbscanOptions.parse(options);
  return {
    kind: "dbscan" as const,
    options: opts,
    fit(x: Matrix, _ctx: FitContext = {}): DbscanModel {
      checkClusterInput(x, "DBSCAN", 1);
      const n = x.nRows;
      const d = x.nCols;
      const rows = rowMajor(x);
      const { offsets, indices } = radiusNeighbors(rows, n, d, opts.eps);
      const isCore = new Uint8Array(n);
      for (let i = 0; i < n; i++) isCore[i] = offsets[i + 1] - offsets[i] >= opts.minSamples ? 1 : 0;
      const labels = new Int32Array(n).fill(-1);
      const stack: number[] = [];
      let label = 0;
      for (let start = 0; start < n; start++) {
        if (labels[start] !== -1 || !isCore[start]) continue;
        let i = start;
        for (;;) {
          if (labels[i] === -1) {
            labels[i] = label;
            if (isCore[i]) for (let p = offsets[i]; p < offsets[i + 1]; p++) if (labels[indices[p]] === -1) stack.push(indices[p]);
          }
          if (stack.length === 0) break;
          i = stack.pop()!;
        }
        label++;
      }
      const core = Int32Array.from({ length: n }, (_, i) => i).filter((i) => isCore[i] === 1);
      const coreRows = new Float64Array(core.length * d);
      core.forEach((i, c) => coreRows.set(rows.subarray(i * d, i * d + d), c * d));
      return dbscanModel(x.columns, opts.eps, labels, label, core, coreRows, Int32Array.from(core, (i) => labels[i]));
    },
  };
}

function dbscanModel(featureNames: readonly string[], eps: number, labels: Int32Array, nClusters: number, core: Int32Array, coreRows: Float64Array, coreLabels: Int32Array): DbscanModel {
  const d = featureNames.length;
  return Object.freeze({
    kind: "dbscan" as const,
    featureNames: Object.freeze([...featureNames]),
    nClusters,
    labels,
    coreSampleIndices: core,
    predict(x: Matrix): Int32Array {
      checkColumns(x, featureNames, "DBSCAN");
      const rows = rowMajor(x);
      const out = new Int32Array(x.nRows).fill(-1);
      for (let i = 0; i < x.nRows; i++) {
        let best = eps * eps;
        for (let c = 0; c < core.length; c++) {
          let sum = 0;
          for (let j = 0; j < d; j++) sum += (rows[i * d + j] - coreRows[c * d + j]) ** 2;
          if (sum <= best) {
            best = sum;
            out[i] = coreLabels[c];
          }
        }
      }
      return out;
    },
    toJSON: (): ModelJSON => ({ kind: "dbscan", schemaVersion: 1, featureNames: [...featureNames], eps, nClusters, labels: Array.from(labels), coreSampleIndices: Array.from(core), coreRows: Array.from(coreRows) }),
  });
}

const DbscanJSON = z.strictObject({
  kind: z.literal("dbscan"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  eps: z.number().positive(),
  nClusters: z.number().int().min(0),
  labels: z.array(z.number().int().min(-1)),
  coreSampleIndices: z.array(z.number().int().min(0)),
  coreRows: z.array(z.number()),
});

export function fromJSON(json: unknown): DbscanModel {
  const parsed = DbscanJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a DBSCAN model: ${parsed.error.message}`);
  const m = parsed.data;
  if (m.coreRows.length !== m.coreSampleIndices.length * m.featureNames.length || m.coreSampleIndices.some((i) => i >= m.labels.length)) {
    throw new PatronError("E_MODEL_JSON", "DBSCAN JSON: coreRows must hold one row per core sample and core indices must point at labelled rows");
  }
  const core = Int32Array.from(m.coreSampleIndices);
  return dbscanModel(m.featureNames, m.eps, Int32Array.from(m.labels), m.nClusters, core, Float64Array.from(m.coreRows), Int32Array.from(core, (i) => m.labels[i]));
}

export const estimator = (options: Record<string, unknown>) => dbscan(options);
