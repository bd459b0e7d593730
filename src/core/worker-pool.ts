/**
 * A small pool of worker threads for embarrassingly parallel work (cross-validation folds,
 * grid points, forest trees). A task names a module and an exported function; the worker
 * imports the module (through tsx, so task modules are plain .ts files) and calls the
 * function with the task's payload.
 *
 * Payloads are structured-cloned (typed arrays copy; SharedArrayBuffers are shared).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { PatronError } from "./errors.ts";

export interface WorkerTask<P> {
  /** URL of the module (usually `new URL("./x.ts", import.meta.url).href`). */
  module: string;
  /** Name of the exported function: (payload) => result or Promise<result>. */
  fn: string;
  payload: P;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

// Plain .mjs: Node 20 workers do not inherit the parent's tsx loader hooks, so the entry loads
// task modules itself with tsx's tsImport.
const entry = new URL("./worker-entry.mjs", import.meta.url);


/**
 * Runs every task, at most nThreads at a time, and returns results in task order.
 * With nThreads = 1 tasks run in this thread (no worker start-up cost, easier debugging).
 */
export async function runTasks<P, R>(
  tasks: readonly WorkerTask<P>[],
  options: { nThreads?: number; onDone?: (index: number, result: R) => void } = {},
): Promise<R[]> {
  const nThreads = Math.min(options.nThreads ?? defaultThreads(), tasks.length);
  const results: R[] = new Array(tasks.length);
  if (nThreads <= 1) {
    for (let index = 0; index < tasks.length; index++) {
      const task = tasks[index];
      const module = (await import(task.module)) as Record<string, (payload: P) => R | Promise<R>>;
      results[index] = await module[task.fn](task.payload);
      options.onDone?.(index, results[index]);
    }
    return results;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: nThreads }, async () => {
        const worker = new Worker(entry);
        workers.push(worker);
        while (next < tasks.length) {
          const index = next++;
          results[index] = await runOne<P, R>(worker, tasks[index]);
          options.onDone?.(index, results[index]);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

function runOne<P, R>(worker: Worker, task: WorkerTask<P>): Promise<R> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
    };
    const onMessage = (message: { ok: boolean; result?: R; error?: { code?: string; message: string; stack?: string } }) => {
      cleanup();
      if (message.ok) resolve(message.result as R);
      else if (message.error?.code) reject(new PatronError(message.error.code, message.error.message));
      else reject(new Error(`worker task ${task.fn} failed: ${message.error?.stack ?? message.error?.message}`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.postMessage(task);
  });
}
