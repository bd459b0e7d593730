// A random-forest worker thread: loads the task module through tsx's tsImport (Node 20 workers
// do not inherit the parent's loader hooks), then answers tasks that arrive on its MessagePort.
// After each answer it bumps a shared counter and notifies, because the main thread is blocked
// in Atomics.wait (forest fit is synchronous) and reads answers with receiveMessageOnPort.
// Plain JavaScript so that it loads before any TypeScript support.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { control, port, module: moduleUrl } = workerData;
const counter = new Int32Array(control);
let module;
let loadError;
try {
  module = await tsImport(moduleUrl, import.meta.url);
} catch (error) {
  loadError = error;
}

port.on("message", async (task) => {
  try {
    if (loadError) throw loadError;
    const result = await module[task.fn](task.payload);
    port.postMessage({ ok: true, result });
  } catch (error) {
    port.postMessage({
      ok: false,
      error: { code: error?.name === "PatronError" ? error.code : undefined, message: error?.message ?? String(error), stack: error?.stack },
    });
  }
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
});
