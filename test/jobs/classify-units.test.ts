/**
 * The pieces of the customer job with answers computable by hand: permutation SHAP on an
 * additive model (where every sampled order gives the exact Shapley value), stacking, the
 * soft vote (the mean of its members, rebuilt identically from JSON), the F1 threshold, the
 * segment profile, the target list, CSV quoting, recommendations and the hash folds.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frame, type Frame } from "../../src/core/frame.ts";
import { rng } from "../../src/core/rng.ts";
import { estimatorFromSpec, modelFromJSON } from "../../src/models/registry.ts";
import { describeSpec, families, withProbabilities } from "../../src/jobs/classify/families.ts";
import { permutationShap, stackShap } from "../../src/jobs/classify/permutation-shap.ts";
import { recommendations } from "../../src/jobs/classify/recommendations.ts";
import { f1Threshold, flagQuality, segmentProfile, targetList, targetsCsv, toCsv, topCategories } from "../../src/jobs/classify/segment.ts";
import { hashFolds, thinRoc } from "../../src/jobs/classify/selection.ts";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tolerance ${tol})`);

describe("permutation SHAP", () => {
  // f(x) = 0.1·a + g(colour) + 0.02·b²: additive, so φ_j = f_j(x_j) − mean over the background of f_j.
  const colourEffect: Record<string, number> = { red: 0.2, blue: -0.1, green: 0 };
  const model = {
    predictProba(f: Frame): Float64Array {
      const a = f.columns.find((c) => c.name === "a")!.values as Float64Array;
      const b = f.columns.find((c) => c.name === "b")!.values as Float64Array;
      const colour = f.columns.find((c) => c.name === "colour")!.values as (string | null)[];
      return Float64Array.from(a, (v, i) => 0.3 + 0.1 * v + colourEffect[colour[i]!] + 0.02 * b[i] * b[i]);
    },
  };
  const rows = frame([
    { name: "a", kind: "numeric", values: Float64Array.of(1, -2, 0.5) },
    { name: "colour", kind: "categorical", values: ["red", "blue", "green"] },
    { name: "b", kind: "numeric", values: Float64Array.of(0, 3, -1) },
  ]);
  const background = frame([
    { name: "a", kind: "numeric", values: Float64Array.of(0, 2) },
    { name: "colour", kind: "categorical", values: ["green", "blue"] },
    { name: "b", kind: "numeric", values: Float64Array.of(1, 2) },
  ]);

  it("gives the exact Shapley values of an additive model, whatever the orders drawn", () => {
    const shap = permutationShap(model, rows, background, { nPairs: 1, seed: 3 });
    const meanA = 0.1 * 1; // mean of 0.1·a over the background (0 and 2)
    const meanColour = (0 + -0.1) / 2;
    const meanB = (0.02 * 1 + 0.02 * 4) / 2;
    const expected = [
      [0.1 * 1 - meanA, 0.2 - meanColour, 0 - meanB],
      [0.1 * -2 - meanA, -0.1 - meanColour, 0.02 * 9 - meanB],
      [0.1 * 0.5 - meanA, 0 - meanColour, 0.02 * 1 - meanB],
    ];
    assert.deepEqual(shap.featureNames, ["a", "colour", "b"]);
    assert.equal(shap.link, "identity");
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(shap.values[i * 3 + j], expected[i][j], 1e-12, `row ${i} feature ${j}`);
  });

  it("adds up to f(x) − E f(background) for a model with interactions", () => {
    const interacting = { predictProba: (f: Frame) => {
      const a = f.columns[0].values as Float64Array;
      const b = f.columns[2].values as Float64Array;
      return Float64Array.from(a, (v, i) => 1 / (1 + Math.exp(-(v * b[i]))));
    } };
    const shap = permutationShap(interacting, rows, background, { nPairs: 2, seed: 1 });
    const own = interacting.predictProba(rows);
    const base = interacting.predictProba(background).reduce((s, v) => s + v, 0) / 2;
    close(shap.expectedValue[0], base, 1e-15);
    for (let i = 0; i < 3; i++) close(shap.values[i * 3] + shap.values[i * 3 + 1] + shap.values[i * 3 + 2], own[i] - base, 1e-12, `row ${i}`);
    // colour does not enter the model: its value is exactly zero
    for (let i = 0; i < 3; i++) assert.equal(shap.values[i * 3 + 1], 0);
  });

  it("gives a row the same values however the rows are split into calls (rows keyed by id)", () => {
    const interacting = { predictProba: (f: Frame) => {
      const a = f.columns[0].values as Float64Array;
      const b = f.columns[2].values as Float64Array;
      return Float64Array.from(a, (v, i) => Math.tanh(v * b[i]) / 2 + 0.5);
    } };
    const keys = [10, 11, 12];
    const whole = permutationShap(interacting, rows, background, { nPairs: 1, seed: 9, rowKeys: keys });
    const pick = (from: number, to: number) => frame(rows.columns.map((c) => ({ ...c, values: c.values.slice(from, to) }) as never));
    const first = permutationShap(interacting, pick(0, 1), background, { nPairs: 1, seed: 9, rowKeys: keys.slice(0, 1) });
    const rest = permutationShap(interacting, pick(1, 3), background, { nPairs: 1, seed: 9, rowKeys: keys.slice(1) });
    assert.deepEqual([...first.values, ...rest.values], Array.from(whole.values));
  });

  it("rejects an empty background and a bad number of pairs", () => {
    const empty = frame(background.columns.map((c) => ({ ...c, values: c.kind === "numeric" ? new Float64Array(0) : [] }) as never));
    assert.throws(() => permutationShap(model, rows, empty), { code: "E_BACKGROUND" });
    assert.throws(() => permutationShap(model, rows, background, { nPairs: 0 }), { code: "E_OPTIONS" });
  });

  it("stacks explanations row-wise with a row-weighted baseline", () => {
    const a = permutationShap(model, rows, background, { nPairs: 1 });
    const stacked = stackShap([a, { ...a, nRows: 1, values: a.values.slice(0, 3), expectedValue: Float64Array.of(1) }]);
    assert.equal(stacked.nRows, 4);
    assert.deepEqual(Array.from(stacked.values.slice(9)), Array.from(a.values.slice(0, 3)));
    close(stacked.expectedValue[0], (3 * a.expectedValue[0] + 1) / 4, 1e-15);
  });
});

describe("soft voting", () => {
  const random = rng(5);
  const n = 120;
  const a = Float64Array.from({ length: n }, () => random.normal());
  const colour = Array.from({ length: n }, (_, i) => ["red", "blue", "green"][i % 3]);
  const y = Float64Array.from(a, (v, i) => (v + (colour[i] === "red" ? 0.8 : 0) + 0.5 * random.normal() > 0.3 ? 1 : 0));
  const f = frame([{ name: "a", kind: "numeric", values: a }, { name: "colour", kind: "categorical", values: colour }]);
  const members = [
    { kind: "pipeline", options: { model: { kind: "logistic-regression", options: { c: 0.5 } } } },
    { kind: "pipeline", options: { encoder: "ordinal", scaler: "none", model: { kind: "cart-classifier", options: { maxDepth: 3 } } } },
  ];

  it("predicts the weighted mean of its members' probabilities and round-trips through JSON", async () => {
    const vote = (await estimatorFromSpec({ kind: "soft-voting", options: { members, weights: [3, 1] } })) as unknown as {
      fit(f: Frame, y: Float64Array, ctx: object): { predictProba(f: Frame): Float64Array; toJSON(): unknown };
    };
    const model = vote.fit(f, y, { seed: 1 });
    const parts = await Promise.all(members.map(async (m) => ((await estimatorFromSpec(m)) as unknown as typeof vote).fit(f, y, { seed: 1 }).predictProba(f)));
    const p = model.predictProba(f);
    for (let i = 0; i < n; i++) close(p[i], 0.75 * parts[0][i] + 0.25 * parts[1][i], 1e-12, `row ${i}`);
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as unknown as { predictProba(f: Frame): Float64Array };
    assert.deepEqual(Array.from(again.predictProba(f)), Array.from(p));
  });

  it("rejects fewer than two members and mismatched weights", async () => {
    await assert.rejects(estimatorFromSpec({ kind: "soft-voting", options: { members: members.slice(0, 1) } }), { code: "E_OPTIONS" });
    await assert.rejects(estimatorFromSpec({ kind: "soft-voting", options: { members, weights: [1] } }), { code: "E_OPTIONS", message: /one weight per member/ });
  });
});

describe("families", () => {
  it("the full grid crosses encoders and scalers for the scale-sensitive models only", () => {
    const full = families("full");
    assert.deepEqual(full.map((f) => f.name), ["knn", "tree", "logistic", "svc", "forest", "boosting"]);
    assert.deepEqual(full.find((f) => f.name === "knn")!.grids[0].scaler, ["standard", "minmax", "robust"]);
    assert.deepEqual(full.find((f) => f.name === "tree")!.grids[0].scaler, ["none"]);
    assert.throws(() => families("full", ["knn", "naive-bayes"]), { code: "E_OPTIONS", message: /naive-bayes/ });
  });

  it("turns SVC probabilities on for refits, also inside a vote, and describes specs", () => {
    const svc = { kind: "pipeline", options: { encoder: "ordinal", scaler: "standard", model: { kind: "svc", options: { probability: false, c: 3 } } } };
    assert.equal((withProbabilities(svc).options.model as { options: { probability: boolean } }).options.probability, true);
    const vote = withProbabilities({ kind: "soft-voting", options: { members: [svc, svc] } });
    assert.ok((vote.options.members as typeof svc[]).every((m) => (m.options.model.options as { probability: boolean }).probability));
    assert.equal(describeSpec(svc), "SVC (c 3) · ordinal · standard");
  });
});

describe("threshold, segment and target list", () => {
  const y = [1, 1, 0, 1, 0, 0];
  const p = [0.9, 0.8, 0.7, 0.6, 0.2, 0.1];

  it("picks the F1-optimal threshold (computed by hand)", () => {
    // ≥0.9: F1 2/4; ≥0.8: 4/5; ≥0.7: 4/6; ≥0.6: 6/7 (best); ≥0.2: 6/8; ≥0.1: 6/9
    const t = f1Threshold(y, p);
    assert.equal(t.threshold, 0.6);
    close(t.f1, 6 / 7, 1e-12);
    close(t.precision, 3 / 4, 1e-12);
    assert.equal(t.recall, 1);
    assert.deepEqual(flagQuality(y, p, 0.85), { precision: 1, recall: 1 / 3, f1: 0.5 });
    assert.throws(() => f1Threshold([0, 0], [0.3, 0.4]), { code: "E_ONE_CLASS" });
  });

  it("profiles the segment against the rest and everyone", () => {
    const f = frame([
      { name: "x", kind: "numeric", values: Float64Array.of(1, 3, 5, NaN) },
      { name: "c", kind: "categorical", values: ["u", "u", "v", "u"] },
    ]);
    const [x, c] = segmentProfile(f, Uint8Array.of(1, 1, 0, 0));
    assert.deepEqual({ ...x, sd: Math.round(x.sd * 1e12) / 1e12 }, { feature: "x", kind: "numeric", segment: 2, rest: 5, everyone: 3, sd: 2 });
    assert.deepEqual(c, { feature: "c", kind: "categorical", category: "u", sd: NaN, segment: 1, rest: 0.5, everyone: 0.75 });
  });

  it("lists the segment's top categories and orders the targets by value", () => {
    const inSegment = Uint8Array.of(1, 1, 1, 1, 0, 1);
    const category = ["toys", "books", "toys", "garden", "toys", "books"];
    assert.deepEqual(topCategories(category, inSegment, 2), [{ category: "books", customers: 2 }, { category: "toys", customers: 2 }]);
    const rows = targetList({
      customerId: ["a", "b", "c", "d", "e", "f"],
      probability: Float64Array.of(0.9, 0.8, 0.7, 0.95, 0.99, 0.6),
      inSegment,
      value: Float64Array.of(5, 7, 5, 9, 10, NaN),
      category,
      categories: ["books", "toys"],
      reasons: new Map([[1, ["pages per visit is low (2): +0.20 to decline risk"]]]),
    });
    assert.deepEqual(rows.map((r) => r.customerId), ["b", "a", "c", "f"]);
    assert.deepEqual(rows.map((r) => r.rank), [1, 2, 3, 4]);
    assert.equal(rows[3].value, null);
    assert.deepEqual(rows[0].reasons, ["pages per visit is low (2): +0.20 to decline risk"]);
    assert.equal(
      targetsCsv(rows.slice(0, 1), { value: "profit", category: "popular_category" }),
      'rank,customer_id,probability,profit,popular_category,reasons\n1,b,0.8,7,books,pages per visit is low (2): +0.20 to decline risk\n',
    );
  });

  it("quotes CSV cells with commas, quotes and newlines", () => {
    assert.equal(toCsv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", NaN]]), 'a,b\n"x,y","say ""hi"""\n"line\nbreak",\n');
  });
});

describe("recommendations", () => {
  it("states the segment's difference, the driver's strength and its direction", () => {
    const explained = frame([
      { name: "pages", kind: "numeric", values: Float64Array.of(2, 3, 9, 10) },
      { name: "tier", kind: "categorical", values: ["basic", "basic", "gold", "gold"] },
    ]);
    // pages: low values push up (negative correlation of value and SHAP); tier "basic" pushes up
    const shap = {
      nRows: 4, nOutputs: 1, featureNames: ["pages", "tier"], link: "identity" as const, expectedValue: Float64Array.of(0.4),
      values: Float64Array.of(0.3, 0.1, 0.2, 0.1, -0.2, -0.05, -0.3, -0.05),
    };
    const ranking = [{ feature: "pages", meanAbs: 0.25, mean: 0 }, { feature: "tier", meanAbs: 0.075, mean: 0.025 }];
    const drivers = recommendations(ranking, shap, explained, explained, Uint8Array.of(1, 1, 0, 0), {
      target: "decline risk", segmentName: "customers at risk", units: "probability",
      actions: { pages: (d) => ({ group: "engagement", text: `Bring them back to ${d.rest}.` }) },
    });
    assert.equal(drivers[0].text, "Among customers at risk, pages averages 2.50 vs 9.50 for the rest; pages is the strongest driver (mean |SHAP| 0.250 in probability), and lower values raise the decline risk. Bring them back to 9.5.");
    assert.equal(drivers[0].direction, -1);
    assert.equal(drivers[1].category, "basic");
    assert.match(drivers[1].text, /^Among customers at risk, 100 % have tier "basic" vs 0 % of the rest; tier is the second strongest driver/);
  });
});

describe("hash folds and ROC thinning", () => {
  it("are stratified, disjoint, cover every row and do not depend on row order", () => {
    const keys = Array.from({ length: 200 }, (_, i) => 1000 + 3 * i);
    const y = Float64Array.from(keys, (k) => (k % 7 < 3 ? 1 : 0));
    const folds = hashFolds(keys, y, 5);
    const seen = new Int32Array(keys.length);
    for (const fold of folds) {
      fold.test.forEach((i) => seen[i]++);
      assert.equal(fold.train.length + fold.test.length, keys.length);
      const positives = Array.from(fold.test).filter((i) => y[i] === 1).length;
      assert.ok(Math.abs(positives - fold.test.length * (y.reduce((s, v) => s + v, 0) / keys.length)) <= 1);
    }
    assert.ok(seen.every((v) => v === 1));
    // the same customers land in the same folds when the table arrives reversed
    const reversed = hashFolds([...keys].reverse(), Float64Array.from(y).reverse(), 5);
    const testKeys = (fs: typeof folds, ks: number[]) => fs.map((f) => Array.from(f.test, (i) => ks[i]).sort((a, b) => a - b));
    assert.deepEqual(testKeys(reversed, [...keys].reverse()), testKeys(folds, keys));
  });

  it("thins a ROC curve but keeps its ends", () => {
    const fpr = Array.from({ length: 250 }, (_, t) => t / 249);
    const thin = thinRoc(fpr, fpr, 100);
    assert.ok(thin.fpr.length <= 101);
    assert.equal(thin.fpr[0], 0);
    assert.equal(thin.fpr[thin.fpr.length - 1], 1);
  });
});
