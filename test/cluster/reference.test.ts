import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows } from "../../src/core/matrix.ts";
import { dbscan } from "../../src/models/cluster/dbscan.ts";
import { gmm, fromJSON as gmmFromJSON } from "../../src/models/cluster/gmm.ts";
import { cutLinkage, ward, fromJSON as wardFromJSON } from "../../src/models/cluster/hierarchical.ts";
import { kmeans, fromJSON as kmeansFromJSON } from "../../src/models/cluster/kmeans.ts";
import { linearSumAssignment } from "../../src/models/cluster/matching.ts";
import { calinskiHarabasz, daviesBouldin, pairwiseDistances, silhouette, silhouetteFromDistances, silhouetteSamples, withinClusterSumOfSquares } from "../../src/metrics/clustering.ts";

const ref = JSON.parse(readFileSync(new URL("../reference/cluster.json", import.meta.url), "utf8"));
const x = fromRows(ref.X as number[][]);

/** Same partition up to renaming of the clusters. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const forward = new Map<number, number>();
  const backward = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((forward.get(a[i]) ?? b[i]) !== b[i] || (backward.get(b[i]) ?? a[i]) !== a[i]) return false;
    forward.set(a[i], b[i]);
    backward.set(b[i], a[i]);
  }
  return true;
}

describe("k-means equals scikit-learn's KMeans from the same initial centres", () => {
  for (const c of ref.kmeans) {
    it(`k = ${c.k}: identical labels, inertia to 1e-9 relative (scikit-learn centres the data first, so sums differ in the last bits)`, () => {
      const model = kmeans({ nClusters: c.k, initCenters: c.init }).fit(x);
      assert.deepEqual(Array.from(model.labels), c.labels);
      assert.ok(Math.abs(model.inertia - c.inertia) <= 1e-9 * c.inertia, `${model.inertia} vs ${c.inertia}`);
      assert.equal(model.nIter, c.n_iter);
      const centers = (c.centers as number[][]).flat();
      centers.forEach((v, i) => assert.ok(Math.abs(model.centers[i] - v) < 1e-9));
    });
  }
  it("k-means++ with several inits is seeded, never worse than one init, and round-trips", () => {
    const one = kmeans({ nClusters: 4, nInit: 1 }).fit(x, { seed: 3 });
    const ten = kmeans({ nClusters: 4, nInit: 10 }).fit(x, { seed: 3 });
    assert.ok(ten.inertia <= one.inertia + 1e-9);
    assert.deepEqual(kmeans({ nClusters: 4 }).fit(x, { seed: 3 }).labels, ten.labels);
    // Three blobs: every good start reaches the same optimum as scikit-learn from the blob centres.
    const three = kmeans({ nClusters: 3 }).fit(x, { seed: 3 });
    assert.ok(Math.abs(three.inertia - ref.kmeans[0].inertia) < 1e-9 * ref.kmeans[0].inertia);
    const back = kmeansFromJSON(JSON.parse(JSON.stringify(ten.toJSON())));
    assert.deepEqual(back.predict(x), ten.predict(x));
    assert.deepEqual(ten.predict(x), ten.labels);
  });
});

describe("Gaussian mixture equals scikit-learn's GaussianMixture from fixed weights/means/precisions", () => {
  const g = ref.gmm;
  for (const c of g.cases) {
    it(`max_iter ${c.max_iter}, tol ${c.tol}: lower bound, score and responsibilities to 1e-6 (tolerance from the brief; observed ~1e-12)`, () => {
      const model = gmm({ nComponents: 3, maxIter: c.max_iter, tol: c.tol, weightsInit: g.weights_init, meansInit: g.means_init, precisionsInit: g.precisions_init }).fit(x);
      assert.ok(Math.abs(model.lowerBound - c.lower_bound) < 1e-6, `${model.lowerBound} vs ${c.lower_bound}`);
      assert.ok(Math.abs(model.score(x) - c.score) < 1e-6);
      assert.equal(model.nIter, c.n_iter);
      assert.equal(model.converged, c.converged);
      const proba = model.predictProba(x);
      (c.proba as number[][]).flat().forEach((v, i) => assert.ok(Math.abs(proba[i] - v) < 1e-6, `proba[${i}] ${proba[i]} vs ${v}`));
      (c.weights as number[]).forEach((v, k) => assert.ok(Math.abs(model.weights[k] - v) < 1e-9));
    });
  }
  it("k-means initialisation finds the three blobs; JSON round-trip predicts identically", () => {
    const model = gmm({ nComponents: 3, nInit: 2 }).fit(x, { seed: 1 });
    assert.ok(samePartition(model.labels, ref.y));
    const back = gmmFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.predictProba(x), model.predictProba(x));
    assert.ok(model.bic(x) < gmm({ nComponents: 1 }).fit(x).bic(x));
  });
});

describe("Ward equals SciPy's linkage(method='ward') and scikit-learn's AgglomerativeClustering", () => {
  const model = ward({ nClusters: 3 }).fit(x);
  it("same linkage matrix: merged ids, sizes exactly, heights to 1e-10 relative", () => {
    (ref.ward.linkage as number[][]).forEach((row, s) => {
      assert.equal(model.linkage[s * 4], row[0], `merge ${s} a`);
      assert.equal(model.linkage[s * 4 + 1], row[1], `merge ${s} b`);
      assert.ok(Math.abs(model.linkage[s * 4 + 2] - row[2]) <= 1e-10 * row[2], `merge ${s} height`);
      assert.equal(model.linkage[s * 4 + 3], row[3]);
    });
  });
  it("same partitions at k = 2, 3, 5", () => {
    for (const [k, labels] of Object.entries(ref.ward.labels)) assert.ok(samePartition(model.cut(Number(k)), labels as number[]), `k=${k}`);
    assert.ok(samePartition(cutLinkage(model.linkage, x.nRows, 3), model.labels));
  });
  it("above maxRows builds on a sample and still separates the blobs", () => {
    const sampled = ward({ nClusters: 3, maxRows: 80 }).fit(x, { seed: 2 });
    assert.ok(samePartition(sampled.labels, ref.y));
    assert.deepEqual(wardFromJSON(JSON.parse(JSON.stringify(sampled.toJSON()))).predict(x), sampled.predict(x));
  });
});

describe("DBSCAN equals scikit-learn's labels exactly", () => {
  for (const c of ref.dbscan) {
    it(`eps ${c.eps}, minSamples ${c.min_samples}`, () => {
      const model = dbscan({ eps: c.eps, minSamples: c.min_samples }).fit(x);
      assert.deepEqual(Array.from(model.labels), c.labels);
      // Core rows predict their own label.
      const core = fromRows(Array.from(model.coreSampleIndices, (i) => (ref.X as number[][])[i]));
      assert.deepEqual(Array.from(model.predict(core)), Array.from(model.coreSampleIndices, (i) => c.labels[i]));
    });
  }
});

describe("clustering metrics equal scikit-learn", () => {
  for (const m of ref.metrics) {
    it(`${m.name}: silhouette to 1e-12 (same formula, distances summed in another order), CH and DB to 1e-10 relative`, () => {
      const s = silhouette(x, m.labels);
      assert.equal(s.exact, true);
      assert.ok(Math.abs(s.score - m.silhouette) < 1e-12, `${s.score} vs ${m.silhouette}`);
      assert.ok(Math.abs(silhouetteFromDistances(pairwiseDistances(x), x.nRows, m.labels) - m.silhouette) < 1e-12);
      const samples = silhouetteSamples(x, m.labels);
      (m.samples as number[]).forEach((v, i) => assert.ok(Math.abs(samples[i] - v) < 1e-12));
      assert.ok(Math.abs(calinskiHarabasz(x, m.labels) / m.calinski_harabasz - 1) < 1e-10);
      assert.ok(Math.abs(daviesBouldin(x, m.labels) / m.davies_bouldin - 1) < 1e-10);
    });
  }
  it("within-cluster sum of squares equals k-means inertia", () => {
    assert.ok(Math.abs(withinClusterSumOfSquares(x, ref.kmeans[1].labels) - ref.kmeans[1].inertia) < 1e-9 * ref.kmeans[1].inertia);
  });
});

describe("Hungarian assignment equals SciPy's linear_sum_assignment", () => {
  for (const a of ref.assignment) {
    it(`${a.cost.length}×${a.cost[0].length}: same minimum total cost`, () => {
      const nRows = a.cost.length;
      const nCols = a.cost[0].length;
      const { columnOf, total } = linearSumAssignment((a.cost as number[][]).flat(), nRows, nCols);
      assert.ok(Math.abs(total - a.total) < 1e-9, `${total} vs ${a.total}`);
      const used = Array.from(columnOf).filter((c) => c >= 0);
      assert.equal(new Set(used).size, Math.min(nRows, nCols));
    });
  }
});
