import assert from "node:assert/strict";
import { it } from "node:test";
import { runTasks } from "../../src/core/worker-pool.ts";

const module = new URL("./worker-pool.fixture.ts", import.meta.url).href;

it("runs tasks on worker threads and returns results in task order", async () => {
  const tasks = [5, 1, 3, 2].map((n) => ({ module, fn: "sumTo", payload: n }));
  assert.deepEqual(await runTasks<number, number>(tasks, { nThreads: 2 }), [15, 1, 6, 3]);
  assert.deepEqual(await runTasks<number, number>(tasks, { nThreads: 1 }), [15, 1, 6, 3]);
});

it("carries a PatronError's code back from the worker", async () => {
  await assert.rejects(runTasks([{ module, fn: "fail", payload: 0 }], { nThreads: 2 }), { code: "E_TEST" });
  await assert.rejects(runTasks([{ module, fn: "fail", payload: 0 }, { module, fn: "fail", payload: 0 }], { nThreads: 2 }), { code: "E_TEST" });
});
