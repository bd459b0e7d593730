/**
 * What the report and the dashboard read from a store, on DuckDB and on PostgreSQL: the live
 * decision summary (counts and conversions against decisions made through the real service),
 * the activity-risk list and its filters (on a small run of the activity job itself),
 * the newest decisions, stored profiles (newest per scope), and the report input — datasets,
 * every job's status, a job that has not run being "not-run" rather than an error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runActivity } from "../../src/jobs/activity/run.ts";
import { runProfile } from "../../src/profile/run.ts";
import { activityRisk } from "../../src/serve/dashboard/risk-list.ts";
import { decisionsSummary, recentDecisions } from "../../src/serve/dashboard/decisions.ts";
import { latestProfileRuns, saveProfileRun } from "../../src/serve/dashboard/profile-runs.ts";
import { collectReportInput } from "../../src/serve/dashboard/report-input.ts";
import { storeKinds, tempDir, type TestStore } from "../helpers/stores.ts";
import { loadProducts, recordIngest, SIM_DATASET, simFixture } from "../serve/fixtures.ts";
import { keysFor, run, type Running } from "../serve/helpers.ts";
import { seedLiveDecisions, type LiveDecision } from "./seed.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const fixture = simFixture(30, 11);

for (const kind of storeKinds) {
  describe(`dashboard and report reads on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    let api: Running;
    let live: LiveDecision[];

    before(async () => {
      if (skip) return;
      ts = await kind.open();
      const keys = await keysFor(ts.store);
      await loadProducts(ts.store, fixture);
      await recordIngest(ts.store, SIM_DATASET, "sim-ingest-1");
      api = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.3 }, keys);
      live = await seedLiveDecisions(api, fixture, 30);
      // The activity job itself on «В один клик», kept small (one family, small grid, small SHAP budget).
      await runActivity(ts.store, { grid: "small", families: ["logistic"], nRepeats: 0, nThreads: 1, globalSample: 20, maxExplained: 40 });
    });
    after(async () => {
      if (skip) return;
      await api?.service.close();
      await ts?.cleanup();
    });

    it("counts decisions and conversions per group as the service made them", { skip }, async () => {
      const summary = (await decisionsSummary(ts.store, SIM_DATASET))!;
      const count = (keep: (d: LiveDecision) => boolean) => live.filter(keep).length;
      assert.deepEqual(summary.treated, { decisions: count((d) => !d.holdout), conversions: count((d) => !d.holdout && d.converted) });
      assert.deepEqual(summary.holdout, { decisions: count((d) => d.holdout), conversions: count((d) => d.holdout && d.converted) });
      assert.ok(summary.holdout.decisions > 0 && summary.treated.decisions > 0, "both groups are present at a 30 % control share");
      // Per policy offer, the groups add up to the totals.
      const sum = (pick: (o: (typeof summary.byPolicyOffer)[number]) => number) => summary.byPolicyOffer.reduce((n, o) => n + pick(o), 0);
      assert.equal(sum((o) => o.treated.decisions + o.holdout.decisions), live.length);
      assert.equal(sum((o) => o.treated.conversions + o.holdout.conversions), count((d) => d.converted));
      // What was given: holdout customers only ever get "none".
      for (const o of summary.byOffer.filter((x) => x.group === "holdout")) assert.equal(o.offer, "none");
      const given = new Map<string, number>();
      for (const d of live.filter((x) => !x.holdout)) given.set(String(d.offer), (given.get(String(d.offer)) ?? 0) + 1);
      for (const [offer, n] of given) assert.equal(summary.byOffer.find((o) => o.offer === offer && o.group === "treated")?.decisions, n, offer);
      assert.equal(summary.byModel.reduce((n, m) => n + m.decisions, 0), live.length);
      assert.ok(summary.from! <= summary.to!);
    });

    it("lists the newest decisions first and knows no decisions for another dataset", { skip }, async () => {
      const recent = await recentDecisions(ts.store, SIM_DATASET, 5);
      assert.equal(recent.length, 5);
      assert.ok(recent.every((d, i) => i === 0 || recent[i - 1].decided_at >= d.decided_at));
      const ids = new Set(live.map((d) => d.decisionId));
      assert.ok(recent.every((d) => ids.has(d.decision_id)));
      assert.equal(await decisionsSummary(ts.store, "no-such-dataset"), null);
    });

    it("filters the activity-risk list by threshold and favourite category in SQL", { skip }, async () => {
      const scores = await ts.store.query<{ customer_id: string; probability: number }>("SELECT customer_id, probability FROM activity_scores");
      const categoryOf = new Map((await ts.store.query<{ customer_id: string; category: string }>(
        "SELECT customer_id, CAST(attributes->>'popular_category' AS VARCHAR) AS category FROM customers WHERE dataset = 'one-click'",
      )).map((r) => [r.customer_id, r.category]));
      const all = await activityRisk(ts.store, { min_probability: 0, limit: 1000 });
      assert.equal(all.status, "done");
      assert.equal(all.total, scores.length);
      assert.equal(all.matching, scores.length);
      assert.deepEqual(all.categories, [...new Set(categoryOf.values())].sort());
      const at = 0.6;
      const list = await activityRisk(ts.store, { min_probability: at, limit: 25 });
      assert.equal(list.matching, scores.filter((r) => Number(r.probability) >= at).length);
      assert.equal(list.rows.length, Math.min(25, list.matching));
      const ps = list.rows.map((r) => Number(r.probability));
      assert.ok(ps.every((p, i) => p >= at && (i === 0 || ps[i - 1] >= p)), "highest risk first, all above the threshold");
      for (const row of list.rows) {
        assert.equal(row.popular_category, categoryOf.get(String(row.customer_id)));
        assert.equal(typeof row.declined, "boolean");
      }
      // The first 1,000 rows (the route's largest page): ranks exactly for the targets among them.
      assert.equal(all.rows.length, Math.min(1000, scores.length));
      const targets = new Map((await ts.store.query<{ customer_id: string; rank: number }>("SELECT customer_id, rank FROM activity_targets")).map((r) => [r.customer_id, Number(r.rank)]));
      for (const row of all.rows) assert.equal(row.target_rank ?? null, targets.get(String(row.customer_id)) ?? null);
      assert.ok(all.rows.some((r) => r.target_rank !== null));
      assert.ok(all.rows.every((r) => typeof r.profit === "number"), "every one-click customer has a profit");
      const category = all.categories[0];
      const narrowed = await activityRisk(ts.store, { min_probability: 0, category, limit: 1000 });
      assert.equal(narrowed.matching, scores.filter((r) => categoryOf.get(r.customer_id) === category).length);
      assert.ok(narrowed.rows.every((r) => r.popular_category === category));
    });

    it("keeps stored profiles and returns the newest per scope", { skip }, async () => {
      const tmp = tempDir("patron-profile-run-");
      try {
        const file = join(tmp.dir, "orders.csv");
        writeFileSync(file, "order_id,amount\n1,10.5\n2,12\n3,\n");
        const report = await runProfile({ files: [file] });
        await saveProfileRun(ts.store, "orders", report, Date.UTC(2024, 0, 1));
        await saveProfileRun(ts.store, "orders", { ...report, columns: 99 }, Date.UTC(2024, 0, 2));
        await saveProfileRun(ts.store, "another", report, Date.UTC(2023, 0, 1));
        const runs = await latestProfileRuns(ts.store);
        assert.deepEqual(runs.map((r) => [r.scope, r.createdAt, r.report.columns]), [
          ["another", "2023-01-01T00:00:00.000Z", 2],
          ["orders", "2024-01-02T00:00:00.000Z", 99],
        ]);
        assert.equal(runs[1].report.profiles[0].columns.find((c) => c.name === "amount")!.nMissing, 1);
      } finally {
        tmp.cleanup();
      }
    });

    it("collects the report input: datasets, every job's status, decisions done", { skip }, async () => {
      const input = await collectReportInput(ts.store, { generatedAt: "2024-01-03T00:00:00.000Z", decisionsDataset: SIM_DATASET });
      assert.equal(input.store, ts.store.location);
      const sim = input.datasets.find((d) => d.dataset === SIM_DATASET)!;
      assert.equal(sim.tables.products, fixture.shop.products.length);
      assert.ok(sim.tables.events >= fixture.events.length);
      const status = Object.fromEntries(input.jobs.map((j) => [j.id, j.status]));
      assert.equal(status.decisions, "done");
      assert.equal(status.profile, "done");
      for (const job of input.jobs) assert.ok(["done", "not-run"].includes(job.status), `${job.id}: ${job.status} ${job.error ?? ""}`);
      assert.equal(input.versions.store, kind.name);
      assert.match(input.versions.vega, /^\d+\.\d+\.\d+/);
    });
  });
}
