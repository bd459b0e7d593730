import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { analyseSegments } from "../../src/jobs/segments/analysis.ts";
import { customerFeatures } from "../../src/jobs/segments/features.ts";
import { matchIdentities, runAssignments } from "../../src/jobs/segments/runs.ts";
import { explainMembership, failedConditions, satisfies } from "../../src/jobs/segments/rules.ts";
import { runScheduledSegments } from "../../src/jobs/segments/run.ts";
import { fitScaler } from "../../src/jobs/segments/space.ts";
import { median } from "../../src/core/median.ts";
import { bootstrapMedianDifference, mannWhitney } from "../../src/jobs/segments/stats.ts";
import { segmentsSection } from "../../src/report/segments-section.ts";
import { storeKinds, type TestStore } from "../helpers/stores.ts";
import { createOrders, DATASET, insertOrders, syntheticShop, type OrderLine } from "./segments-data.ts";

const line = (order_id: string, line_no: number, product_id: string, quantity: number, unit_price: number, ordered_at: string, customer_id: string | null, is_cancellation = false): OrderLine =>
  ({ order_id, line_no, product_id, quantity, unit_price, ordered_at, customer_id, is_cancellation });

// Hand-made history: x buys twice and returns one unit; y buys once; an anonymous line.
const HISTORY: OrderLine[] = [
  line("1", 1, "P1", 2, 5, "2020-01-01 09:00:00", "x"), line("1", 2, "P2", 1, 10, "2020-01-01 09:00:00", "x"),
  line("2", 1, "P1", 3, 5, "2020-01-11 18:30:00", "x"), line("C3", 1, "P1", -1, 5, "2020-01-12 08:00:00", "x", true),
  line("4", 1, "P3", 10, 1, "2020-01-05 12:00:00", "y"), line("5", 1, "P3", 7, 1, "2020-01-06 12:00:00", null),
];
// Everything on or after the as-of date (2020-01-21), with absurd values: none of it may be read.
const LATER: OrderLine[] = [
  line("6", 1, "P9", 1000, 1000, "2020-01-21 00:00:00", "x"), line("C7", 1, "P3", -10, 1, "2020-02-01 00:00:00", "y", true),
  line("8", 1, "P9", 5, 5, "2020-02-02 00:00:00", "z"),
];

