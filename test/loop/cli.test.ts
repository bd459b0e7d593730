/**
 * `patron retrain` and `patron models list | rollback` as a user runs them (the real CLI in a
 * child process) on a DuckDB file holding a simulated decision log and a bad champion: the
 * challenger is evaluated and registered (a dry run, so not activated), activated by hand, and
 * one command rolls the policy back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { migrate } from "../../src/serve/migrations.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { sessionTable } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { tempDir } from "../helpers/stores.ts";
import { lastJson, runPatron } from "../ingest/cli-helpers.ts";
import { simFixture } from "../serve/fixtures.ts";
import { backwardsModel, writeSimulatedLog } from "./log-fixture.ts";

describe("patron retrain and patron models", () => {
  it("retrains (dry run), activates the challenger, rolls back in one command and lists the versions", async () => {
    const tmp = tempDir("patron-retrain-cli-");
    try {
      const db = join(tmp.dir, "loop.duckdb");
      const fixture = simFixture(400, 9);
      const table = sessionTable(fixture.shop.events, fixture.catalog, DISCOUNT_LEVELS);
      const store = await openDuckDBStore(db);
      await migrate(store);
      await registerModel(store, { purpose: "offers", model: backwardsModel(table).toJSON() as never, config: { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 }, activate: true });
      await writeSimulatedLog(store, table, "sim", Array.from(table.decisionMs.keys()).sort((a, b) => table.decisionMs[a] - table.decisionMs[b] || a - b));
      await store.close();

      // A dry run evaluates and registers but activates nothing; activation and rollback are one command each.
      const retrained = await runPatron(["retrain", "--db", db, "--dataset", "sim", "--bootstrap", "200", "--min-decisions", "200", "--dry-run", "--json"]);
      assert.equal(retrained.code, 0, retrained.stderr);
      const result = lastJson(retrained.stdout) as {
        champion: string; challenger: { model_id: string; version: number; active: boolean }; promoted: boolean; reason: string;
        evaluation: { rows: number; difference: { ci: [number, number] }; champion: { snipwCi: [number, number] } };
      };
      assert.equal(result.champion, "offers:v1");
      assert.equal(result.challenger.version, 2);
      assert.equal(result.promoted, false);
      assert.equal(result.challenger.active, false);
      assert.match(result.reason, /^(dry run: promoted|kept the champion)/);
      assert.ok(result.evaluation.rows > 0 && result.evaluation.difference.ci[0] <= result.evaluation.difference.ci[1]);

      const activated = await runPatron(["models", "activate", result.challenger.model_id, "--db", db, "--json"]);
      assert.equal(activated.code, 0, activated.stderr);
      const back = await runPatron(["models", "rollback", "--db", db, "--json"]);
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual((lastJson(back.stdout) as { from: string; to: { version: number } }).from, "offers:v2");
      const listed = await runPatron(["models", "list", "--db", db, "--purpose", "offers", "--json"]);
      const models = (lastJson(listed.stdout) as { models: Array<{ version: number; active: boolean; trainingRange: { decisions: number } | null }> }).models;
      assert.deepEqual(models.map((m) => [m.version, m.active]), [[2, false], [1, true]]);
      assert.ok((models[0].trainingRange?.decisions ?? 0) > 200);
    } finally {
      tmp.cleanup();
    }
  });
});
