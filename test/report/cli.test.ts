/**
 * `patron report` end to end: on a store holding one ingested dataset and a stored profile it
 * writes one self-contained file with the profile section drawn as SVG and a "not run yet"
 * section naming the command for every job without results; --json prints the outcome last; a
 * missing store is a clear error with exit code 2.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ensureDataset } from "../../src/data/ensure.ts";
import { runProfile } from "../../src/profile/run.ts";
import { saveProfileRun } from "../../src/serve/dashboard/profile-runs.ts";
import { JOBS } from "../../src/serve/dashboard/jobs.ts";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { tempDir } from "../helpers/stores.ts";

const execute = promisify(execFile);
const patron = new URL("../../bin/patron.mjs", import.meta.url).pathname;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execute(process.execPath, [patron, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("patron report (CLI)", { concurrency: true }, () => {
  const tmp = tempDir("patron-report-");
  const db = join(tmp.dir, "store.duckdb");
  before(async () => {
    const store = await openDuckDBStore(db);
    try {
      await ensureDataset(store, "cdnow");
      const csv = join(tmp.dir, "visits.csv");
      writeFileSync(csv, `customer,visits,channel\n${Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 13},${i % 3 ? "web" : "app"}`).join("\n")}\n`);
      await saveProfileRun(store, "visits", await runProfile({ files: [csv] }));
    } finally {
      await store.close();
    }
  });
  after(() => tmp.cleanup());

  it("writes one self-contained file with every job's section or its 'not run yet' note", async () => {
    const out = join(tmp.dir, "out", "report.html");
    const { code, stdout, stderr } = await cli(["report", "--db", db, "--out", out, "--json"]);
    assert.equal(code, 0, stderr);
    const outcome = JSON.parse(stdout.trim().split("\n").pop()!);
    assert.equal(outcome.path, out);
    assert.equal(outcome.chart_failures, 0);
    assert.equal(outcome.jobs.profile, "done");
    assert.ok(existsSync(out));
    const html = readFileSync(out, "utf8");
    assert.equal(Buffer.byteLength(html), outcome.bytes);
    assert.doesNotMatch(html, /<script/i);
    // Every chart placeholder holds its SVG.
    const placeholders = html.match(/<div class="chart" data-spec="[^"]+">/g) ?? [];
    assert.equal(placeholders.length, outcome.charts);
    assert.equal((html.match(/<div class="chart" data-spec="[^"]+"><svg/g) ?? []).length, outcome.charts);
    assert.ok(outcome.charts >= 4, String(outcome.charts)); // overview + the profile's histograms and top values
    assert.match(html, /<article id="job-profile" class="job"[^>]*>[\s\S]*<h3[^>]*>visits<\/h3>/);
    assert.match(html, /cdnow/);
    for (const job of JOBS) {
      if (outcome.jobs[job.id] === "done") continue;
      const article = new RegExp(`<article id="job-${job.id}" class="job not-run"[^>]*>[\\s\\S]*?</article>`).exec(html);
      assert.ok(article, job.id);
      assert.ok(article[0].includes(job.notRunNote ? "No decisions logged yet" : `<code>${job.command}</code>`), job.id);
    }
  });

  it("refuses a store that does not exist, saying what to run first", async () => {
    const { code, stderr } = await cli(["report", "--db", join(tmp.dir, "missing.duckdb"), "--out", join(tmp.dir, "x.html")]);
    assert.equal(code, 2);
    assert.match(stderr, /E_STORE_OPEN/);
    assert.match(stderr, /npm start/);
    assert.ok(!existsSync(join(tmp.dir, "x.html")));
  });
});
