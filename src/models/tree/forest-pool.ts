/**
 * Runs a list of tasks on this thread and persistent worker threads *synchronously*, because
 * Estimator.fit is synchronous (types.ts): the main thread hands tasks to idle workers over
 * MessagePorts, works on a task itself, and when nothing is left to start sleeps in
 * Atomics.wait until a worker bumps the shared counter, then reads the answer with
 * receiveMessageOnPort. src/core/worker-pool.ts is the asynchronous pool; gbdt-team.ts solves
 * the same problem for GBDT's many tiny jobs, this one for a few large ones (batches of trees).
 *
 * Workers start once per process (each loads TypeScript through tsx, ~0.3–0.5 s) and are
 * unref'd, so an idle crew never keeps the process alive.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { PatronError } from "../../core/errors.ts";

interface Member {
  worker: Worker;
  port: MessagePort;
  /** Index of the task it is working on, or -1. */
  task: number;
}

interface Answer {
  ok: boolean;
  result?: unknown;
  error?: { code?: string; message: string; stack?: string };
}

const entry = new URL("./forest-worker.mjs", import.meta.url);
// One crew per task module and thread (module state is per isolate).
const crews = new Map<string, { counter: Int32Array; members: Member[] }>();

function crewFor(moduleUrl: string, nWorkers: number) {
  let crew = crews.get(moduleUrl);
  if (!crew) {
    crew = { counter: new Int32Array(new SharedArrayBuffer(4)), members: [] };
    crews.set(moduleUrl, crew);
  }
  while (crew.members.length < nWorkers) {
    const channel = new MessageChannel();
    const worker = new Worker(entry, {
      workerData: { control: crew.counter.buffer, port: channel.port2, module: moduleUrl },
      transferList: [channel.port2],
    });
    worker.unref();
    channel.port1.unref();
    crew.members.push({ worker, port: channel.port1, task: -1 });
  }
  return crew;
}

/**
 * results[i] = fn(payloads[i]), computed here and on nThreads − 1 workers that run export
 * `fnName` of `moduleUrl` (the module that defines fn). Payloads are structured-cloned
 * (SharedArrayBuffer views are shared, not copied). `onDone` sees each task as it finishes.
 */
export function runTasksSync<P, R>(
  fn: (payload: P) => R,
  moduleUrl: string,
  fnName: string,
  payloads: readonly P[],
  nThreads: number,
  onDone?: (index: number) => void,
): R[] {
  const n = payloads.length;
  const results: R[] = new Array(n);
  const nWorkers = Math.min(nThreads, n) - 1;
  if (nWorkers <= 0) {
    for (let i = 0; i < n; i++) {
      results[i] = fn(payloads[i]);
      onDone?.(i);
    }
    return results;
  }
  const { counter, members } = crewFor(moduleUrl, nWorkers);
  const team = members.slice(0, nWorkers);
  let next = 0;
  let done = 0;
  let failure: Error | undefined;
  const collect = (): boolean => {
    let any = false;
    for (const m of team) {
      if (m.task < 0) continue;
      const received = receiveMessageOnPort(m.port);
      if (!received) continue;
      any = true;
      const answer = received.message as Answer;
      if (answer.ok) results[m.task] = answer.result as R;
      else if (!failure) {
        failure = answer.error?.code
          ? new PatronError(answer.error.code, answer.error.message)
          : new Error(`forest worker task ${fnName} failed: ${answer.error?.stack ?? answer.error?.message}`);
      }
      onDone?.(m.task);
      m.task = -1;
      done++;
    }
    return any;
  };
  while (done < n) {
    for (const m of team) {
      if (m.task < 0 && next < n && !failure) {
        m.task = next++;
        m.port.postMessage({ fn: fnName, payload: payloads[m.task] });
      }
    }
    if (next < n && !failure) {
      const i = next++;
      try {
        results[i] = fn(payloads[i]);
      } catch (error) {
        failure ??= error as Error;
      }
      onDone?.(i);
      done++;
      collect();
      continue;
    }
    if (failure && team.every((m) => m.task < 0)) break;
    const seen = Atomics.load(counter, 0);
    if (collect()) continue;
    // A worker that died (threadId −1 once it stops) will never answer: fail instead of waiting forever.
    const dead = team.find((m) => m.task >= 0 && m.worker.threadId === -1);
    if (dead) {
      crews.delete(moduleUrl);
      throw new Error(`forest worker thread stopped while running task ${dead.task} of ${fnName}`);
    }
    Atomics.wait(counter, 0, seen, 1000);
  }
  if (failure) throw failure;
  return results;
}
