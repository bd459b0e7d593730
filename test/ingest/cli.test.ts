/**
 * The CLI as users run it: `patron ingest --preset … --json` prints the reconciliation as the
 * last stdout line (rows_read, loaded, rejected, filtered first), `patron status` shows it
 * back, bad arguments exit 2 with a coded error, and --help describes the options.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { tempDir } from "../helpers/stores.ts";
import { lastJson, runPatron } from "./cli-helpers.ts";
import { sumFiltered } from "./helpers.ts";

describe("patron ingest / status", () => {
  const tmp = tempDir("patron-cli-");
  const db = join(tmp.dir, "cli.duckdb");
  after(() => tmp.cleanup());

  it("ingest --preset cdnow --json prints the reconciliation contract last", async () => {
    const run = await runPatron(["ingest", "--preset", "cdnow", "--db", db, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = lastJson(run.stdout) as { rows_read: number; loaded: number; rejected: number; filtered: Record<string, number> };
    assert.deepEqual(Object.keys(result).slice(0, 4), ["rows_read", "loaded", "rejected", "filtered"]);
    assert.equal(result.rows_read, 6919);
    assert.equal(result.rows_read, result.loaded + result.rejected + sumFiltered(result.filtered));
  });

  it("status shows the dataset, its tables and a reconciliation that checks", async () => {
    const run = await runPatron(["status", "--db", db]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^cdnow: customers 2,357, orders 6,919$/m);
    assert.match(run.stdout, /6,919 +6,919 +0 +0 +ok$/m);
  });

  it("a usage error exits 2 with a coded JSON error", async () => {
    const run = await runPatron(["ingest", "--preset", "no-such-preset", "--db", db, "--json"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /E_UNKNOWN_PRESET/);
    assert.deepEqual(lastJson(run.stdout), {
      error: { code: "E_UNKNOWN_PRESET", message: 'unknown preset "no-such-preset"; expected one of online-retail, one-click, hillstrom, ium, cdnow.' },
    });
  });

  it("ingest --help lists presets and mapping files", async () => {
    const run = await runPatron(["ingest", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /--preset <name>/);
    assert.match(run.stdout, /--mapping <file>/);
    assert.match(run.stdout, /--customers <policy>/);
  });
});
