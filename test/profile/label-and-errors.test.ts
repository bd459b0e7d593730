/**
 * Leakage warnings, drift by period and bad input, on both stores: a table whose `leak` column
 * is the label plus noise, whose `status` is the label in words, and whose ids were handed out
 * after sorting by the label; `noise` is independent of it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { driftByDate, profileTables } from "../../src/profile/profile.ts";
import { describeTable } from "../../src/profile/relation.ts";
import type { ProfileReport } from "../../src/profile/types.ts";
import { runProfile } from "../../src/profile/run.ts";
import { storeKinds, type TestStore } from "../helpers/stores.ts";
import { loadRows } from "./fixture.ts";

/** A small deterministic generator (Park–Miller) so the data are the same in every run. */
function lcg(seed: number) {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

function rows() {
  const random = lcg(42);
  return Array.from({ length: 200 }, (_, i) => {
    const y = i < 120 ? 0 : 1;
    return {
      id: i + 1,
      leak: y * 10 + random(),
      noise: random(),
      status: y === 1 ? "churned" : "active",
      segment: ["a", "b", "c"][i % 3],
      day: `2024-0${1 + Math.floor(i / 50)}-1${i % 10}`,
      y,
    };
  });
}

const columns = { id: "INTEGER", leak: "DOUBLE PRECISION", noise: "DOUBLE PRECISION", status: "VARCHAR", segment: "VARCHAR", day: "DATE", y: "INTEGER" };

for (const kind of storeKinds) {
  describe(`label leakage and drift on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    let report: ProfileReport;
    before(async () => {
      if (skip) return;
      ts = await kind.open();
      await loadRows(ts.store, "events", columns, rows());
      report = await profileTables(ts.store, [{ relation: await describeTable(ts.store, "events"), source: "events" }], { label: "y" });
    });
    after(async () => {
      if (!skip) await ts.cleanup();
    });

    it("flags a feature that almost equals the label and an id that predicts it", { skip }, () => {
      const codes = report.warnings.map((w) => `${w.code}:${w.column}`).sort();
      assert.deepEqual(codes, ["ID_PREDICTS_LABEL:id", "LEAKAGE:leak", "LEAKAGE:status"]);
      const features = report.profiles[0].label!.features;
      assert.equal(features.find((f) => f.column === "leak")!.auc, 1);
      assert.equal(features.find((f) => f.column === "status")!.normalizedMutualInfo, 1);
      assert.equal(features.find((f) => f.column === "id")!.auc, 1);
      const noise = features.find((f) => f.column === "noise")!;
      assert.ok(noise.auc! > 0.35 && noise.auc! < 0.65, `noise AUC ${noise.auc}`);
    });

    it("compares two periods of one table by PSI, leaving the date column out", { skip }, async () => {
      const relation = await describeTable(ts.store, "events");
      const { report: drift, warnings } = await driftByDate(ts.store, relation, "day", "2024-03-01");
      assert.deepEqual([drift.nBaseline, drift.nCurrent], [100, 100]);
      assert.deepEqual(drift.columns.map((c) => c.column), ["leak", "noise", "status", "segment", "y"]);
      // All of the first 100 rows are label 0; 80 of the last 100 are label 1.
      assert.equal(drift.columns.find((c) => c.column === "status")!.level, "significant");
      assert.ok(warnings.some((w) => w.code === "DRIFT_SIGNIFICANT" && w.column === "y"));
      assert.ok(drift.columns.find((c) => c.column === "segment")!.psi < 0.1);
    });

    it("rejects a missing label column and a label with one value, saying what to do", { skip }, async () => {
      const relation = await describeTable(ts.store, "events");
      await assert.rejects(profileTables(ts.store, [{ relation, source: "events" }], { label: "churn" }), { code: "E_COLUMN", message: /label column "churn" is not in events/ });
      await ts.store.exec("CREATE TABLE one_class AS SELECT * FROM events WHERE y = 0");
      const oneClass = await describeTable(ts.store, "one_class");
      await assert.rejects(profileTables(ts.store, [{ relation: oneClass, source: "one_class" }], { label: "y" }), { code: "E_LABEL", message: /at least two values/ });
      await assert.rejects(describeTable(ts.store, "nope"), { code: "E_NO_TABLE" });
      await assert.rejects(driftByDate(ts.store, relation, "segment", "2024-03-01"), { code: "E_PROFILE_INPUT", message: /must be a date/ });
    });
  });
}

describe("runProfile input errors", () => {
  it("names the problem and the fix", async () => {
    await assert.rejects(runProfile({}), { code: "E_PROFILE_INPUT", message: /give a file, --table NAME or --preset NAME/ });
    await assert.rejects(runProfile({ preset: "nope" }), { code: "E_PRESET", message: /one-click/ });
    await assert.rejects(runProfile({ files: ["/no/such/file.csv"] }), { code: "E_FILE", message: /\/no\/such\/file\.csv does not exist/ });
    await assert.rejects(runProfile({ preset: "one-click", splitDate: "2024-01-01" }), { code: "E_PROFILE_INPUT", message: /--date-column/ });
  });
});
