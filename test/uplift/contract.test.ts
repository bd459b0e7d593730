/**
 * The estimator contract for every meta-learner (STYLE.md §3, §6): JSON round trip predicts
 * identically, inputs are never mutated, child seeds are fixed by ctx.seed and distinct, bad
 * input and bad JSON are refused with codes that say what to fix.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromRows, type Matrix } from "../../src/core/matrix.ts";
import type { Rng } from "../../src/core/rng.ts";
import type { FitContext, Model } from "../../src/models/types.ts";
import { classTransformation } from "../../src/uplift/class-transformation.ts";
import { upliftModelFromJSON } from "../../src/uplift/model-json.ts";
import { sLearner } from "../../src/uplift/s-learner.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";
import { transformedOutcome } from "../../src/uplift/transformed-outcome.ts";
import type { UpliftEstimator } from "../../src/uplift/types.ts";
import { xLearner } from "../../src/uplift/x-learner.ts";
import { cellMeans, logisticIRLS, ridge, testResolver } from "./helpers/estimators.ts";
import { simulateExperiment } from "./helpers/simulate.ts";

const data = simulateExperiment({
  nRows: 3000, seed: 2, armProbabilities: [0.4, 0.3, 0.3], outcome: "binary",
  features: (r: Rng) => ({ a: r.next(), b: r.normal(), c: r.int(3) }),
  response: ({ a, b }, arm) => 1 / (1 + Math.exp(-(-1 + b * 0.5 + (arm === 1 ? a : arm === 2 ? -a + 0.3 : 0)))),
});

const learners: [string, () => UpliftEstimator][] = [
  ["s-learner", () => sLearner({ base: logisticIRLS(), interactions: true })],
  ["s-learner (arm as a dose column)", () => sLearner({ base: logisticIRLS(), interactions: true, armValues: [0, 5, 10] })],
  ["t-learner", () => tLearner({ base: logisticIRLS() })],
  ["x-learner (fraction)", () => xLearner({ base: logisticIRLS(), effect: ridge() })],
  ["x-learner (propensity model)", () => xLearner({ base: logisticIRLS(), effect: ridge(), propensity: logisticIRLS() })],
  ["x-learner (known propensity)", () => xLearner({ base: logisticIRLS(), effect: ridge(), propensity: [0.4, 0.3, 0.3] })],
  ["class-transformation", () => classTransformation({ base: logisticIRLS() })],
  ["transformed-outcome", () => transformedOutcome({ base: ridge() })],
];

for (const [name, make] of learners) {
  test(`${name}: JSON round trip predicts identically, inputs untouched`, async () => {
    const xCopy = data.x.data.slice();
    const yCopy = data.y.slice();
    const tCopy = data.treatment.slice();
    const model = make().fit(data.x, data.y, data.treatment, { seed: 9, arms: ["none", "mail", "sms"] });
    assert.deepEqual(data.x.data, xCopy);
    assert.deepEqual(data.y, yCopy);
    assert.deepEqual(data.treatment, tCopy);
    assert.deepEqual(model.arms, ["none", "mail", "sms"]);
    assert.equal(model.task, "regression");
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    assert.equal(json.schemaVersion, 1);
    const rebuilt = await upliftModelFromJSON(json, testResolver);
    assert.equal(rebuilt.kind, model.kind);
    assert.deepEqual(rebuilt.predictUplift(data.x), model.predictUplift(data.x));
    assert.deepEqual(rebuilt.predictResponses(data.x), model.predictResponses(data.x));
    assert.deepEqual(rebuilt.predict(data.x), model.predictUplift(data.x));
    assert.throws(() => Object.assign(model, { arms: [] }), TypeError);
  });
}

/** Records what each base fit received. */
function spy() {
  const calls: { seed?: number; weight?: Float64Array; nRows: number; y: Float64Array }[] = [];
  const inner = cellMeans();
  return {
    calls,
    estimator: {
      kind: "spy",
      options: {},
      fit(x: Matrix, y: Float64Array, ctx: FitContext = {}): Model {
        calls.push({ seed: ctx.seed, weight: ctx.sampleWeight, nRows: x.nRows, y });
        return inner.fit(x, y, ctx);
      },
    },
  };
}

test("child seeds come from ctx.seed: fixed for a seed, distinct per model, different for another seed", () => {
  const seedsFor = (seed: number) => {
    const s = spy();
    xLearner({ base: s.estimator }).fit(data.x, data.y, data.treatment, { seed });
    return s.calls.map((c) => c.seed);
  };
  const first = seedsFor(1);
  assert.equal(first.length, 3 + 2 * 2);
  assert.deepEqual(seedsFor(1), first);
  assert.equal(new Set(first).size, first.length);
  assert.notDeepEqual(seedsFor(2), first);
});

