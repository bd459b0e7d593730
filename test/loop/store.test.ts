/**
 * The loop's SQL on both real stores (DuckDB and PostgreSQL): outcomes written idempotently,
 * linked to logged decisions by id and by customer and time window, turned into money and
 * measured; the training log read back with its features, propensities and logging
 * distribution; the roles' option parsing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { measureStoredEffect } from "../../src/loop/effect-store.ts";
import { writeOutcomes } from "../../src/loop/outcome-store.ts";
import { readTrainingLog } from "../../src/loop/training-log.ts";
import { DbHealth } from "../../src/serve/db-health.ts";
import { DecisionLog } from "../../src/serve/decision-log.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { checkRoles, LoopOptions, parseRoles, routeServed } from "../../src/serve/roles/roles.ts";
import { storeKinds } from "../helpers/stores.ts";

const T0 = Date.parse("2024-06-03T10:00:00Z");
const MINUTE = 60_000;

for (const kind of storeKinds) {
  describe(`decisions and outcomes on ${kind.name}`, async () => {
    const skip = await kind.skip();

    it("links outcomes by id and by customer and window, once each, and measures them in money", { skip }, async () => {
      const ts = await kind.open();
      try {
        await migrate(ts.store);
        const health = new DbHealth(ts.store);
        const log = new DecisionLog(ts.store, health);
        // Alice: treated, 20 % off, two decisions an hour apart. Bob: holdout. Carol: treated, no offer chosen.
        const decisions = [
          { id: "a1", customer: "alice", at: T0, holdout: false, arm: 4, discount: 20 },
          { id: "a2", customer: "alice", at: T0 + 60 * MINUTE, holdout: false, arm: 4, discount: 20 },
          { id: "b1", customer: "bob", at: T0, holdout: true, arm: 0, discount: 0 },
          { id: "c1", customer: "carol", at: T0, holdout: false, arm: 0, discount: 0 },
        ];
        for (const d of decisions) {
          log.enqueue({
            decisionId: d.id, decidedMs: d.at, dataset: "shop", customerId: d.customer, sessionId: null, productId: "p1", experiment: "offers",
            holdout: d.holdout, arm: d.arm, offer: d.arm ? String(d.discount) : "none", discount: d.discount, policyArm: d.customer === "carol" ? 0 : 4,
            policyOffer: d.customer === "carol" ? "none" : "20", propensity: d.holdout ? 0.1 : 0.9, expectedProfit: 1, reasonCodes: ["X"],
            featureValues: Float64Array.of(1, 2, 0, 3, 1, 0, 250), modelVersion: "offers:v1", keyId: null,
            logging: Float64Array.of(0.1, 0, 0, 0, 0.9),
          } as Parameters<DecisionLog["enqueue"]>[0]);
        }
        await log.close();
        health.close();
        const first = await writeOutcomes(ts.store, "shop", [
          { outcome_id: "o1", decision_id: "a1", occurred_at: new Date(T0 + 5 * MINUTE), purchased: true, amount: 80 },
          // By customer: the latest decision at or before it is a2 (an hour later than a1).
          { outcome_id: "o2", customer_id: "alice", occurred_at: new Date(T0 + 90 * MINUTE), purchased: true, amount: 40, discount_amount: 10 },
          { outcome_id: "o3", customer_id: "bob", occurred_at: new Date(T0 + 10 * MINUTE), purchased: true, amount: 100 },
          { outcome_id: "o4", customer_id: "bob", occurred_at: new Date(T0 + 30 * 60 * MINUTE), purchased: true, amount: 100 },
          { outcome_id: "o5", decision_id: "nope", occurred_at: new Date(T0), purchased: false },
          { outcome_id: "o1", decision_id: "a1", occurred_at: new Date(T0 + 5 * MINUTE), purchased: true, amount: 80 },
        ]);
        assert.equal(first.accepted, 5);
        assert.deepEqual(first.duplicates, ["o1"]);
        assert.deepEqual(first.unlinked, [{ outcome_id: "o4", reason: "no-decision-in-window" }, { outcome_id: "o5", reason: "unknown-decision" }]);
        const again = await writeOutcomes(ts.store, "shop", [{ outcome_id: "o2", customer_id: "alice", occurred_at: new Date(T0), purchased: false }]);
        assert.deepEqual([again.accepted, again.duplicates], [0, ["o2"]]);

        const effect = await measureStoredEffect(ts.store, { dataset: "shop", period: "day" });
        assert.deepEqual(effect.links, { id: 1, window: 2, "unknown-decision": 1, "customer-mismatch": 0, "no-decision-in-window": 1 });
        const all = effect.cells.find((c) => c.period === "all" && c.scope === "all")!;
        assert.deepEqual([all.treated.customers, all.holdout.customers, all.treated.converted, all.holdout.converted], [2, 1, 1, 1]);
        // Alice paid 80 at 20 % off (list 100: discount 20) and 40 with a reported discount of 10.
        assert.equal(all.treated.revenue, 120);
        assert.equal(all.treated.discountCost, 30);
        // Profit = list × 0.3 − discount: (100 × 0.3 − 20) + (50 × 0.3 − 10) = 15; Bob 100 × 0.3 = 30.
        assert.ok(Math.abs(all.treated.profit - 15) < 1e-9);
        assert.ok(Math.abs(all.holdout.profit - 30) < 1e-9);
        const targeted = effect.cells.find((c) => c.period === "all" && c.scope === "targeted")!;
        assert.deepEqual([targeted.treated.customers, targeted.holdout.customers], [1, 1], "carol's policy offered nothing");

        const training = (await readTrainingLog(ts.store, { dataset: "shop", marginRate: 0.3, forceMargin: true }, [0, 5, 10, 15, 20]))!;
        assert.equal(training.x.nRows, 4);
        assert.deepEqual([...training.arm], [4, 0, 0, 4]);
        assert.deepEqual([...training.purchased], [1, 1, 0, 1]);
        assert.deepEqual(Array.from(training.logging!.subarray(0, 5)), [0.1, 0, 0, 0, 0.9]);
        assert.equal(training.x.data[6 * 4], 250, "price, the seventh feature");
      } finally {
        await ts.cleanup();
      }
    });
  });
}

describe("roles", () => {
  it("parses the role list and says which routes each serves", () => {
    assert.deepEqual(parseRoles("all"), ["api", "events", "decide", "jobs"]);
    assert.deepEqual(parseRoles("decide, events"), ["decide", "events"]);
    assert.throws(() => parseRoles("decide,web"), /--role must be all or a comma-separated list of api, events, decide, jobs; found "decide,web"/);
    assert.equal(routeServed("decide", ["decide"]), true);
    assert.equal(routeServed("decide", ["events"]), false);
    assert.equal(routeServed("health", ["jobs"]), true);
  });

  it("refuses a split without NATS, and says which roles publish and which consume", () => {
    assert.throws(() => checkRoles(LoopOptions.parse({ roles: ["decide"] })), /keeps its online features current from the events role over NATS JetStream; pass --nats-url/);
    assert.deepEqual(checkRoles(LoopOptions.parse({ roles: ["events"], nats: {} })), { publish: true, consume: false });
    assert.deepEqual(checkRoles(LoopOptions.parse({ roles: ["decide"], nats: {} })), { publish: false, consume: true });
    assert.deepEqual(checkRoles(LoopOptions.parse({})), { publish: false, consume: false });
  });
});