for (const kind of storeKinds) {
  describe(`segments on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let t: TestStore;
    before(async () => {
      if (skip) return;
      t = await kind.open();
      await createOrders(t.store);
    });
    after(async () => t?.cleanup());

    it("computes the seed's and modern RFM features in SQL, equal to a hand count, reading nothing on or after the as-of date", { skip }, async () => {
      await insertOrders(t.store, HISTORY, "hand");
      const before = await customerFeatures(t.store, { dataset: "hand", asOf: "2020-01-21" });
      assert.deepEqual(before.customers, ["x", "y"]);
      const x = (name: string) => before.values[name][0];
      const y = (name: string) => before.values[name][1];
      assert.equal(x("gross_revenue"), 35);
      assert.equal(x("recency_days"), 10);
      assert.equal(x("tenure_days"), 20);
      assert.equal(x("n_invoices"), 2);
      assert.equal(x("avg_ticket"), 17.5);
      assert.equal(x("frequency_per_month"), 2); // tenure floored at one month
      assert.equal(x("monetary_per_month"), 35);
      assert.equal(x("avg_days_between_purchases"), 10);
      assert.equal(x("n_items"), 6);
      assert.equal(x("n_products"), 2);
      assert.equal(x("avg_basket_size"), 3);
      assert.equal(x("avg_unique_basket_size"), 1.5);
      assert.equal(x("n_returned_items"), 1);
      assert.equal(x("returned_value"), 5);
      assert.equal(x("return_rate"), 5 / 35);
      assert.equal(before.netRevenue[0], 30);
      assert.equal(y("avg_days_between_purchases"), 16); // one purchase day: its tenure
      assert.equal(y("n_returned_items"), 0);
      await insertOrders(t.store, LATER, "hand");
      const after = await customerFeatures(t.store, { dataset: "hand", asOf: "2020-01-21" });
      assert.deepEqual(after, before);
    });

    it("runs the whole job on a small shop: sweep, Insiders, rules, out-of-time proof, stored run; then a scheduled run keeps identities", { skip }, async () => {
      await insertOrders(t.store, syntheticShop());
      const quick = { dataset: DATASET, spaces: ["features"] as ["features"], algorithms: ["kmeans", "ward"] as ["kmeans", "ward"], kValues: [2, 3, 4], nThreads: 1, bootstrapResamples: 200 };
      const r = await analyseSegments(t.store, { ...quick, asOf: "2020-11-01", ootCutoff: "2020-08-01" });
      assert.equal(r.sweep!.rows.length, 6);
      const winner = r.sweep!.rows.filter((x) => x.eligible).reduce((a, b) => (b.referenceSilhouette > a.referenceSilhouette + 0.005 || (Math.abs(b.referenceSilhouette - a.referenceSilhouette) <= 0.005 && b.nClusters < a.nClusters) ? b : a));
      assert.equal(r.config.k, winner.nClusters);
      assert.equal(r.profiles.reduce((s, p) => s + p.customers, 0), r.customers);
      assert.ok(Math.abs(r.profiles.reduce((s, p) => s + p.shareRevenue, 0) - 1) < 1e-9);
      const insiders = r.profiles.find((p) => p.isInsider)!;
      assert.equal(insiders.name, "Insiders");
      const value = (p: (typeof r.profiles)[number]) => (Number.isFinite(p.medianExpectedRevenue) ? p.medianExpectedRevenue : p.medianNetRevenue);
      for (const p of r.profiles) assert.ok(value(p) <= value(insiders), `${p.name} is worth more than the Insiders`);
      assert.ok(r.insiders.medianDifference.low <= r.insiders.medianDifference.estimate && r.insiders.medianDifference.estimate <= r.insiders.medianDifference.high);
      assert.ok(r.rules.entry.length >= 1 && r.rules.accuracy > 0.8, `rules ${JSON.stringify(r.rules.entry.map((e) => e.text))} accuracy ${r.rules.accuracy}`);
      assert.equal(r.questions.length, 9);
      // The out-of-time shares recomputed from the stored data.
      const o = r.oot!;
      assert.equal(o.cutoff, "2020-08-01");
      assert.ok(o.insidersFutureShare > 0 && o.insidersFutureShare <= 1 && o.baselineFutureShare <= 1);
      assert.equal(o.beatsBaseline, o.insidersFutureShare >= o.baselineFutureShare);
      const stored = await runAssignments(t.store, r.runId);
      assert.equal(stored.size, r.customers);
      assert.equal([...stored.values()].filter((a) => a.isInsider).length, r.insiders.customers);
      const clv = await t.store.query<{ n: number }>("SELECT count(*) AS n FROM clv_scores WHERE run_id = $1", [r.runId]);
      assert.equal(Number(clv[0].n), r.clv ? r.customers : 0);

      const next = await runScheduledSegments(t.store, { dataset: DATASET, asOf: "2020-12-01" });
      assert.equal(next.mode, "run");
      assert.deepEqual({ ...next.config }, { ...r.config });
      const m = next.migration!;
      assert.equal(m.previousRunId, r.runId);
      assert.equal(m.cells.reduce((s, c) => s + c.customers, 0), next.customers);
      const now = await runAssignments(t.store, next.runId);
      const kept = [...stored].filter(([id, a]) => a.isInsider && now.get(id)?.isInsider).length;
      assert.equal(m.stillInsiders, kept);
      assert.equal(m.retention, kept / r.insiders.customers);
      assert.ok(m.retention >= 0.85, `Insiders retention ${m.retention}`);
      assert.equal(next.profiles.find((p) => p.isInsider)!.segment, insiders.segment);
      const changes = await t.store.query<{ n: number }>("SELECT count(*) AS n FROM segment_insider_changes WHERE run_id = $1", [next.runId]);
      assert.equal(Number(changes[0].n), m.entered + m.left);
      const section = segmentsSection(next);
      assert.match(section.html, /Runs over time/);
      assert.ok("migration" in section.specs && "shares" in section.specs);
    });
  });
}

describe("segment statistics", () => {
  const ref = JSON.parse(readFileSync(new URL("../reference/segments-stats.json", import.meta.url), "utf8"));
  it("Mann-Whitney U equals SciPy's asymptotic test (U exactly; p to 1e-9 relative: the same normal tail, computed by jstat's erfc or a continued fraction here and by SciPy's ndtr there)", () => {
    for (const c of ref.cases) {
      const ours = mannWhitney(c.x, c.y);
      assert.equal(ours.u, c.u, c.name);
      assert.ok(Math.abs(ours.pTwoSided - c.p_two_sided) <= 1e-9 * c.p_two_sided + 1e-300, `${c.name}: ${ours.pTwoSided} vs ${c.p_two_sided}`);
      assert.ok(Math.abs(ours.pGreater - c.p_greater) <= 1e-9 * c.p_greater + 1e-300, `${c.name}: ${ours.pGreater} vs ${c.p_greater}`);
    }
  });
  it("bootstraps the median difference reproducibly, exactly for constant groups", () => {
    const x = [5, 7, 9, 11, 13, 15, 100];
    const y = [1, 2, 3, 4, 5, 6];
    const a = bootstrapMedianDifference(x, y, { seed: 3, resamples: 500 });
    assert.deepEqual(a, bootstrapMedianDifference(x, y, { seed: 3, resamples: 500 }));
    assert.equal(a.estimate, median(x) - median(y));
    assert.ok(a.low <= a.estimate && a.estimate <= a.high);
    const c = bootstrapMedianDifference([4, 4, 4], [1, 1], { resamples: 100 });
    assert.deepEqual([c.low, c.high], [3, 3]);
    assert.equal(median([3, 1, 2, 10]), 2.5);
  });
});

describe("membership rules and identities", () => {
  it("recovers a rule that defines membership, with exit conditions as its negations", () => {
    const n = 400;
    const a = Float64Array.from({ length: n }, (_, i) => i % 20);
    const b = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 20) % 10);
    const member = Uint8Array.from(a, (v, i) => (v >= 12 && b[i] < 4 ? 1 : 0));
    const rules = explainMembership({ a, b }, ["a", "b"], member, { maxDepth: 3, minLeafShare: 0.01 });
    assert.equal(rules.accuracy, 1);
    assert.equal(rules.entry.length, 1);
    assert.deepEqual(rules.entry[0].conditions.map((c) => [c.feature, c.op]).sort(), [["a", ">="], ["b", "<"]]);
    assert.equal(rules.entry[0].text, "a ≥ 11.5 and b < 3.5");
    assert.equal(rules.exit[0], "leaves when a < 11.5 or b ≥ 3.5");
    const values = { a: 13, b: 7 };
    assert.equal(satisfies(rules.entry[0].conditions, (f) => values[f as "a" | "b"]), false);
    assert.deepEqual(failedConditions(rules.entry[0].conditions, (f) => values[f as "a" | "b"]).map((c) => c.feature), ["b"]);
  });
  it("gives new clusters the ids of the previous run's nearest centroids (Hungarian), and fresh ids beyond the distance limit", () => {
    const scaler = fitScaler({ u: [0, 10], v: [0, 10] }, ["u", "v"]);
    const previous = { runId: "r1", dataset: "d", asOf: "2020-01-01", mode: "analysis", config: { algorithm: "kmeans", space: "features", features: ["u", "v"] }, scaler, rules: { tree: { kind: "x", schemaVersion: 1 } }, insiderSegment: 7,
      profiles: [{ segment: 7, name: "Insiders", isInsider: true, centroid: [9, 9] }, { segment: 3, name: "Lapsed", isInsider: false, centroid: [1, 1] }] };
    const { idOf, keptNames } = matchIdentities(previous, [[1.2, 0.8], [8.5, 9.4], [40, -40]], scaler);
    assert.deepEqual(Array.from(idOf), [3, 7, 8]);
    assert.equal(keptNames.get(7), "Insiders");
  });
});

describe("patron segments (CLI)", () => {
  it("prints the contract object last with exactly the issue's keys, and `segments run` / `migrations` use the stored run", async () => {
    const { spawnSync } = await import("node:child_process");
    const { duckdbTestStore } = await import("../helpers/stores.ts");
    const t = await duckdbTestStore();
    await createOrders(t.store);
    await insertOrders(t.store, syntheticShop());
    await t.store.close();
    const bin = new URL("../../bin/patron.mjs", import.meta.url).pathname;
    const patron = (...args: string[]) => spawnSync(process.execPath, [bin, ...args, "--db", t.db, "--json"], { encoding: "utf8" });
    try {
      const run = patron("segments", "--dataset", DATASET, "--quick", "--spaces", "features", "--as-of", "2020-11-01", "--cutoff", "2020-08-01", "--threads", "1");
      assert.equal(run.status, 0, run.stderr);
      const last = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
      assert.deepEqual(Object.keys(last), ["customers", "k", "algorithm", "space", "silhouette", "insiders", "insiders_revenue_share", "oot_insiders_future_share", "oot_baseline_future_share"]);
      assert.equal(last.space, "features");
      assert.ok(last.insiders > 0 && last.insiders < last.customers);
      assert.equal(typeof last.oot_baseline_future_share, "number");
      const next = patron("segments", "run", "--dataset", DATASET, "--as-of", "2020-12-01");
      assert.equal(next.status, 0, next.stderr);
      const moved = JSON.parse(next.stdout.trim().split("\n").at(-1)!);
      assert.equal(moved.algorithm, last.algorithm);
      const migrations = patron("segments", "migrations", "--dataset", DATASET);
      assert.equal(migrations.status, 0, migrations.stderr);
      const m = JSON.parse(migrations.stdout.trim().split("\n").at(-1)!);
      assert.equal(m.previous_run_id, moved.previous_run_id);
      assert.equal(m.matrix.reduce((s: number, c: { customers: number }) => s + Number(c.customers), 0), moved.customers);
    } finally {
      const { rmSync } = await import("node:fs");
      const { dirname } = await import("node:path");
      rmSync(dirname(t.db), { recursive: true, force: true });
    }
  });
});
