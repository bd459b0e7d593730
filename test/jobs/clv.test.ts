import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureDataset } from "../../src/data/ensure.ts";
import { CDNOW_DEFAULTS, computeClv, latestClvRun, runClv, storeTransactions } from "../../src/jobs/clv/clv-job.ts";
import { readTransactionsFile } from "../../src/jobs/clv/table.ts";
import { clvSection, LIFETIMES_CDNOW } from "../../src/report/clv-section.ts";
import type { Transactions } from "../../src/clv/summary.ts";
import { duckdbTestStore, tempDir, type TestStore } from "../helpers/stores.ts";

const root = new URL("../../", import.meta.url).pathname;

describe("patron clv", () => {
  let t: TestStore;
  let tx: Transactions;
  const files = tempDir("patron-clv-");
  before(async () => {
    t = await duckdbTestStore();
    await ensureDataset(t.store, "cdnow");
    tx = await storeTransactions(t.store, "cdnow");
  });
  after(async () => {
    await t?.cleanup();
    files.cleanup();
  });

  it("fits the ingested CDNOW sample to lifetimes' published BG/NBD and Gamma-Gamma parameters (1e-3: the issue's tolerance; both maximise the same likelihood)", async () => {
    const r = await runClv(t.store, tx, { dataset: "cdnow", ...CDNOW_DEFAULTS });
    const { bgnbd, gamma_gamma } = r.parameters;
    for (const [ours, published] of [[bgnbd.r, LIFETIMES_CDNOW.r], [bgnbd.alpha, LIFETIMES_CDNOW.alpha], [bgnbd.a, LIFETIMES_CDNOW.a], [bgnbd.b, LIFETIMES_CDNOW.b]]) {
      assert.ok(Math.abs(ours - published) <= 1e-3, `${ours} vs ${published}`);
    }
    assert.equal(Number(gamma_gamma.p.toFixed(2)), 6.25);
    assert.equal(Number(gamma_gamma.q.toFixed(2)), 3.74);
    assert.ok(gamma_gamma.v >= 15.44 && gamma_gamma.v <= 15.45, `v = ${gamma_gamma.v}`);
    assert.equal(r.customers, 2357);
    // The holdout check runs because there is data after the as-of date (the paper's 39 weeks).
    assert.equal(r.holdout!.observationEnd, "1998-06-30");
    assert.equal(r.holdout!.customers, 2357);
    assert.equal(r.segments.reduce((s, g) => s + g.customers, 0), 2357);
    assert.ok(Math.abs(r.segments.reduce((s, g) => s + g.expectedRevenue, 0) - r.totals.expectedRevenue) < 1e-6 * r.totals.expectedRevenue);
    const scores = await t.store.query<{ n: number; alive: number }>("SELECT count(*) AS n, min(p_alive) AS alive FROM clv_scores WHERE run_id = $1", [r.runId]);
    assert.equal(Number(scores[0].n), 2357);
    assert.ok(scores[0].alive >= 0);
    assert.deepEqual((await latestClvRun(t.store, "cdnow"))!.parameters, r.parameters);
    assert.match(clvSection(r).html, /lifetimes \(published\)/);
  });

  it("reads the same transactions from a ;-separated CSV and from Parquet, giving the same fit as the store", async () => {
    const csv = join(files.dir, "cdnow.csv");
    const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(csv, `client;purchase_date;value\n${tx.customer.map((c, i) => `${c};${day(tx.day[i])};${tx.amount[i]}`).join("\n")}\n`);
    const fromCsv = await readTransactionsFile(csv, { id: "client", date: "purchase_date", amount: "value" });
    assert.deepEqual(fromCsv.customer, tx.customer);
    assert.deepEqual(fromCsv.day, tx.day);
    const options = { dataset: "file", ...CDNOW_DEFAULTS };
    assert.deepEqual(computeClv(fromCsv, options).result.parameters, computeClv(tx, options).result.parameters);
    const parquet = join(files.dir, "cdnow.parquet");
    await t.store.exec(`COPY (SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
    const fromParquet = await readTransactionsFile(parquet, { id: "client", date: "purchase_date", amount: "value" });
    assert.deepEqual(fromParquet.amount, fromCsv.amount);
  });

  it("names the file, line and column of a bad value, and the columns a missing one could be", async () => {
    const bad = join(files.dir, "bad.csv");
    writeFileSync(bad, "id,date,amount\na,2020-01-01,10\nb,2020-01-02,ten\n");
    await assert.rejects(readTransactionsFile(bad, { id: "id", date: "date", amount: "amount" }), (e: Error & { code?: string }) => e.code === "E_CLV_DATA" && e.message.includes("bad.csv:line 3, column \"amount\""));
    await assert.rejects(readTransactionsFile(bad, { id: "id", date: "day", amount: "amount" }), (e: Error & { code?: string }) => e.code === "E_COLUMN" && e.message.includes('"date"'));
  });

  it("prints the contract JSON last: npx patron clv --table … --json", () => {
    const csv = join(files.dir, "cli.csv");
    const day = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(csv, `id\tdate\tamount\n${tx.customer.map((c, i) => `${c}\t${day(tx.day[i])}\t${tx.amount[i]}`).join("\n")}\n`);
    const run = spawnSync(process.execPath, [join(root, "bin/patron.mjs"), "clv", "--table", csv, "--id", "id", "--date", "date", "--amount", "amount", "--as-of", "1997-09-30", "--db", join(files.dir, "cli.duckdb"), "--json"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const last = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(Object.keys(last), ["bgnbd", "gamma_gamma"]);
    assert.deepEqual(Object.keys(last.bgnbd), ["r", "alpha", "a", "b"]);
    assert.deepEqual(Object.keys(last.gamma_gamma), ["p", "q", "v"]);
    // Unrounded recency/T (the table path does not round) moves r by < 1e-3 from the published fit.
    assert.ok(Math.abs(last.bgnbd.r - LIFETIMES_CDNOW.r) < 1e-3);
  });
});
