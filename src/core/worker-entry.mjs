// The body of every pool worker: load the task's TypeScript module through tsx's tsImport
// (Node 20 workers do not run the parent's --import loader hooks), call the named export,
// post the result back. Plain JavaScript so that it loads before any TypeScript support.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const modules = new Map();

parentPort.on("message", async (task) => {
  try {
    let module = modules.get(task.module);
    if (!module) {
      module = await tsImport(task.module, import.meta.url);
      modules.set(task.module, module);
    }
    const result = await module[task.fn](task.payload);
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({
      ok: false,
      error: {
        code: error?.name === "PatronError" ? error.code : undefined,
        message: error?.message ?? String(error),
        stack: error?.stack,
      },
    });
  }
});