test("class transformation gives each side half the weight, and passes the user's weights through", () => {
  const s = spy();
  const userWeight = Float64Array.from({ length: data.x.nRows }, (_, i) => 1 + (i % 3));
  classTransformation({ base: s.estimator, responseModel: false }).fit(data.x, data.y, data.treatment, { sampleWeight: userWeight });
  assert.equal(s.calls.length, 2);
  const nControl = data.treatment.filter((t) => t === 0).length;
  for (const call of s.calls) {
    const w = call.weight!;
    let control = 0;
    let treated = 0;
    for (let r = 0; r < w.length; r++) (r < nControl ? (control += w[r]) : (treated += w[r]));
    assert.ok(Math.abs(control - treated) < 1e-9 * (control + treated));
  }
});

test("treatment and outcome are checked at the boundary", () => {
  const x = fromRows([[1], [2], [3], [4], [5], [6]], ["f"]);
  const y = Float64Array.of(1, 0, 1, 0, 1, 0);
  const t = tLearner({ base: cellMeans() });
  assert.throws(() => t.fit(x, y, [0, 0, 2, 2, 0, 2]), { code: "E_TREATMENT" });
  assert.throws(() => t.fit(x, y, [0, 0, 0, 0, 0, 0]), { code: "E_TREATMENT" });
  assert.throws(() => t.fit(x, y, [0, 1, 0.5, 1, 0, 1]), { code: "E_TREATMENT" });
  assert.throws(() => t.fit(x, y, [0, 1, 0, 0, 0, 0]), { code: "E_TREATMENT", message: /at least 2/ });
  assert.throws(() => t.fit(x, y, [0, 1, 0]), { code: "E_SHAPE" });
  assert.throws(() => t.fit(x, Float64Array.of(1, 0, NaN, 0, 1, 0), [0, 1, 0, 1, 0, 1]), { code: "E_NAN" });
  assert.throws(() => t.fit(x, y, [0, 1, 0, 1, 0, 1], { arms: ["only-one"] }), { code: "E_TREATMENT" });
  assert.throws(() => classTransformation({ base: cellMeans() }).fit(x, Float64Array.of(1, 2, 3, 4, 5, 6), [0, 1, 0, 1, 0, 1]), { code: "E_NOT_BINARY" });
  assert.throws(() => tLearner({ base: {} as never }), /estimator/);
  assert.throws(() => xLearner({ base: cellMeans(), propensity: [0.5] }), /propensity/);
  assert.throws(() => sLearner({ base: cellMeans(), armValues: [0, 5, 10] }).fit(x, y, [0, 1, 0, 1, 0, 1]), { code: "E_OPTION" });
  const model = t.fit(x, y, [0, 1, 0, 1, 0, 1]);
  assert.throws(() => model.predictUplift(fromRows([[1]], ["g"])), { code: "E_SHAPE" });
  assert.throws(() => classTransformation({ base: cellMeans(), responseModel: false }).fit(x, y, [0, 1, 0, 1, 0, 1]).predictResponses(x), { code: "E_NOT_SUPPORTED" });
});

test("the X-learner says to pass a regressor when its effect model wants labels", () => {
  assert.throws(() => xLearner({ base: logisticIRLS() }).fit(data.x, data.y, data.treatment), { code: "E_OPTION", message: /regressor/ });
});

test("model JSON is validated before anything is built", async () => {
  const json = JSON.parse(JSON.stringify(tLearner({ base: logisticIRLS() }).fit(data.x, data.y, data.treatment).toJSON()));
  await assert.rejects(upliftModelFromJSON({ ...json, kind: "nope" }, testResolver), { code: "E_MODEL_JSON" });
  await assert.rejects(upliftModelFromJSON({ ...json, schemaVersion: 2 }, testResolver), { code: "E_MODEL_JSON" });
  await assert.rejects(upliftModelFromJSON({ ...json, models: json.models.slice(1) }, testResolver), { code: "E_MODEL_JSON" });
  const renamed = { ...json, models: json.models.map((m: { featureNames: string[] }) => ({ ...m, featureNames: ["p", "q", "r"] })) };
  await assert.rejects(upliftModelFromJSON(renamed, testResolver), { code: "E_MODEL_JSON", message: /columns/ });
  await assert.rejects(upliftModelFromJSON(null, testResolver), { code: "E_MODEL_JSON" });
});

test("uplift kinds are in the model registry", async () => {
  const { knownKinds } = await import("../../src/models/registry.ts");
  for (const kind of ["s-learner", "t-learner", "x-learner", "class-transformation", "transformed-outcome"]) {
    assert.ok(knownKinds().includes(kind), kind);
  }
});
