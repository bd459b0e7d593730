/**
 * The thread team GBDT fits (and large predictions) run on: the main thread as rank 0 plus
 * persistent worker threads (gbdt-worker.mjs), all running the same jobs (gbdt-jobs.ts) on one
 * set of SharedArrayBuffers. `fit` is synchronous, so the main thread cannot await messages; it
 * publishes a job by bumping a sequence number in a shared Int32Array, runs its own share and
 * sleeps in Atomics.wait until every worker has counted itself done. A round trip costs tens
 * of microseconds, small against a histogram job, yet the team is used by default only for
 * large inputs (gbdt.ts PARALLEL_CELLS, gbdt-model.ts PARALLEL_PREDICT).
 *
 * Workers start once per process (loading tsx costs ~0.3 s) and are unref'd, so an idle team
 * never keeps the process alive. src/core/worker-pool.ts is the general pool; it is
 * asynchronous and message-based, the wrong shape for thousands of sub-millisecond jobs.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { warn } from "../../core/warn.ts";
import { runJob, type TeamWork } from "./gbdt-jobs.ts";
import type { PredictBuffers } from "./gbdt-predict.ts";
import type { Work, WorkBuffers } from "./gbdt-work.ts";

const SEQ = 0;
const DONE = 1;
const READY = 2;
const ERROR = 3;
const KIND = 4;
const KIND_JOB = 0;
const KIND_ATTACH = 1;
const KIND_CHUNK = 2;
const KIND_DETACH = 3;
const SPIN = 20000;
const START_TIMEOUT_MS = 60_000;

interface Member {
  worker: Worker;
  port: MessagePort;
}

interface Crew {
  control: Int32Array;
  members: Member[];
}

// One crew per thread that trains (module state is per isolate).
let crew: Crew | undefined;
let broken = false;

const entry = new URL("./gbdt-worker.mjs", import.meta.url);
const kernels = new URL("./gbdt-jobs.ts", import.meta.url).href;

/** Starts workers until the crew has `count`; false when they could not start. */
function ensureWorkers(count: number): boolean {
  if (broken) return false;
  crew ??= { control: new Int32Array(new SharedArrayBuffer(64)), members: [] };
  const { control, members } = crew;
  const before = Atomics.load(control, READY);
  const starting = count - members.length;
  for (let rank = members.length + 1; rank <= count; rank++) {
    const channel = new MessageChannel();
    const worker = new Worker(entry, {
      workerData: { control: control.buffer, port: channel.port2, rank, module: kernels },
      transferList: [channel.port2],
    });
    worker.unref();
    channel.port1.unref();
    members.push({ worker, port: channel.port1 });
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(control, READY) < before + starting) {
    const now = Date.now();
    if (now >= deadline) {
      broken = true;
      for (const m of members) void m.worker.terminate();
      crew = undefined;
      warn("W_GBDT_THREADS", `GBDT worker threads did not start within ${START_TIMEOUT_MS / 1000} s; training on one thread.`);
      return false;
    }
    Atomics.wait(control, READY, Atomics.load(control, READY), Math.min(100, deadline - now));
  }
  return true;
}

export interface Team {
  readonly nRanks: number;
  /** Runs the job described in `work` on every rank; rank 0 is this thread. */
  run(work: TeamWork): void;
  /** Shares a new histogram chunk with the workers (and adds it to `work`). */
  addHistChunk(work: Work, chunk: Float64Array): void;
  /** Lets the workers drop their views of this fit's buffers. */
  release(): void;
}

/**
 * A team of `nRanks` threads over `buffers` (a fit's state, or a prediction whose typed arrays
 * all live in SharedArrayBuffers); one thread (no workers) when nRanks ≤ 1.
 */
export function openTeam(nRanks: number, buffers: WorkBuffers | PredictBuffers): Team {
  if (nRanks <= 1 || !ensureWorkers(nRanks - 1)) return soloTeam();
  const { control, members } = crew!;
  // Every member of the crew sees every signal and counts itself done; members whose rank is
  // beyond this team's size skip the work (a previous fit may have started more of them).
  const publish = (kind: number) => {
    control[KIND] = kind;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, ERROR, 0);
    Atomics.add(control, SEQ, 1);
    Atomics.notify(control, SEQ);
  };
  const join = () => {
    const expected = members.length;
    for (let s = 0; s < SPIN && Atomics.load(control, DONE) < expected; s++);
    for (let done = Atomics.load(control, DONE); done < expected; done = Atomics.load(control, DONE)) {
      Atomics.wait(control, DONE, done, 1000);
    }
    if (Atomics.load(control, ERROR) !== 0) {
      const reports = members.map((m) => receiveMessageOnPort(m.port)?.message).filter(Boolean);
      throw new Error(`GBDT worker failed: ${reports.map((r) => r.stack ?? r.message).join("\n")}`);
    }
  };
  for (const m of members) m.port.postMessage({ buffers, nRanks });
  publish(KIND_ATTACH);
  join();
  let released = false;
  return {
    nRanks,
    run(work) {
      publish(KIND_JOB);
      let failure: unknown;
      try {
        runJob(work, 0, nRanks);
      } catch (error) {
        failure = error;
      }
      join();
      if (failure) throw failure;
    },
    addHistChunk(work, chunk) {
      work.histChunks.push(chunk);
      for (const m of members) m.port.postMessage({ chunk: chunk.buffer });
      publish(KIND_CHUNK);
      join();
    },
    release() {
      if (released) return;
      released = true;
      publish(KIND_DETACH);
      join();
    },
  };
}

function soloTeam(): Team {
  return {
    nRanks: 1,
    run: (work) => runJob(work, 0, 1),
    addHistChunk: (work, chunk) => void work.histChunks.push(chunk),
    release() {},
  };
}
