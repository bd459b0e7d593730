/**
 * The pure parts of measuring live decisions: sample sizes (against a search on SciPy's power
 * function, test/reference/loop_effect.json), treated-vs-holdout effects per customer (against
 * pandas/numpy on a seeded log), periods, and the linking rules.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { measureEffects, periodKey, proportionDifference, type DecisionOutcomes } from "../../src/loop/effect.ts";
import { linkOutcomes } from "../../src/loop/linking.ts";
import { twoMeanSampleSize, twoProportionSampleSize } from "../../src/loop/power.ts";

const reference = JSON.parse(readFileSync(new URL("../reference/loop_effect.json", import.meta.url), "utf8"));

describe("sample size to detect an effect", () => {
  it("reproduces the textbook two-proportion size (p0 0.10, p1 0.15 → 686 per group)", () => {
    const n = twoProportionSampleSize(0.1, 0.15);
    assert.equal(n.holdout, 686);
    assert.equal(n.treated, 686);
    assert.equal(n.total, 1372);
  });

  it("equals the smallest n whose SciPy power reaches the target, for unequal groups and other levels", () => {
    for (const r of reference.sample_sizes) {
      const n = twoProportionSampleSize(r.p_holdout, r.p_treated, { alpha: r.alpha, power: r.power, ratio: r.ratio });
      // Exact: Fleiss's formula inverts the same power function the reference searched on.
      assert.equal(n.holdout, Math.ceil(r.n_holdout_continuous - 1e-9), JSON.stringify(r));
      assert.equal(n.treated, Math.ceil(r.n_treated_continuous - 1e-9), JSON.stringify(r));
      assert.ok(r.power_at_ceiling >= r.power);
    }
  });

  it("sizes a difference of means the same way", () => {
    for (const r of reference.mean_sizes) {
      const n = twoMeanSampleSize(r.delta, r.sd_holdout, r.sd_treated, { ratio: r.ratio });
      assert.equal(n.holdout, Math.ceil(r.n_holdout_continuous - 1e-9));
      assert.ok(r.power_at_ceiling >= 0.8);
    }
  });

  it("needs infinitely many customers for an effect of zero", () => {
    assert.equal(twoProportionSampleSize(0.2, 0.2).total, Infinity);
  });

  it("rejects a level outside (0, 1)", () => {
    assert.throws(() => twoProportionSampleSize(0.1, 0.2, { alpha: 1.5 }), /alpha must be in \(0, 1\)/);
  });
});

function seededLog(): DecisionOutcomes {
  const log = reference.log as Record<string, number[] | string[]>;
  const n = log.customer_id.length;
  const day = Date.parse("2024-05-01T10:00:00Z");
  return {
    customerId: log.customer_id as string[],
    experiment: new Array(n).fill("offers"),
    policyVersion: new Array(n).fill("offers:v1"),
    decidedMs: Float64Array.from({ length: n }, (_, i) => day + i * 1000),
    holdout: Uint8Array.from(log.holdout as number[]),
    targeted: Uint8Array.from(log.targeted as number[]),
    purchased: Uint8Array.from(log.purchased as number[]),
    revenue: Float64Array.from(log.revenue as number[]),
    discountCost: Float64Array.from(log.discount_cost as number[]),
    profit: Float64Array.from(log.profit as number[]),
  };
}

function assertClose(actual: number, expected: number, what: string) {
  // Sums of a few hundred doubles in a different order: 1e-9 relative.
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe("treated vs holdout effect per customer", () => {
  const cells = measureEffects(seededLog(), { period: "all" });

  for (const [scope, expected] of [["all", reference.effect_all], ["targeted", reference.effect_targeted]] as const) {
    it(`matches pandas/numpy on the ${scope} scope`, () => {
      const cell = cells.find((c) => c.scope === scope)!;
      assert.equal(cell.treated.customers, expected.treated_customers);
      assert.equal(cell.holdout.customers, expected.holdout_customers);
      assertClose(cell.treated.conversion, expected.treated_conversion, "treated conversion");
      assertClose(cell.holdout.conversion, expected.holdout_conversion, "holdout conversion");
      const [d, lo, hi] = expected.conversion_diff;
      assertClose(cell.conversionDiff.estimate, d, "conversion diff");
      assertClose(cell.conversionDiff.low, lo, "conversion low");
      assertClose(cell.conversionDiff.high, hi, "conversion high");
      for (const [mine, theirs] of [[cell.revenueDiff, expected.revenue_diff], [cell.profitDiff, expected.profit_diff], [cell.incrementalProfit, expected.incremental_profit]] as const) {
        assertClose(mine.estimate, theirs[0], "estimate");
        assertClose(mine.low, theirs[1], "low");
        assertClose(mine.high, theirs[2], "high");
      }
    });
  }

  it("sizes the experiment from the conversions seen and the observed allocation", () => {
    const cell = cells.find((c) => c.scope === "all")!;
    const expected = twoProportionSampleSize(cell.holdout.conversion, cell.treated.conversion, { ratio: cell.treated.customers / cell.holdout.customers });
    assert.deepEqual(cell.sampleSize, expected);
    assert.equal(cell.enough, cell.holdout.customers >= expected.holdout && cell.treated.customers >= expected.treated);
    assert.equal(cell.significant, cell.conversionDiff.low > 0);
  });

  it("splits by period and adds the whole range per policy", () => {
    const log = seededLog();
    const n = log.customerId.length;
    // Half the decisions a week later, under a second policy version for the last 100.
    const decidedMs = Float64Array.from(log.decidedMs, (t, i) => (i >= n / 2 ? t + 7 * 86_400_000 : t));
    const policyVersion = log.policyVersion.map((v, i) => (i >= n - 100 ? "offers:v2" : v));
    const split = measureEffects({ ...log, decidedMs, policyVersion }, { period: "week" });
    const v1 = split.filter((c) => c.policyVersion === "offers:v1" && c.scope === "all");
    assert.deepEqual(v1.map((c) => c.period), ["2024-04-29", "2024-05-06", "all"]);
    const decisionsPerPeriod = v1.slice(0, 2).reduce((s, c) => s + c.treated.decisions + c.holdout.decisions, 0);
    assert.equal(decisionsPerPeriod, n - 100);
    assert.equal(v1[2].treated.decisions + v1[2].holdout.decisions, n - 100);
  });

  it("gives no interval when a group is empty", () => {
    const d = proportionDifference(3, 10, 0, 0);
    assert.ok(Number.isNaN(d.estimate) && Number.isNaN(d.low));
  });
});

describe("periods", () => {
  it("starts ISO weeks on Monday and keys days and months in UTC", () => {
    const sunday = Date.parse("2024-05-05T23:59:59Z");
    assert.equal(periodKey(sunday, "week"), "2024-04-29");
    assert.equal(periodKey(Date.parse("2024-05-06T00:00:00Z"), "week"), "2024-05-06");
    assert.equal(periodKey(sunday, "day"), "2024-05-05");
    assert.equal(periodKey(sunday, "month"), "2024-05");
    assert.equal(periodKey(sunday, "all"), "all");
  });
});

describe("linking outcomes to decisions", () => {
  const t0 = Date.parse("2024-05-01T12:00:00Z");
  const hour = 3_600_000;
  const decisions = {
    decisionId: ["d1", "d2", "d3", "d4"],
    customerId: ["alice", "alice", "bob", "alice"],
    decidedMs: Float64Array.of(t0, t0 + 2 * hour, t0, t0 + 2 * hour),
  };
  const link = (decisionId: string | null, customerId: string | null, occurredMs: number, windowHours = 24) =>
    linkOutcomes(decisions, { decisionId: [decisionId], customerId: [customerId], occurredMs: Float64Array.of(occurredMs), windowMs: Float64Array.of(windowHours * hour) });

  it("links by id when the decision is logged", () => {
    const links = link("d3", null, t0 + hour);
    assert.equal(links.decision[0], 2);
    assert.equal(links.rule[0], "id");
  });

  it("refuses an id of another customer and an unknown id, without falling back to the window", () => {
    assert.equal(link("d3", "alice", t0 + hour).rule[0], "customer-mismatch");
    assert.equal(link("nope", "alice", t0 + hour).rule[0], "unknown-decision");
    assert.equal(link("nope", "alice", t0 + hour).decision[0], -1);
  });

  it("links by customer to the latest decision at or before the outcome (the later of two at the same instant)", () => {
    assert.equal(link(null, "alice", t0 + hour).decision[0], 0);
    assert.equal(link(null, "alice", t0 + 3 * hour).decision[0], 3);
    assert.equal(link(null, "alice", t0 + 2 * hour).rule[0], "window");
  });

  it("does not link outside the window or before any decision", () => {
    assert.equal(link(null, "alice", t0 + 2 * hour + 5 * hour, 4).rule[0], "no-decision-in-window");
    assert.equal(link(null, "alice", t0 - 1).rule[0], "no-decision-in-window");
    assert.equal(link(null, "carol", t0 + hour).rule[0], "no-decision-in-window");
  });
});
