import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { hdbscan, fromJSON } from "../../src/models/cluster/hdbscan.ts";

describe("HDBSCAN (scikit-learn 1.2.1 has none: hand-checked cases)", () => {
  // Two groups of four on a line and one far outlier. minSamples 2 → core distance 1 inside
  // the groups, 77 for the outlier; the MST joins the groups at 17 and the outlier at 77.
  // Condensed tree (minClusterSize 3): the outlier falls out of the root at λ = 1/77, the root
  // splits at λ = 1/17 into the two groups, whose points fall out at λ = 1. Stabilities:
  // root 1/77 + 8/17 ≈ 0.484 < groups 4·(1 − 1/17) ≈ 3.765 each → the two groups are chosen.
  const line = fromRows([[0], [1], [2], [3], [20], [21], [22], [23], [100]]);
  it("selects the two groups by excess of mass and labels the outlier noise", () => {
    const model = hdbscan({ minClusterSize: 3, minSamples: 2 }).fit(line);
    assert.equal(model.nClusters, 2);
    assert.deepEqual(Array.from(model.labels), [0, 0, 0, 0, 1, 1, 1, 1, -1]);
    assert.deepEqual(Array.from(model.probabilities), [1, 1, 1, 1, 1, 1, 1, 1, 0]);
    for (const s of model.clusterStability) assert.ok(Math.abs(s - 4 * (1 - 1 / 17)) < 1e-12);
    // The outlier leaves the root at λ = 1/77.
    const outlierRow = Array.from(model.condensedTree.child).indexOf(8);
    assert.ok(Math.abs(model.condensedTree.lambda[outlierRow] - 1 / 77) < 1e-15);
  });
  it("with minClusterSize 5 no split qualifies: all noise, or one cluster without the outlier when allowed", () => {
    assert.deepEqual(Array.from(hdbscan({ minClusterSize: 5, minSamples: 2 }).fit(line).labels), new Array(9).fill(-1));
    const single = hdbscan({ minClusterSize: 5, minSamples: 2, allowSingleCluster: true }).fit(line);
    assert.deepEqual(Array.from(single.labels), [0, 0, 0, 0, 0, 0, 0, 0, -1]);
  });
  it("leaf selection picks the same two leaves here", () => {
    assert.deepEqual(Array.from(hdbscan({ minClusterSize: 3, minSamples: 2, clusterSelectionMethod: "leaf" }).fit(line).labels), [0, 0, 0, 0, 1, 1, 1, 1, -1]);
  });

  it("finds well-separated blobs among uniform noise", () => {
    const ref = JSON.parse(readFileSync(new URL("../reference/cluster.json", import.meta.url), "utf8"));
    const blobs = ref.X as number[][];
    const random = rng(5);
    const lo = [0, 1, 2].map((j) => Math.min(...blobs.map((r) => r[j])) - 3);
    const hi = [0, 1, 2].map((j) => Math.max(...blobs.map((r) => r[j])) + 3);
    const noise = Array.from({ length: 20 }, () => lo.map((l, j) => l + random.next() * (hi[j] - l)));
    const x = fromRows([...blobs, ...noise]);
    const model = hdbscan({ minClusterSize: 15 }).fit(x);
    assert.equal(model.nClusters, 3);
    // Each true blob maps to one cluster for ≥ 90% of its rows; most noise rows are noise.
    for (let blob = 0; blob < 3; blob++) {
      const labels = blobs.map((_, i) => i).filter((i) => ref.y[i] === blob).map((i) => model.labels[i]);
      const counts = new Map<number, number>();
      for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
      const [topLabel, top] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      assert.ok(topLabel >= 0 && top >= 0.9 * labels.length, `blob ${blob}: ${JSON.stringify([...counts])}`);
    }
    const noiseLabelled = Array.from(model.labels.slice(blobs.length)).filter((l) => l === -1).length;
    assert.ok(noiseLabelled >= 14, `${noiseLabelled} of 20 noise rows labelled noise`);
    const back = fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.labels, model.labels);
    // Training rows that are clustered predict their own cluster.
    const clustered = Array.from(model.labels.keys()).filter((i) => model.labels[i] >= 0 && model.probabilities[i] === 1).slice(0, 30);
    const predicted = back.predict(fromRows(clustered.map((i) => [...blobs, ...noise][i])));
    assert.deepEqual(Array.from(predicted), clustered.map((i) => model.labels[i]));
  });
});
