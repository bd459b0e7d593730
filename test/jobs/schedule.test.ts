import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { tempDir } from "../helpers/stores.ts";

const bin = new URL("../../bin/patron.mjs", import.meta.url).pathname;

describe("patron schedule", () => {
  it("runs the command on the cron schedule, logs each run to stdout and to schedule_runs, and stops after --max-runs", async () => {
    const { dir, cleanup } = tempDir("patron-schedule-");
    try {
      const log = join(dir, "log.duckdb");
      const run = spawnSync(process.execPath, [bin, "schedule", "* * * * * *", "--db", log, "--max-runs", "1", "--json", "--", "segments", "history", "--db", join(dir, "jobs.duckdb")], { encoding: "utf8", timeout: 120_000 });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /run 1: patron segments history/);
      assert.match(run.stdout, /run 1 finished with exit code 0/);
      const last = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
      assert.deepEqual(last.runs.map((r: { exit_code: number }) => r.exit_code), [0]);
      const store = await openDuckDBStore(log);
      const rows = await store.query<{ command: string; exit_code: number; output_tail: string }>("SELECT command, exit_code, output_tail FROM schedule_runs");
      await store.close();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].command, `segments history --db ${join(dir, "jobs.duckdb")}`);
      assert.equal(rows[0].exit_code, 0);
      assert.match(rows[0].output_tail, /no segmentation runs stored yet/);
    } finally {
      cleanup();
    }
  });
  it("rejects a pattern that is not cron with advice (exit code 2)", () => {
    const run = spawnSync(process.execPath, [bin, "schedule", "every month", "--", "segments", "history"], { encoding: "utf8" });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /E_USAGE.*not a cron pattern/);
  });
});
