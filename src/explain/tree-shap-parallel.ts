/**
 * TreeSHAP over many rows on worker threads. The rows and the output live in
 * SharedArrayBuffers; each worker gets the ensemble once and pulls blocks of rows from a
 * shared atomic counter until none are left (so a thread slowed by other work on the machine
 * takes fewer blocks), writing its rows' values in place with the same code as explainTrees.
 * Rows are independent, so the result equals explainTrees bit for bit.
 *
 * The workers stay alive between calls (unreferenced while idle, so they never keep the
 * process running): a service explaining requests, or a report explaining segment after
 * segment, pays the thread start-up (loading TypeScript through tsx) once. They run
 * src/core/worker-entry.mjs, the pool workers' entry.
 */
import { Worker } from "node:worker_threads";
import { PatronError } from "../core/errors.ts";
import { matrix, type Matrix } from "../core/matrix.ts";
import { defaultThreads } from "../core/worker-pool.ts";
import type { Link, TreeEnsemble } from "../models/tree/ensemble.ts";
import type { Tree } from "../models/tree/tree.ts";
import type { ShapValues } from "./shap-values.ts";
import { checkFeatures, explainRange, explainTrees, prepareEnsemble } from "./tree-shap.ts";

/** What crosses to a worker: the ensemble's plain fields and the shared buffers. */
interface ShapJob {
  trees: Tree[];
  baseMargin: number;
  treeWeight: number;
  link: Link;
  nFeatures: number;
  nClasses?: number;
  treeClass?: Int32Array;
  /** Column-major rows (shared). */
  data: Float64Array;
  nRows: number;
  columns: string[];
  /** Output, row-major nRows × nOutputs × nFeatures (shared). */
  values: Float64Array;
  /** Next unclaimed row (shared). */
  next: Int32Array;
  blockRows: number;
}

/** Worker entry: explains blocks of rows until the counter passes the end. Returns rows done. */
export function explainBlocks(job: ShapJob): number {
  const model: TreeEnsemble = {
    trees: job.trees,
    baseMargin: job.baseMargin,
    treeWeight: job.treeWeight,
    link: job.link,
    nFeatures: job.nFeatures,
    ...(job.nClasses !== undefined ? { nClasses: job.nClasses, treeClass: job.treeClass } : {}),
  };
  const prepared = prepareEnsemble(model);
  const x = matrix(job.data, job.nRows, job.columns);
  const width = prepared.nOutputs * job.nFeatures;
  let done = 0;
  for (;;) {
    const from = Atomics.add(job.next, 0, job.blockRows);
    if (from >= job.nRows) return done;
    const to = Math.min(job.nRows, from + job.blockRows);
    explainRange(prepared, x, from, to, job.values.subarray(from * width, to * width));
    done += to - from;
  }
}

const ENTRY = new URL("../core/worker-entry.mjs", import.meta.url);
const MODULE = new URL("./tree-shap-parallel.ts", import.meta.url).href;
const idle: Worker[] = [];

function takeWorker(): Worker {
  const worker = idle.pop() ?? new Worker(ENTRY);
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  worker.unref();
  idle.push(worker);
}

function runJob(worker: Worker, job: ShapJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { ok: boolean; result?: number; error?: { code?: string; message: string; stack?: string } }) => {
      worker.off("error", onError);
      if (message.ok) {
        giveBack(worker);
        resolve(message.result as number);
      } else {
        void worker.terminate();
        reject(message.error?.code ? new PatronError(message.error.code, message.error.message) : new Error(`TreeSHAP worker failed: ${message.error?.stack ?? message.error?.message}`));
      }
    };
    const onError = (error: Error) => {
      worker.off("message", onMessage);
      void worker.terminate();
      reject(error);
    };
    worker.once("message", onMessage);
    worker.once("error", onError);
    worker.postMessage({ module: MODULE, fn: "explainBlocks", payload: job });
  });
}

export interface ParallelShapOptions {
  /** Worker threads; default all cores. 1 runs in this thread. */
  nThreads?: number;
  /** Below this many rows per thread the work stays in this thread. */
  minRowsPerThread?: number;
}

/** Exact TreeSHAP (tree-shap.ts) with rows spread over worker threads. */
export async function explainTreesParallel(model: TreeEnsemble, x: Matrix, options: ParallelShapOptions = {}): Promise<ShapValues> {
  checkFeatures(model, x);
  const minRows = options.minRowsPerThread ?? 200;
  const nThreads = Math.max(1, Math.min(options.nThreads ?? defaultThreads(), Math.floor(x.nRows / minRows)));
  if (nThreads <= 1) return explainTrees(model, x);
  const prepared = prepareEnsemble(model);
  const width = prepared.nOutputs * x.nCols;
  const data = new Float64Array(new SharedArrayBuffer(x.data.length * 8));
  data.set(x.data);
  const values = new Float64Array(new SharedArrayBuffer(x.nRows * width * 8));
  const job: ShapJob = {
    trees: model.trees.map((t) => ({ ...t })),
    baseMargin: model.baseMargin,
    treeWeight: model.treeWeight,
    link: model.link,
    nFeatures: model.nFeatures,
    ...(model.nClasses !== undefined ? { nClasses: model.nClasses, treeClass: model.treeClass } : {}),
    data,
    nRows: x.nRows,
    columns: [...x.columns],
    values,
    next: new Int32Array(new SharedArrayBuffer(4)),
    // small enough to balance threads, large enough that the counter is rarely touched
    blockRows: Math.max(16, Math.min(256, Math.ceil(x.nRows / (nThreads * 16)))),
  };
  const workers = Array.from({ length: nThreads }, takeWorker);
  const done = await Promise.all(workers.map((w) => runJob(w, job)));
  if (done.reduce((a, b) => a + b, 0) !== x.nRows) {
    throw new Error(`TreeSHAP workers explained ${done.reduce((a, b) => a + b, 0)} of ${x.nRows} rows`);
  }
  return {
    nRows: x.nRows,
    nOutputs: prepared.nOutputs,
    featureNames: x.columns,
    values: Float64Array.from(values),
    expectedValue: prepared.expectedValue,
    link: model.link,
  };
}
