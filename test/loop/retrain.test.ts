/**
 * Retraining with champion/challenger on a simulated decision log whose truth is known: the
 * simulator's sessions, each with a uniformly random discount (propensity 1/5, the logging
 * distribution logged with it), written through the service's own decision log, with their
 * purchases reported as outcomes. The champion is deliberately bad (a T-learner that learned the
 * discount levels backwards), so a challenger retrained from the log must beat it — and the
 * off-policy values must cover each policy's true expected profit from the oracle. Then: a second
 * retrain against the new champion is not promoted (no gain over the margin), every version stays
 * in the registry with its metrics and training range, and rollback is one call each way.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { migrate } from "../../src/serve/migrations.ts";
import { discountPolicy } from "../../src/serve/policy.ts";
import { activeEntry, listModels, registerModel, versionLabel } from "../../src/serve/registry-store.ts";
import { policyArms } from "../../src/loop/challenger.ts";
import { retrain, type RetrainResult } from "../../src/loop/retrain.ts";
import { rollback } from "../../src/loop/rollback.ts";
import { readTrainingLog, sliceLog } from "../../src/loop/training-log.ts";
import { sessionTable } from "../../src/uplift/session-features.ts";
import { expectedProfit, oracleRows } from "../../src/uplift/simulator-oracle.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { duckdbTestStore, type TestStore } from "../helpers/stores.ts";
import { simFixture } from "../serve/fixtures.ts";
import { backwardsModel, writeSimulatedLog } from "./log-fixture.ts";

const DATASET = "sim";
const CONFIG = { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 };
const ARMS = DISCOUNT_LEVELS.map((d) => (d === 0 ? "none" : `${d}%`));
const OPTIONS = { nBootstrap: 300, minDecisions: 500, seed: 5 };

const fixture = simFixture(900, 41);
const table = sessionTable(fixture.shop.events, fixture.catalog, DISCOUNT_LEVELS);
const writeLog = (ts: TestStore, rows: number[], options: { logging?: boolean } = {}) => writeSimulatedLog(ts.store, table, DATASET, rows, options);
const backwardsChampion = () => backwardsModel(table);

describe("retraining from the decision log: champion vs challenger", () => {
  let ts: TestStore;
  let first: RetrainResult;
  let second: RetrainResult;
  const order = Array.from(table.decisionMs.keys()).sort((a, b) => table.decisionMs[a] - table.decisionMs[b] || a - b);

  before(async () => {
    ts = await duckdbTestStore();
    await migrate(ts.store);
    await registerModel(ts.store, { purpose: "offers", model: backwardsChampion().toJSON() as never, config: CONFIG, activate: true, description: "backwards" });
    await writeLog(ts, order);
    first = await retrain(ts.store, { dataset: DATASET, options: OPTIONS });
    second = await retrain(ts.store, { dataset: DATASET, options: OPTIONS });
  });

  after(async () => {
    await ts?.cleanup();
  });

  it("promotes a challenger that beats the champion by the margin with 95 % confidence", async () => {
    assert.equal(first.champion, "offers:v1");
    assert.equal(first.promoted, true, first.reason);
    const e = first.evaluation;
    assert.ok(e.difference.ci[0] > e.margin, JSON.stringify(e.difference));
    assert.equal(e.margin, 0.02 * Math.abs(e.champion.snipw));
    assert.equal(e.challenger.support, 1, "a uniformly exploring log supports every arm");
    assert.equal((await activeEntry(ts.store, "offers"))?.version, 2);
  });

  it("values both policies within their intervals of the oracle's true expected profit", async () => {
    const log = (await readTrainingLog(ts.store, { dataset: DATASET, marginRate: 0.3, forceMargin: true }, DISCOUNT_LEVELS))!;
    const nEval = first.evaluation.rows;
    const test = sliceLog(log, Int32Array.from({ length: nEval }, (_, i) => log.x.nRows - nEval + i));
    const sessions = test.productId.map((_, i) => order[log.x.nRows - nEval + i]);
    const rows = oracleRows(fixture.shop, sessions.map((r) => table.sessionId[r]));
    const price = sessions.map((r) => table.price[r]);
    const models = await listModels(ts.store, "offers");
    for (const [which, version] of [["champion", 1], ["challenger", 2]] as const) {
      const entry = models.find((m) => m.version === version)!;
      const { getEntry } = await import("../../src/serve/registry-store.ts");
      const full = (await getEntry(ts.store, entry.modelId))!;
      const policy = await discountPolicy(versionLabel(full), full.model, full.config);
      const arms = policyArms(policy, test.x, test.productId);
      const truth = expectedProfit(fixture.shop, rows, arms, price, 0.3) / nEval;
      const value = first.evaluation[which];
      assert.ok(value.snipwCi[0] <= truth && truth <= value.snipwCi[1], `${which}: true ${truth} outside ${value.snipwCi}`);
    }
  });

  it("keeps every version with its metrics and training range, and does not promote a challenger without a gain", async () => {
    assert.equal(second.champion, "offers:v2");
    assert.equal(second.promoted, false);
    assert.match(second.reason, /^kept the champion: .* does not clear the margin/);
    const models = await listModels(ts.store, "offers");
    assert.deepEqual(models.map((m) => [m.version, m.active]), [[3, false], [2, true], [1, false]]);
    const v2 = models.find((m) => m.version === 2)!;
    const range = v2.trainingRange as { from: string; to: string; decisions: number; evaluation: { from: string; decisions: number } };
    assert.equal(range.decisions + range.evaluation.decisions, table.features.nRows);
    assert.equal(range.from, new Date(table.decisionMs[order[0]]).toISOString());
    assert.ok(range.to <= range.evaluation.from, "trained only on decisions older than those it was evaluated on");
    assert.equal((v2.metrics as { promoted: boolean }).promoted, true);
    assert.equal((v2.metrics as { champion: { version: string } }).champion.version, "offers:v1");
  });

  it("rolls back to the previously active version in one call, and forward again", async () => {
    const back = await rollback(ts.store, "offers");
    assert.equal(back.from, "offers:v2");
    assert.equal(back.to.version, 1);
    assert.equal((await activeEntry(ts.store, "offers"))?.version, 1);
    const forward = await rollback(ts.store, "offers");
    assert.equal(forward.to.version, 2);
  });
});

describe("retraining refuses what it cannot learn from", () => {
  it("needs enough decisions", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      await writeLog(ts, Array.from({ length: 50 }, (_, i) => i));
      await assert.rejects(retrain(ts.store, { dataset: DATASET, config: CONFIG, options: OPTIONS }), /retraining needs at least 500 logged decisions .* found 50/);
    } finally {
      await ts.cleanup();
    }
  });

  it("needs every discount tried, and says to let the service explore", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      // A log of a service that never explored: only no offer and 10 %.
      const rows = Array.from(table.arm.keys()).filter((r) => table.arm[r] === 0 || table.arm[r] === 2).slice(0, 800);
      await writeLog(ts, rows, { logging: false });
      await assert.rejects(retrain(ts.store, { dataset: DATASET, config: CONFIG, options: OPTIONS }), /do not try every discount .*patron serve --exploration/);
    } finally {
      await ts.cleanup();
    }
  });

  it("needs a policy config when no offers model is active", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      await assert.rejects(retrain(ts.store, { dataset: DATASET }), /no offers model is active, so retraining needs the policy config/);
    } finally {
      await ts.cleanup();
    }
  });
});
