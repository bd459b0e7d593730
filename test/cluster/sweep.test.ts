import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { matchClusters, migrationMatrix } from "../../src/models/cluster/matching.ts";
import { clusterModelFromJSON } from "../../src/models/cluster/registry.ts";
import { kmeans } from "../../src/models/cluster/kmeans.ts";
import { RULE, sweepClusters } from "../../src/models/cluster/sweep.ts";
import { silhouette } from "../../src/metrics/clustering.ts";

const ref = JSON.parse(readFileSync(new URL("../reference/cluster.json", import.meta.url), "utf8"));
const x = fromRows(ref.X as number[][]);

describe("cluster sweep", () => {
  it("finds the three blobs and applies the stated rule", () => {
    const noisy = fromRows((ref.X as number[][]).map((r) => [r[0] * 3, r[1]]), ["a", "b"]);
    const result = sweepClusters({ spaces: [{ name: "features", x }, { name: "distorted", x: noisy }], kValues: [2, 3, 4, 5], reference: x, seed: 1 });
    assert.equal(result.rule, RULE);
    // 2 spaces × (3 k-algorithms × 4 k + 3 DBSCAN + 3 HDBSCAN)
    assert.equal(result.rows.length, 2 * (3 * 4 + 6));
    assert.equal(result.winner.nClusters, 3);
    const best = Math.max(...result.rows.filter((r) => r.eligible).map((r) => r.referenceSilhouette));
    assert.ok(result.winner.referenceSilhouette >= best - 0.005);
    assert.ok(Math.abs(silhouette(x, result.labels).score - result.winner.referenceSilhouette) < 1e-12);
    for (const r of result.rows.filter((r) => r.eligible)) {
      assert.ok(r.noiseShare <= 0.1 && r.smallestClusterShare >= 0.01);
      assert.ok(r.wcss > 0 && r.calinskiHarabasz > 0 && r.daviesBouldin > 0);
    }
  });
  it("topCluster makes a candidate ineligible when its highest-value cluster is too large", () => {
    // Value = the first coordinate: the cluster with the highest median first coordinate is the "best".
    const value = Float64Array.from(ref.X as number[][], (r) => r[0]);
    const free = sweepClusters({ spaces: [{ name: "f", x }], algorithms: ["kmeans"], kValues: [2, 3, 4, 5], seed: 1, topCluster: { value, maxShare: 1 } });
    const shares = free.rows.map((r) => r.topClusterShare);
    shares.forEach((s) => assert.ok(s > 0 && s <= 1));
    // Recompute one share by hand: the winner's labels, the cluster with the highest median value.
    const byCluster = new Map<number, number[]>();
    free.labels.forEach((l, i) => byCluster.set(l, [...(byCluster.get(l) ?? []), value[i]]));
    const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
    const top = [...byCluster.values()].reduce((a, b) => (median(b) > median(a) ? b : a));
    assert.equal(free.winner.topClusterShare, top.length / free.labels.length);
    const limit = Math.min(...shares) + 1e-9;
    const capped = sweepClusters({ spaces: [{ name: "f", x }], algorithms: ["kmeans"], kValues: [2, 3, 4, 5], seed: 1, topCluster: { value, maxShare: limit } });
    for (const r of capped.rows) {
      if (r.topClusterShare > limit) assert.ok(!r.eligible && /highest-value cluster/.test(r.reason));
    }
    assert.ok(capped.winner.topClusterShare <= limit);
    assert.match(capped.rule, /highest-value cluster/);
  });
  it("a rule nobody passes is an error naming the reasons", () => {
    assert.throws(() => sweepClusters({ spaces: [{ name: "f", x }], algorithms: ["kmeans"], kValues: [3], minClusterShare: 0.5 }), (e: { code: string; message: string }) => e.code === "E_NO_CLUSTERING" && /smallest cluster/.test(e.message));
  });
  it("stratified silhouette beyond the exact limit keeps a 1% cluster and lands near the exact value", () => {
    // 2,000 rows: a 1% cluster far from two big ones. Force the sampled path with exactMaxRows.
    const random = rng(9);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const k = i < 20 ? 2 : i % 2;
      rows.push([k * 4 + random.normal(), (k === 2 ? 10 : 0) + random.normal()]);
      labels.push(k);
    }
    const m = fromRows(rows);
    const exact = silhouette(m, labels);
    const sampled = silhouette(m, labels, { exactMaxRows: 1000, sampleSize: 300, minPerCluster: 20, seed: 4 });
    assert.equal(sampled.exact, false);
    assert.ok(sampled.nScored >= 300 && sampled.nScored < 400);
    assert.ok(Math.abs(sampled.score - exact.score) < 3 * sampled.standardError + 0.01, `${sampled.score} vs ${exact.score} ± ${sampled.standardError}`);
  });
});

describe("cluster identities across runs", () => {
  it("Hungarian matching keeps ids when clusters move a little and retires / creates ids", () => {
    const previous = { centroids: [0, 0, 10, 0, 0, 10], ids: [4, 7, 9] };
    // New run: the clusters come back in another order, slightly moved, plus a new far one.
    const next = [0.2, 9.8, 10.1, 0.3, 0.1, -0.2, 50, 50];
    const match = matchClusters(previous, next, 2, { maxDistance: 5 });
    assert.deepEqual(Array.from(match.idOf), [9, 7, 4, 10]);
    assert.deepEqual(match.retired, []);
    const fewer = matchClusters(previous, [10, 0.5], 2);
    assert.deepEqual(Array.from(fewer.idOf), [7]);
    assert.deepEqual(fewer.retired, [4, 9]);
  });
  it("migration matrix counts stayers, movers, entries and exits", () => {
    const before = new Map([["a", 1], ["b", 1], ["c", 2], ["d", 2]]);
    const after = new Map([["a", 1], ["b", 2], ["c", 2], ["e", 1]]);
    const m = migrationMatrix(before, after);
    assert.deepEqual(m.counts, [[1, 1], [0, 1]]);
    assert.deepEqual([...m.entered], [[1, 1]]);
    assert.deepEqual([...m.left], [[2, 1]]);
  });
  it("cluster registry rebuilds a model from JSON", async () => {
    const model = kmeans({ nClusters: 3 }).fit(x, { seed: 1 });
    const back = await clusterModelFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.predict(x), model.labels);
    await assert.rejects(clusterModelFromJSON({ kind: "nope" }), { code: "E_UNKNOWN_KIND" });
  });
});
