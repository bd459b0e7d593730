/**
 * The measured effect in `patron report` and on the dashboard: the section written from the
 * effect cells (figures, both scopes, the chart drawn to SVG by the report's own renderer), and
 * the whole report read from a store holding logged decisions and reported outcomes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeReport } from "../../src/cli/commands/report.ts";
import { measureEffects, type DecisionOutcomes } from "../../src/loop/effect.ts";
import { writeOutcomes } from "../../src/loop/outcome-store.ts";
import { loopJob, loopSection } from "../../src/report/loop-section.ts";
import { inlineCharts } from "../../src/report/report-svg.ts";
import { DbHealth } from "../../src/serve/db-health.ts";
import { DecisionLog } from "../../src/serve/decision-log.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { duckdbTestStore, tempDir } from "../helpers/stores.ts";

const reference = JSON.parse(readFileSync(new URL("../reference/loop_effect.json", import.meta.url), "utf8"));

function report() {
  const log = reference.log;
  const n = log.customer_id.length;
  const d: DecisionOutcomes = {
    customerId: log.customer_id, experiment: new Array(n).fill("offers"), policyVersion: new Array(n).fill("offers:v2"),
    decidedMs: Float64Array.from({ length: n }, (_, i) => Date.parse("2024-05-01T00:00:00Z") + i * 60_000),
    holdout: Uint8Array.from(log.holdout), targeted: Uint8Array.from(log.targeted), purchased: Uint8Array.from(log.purchased),
    revenue: Float64Array.from(log.revenue), discountCost: Float64Array.from(log.discount_cost), profit: Float64Array.from(log.profit),
  };
  const cells = measureEffects(d, { period: "week" });
  return {
    dataset: "sim", period: "week" as const, from: "2024-05-01T00:00:00.000Z", to: "2024-05-02T00:00:00.000Z", decisions: n, outcomes: 900,
    links: { id: 800, window: 90, "unknown-decision": 10, "customer-mismatch": 0, "no-decision-in-window": 0 },
    marginRates: { "offers:v2": { rate: 0.3, source: "policy" as const } }, cells,
  };
}

describe("the measured-effect section", () => {
  it("shows the headline figures, both scopes and the links, and its chart draws", async () => {
    const effect = report();
    const section = loopSection({ effect });
    const all = effect.cells.find((c) => c.period === "all" && c.scope === "all")!;
    // The headline: the conversion difference of the whole range, as the report formats it.
    const percent = `${(all.conversionDiff.estimate * 100).toFixed(1)} %`;
    assert.ok(section.html.includes(percent), `${percent} in the figures`);
    assert.equal((section.html.match(/<tr>/g) ?? []).length, 1 + 2 + 1 + 2, "a header and two rows (the week and the whole range) per scope");
    assert.match(section.html, /by decision id 800, by customer and time window 90, not linked 10 \(unknown decision 10/);
    assert.match(section.html, /offers:v2 30\.0 % \(policy\)/);
    const { failures } = await inlineCharts(section.html, section.specs);
    assert.deepEqual(failures, []);
    assert.deepEqual(Object.keys(section.specs), ["uplift"]);
  });

  it("is not run until a decision is logged", () => {
    assert.equal(loopJob({ effect: { ...report(), decisions: 0, cells: [] } }), null);
  });

  it("is in `patron report`, read from the decisions and outcomes in the store", async () => {
    const ts = await duckdbTestStore();
    const out = tempDir("patron-loop-report-");
    try {
      await migrate(ts.store);
      const health = new DbHealth(ts.store);
      const log = new DecisionLog(ts.store, health);
      const t0 = Date.parse("2024-06-03T10:00:00Z");
      for (let i = 0; i < 40; i++) {
        log.enqueue({
          decisionId: `d${i}`, decidedMs: t0 + i * 1000, dataset: "ium", customerId: `c${i}`, sessionId: `s${i}`, productId: "p", experiment: "offers",
          holdout: i % 4 === 0, arm: i % 4 === 0 ? 0 : 1, offer: i % 4 === 0 ? "none" : "10", discount: i % 4 === 0 ? 0 : 10, policyArm: 1, policyOffer: "10",
          propensity: i % 4 === 0 ? 0.25 : 0.75, expectedProfit: null, reasonCodes: [], featureValues: new Float64Array(7), modelVersion: "offers:v1", keyId: null,
        });
      }
      await log.close();
      health.close();
      // Every second treated customer buys (90 paid after 10 %), no holdout customer does.
      await writeOutcomes(ts.store, "ium", Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 4 !== 0 && i % 2 === 1).map((i) => ({
        outcome_id: `o${i}`, decision_id: `d${i}`, occurred_at: new Date(t0 + i * 1000 + 5000), purchased: true, amount: 90,
      })));
      const path = join(out.dir, "report.html");
      const outcome = await writeReport({ store: ts.store, out: path, dataset: "ium" });
      assert.equal(outcome.jobs.effect, "done");
      const html = readFileSync(path, "utf8");
      assert.match(html, /<h2>Measured effect of live decisions<\/h2>/);
      // 30 treated, 20 of them bought → 66.7 %; the holdout 0 %.
      assert.ok(html.includes("66.7 %"), "treated conversion");
      assert.match(html, /by decision id 20, by customer and time window 0, not linked 0/);
    } finally {
      await ts.cleanup();
      out.cleanup();
    }
  });
});
