import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows, type Matrix } from "../../src/core/matrix.ts";
import { pca, fromJSON as pcaFromJSON } from "../../src/models/embed/pca.ts";
import { trustworthiness } from "../../src/models/embed/quality.ts";
import { leafDistance, leafIndices, treeEmbedding } from "../../src/models/embed/tree-embedding.ts";
import { tsne } from "../../src/models/embed/tsne.ts";
import { umap } from "../../src/models/embed/umap.ts";
import type { TreeEnsemble } from "../../src/models/tree/ensemble.ts";
import type { Tree } from "../../src/models/tree/tree.ts";
import { silhouette } from "../../src/metrics/clustering.ts";

const ref = JSON.parse(readFileSync(new URL("../reference/embed.json", import.meta.url), "utf8"));

describe("PCA equals scikit-learn", () => {
  const x = fromRows(ref.pca.X as number[][]);
  const model = pca().fit(x);
  it("explained variance ratios to 1e-9 and variances to 1e-9 relative (same eigenproblem, different solver)", () => {
    (ref.pca.ratio as number[]).forEach((v, k) => assert.ok(Math.abs(model.explainedVarianceRatio[k] - v) < 1e-9, `ratio ${k}`));
    (ref.pca.variance as number[]).forEach((v, k) => assert.ok(Math.abs(model.explainedVariance[k] / v - 1) < 1e-9, `variance ${k}`));
  });
  it("sign-normalised components to 1e-7 (eigenvectors are less well conditioned than eigenvalues)", () => {
    (ref.pca.components as number[][]).flat().forEach((v, i) => assert.ok(Math.abs(model.components[i] - v) < 1e-7, `component value ${i}: ${model.components[i]} vs ${v}`));
  });
  it("a variance fraction picks scikit-learn's component count; transform round-trips through JSON", () => {
    assert.equal(pca({ nComponents: 0.9 }).fit(x).nComponents, ref.pca.n_for_90);
    const back = pcaFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(back.transform(x).data, model.embedding.data);
    // Projections are uncorrelated with variances equal to the eigenvalues.
    const first = model.embedding.data.subarray(0, x.nRows);
    const v = first.reduce((s, t) => s + t * t, 0) / (x.nRows - 1);
    assert.ok(Math.abs(v / model.explainedVariance[0] - 1) < 1e-9);
  });
});

describe("t-SNE matches scikit-learn's quality on 300 digits", () => {
  const digits = fromRows(ref.digits.X as number[][]);
  const exactRef = ref.tsne.find((c: { method: string }) => c.method === "exact");
  const bhRef = ref.tsne.find((c: { method: string }) => c.method === "barnes_hut");
  it("trustworthiness equals scikit-learn's on scikit-learn's own embedding to 1e-3 (the fixture rounds that embedding to 5 decimals, which can swap near-tied neighbours)", () => {
    const embedded = fromRows(exactRef.embedding);
    assert.ok(Math.abs(trustworthiness(digits, embedded, 5) - exactRef.trustworthiness) < 1e-3, "rounded embedding (5 decimals) may swap a near-tie");
  });
  for (const method of ["barnes_hut", "exact"] as const) {
    it(`${method}: KL within 15% of scikit-learn's and trustworthiness ≥ 0.98 (scikit-learn: ≥ 0.99)`, () => {
      const reference = method === "exact" ? exactRef : bhRef;
      const model = tsne({ method }).fit(digits, { seed: 0 });
      assert.ok(Math.abs(model.klDivergence / reference.kl - 1) < 0.15, `KL ${model.klDivergence} vs ${reference.kl}`);
      const t = trustworthiness(digits, model.embedding, 5);
      assert.ok(t >= 0.98, `trustworthiness ${t}`);
      // Digit classes stay apart in the map.
      assert.ok(silhouette(model.embedding, ref.digits.y).score > 0.3);
    });
  }
  it("is reproducible: same input, same embedding", () => {
    const small = fromRows((ref.digits.X as number[][]).slice(0, 80));
    assert.deepEqual(tsne({ perplexity: 10, nIter: 300 }).fit(small).embedding.data, tsne({ perplexity: 10, nIter: 300 }).fit(small).embedding.data);
  });
});

/** Four well-separated blobs in 5-D. */
function blobs(nPer: number): { x: Matrix; y: number[] } {
  const rows: number[][] = [];
  const y: number[] = [];
  let s = 1;
  const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.6;
  for (let k = 0; k < 4; k++) for (let i = 0; i < nPer; i++) {
    rows.push([0, 1, 2, 3, 4].map((j) => (j === k ? 5 : 0) + noise()));
    y.push(k);
  }
  return { x: fromRows(rows), y };
}

describe("UMAP wrapper", () => {
  const { x, y } = blobs(40);
  it("is seeded: same seed same map, other seed other map; blobs stay apart", () => {
    const a = umap({ nEpochs: 100 }).fit(x, { seed: 1 });
    const b = umap({ nEpochs: 100 }).fit(x, { seed: 1 });
    const c = umap({ nEpochs: 100 }).fit(x, { seed: 2 });
    assert.deepEqual(a.embedding.data, b.embedding.data);
    assert.notDeepEqual(a.embedding.data, c.embedding.data);
    assert.ok(silhouette(a.embedding, y).score > 0.5);
  });
});

describe("tree embedding (forest leaves → UMAP)", () => {
  // A hand-built ensemble of three stumps over the blobs' first three features: rows in the
  // same blob reach the same leaves, so their leaf distance is 0.
  const stump = (feature: number): Tree => ({
    feature: Int32Array.of(feature, -1, -1),
    threshold: Float64Array.of(2.5, NaN, NaN),
    left: Int32Array.of(1, -1, -1),
    right: Int32Array.of(2, -1, -1),
    missingLeft: Uint8Array.of(1, 0, 0),
    value: Float64Array.of(0, 0, 1),
    cover: Float64Array.of(160, 120, 40),
  });
  const ensemble: TreeEnsemble = { trees: [stump(0), stump(1), stump(2)], baseMargin: 0, treeWeight: 1 / 3, link: "identity", nFeatures: 5 };
  const { x, y } = blobs(40);
  it("leaf indices and the one-hot distance √(2·#different leaves)", () => {
    const leaves = leafIndices(ensemble, x);
    assert.deepEqual(Array.from(leaves.subarray(0, 3)), [2, 1, 1]); // blob 0 goes right on feature 0
    assert.deepEqual(Array.from(leaves.subarray(3 * 40, 3 * 40 + 3)), [1, 2, 1]);
    assert.equal(leafDistance([2, 1, 1], [1, 2, 1]), 2);
    assert.throws(() => leafIndices(ensemble, fromRows([[1, 2]])), { code: "E_COLUMNS" });
  });
  it("embeds blobs that the trees separate apart", () => {
    const model = treeEmbedding({ nEpochs: 100 }).fit(x, ensemble, { seed: 3 });
    // Blobs 0, 1, 2 each have their own leaf pattern; blob 3 shares none with them.
    assert.ok(silhouette(model.embedding, y).score > 0.5);
  });
});
