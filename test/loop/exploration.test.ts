/**
 * Exploration and logged propensities: ε-greedy draws arms with the probabilities it reports,
 * the logging distribution adds the holdout correctly and sums to 1, and the decider logs the
 * propensity of the arm actually given together with the whole distribution.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rng } from "../../src/core/rng.ts";
import { explore, loggingDistribution } from "../../src/loop/exploration.ts";
import { LiveCatalog } from "../../src/serve/catalog.ts";
import { Decider } from "../../src/serve/decide.ts";
import type { DecisionLog, DecisionRecord } from "../../src/serve/decision-log.ts";
import { ServiceMetrics } from "../../src/serve/metrics.ts";
import { OnlineFeatures } from "../../src/serve/online-features.ts";
import type { Policy, PolicyChoice } from "../../src/serve/policy.ts";

const choice = (arm: number): PolicyChoice => ({ arm, expectedProfit: 1, reasons: ["DISCOUNT_PAYS"], responses: Float64Array.of(0.2, 0.3, 0.4, 0.5, 0.6), profits: Float64Array.of(1, 2, 3, 4, 5) });

describe("ε-greedy exploration", () => {
  it("keeps the policy's arm when ε is 0 or there is nothing to explore", () => {
    const none = explore(choice(2), 5, 0, rng(1));
    assert.equal(none.arm, 2);
    assert.deepEqual([...none.probabilities], [0, 0, 1, 0, 0]);
    const noModel = explore({ arm: 0, expectedProfit: null, reasons: ["UNKNOWN_PRODUCT"] }, 5, 0.5, rng(1));
    assert.deepEqual([...noModel.probabilities], [1, 0, 0, 0, 0]);
  });

  it("draws each arm with the probability it reports", () => {
    const random = rng(7);
    const counts = new Array(5).fill(0);
    const n = 20_000;
    let probabilities: Float64Array | undefined;
    for (let i = 0; i < n; i++) {
      const e = explore(choice(3), 5, 0.3, random);
      counts[e.arm]++;
      probabilities = e.probabilities;
    }
    assert.deepEqual([...probabilities!].map((p) => Math.round(p * 1e12) / 1e12), [0.06, 0.06, 0.06, 0.76, 0.06]);
    for (let a = 0; a < 5; a++) {
      const p = probabilities![a];
      // 5 binomial standard errors: a seeded stream, so this is fixed, but not tuned to it.
      assert.ok(Math.abs(counts[a] / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `arm ${a}: ${counts[a] / n} vs ${p}`);
    }
  });

  it("adds the holdout's no-offer to the logging distribution", () => {
    const mu = loggingDistribution(Float64Array.of(0.01, 0.01, 0.96, 0.01, 0.01), 0.1);
    assert.ok(Math.abs(mu[0] - (0.1 + 0.9 * 0.01)) < 1e-15);
    assert.ok(Math.abs(mu[2] - 0.9 * 0.96) < 1e-15);
    assert.ok(Math.abs(mu.reduce((s, p) => s + p, 0) - 1) < 1e-12);
  });
});

describe("the decider logs what exploration did", () => {
  function decider(exploration: number) {
    const records: DecisionRecord[] = [];
    const log = { enqueue: (r: DecisionRecord) => records.push(r) } as unknown as DecisionLog;
    const policy: Policy = { version: "stub", discounts: [0, 5, 10, 15, 20], decide: () => choice(2) };
    const d = new Decider(new OnlineFeatures(new LiveCatalog()), log, new ServiceMetrics(), { dataset: "x", experiment: "offers", controlShare: 0.2, exploration, explorationSeed: 3 }, policy);
    return { d, records };
  }

  it("logs the propensity of the arm given and the whole distribution", () => {
    const { d, records } = decider(0.5);
    for (let i = 0; i < 400; i++) d.decide({ customer_id: `c${i}`, session_id: "s" }, null);
    let explored = 0;
    for (const r of records) {
      const logging = (r as DecisionRecord & { logging: Float64Array }).logging;
      assert.equal(r.propensity, logging[r.arm]);
      assert.ok(Math.abs(logging.reduce((s, p) => s + p, 0) - 1) < 1e-12);
      if (r.holdout) assert.equal(r.arm, 0);
      else assert.equal(r.arm, r.policyArm);
      if (r.reasonCodes.includes("EXPLORATION")) {
        explored++;
        assert.notEqual(r.policyArm, 2);
      }
    }
    // ε/2 of decisions draw another arm than the policy's (4 of 5 uniform draws differ): about 40 %.
    assert.ok(explored > 120 && explored < 200, `${explored} explored of 400`);
  });

  it("logs the deterministic design unchanged without exploration", () => {
    const { d, records } = decider(0);
    for (let i = 0; i < 50; i++) d.decide({ customer_id: `c${i}`, session_id: "s" }, null);
    for (const r of records) assert.equal(r.propensity, r.holdout ? 0.2 : 0.8);
  });
});
