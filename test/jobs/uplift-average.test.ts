/**
 * The uplift average (src/uplift/average.ts): its predictions are exactly the weighted mean of
 * its members', the default weights are inversely proportional to each member's uplift spread on
 * the training rows, it round-trips through JSON (and through the model registry), and invalid
 * JSON is rejected before anything is built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromColumns } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { averageOf, fromJSON, inverseSpreadWeights, upliftAverage, upliftSpread } from "../../src/uplift/average.ts";
import { upliftModelFromJSON } from "../../src/uplift/model-json.ts";
import { sLearner } from "../../src/uplift/s-learner.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";

function experiment() {
  const random = rng(3);
  const n = 800;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = random.next();
    b[i] = random.int(3);
    t[i] = random.int(2);
    y[i] = random.next() < 0.2 + 0.3 * t[i] * a[i] ? 1 : 0;
  }
  return { x: fromColumns({ a, b }), y, t };
}

const { x, y, t } = experiment();
const members = [
  tLearner({ base: gbdt({ maxDepth: 2, nEstimators: 10 }) }),
  sLearner({ base: gbdt({ maxDepth: 2, nEstimators: 10 }) }),
];

test("the average predicts the weighted mean of its members, weights ∝ 1 / uplift spread", () => {
  const model = upliftAverage({ members }).fit(x, y, t, { seed: 2, nThreads: 1 });
  const spreads = model.members.map((m) => upliftSpread(m, x));
  const expected = spreads.map((s) => 1 / s / spreads.reduce((acc, v) => acc + 1 / v, 0));
  model.weights.forEach((w, k) => assert.ok(Math.abs(w - expected[k]) < 1e-15));
  assert.ok(Math.abs(model.weights[0] + model.weights[1] - 1) < 1e-12);
  const u0 = model.members[0].predictUplift(x);
  const u1 = model.members[1].predictUplift(x);
  const r0 = model.members[0].predictResponses(x);
  const r1 = model.members[1].predictResponses(x);
  const uplift = model.predictUplift(x);
  const responses = model.predictResponses(x);
  for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(uplift[i] - (model.weights[0] * u0[i] + model.weights[1] * u1[i])) < 1e-15);
  for (let c = 0; c < responses.length; c++) assert.ok(Math.abs(responses[c] - (model.weights[0] * r0[c] + model.weights[1] * r1[c])) < 1e-15);
  const equal = upliftAverage({ members, weighting: "equal" }).fit(x, y, t, { seed: 2, nThreads: 1 });
  assert.deepEqual([...equal.weights], [0.5, 0.5]);
  assert.deepEqual(inverseSpreadWeights([0.5, 0]), [0.5, 0.5], "a constant member falls back to equal weights");
});

test("toJSON → fromJSON (directly, as an uplift model and through the registry) predicts identically", async () => {
  const model = upliftAverage({ members }).fit(x, y, t, { seed: 2, nThreads: 1 });
  const json = JSON.parse(JSON.stringify(model.toJSON()));
  for (const rebuilt of [await fromJSON(json), await upliftModelFromJSON(json), await modelFromJSON(json)]) {
    assert.deepEqual((rebuilt as typeof model).predictUplift(x), model.predictUplift(x));
    assert.equal(rebuilt.kind, "uplift-average");
  }
});

test("invalid averages are rejected", async () => {
  const model = upliftAverage({ members }).fit(x, y, t, { seed: 2, nThreads: 1 });
  const json = model.toJSON();
  await assert.rejects(fromJSON({ ...json, weights: [0.9, 0.3] }), /summing to 1/);
  await assert.rejects(fromJSON({ ...json, members: [json.members[0]] }), { code: "E_MODEL_JSON" });
  const other = tLearner({ base: gbdt({ maxDepth: 2, nEstimators: 3 }) }).fit(fromColumns({ c: x.data.subarray(0, x.nRows) }), y, t, { seed: 1, nThreads: 1 });
  assert.throws(() => averageOf([model.members[0], other], [0.5, 0.5]), /reads columns c/);
  assert.throws(() => upliftAverage({ members: [members[0]] }), /too_small|at least|>=2|2 items/i);
});
