// A GBDT team worker: loads the jobs (gbdt-jobs.ts) through tsx's tsImport — Node 20
// workers do not inherit the parent's loader hooks — then serves jobs forever. The main thread
// drives it through a shared control array with Atomics (fit is synchronous, so the main
// thread cannot await messages); buffers for a fit arrive on a MessagePort that this thread
// reads synchronously with receiveMessageOnPort. Plain JavaScript so that it loads before
// any TypeScript support.
import { receiveMessageOnPort, workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { control, port, rank, module } = workerData;
const ctrl = new Int32Array(control);
// Slots and kinds: keep in step with gbdt-team.ts.
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

const kernels = await tsImport(module, import.meta.url);
let work = null;
let nRanks = 1;
let seen = Atomics.load(ctrl, SEQ);
Atomics.add(ctrl, READY, 1);
Atomics.notify(ctrl, READY);

for (;;) {
  // A short spin catches the next job of a busy fit without a futex round trip; then sleep.
  for (let s = 0; s < SPIN && Atomics.load(ctrl, SEQ) === seen; s++);
  while (Atomics.load(ctrl, SEQ) === seen) Atomics.wait(ctrl, SEQ, seen);
  seen = Atomics.load(ctrl, SEQ);
  try {
    const kind = ctrl[KIND];
    if (kind === KIND_JOB) {
      if (rank < nRanks) kernels.runJob(work, rank, nRanks);
    }
    else if (kind === KIND_ATTACH) {
      const message = receiveMessageOnPort(port).message;
      work = kernels.view(message.buffers);
      nRanks = message.nRanks;
    } else if (kind === KIND_CHUNK) {
      work.histChunks.push(new Float64Array(receiveMessageOnPort(port).message.chunk));
    } else if (kind === KIND_DETACH) work = null;
  } catch (error) {
    Atomics.store(ctrl, ERROR, 1);
    port.postMessage({ message: error?.message ?? String(error), stack: error?.stack });
  }
  Atomics.add(ctrl, DONE, 1);
  Atomics.notify(ctrl, DONE);
}
