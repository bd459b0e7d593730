/**
 * `patron profile` end to end: the --json contract on the bundled preset, any CSV (semicolons
 * and decimal commas) or Parquet file, drift against a second snapshot, exit codes; and the
 * HTML report section: its Vega-Lite specs compile and its HTML carries every warning.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { compile } from "vega-lite";
import { escapeHtml, profileSection } from "../../src/report/profile-section.ts";
import { runProfile } from "../../src/profile/run.ts";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import type { ProfileReport } from "../../src/profile/types.ts";
import { tempDir } from "../helpers/stores.ts";

const run = promisify(execFile);
const patron = new URL("../../bin/patron.mjs", import.meta.url).pathname;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [patron, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const lastLine = (text: string) => JSON.parse(text.trim().split("\n").pop()!);

// Each case spawns the CLI (tsx start-up dominates), so they run side by side.
describe("patron profile (CLI)", { concurrency: true }, () => {
  const tmp = tempDir("patron-profile-");
  let baseline: string;
  let current: string;
  before(() => {
    // A European export: semicolons, decimal commas, a typo'd category, a blank id.
    const lines = ["order_id;amount;channel;city"];
    for (let i = 0; i < 60; i++) lines.push(`${1000 + i};${(10 + (i % 7)).toString()},${i % 10}5;${i === 3 ? "e-mail" : i % 2 ? "email" : "phone"};Paris`);
    lines.push(";12,5;phone;Paris");
    baseline = join(tmp.dir, "orders.csv");
    writeFileSync(baseline, `${lines.join("\n")}\n`);
    const shifted = ["order_id;amount;channel;city"];
    for (let i = 0; i < 60; i++) shifted.push(`${2000 + i};${(30 + (i % 7)).toString()},${i % 10}5;phone;Paris`);
    current = join(tmp.dir, "orders-next.csv");
    writeFileSync(current, `${shifted.join("\n")}\n`);
  });
  after(() => tmp.cleanup());

  it("prints the contract JSON for --preset one-click as the last line", async () => {
    const { code, stdout } = await cli(["profile", "--preset", "one-click", "--json"]);
    assert.equal(code, 0);
    const out = lastLine(stdout);
    assert.deepEqual([out.tables, out.columns], [4, 21]);
    assert.equal(out.profiles.length, 4);
    for (const w of out.warnings) assert.deepEqual(Object.keys(w).slice(0, 4), ["table", "column", "code", "message"]);
    assert.ok(out.warnings.some((w: { code: string; message: string }) => w.code === "OUTLIERS" && w.message.includes("106,862.2")));
  });

  it("profiles a semicolon CSV with decimal commas and compares it with a second snapshot", async () => {
    const { code, stdout } = await cli(["profile", baseline, "--compare", current, "--json"]);
    assert.equal(code, 0);
    const out = lastLine(stdout) as ProfileReport;
    const amount = out.profiles[0].columns.find((c) => c.name === "amount")!;
    assert.equal(amount.kind, "numeric");
    assert.equal(amount.numeric!.min, 10.05);
    const codes = out.warnings.map((w) => `${w.code}:${w.column}`);
    assert.ok(codes.includes("MISSING_VALUES:order_id"), codes.join(" "));
    assert.ok(codes.includes("NEAR_DUPLICATE_CATEGORY:channel"), codes.join(" "));
    assert.ok(codes.includes("CONSTANT:city"), codes.join(" "));
    assert.equal(out.drift[0].columns.find((c) => c.column === "amount")!.level, "significant");
    assert.ok(codes.includes("DRIFT_SIGNIFICANT:amount"), codes.join(" "));
  });

  it("prints a readable summary with the warnings", async () => {
    const { code, stdout } = await cli(["profile", baseline]);
    assert.equal(code, 0);
    assert.match(stdout, /== orders {2}\(61 rows, 4 columns/);
    assert.match(stdout, /\[NEAR_DUPLICATE_CATEGORY\] orders\.channel: 'e-mail' \(1 rows\) looks like another spelling of 'email'/);
  });

  it("reads Parquet", async () => {
    const parquet = join(tmp.dir, "orders.parquet");
    const store = await openDuckDBStore(":memory:");
    await store.exec(`COPY (SELECT * FROM read_csv('${baseline}', decimal_separator = ',')) TO '${parquet}' (FORMAT parquet)`);
    await store.close();
    const report = await runProfile({ files: [parquet] });
    assert.equal(report.profiles[0].nRows, 61);
    assert.equal(report.profiles[0].columns.find((c) => c.name === "amount")!.numeric!.max, 16.85);
  });

  it("exits 2 with an error object for a missing file", async () => {
    const { code, stdout, stderr } = await cli(["profile", join(tmp.dir, "missing.csv"), "--json"]);
    assert.equal(code, 2);
    assert.match(stderr, /error \[E_FILE\]/);
    assert.equal(lastLine(stdout).error.code, "E_FILE");
  });
});

describe("profile report section", () => {
  let report: ProfileReport;
  before(async () => {
    report = await runProfile({ preset: "one-click", label: "Покупательская активность" });
    report.drift.push({
      table: "market_money", baseline: "march", current: "april", nBaseline: 10, nCurrent: 10,
      columns: [{ column: "Выручка", psi: 0.3, level: "significant", buckets: [] }],
    });
  });

  it("returns Vega-Lite specs that compile, one per chart placeholder", () => {
    const section = profileSection(report);
    const ids = Object.keys(section.specs);
    assert.ok(ids.length > 20, `${ids.length} specs`);
    for (const id of ids) {
      const vega = compile(section.specs[id] as never).spec;
      assert.ok(Array.isArray(vega.marks) && vega.marks.length > 0, id);
      assert.ok(section.html.includes(`<div class="chart" data-spec="${id}"></div>`), id);
    }
    for (const kind of ["histogram", "top", "spearman", "pearson", "label"]) assert.ok(ids.some((id) => id.endsWith(kind)), kind);
    assert.ok(ids.includes("drift0"));
  });

  it("shows every warning, escaped", () => {
    const { html } = profileSection(report);
    assert.ok(report.warnings.length >= 4);
    for (const w of report.warnings) assert.ok(html.includes(escapeHtml(w.message)), w.code);
    assert.equal(escapeHtml(`<b>"x" & 'y'</b>`), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
  });

  it("draws the histogram from the profile's own bins", () => {
    const { specs } = profileSection(report);
    const money = report.profiles.findIndex((p) => p.table === "market_money");
    const revenue = report.profiles[money].columns.findIndex((c) => c.name === "Выручка");
    const spec = specs[`t${money}-c${revenue}-histogram`] as { data: { values: Array<{ count: number }> } };
    const h = report.profiles[money].columns[revenue].histogram!;
    assert.deepEqual(spec.data.values.map((v) => v.count), h.counts);
    assert.equal(h.counts.reduce((a, b) => a + b, 0) + h.below + h.above, 3900);
  });
});
