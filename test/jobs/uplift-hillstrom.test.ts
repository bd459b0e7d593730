/**
 * The uplift job on Hillstrom:
 * - the feature SQL (src/features/hillstrom.ts) on both stores, on hand-written rows whose
 *   encoding is checked cell by cell, and on the bundled 64,000 rows against an independent
 *   parse of the CSV (test/uplift/helpers/hillstrom.ts), with the holdout rule;
 * - the job end to end, in a reduced setting that keeps the test fast (two learners, 2 folds,
 *   20 bootstrap resamples and random seeds, one thread): every holdout figure it reports equals the metric recomputed from
 *   the stored scores, the random band is below the chosen learner's uplift@30 %, the economics
 *   and types cover every customer, the run, the scores and the registry entry are stored, and the
 *   report section drawn from the stored run renders every chart.
 * The full job (four learners, 5 folds, 200 resamples) is what `patron uplift` runs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { publishUpliftRun } from "../../src/cli/commands/uplift.ts";
import { column, takeRows } from "../../src/core/matrix.ts";
import { ensureDataset } from "../../src/data/ensure.ts";
import { ensureSchema } from "../../src/data/load.ts";
import { HILLSTROM_FEATURES, hillstromTable, isHoldoutRow } from "../../src/features/hillstrom.ts";
import { runUpliftJob } from "../../src/jobs/uplift/hillstrom-job.ts";
import { latestUpliftRun } from "../../src/jobs/uplift/persist.ts";
import { loadScorer, scoreCsv } from "../../src/jobs/uplift/scorer.ts";
import { parseCsv } from "../../src/serve/csv.ts";
import { activeEntry } from "../../src/serve/registry-store.ts";
import { upliftSection } from "../../src/report/uplift-section.ts";
import { buildScorer } from "../../src/serve/score.ts";
import { upliftAtK } from "../../src/metrics/uplift-at-k.ts";
import { qiniAucScore, upliftAucScore } from "../../src/metrics/uplift-curves.ts";
import { duckdbTestStore, storeKinds, tempDir } from "../helpers/stores.ts";
import { checkSection } from "./helpers/sections.ts";
import { loadHillstrom } from "../uplift/helpers/hillstrom.ts";

for (const kind of storeKinds) {
  test(`Hillstrom features on ${kind.name}: arms, outcomes and one-hot columns from the canonical tables`, async (t) => {
    const reason = await kind.skip();
    if (reason) return t.skip(reason);
    const ts = await kind.open();
    try {
      const s = ts.store;
      await ensureSchema(s);
      const customers = [
        ["0", { recency: 10, history_segment: "2) $100 - $200", history: 142.44, mens: 1, womens: 0, zip_code: "Surburban", newbie: 0, channel: "Phone" }, "Womens E-Mail", [0, 0, 0]],
        ["1", { recency: 6, history_segment: "3) $200 - $350", history: 329.08, mens: 1, womens: 1, zip_code: "Rural", newbie: 1, channel: "Web" }, "No E-Mail", [1, 0, 0]],
        ["13", { recency: 2, history_segment: "1) $0 - $100", history: 45.34, mens: 0, womens: 1, zip_code: "Urban", newbie: 0, channel: "Multichannel" }, "Mens E-Mail", [1, 1, 29.99]],
      ] as const;
      for (const [id, attributes, arm, [visit, conversion, spend]] of customers) {
        await s.exec("INSERT INTO customers (dataset, customer_id, attributes, ingest_id) VALUES ('hillstrom', $1, CAST($2 AS JSON), 'test')".replace("JSON", s.kind === "postgres" ? "JSONB" : "JSON"), [id, JSON.stringify(attributes)]);
        await s.exec("INSERT INTO exposures (dataset, customer_id, campaign, arm, ingest_id) VALUES ('hillstrom', $1, 'hillstrom-2008', $2, 'test')", [id, arm]);
        for (const [metric, value] of [["visit", visit], ["conversion", conversion], ["spend", spend]] as const) {
          await s.exec("INSERT INTO outcomes (dataset, customer_id, campaign, metric, value, ingest_id) VALUES ('hillstrom', $1, 'hillstrom-2008', $2, $3, 'test')", [id, metric, value]);
        }
      }
      const table = await hillstromTable(s);
      assert.deepEqual(table.customerId, ["0", "1", "13"]);
      assert.deepEqual([...table.rowNumber], [0, 1, 13]);
      assert.deepEqual(table.arm, ["Womens E-Mail", "No E-Mail", "Mens E-Mail"]);
      assert.deepEqual([...table.visit], [0, 1, 1]);
      assert.deepEqual([...table.spend], [0, 0, 29.99]);
      assert.deepEqual([...table.features.columns], [...HILLSTROM_FEATURES]);
      const row = (i: number) => table.features.columns.map((_, j) => column(table.features, j)[i]);
      // recency, history, mens, womens, newbie, zip urban/surburban/rural, channel phone/web/multichannel
      assert.deepEqual(row(0), [10, 142.44, 1, 0, 0, 0, 1, 0, 1, 0, 0]);
      assert.deepEqual(row(1), [6, 329.08, 1, 1, 1, 0, 0, 1, 0, 1, 0]);
      assert.deepEqual(row(2), [2, 45.34, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
      assert.deepEqual([0, 1, 13].map(isHoldoutRow), [true, true, false]);
      await assert.rejects(hillstromTable(s, "nothing-here"), { code: "E_NO_DATA" });
    } finally {
      await ts.cleanup();
    }
  });
}

test("the Hillstrom job on the bundled data: figures recomputable from its scores, stored and registered", async () => {
  const ts = await duckdbTestStore();
  const work = tempDir();
  try {
    await ensureDataset(ts.store, "hillstrom");
    const table = await hillstromTable(ts.store);
    // Same rows and features as an independent parse of the CSV.
    const csv = loadHillstrom();
    assert.equal(table.customerId.length, 64000);
    assert.deepEqual(table.arm, csv.segment);
    assert.deepEqual(table.visit, csv.visit);
    for (const name of HILLSTROM_FEATURES) {
      const csvName = name.replace(/^zip_(.)/, (_, c) => `zip_${c.toUpperCase()}`).replace(/^channel_(.)/, (_, c) => `channel_${c.toUpperCase()}`);
      assert.deepEqual(column(table.features, table.features.columns.indexOf(name)), column(csv.x, csv.x.columns.indexOf(csvName)), name);
    }
    assert.equal(table.rowNumber.filter(isHoldoutRow).length, 19200);

    const output = await runUpliftJob(ts.store, { candidates: ["t-gbdt", "x-gbdt"], nFolds: 2, nBootstrap: 20, nRandomSeeds: 20, nPolicyBootstrap: 20, seed: 3, nThreads: 1 });
    const r = output.result;
    const [womens, mens] = r.comparisons;
    assert.deepEqual(r.comparisons.map((c) => c.arm), ["Womens E-Mail", "Mens E-Mail"]);
    assert.ok(["t-gbdt", "x-gbdt"].includes(womens.chosen.name));
    assert.equal(womens.chosen.name, womens.selection.candidates.reduce((a, b) => (b.score > a.score ? b : a)).name, "chosen by the CV criterion");
    // The holdout sizes of the scikit-learn reference script, which splits the CSV by row number itself.
    const reference = JSON.parse(gunzipSync(readFileSync(new URL("../reference/uplift_job_hillstrom.json.gz", import.meta.url))).toString("utf8"));
    assert.equal(womens.holdout.nRows, reference.comparisons[0].n_holdout);
    assert.equal(mens.holdout.nRows, reference.comparisons[1].n_holdout);
    assert.equal(womens.nTrain, reference.comparisons[0].n_train);

    // Recompute the holdout figures from the stored scores of the holdout customers.
    const holdout = table.customerId.map((_, i) => i).filter((i) => isHoldoutRow(table.rowNumber[i]) && table.arm[i] !== "Mens E-Mail");
    const y = Float64Array.from(holdout, (i) => table.visit[i]);
    const treated = Float64Array.from(holdout, (i) => (table.arm[i] === "Womens E-Mail" ? 1 : 0));
    const u = Float64Array.from(holdout, (i) => output.scores.uplift[i]);
    assert.equal(womens.holdout.upliftAt30.value, upliftAtK(y, u, treated, { k: 0.3 }));
    assert.equal(womens.holdout.qiniAuc.value, qiniAucScore(y, u, treated));
    assert.equal(womens.holdout.upliftAuc.value, upliftAucScore(y, u, treated));
    assert.deepEqual(r.summary, { uplift_at_30: womens.holdout.upliftAt30.value, qini_auc: womens.holdout.qiniAuc.value, uplift_auc: womens.holdout.upliftAuc.value, best_learner: womens.chosen.name });
    // The womens e-mail has a real effect: the learner beats the random band and the average effect.
    assert.ok(womens.holdout.upliftAt30.value > womens.holdout.upliftAt30.random.p975, "womens uplift@30% above 97.5 % of random scores");
    assert.ok(womens.holdout.upliftAt30.value > womens.holdout.ate);
    assert.ok(womens.holdout.upliftAt30.sd > 0.005 && womens.holdout.upliftAt30.sd < 0.03, `bootstrap sd ${womens.holdout.upliftAt30.sd}`);

    // Economics, types and the 3-arm policy.
    const e = womens.economics;
    assert.equal(e.rows[0].profit, 0);
    assert.equal(e.best.profit, Math.max(...e.rows.map((row) => row.profit)));
    assert.equal(Object.values(womens.types.counts).reduce((a, b) => a + b, 0), 64000);
    assert.equal(output.scores.customerId.length, 64000);
    assert.equal(output.scores.customerType.filter((k) => k === "persuadable").length, womens.types.counts.persuadable);
    assert.deepEqual(r.policy.rows.map((p) => p.policy).slice(1), ["nobody (No E-Mail)", "everybody: Womens E-Mail", "everybody: Mens E-Mail", "random arm"]);
    const nobody = r.policy.rows[1];
    assert.ok(Math.abs(nobody.conversion.value - mens.holdout.controlRate) < 1e-12, "SNIPW of sending nobody = the control's visit rate");
    assert.ok(womens.explanation && womens.explanation.features.length === HILLSTROM_FEATURES.length);

    // Stored: the run and every customer's score, readable for the report.
    const modelFile = join(work.dir, "model.json");
    const runId = await publishUpliftRun(ts.store, output, { saveModel: modelFile });
    const [{ n }] = await ts.store.query<{ n: number }>("SELECT count(*) AS n FROM uplift_scores");
    assert.equal(Number(n), 64000);
    const [row] = await ts.store.query<{ uplift: number; customer_type: string; run_id: string }>("SELECT uplift, customer_type, run_id FROM uplift_scores WHERE customer_id = '13'");
    assert.equal(row.uplift, output.scores.uplift[13]);
    assert.equal(row.customer_type, output.scores.customerType[13]);
    assert.equal(row.run_id, runId);
    const latest = await latestUpliftRun(ts.store);
    assert.equal(latest?.runId, runId);
    assert.deepEqual(latest?.result.summary, r.summary);
    // The report section, from the stored result: every chart draws, the figures are the stored ones.
    const section = upliftSection(latest!.result);
    await checkSection(section);
    for (const id of ["qini", "uplift-curve", "percentile", "profit", "types", "shap", "policy", "noise", "mens-noise", "mens-qini"]) assert.ok(id in section.specs, id);
    assert.ok(section.html.includes(womens.holdout.upliftAt30.value.toFixed(4)));
    assert.ok(section.html.includes(`contact the top <b>${womens.economics.best.percent} %</b>`));

    // Registered (as the scorer file) as the service's active uplift model, which /v1/score builds as is.
    const entry = await activeEntry(ts.store, "uplift");
    assert.ok(entry, "an active uplift model");
    assert.equal(entry.kind, "patron-uplift-scorer");
    const scorer = await buildScorer("uplift:v1", entry.model, entry.config);
    const probe = takeRows(table.features, Int32Array.from(holdout.slice(0, 50)));
    assert.deepEqual(scorer.scorer.model.predictUplift(probe), output.model.predictUplift(probe));

    // The saved model file scores Hillstrom's own columns (categories as text) to the same uplift.
    const saved = await loadScorer(JSON.parse(readFileSync(modelFile, "utf8")), modelFile);
    const lines = ["recency,history,mens,womens,newbie,zip_code,channel"];
    for (const i of holdout.slice(0, 50)) {
      const f = (name: string) => column(table.features, table.features.columns.indexOf(name))[i];
      const zip = ["Urban", "Surburban", "Rural"].find((z) => f(`zip_${z.toLowerCase()}`) === 1);
      const channel = ["Phone", "Web", "Multichannel"].find((c) => f(`channel_${c.toLowerCase()}`) === 1);
      lines.push([f("recency"), f("history"), f("mens"), f("womens"), f("newbie"), zip, channel].join(","));
    }
    const scored = scoreCsv(saved, parseCsv(lines.join("\n"), "holdout.csv"), "holdout.csv");
    scored.rows.forEach((cells, k) => assert.ok(Math.abs(Number(cells[9]) - output.scores.uplift[holdout[k]]) <= 1e-6));
  } finally {
    await ts.cleanup();
    work.cleanup();
  }
});
