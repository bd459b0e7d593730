import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows, takeRows } from "../../src/core/matrix.ts";
import { dbscan } from "../../src/models/cluster/dbscan.ts";
import { gmm } from "../../src/models/cluster/gmm.ts";
import { hdbscan } from "../../src/models/cluster/hdbscan.ts";
import { ward } from "../../src/models/cluster/hierarchical.ts";
import { kmeans } from "../../src/models/cluster/kmeans.ts";
import { clusterModelFromJSON } from "../../src/models/cluster/registry.ts";
import type { Clusterer } from "../../src/models/cluster/types.ts";

const ref = JSON.parse(readFileSync(new URL("../reference/cluster.json", import.meta.url), "utf8"));
const x = fromRows(ref.X as number[][], ["a", "b", "c"]);

const clusterers: Clusterer[] = [kmeans({ nClusters: 3 }), gmm({ nComponents: 3 }), ward({ nClusters: 3 }), dbscan({ eps: 1.2, minSamples: 4 }), hdbscan({ minClusterSize: 10 })];

describe("clusterer conformance", () => {
  for (const c of clusterers) {
    it(`${c.kind}: seeded, never mutates input, JSON round-trip predicts identically, rejects other columns and NaN`, async () => {
      const before = Float64Array.from(x.data);
      const first = c.fit(x, { seed: 4 });
      const second = c.fit(x, { seed: 4 });
      assert.deepEqual(x.data, before);
      assert.deepEqual(first.labels, second.labels);
      assert.equal(first.labels.length, x.nRows);
      assert.ok(first.nClusters >= 1 && Math.max(...first.labels) === first.nClusters - 1);
      const back = await clusterModelFromJSON(JSON.parse(JSON.stringify(first.toJSON())));
      assert.deepEqual(back.predict(x), first.predict(x));
      assert.throws(() => first.predict(fromRows([[1, 2]])), { code: "E_COLUMNS" });
      const withNaN = fromRows([[NaN, 0, 0], ...(ref.X as number[][])], ["a", "b", "c"]);
      assert.throws(() => c.fit(withNaN), { code: "E_MISSING" });
    });
  }
  it("k-means inertia never increases with more Lloyd iterations from the same start", () => {
    const init = [(ref.X as number[][])[0], (ref.X as number[][])[1], (ref.X as number[][])[2], (ref.X as number[][])[3]];
    let previous = Infinity;
    for (let maxIter = 1; maxIter <= 8; maxIter++) {
      const inertia = kmeans({ nClusters: 4, initCenters: init, tol: 0, maxIter }).fit(x).inertia;
      assert.ok(inertia <= previous + 1e-9, `iteration ${maxIter}: ${inertia} > ${previous}`);
      previous = inertia;
    }
  });
  it("row order does not change DBSCAN's partition of core rows or Ward's heights", () => {
    const reversed = Int32Array.from({ length: x.nRows }, (_, i) => x.nRows - 1 - i);
    const xr = takeRows(x, reversed);
    const heights = (m: { linkage: Float64Array }) => Array.from({ length: m.linkage.length / 4 }, (_, s) => m.linkage[s * 4 + 2]);
    const h1 = heights(ward({ nClusters: 3 }).fit(x));
    const h2 = heights(ward({ nClusters: 3 }).fit(xr));
    h1.forEach((h, s) => assert.ok(Math.abs(h - h2[s]) < 1e-9 * (1 + h)));
    const a = dbscan({ eps: 1.2, minSamples: 4 }).fit(x);
    const b = dbscan({ eps: 1.2, minSamples: 4 }).fit(xr);
    const coreA = new Set(a.coreSampleIndices);
    const coreB = new Set(Array.from(b.coreSampleIndices, (i) => x.nRows - 1 - i));
    assert.deepEqual([...coreA].sort((p, q) => p - q), [...coreB].sort((p, q) => p - q));
  });
});
