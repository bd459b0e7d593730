/**
 * The loop end to end over real HTTP: a simulated shop sends events, asks for decisions and
 * reports outcomes to a running service (DuckDB, port 0), and the effect the service measures
 * against its holdout must cover the simulator's true uplift — known exactly from the oracle,
 * as the mean over customers of P(buy | the offer the policy chose) − P(buy | no offer). The
 * service explores a little (ε = 0.2), and a challenger is then retrained from what it logged.
 *
 * Size: 1,600 one-session customers with half held out, so the 95 % interval of the conversion
 * uplift is about ±0.05 wide around a true uplift of about 0.1 — tight enough that a wrong
 * measurement (mislinked outcomes, a customer counted twice or in the wrong group) misses the
 * truth, small enough that a run takes seconds (each decision is one HTTP round trip).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { retrain } from "../../src/loop/retrain.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { duckdbTestStore, type TestStore } from "../helpers/stores.ts";
import { loadProducts, simFixture, trainDiscountModel } from "../serve/fixtures.ts";
import { run, type Running } from "../serve/helpers.ts";
import { liveShop, playShop, type LiveShop, type Played } from "./shop.ts";

const DATASET = "sim";
const MARGIN = 0.3;

describe("closing the loop: measured uplift vs the simulator's truth", () => {
  let ts: TestStore;
  let api: Running;
  let live: LiveShop;
  let played: Played[];
  let report: any;
  let policyOffer: Map<string, string>;

  before(async () => {
    ts = await duckdbTestStore();
    await migrate(ts.store);
    // The policy: a T-learner over the five discount levels trained on another simulated shop.
    const training = simFixture(600, 101);
    await registerModel(ts.store, {
      purpose: "offers", model: trainDiscountModel(training).toJSON() as never,
      config: { discounts: [...DISCOUNT_LEVELS], marginRate: MARGIN }, activate: true,
    });
    live = liveShop(1600, 202);
    await loadProducts(ts.store, { shop: live.shop } as never, DATASET);
    // A little exploration, so the log can also teach a challenger every discount (last test).
    api = await run(ts.store, { dataset: DATASET, controlShare: 0.5, loop: { exploration: 0.2 } });
    played = await playShop(api, live, 303);
    await api.service.decisionLog.flush();
    const response = await api.call("GET", "/v1/effect?period=day", { key: api.readKey });
    assert.equal(response.status, 200, response.text);
    report = response.body;
    const rows = await ts.store.query<{ decision_id: string; policy_offer: string }>("SELECT decision_id, policy_offer FROM decisions WHERE dataset = $1", [DATASET]);
    policyOffer = new Map(rows.map((r) => [r.decision_id, r.policy_offer]));
  });

  after(async () => {
    await api?.service.close();
    await ts?.cleanup();
  });

  /** True per-customer effects of the policy from the oracle, over `which` customers. */
  function truth(which: (p: Played, policyArm: number) => boolean) {
    const levels = live.shop.oracle.levels.length;
    let conversion = 0;
    let revenue = 0;
    let profit = 0;
    let n = 0;
    for (const p of played) {
      const offer = policyOffer.get(p.decisionId)!;
      const arm = offer === "none" ? 0 : DISCOUNT_LEVELS.indexOf(Number(offer));
      if (!which(p, arm)) continue;
      const prob = live.shop.oracle.probability.subarray(p.session.row * levels, (p.session.row + 1) * levels);
      const d = DISCOUNT_LEVELS[arm] / 100;
      conversion += prob[arm] - prob[0];
      revenue += prob[arm] * p.session.price * (1 - d) - prob[0] * p.session.price;
      profit += prob[arm] * p.session.price * (MARGIN - d) - prob[0] * p.session.price * MARGIN;
      n++;
    }
    return { conversion: conversion / n, revenue: revenue / n, profit: profit / n, n };
  }

  it("links every outcome, by decision id and by customer and time window", () => {
    assert.equal(report.decisions, played.length);
    assert.equal(report.outcomes, played.length);
    const bought = played.filter((p) => p.bought).length;
    assert.equal(report.links.window, played.filter((p, k) => p.bought && k % 3 === 0).length);
    assert.equal(report.links.id + report.links.window, played.length);
    assert.ok(bought > 300, `${bought} purchases`);
    assert.deepEqual(report.marginRates, { "offers:v1": { rate: MARGIN, source: "policy" } });
  });

  it("counts every customer once in the right group", () => {
    const cell = report.cells.find((c: any) => c.period === "all" && c.scope === "all");
    assert.equal(cell.policyVersion, "offers:v1");
    assert.equal(cell.holdout.customers, played.filter((p) => p.holdout).length);
    assert.equal(cell.treated.customers, played.filter((p) => !p.holdout).length);
    assert.equal(cell.treated.converted, played.filter((p) => !p.holdout && p.bought).length);
    assert.equal(cell.holdout.converted, played.filter((p) => p.holdout && p.bought).length);
  });

  it("covers the true conversion, revenue and profit uplift with its 95 % intervals", (context) => {
    const cell = report.cells.find((c: any) => c.period === "all" && c.scope === "all");
    const t = truth(() => true);
    assert.ok(t.conversion > 0.02, `the policy should truly raise conversion; the oracle says ${t.conversion}`);
    const checks: Array<[string, any, number]> = [["conversion", cell.conversionDiff, t.conversion], ["revenue", cell.revenueDiff, t.revenue], ["profit", cell.profitDiff, t.profit]];
    for (const [what, measured, trueValue] of checks) {
      context.diagnostic(`${what}: true ${trueValue.toFixed(4)}, measured ${measured.estimate.toFixed(4)} [${measured.low.toFixed(4)}, ${measured.high.toFixed(4)}]`);
      assert.ok(measured.low <= trueValue && trueValue <= measured.high, `${what}: true ${trueValue} outside [${measured.low}, ${measured.high}]`);
    }
    assert.ok(cell.conversionDiff.high - cell.conversionDiff.low < 0.12, `interval too wide to mean anything: ${JSON.stringify(cell.conversionDiff)}`);
    // Incremental profit is the per-customer difference over the treated customers.
    assert.ok(Math.abs(cell.incrementalProfit.estimate - cell.profitDiff.estimate * cell.treated.customers) < 1e-6);
  });

  it("covers the true uplift of the offers alone where the policy chose one", () => {
    const cell = report.cells.find((c: any) => c.period === "all" && c.scope === "targeted");
    const t = truth((_p, arm) => arm > 0);
    assert.equal(cell.treated.customers + cell.holdout.customers, t.n);
    assert.ok(cell.conversionDiff.low <= t.conversion && t.conversion <= cell.conversionDiff.high, `true ${t.conversion} outside ${JSON.stringify(cell.conversionDiff)}`);
  });

  it("says how many customers the effect needs, and whether they are reached", () => {
    const cell = report.cells.find((c: any) => c.period === "all" && c.scope === "all");
    assert.ok(cell.sampleSize.holdout > 0 && cell.sampleSize.total === cell.sampleSize.holdout + cell.sampleSize.treated);
    assert.equal(cell.enough, cell.holdout.customers >= cell.sampleSize.holdout && cell.treated.customers >= cell.sampleSize.treated);
    const day = report.cells.filter((c: any) => c.period !== "all" && c.scope === "all");
    assert.equal(day.length, 1, "one day of decisions");
  });

  it("logs what retraining needs, and retrains a challenger from it", async () => {
    const [{ explored }] = await ts.store.query<{ explored: number }>("SELECT count(*) AS explored FROM decisions WHERE reason_codes LIKE '%EXPLORATION%'");
    assert.ok(Number(explored) > 100, `${explored} explored decisions`);
    const result = await retrain(ts.store, { dataset: DATASET, options: { nBootstrap: 200, minDecisions: 500, seed: 1 } });
    assert.equal(result.champion, "offers:v1");
    assert.equal(result.challenger.version, 2);
    assert.equal(result.trainingRange.decisions as number + (result.trainingRange.evaluation as { decisions: number }).decisions, played.length);
    // Every arm the challenger picks had a logged chance: the logging distribution came with every decision.
    assert.equal(result.evaluation.challenger.support, 1);
    assert.equal(result.promoted, result.evaluation.difference.ci[0] > result.evaluation.margin);
  });

  it("accepts outcomes idempotently and rejects ones it cannot link or read", async () => {
    const repeat = await api.call("POST", "/v1/outcomes", { body: { outcomes: [{ outcome_id: "o1", decision_id: played[1].decisionId, occurred_at: new Date().toISOString(), purchased: false }] } });
    assert.deepEqual(repeat.body, { accepted: 0, duplicates: ["o1"], unlinked: [] });
    const orphan = await api.call("POST", "/v1/outcomes", { body: { outcomes: [{ outcome_id: "x1", customer_id: "nobody", occurred_at: new Date().toISOString(), purchased: true, amount: 10 }] } });
    assert.deepEqual(orphan.body, { accepted: 1, duplicates: [], unlinked: [{ outcome_id: "x1", reason: "no-decision-in-window" }] });
    const neither = await api.call("POST", "/v1/outcomes", { body: { outcomes: [{ outcome_id: "x2", occurred_at: new Date().toISOString(), purchased: true }] } });
    assert.equal(neither.status, 400);
    assert.match(neither.text, /give decision_id \(from \/v1\/decide\) or customer_id/);
    const noKey = await api.call("POST", "/v1/outcomes", { key: null, body: { outcomes: [] } });
    assert.equal(noKey.status, 401);
  });
});
