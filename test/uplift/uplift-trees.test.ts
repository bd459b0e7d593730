/**
 * Uplift trees, uplift forests and bagged uplift learners (src/uplift/uplift-tree.ts,
 * uplift-forest.ts, bagging.ts): a stump on a design whose effect lives in one binary feature
 * splits on it and its leaves hold the raw per-arm rates (closed form, with no shrinkage); a
 * forest recovers the effect on both sides; bagging predicts the mean of its refits; all three
 * round-trip through JSON and the model registry, for two and for three arms.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromColumns, type Matrix } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { upliftBagging } from "../../src/uplift/bagging.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";
import { upliftForest } from "../../src/uplift/uplift-forest.ts";
import { upliftTree } from "../../src/uplift/uplift-tree.ts";
import type { UpliftModel } from "../../src/uplift/types.ts";

/** Visit rate 0.2, plus `effects[arm]` where flag = 1; `noise` carries nothing. */
function design(n: number, effects: readonly number[], seed: number) {
  const random = rng(seed);
  const flag = new Float64Array(n);
  const noise = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    flag[i] = random.int(2);
    noise[i] = random.next();
    t[i] = random.int(effects.length);
    y[i] = random.next() < 0.2 + effects[t[i]] * flag[i] ? 1 : 0;
  }
  return { x: fromColumns({ noise, flag }), y, t, flag };
}

/** Raw visit rate of `arm` among rows with flag = f. */
function rate(y: Float64Array, t: Int32Array, flag: Float64Array, arm: number, f: number): number {
  let n = 0;
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    if (t[i] === arm && flag[i] === f) {
      n++;
      pos += y[i];
    }
  }
  return pos / n;
}

async function assertRoundTrip(model: UpliftModel, x: Matrix): Promise<void> {
  const back = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as UpliftModel;
  assert.equal(back.kind, model.kind);
  assert.deepEqual([...back.arms], [...model.arms]);
  assert.deepEqual(back.predictUplift(x), model.predictUplift(x));
  assert.deepEqual(back.predictResponses(x), model.predictResponses(x));
}

describe("uplift tree", () => {
  const { x, y, t, flag } = design(6000, [0, 0.3], 5);

  it("a stump splits on the feature that carries the effect and its leaves hold the raw arm rates", async () => {
    const model = upliftTree({ maxDepth: 1, nReg: 0, minSamplesLeaf: 50 }).fit(x, y, t, { seed: 1 });
    const uplift = model.predictUplift(x);
    const responses = model.predictResponses(x);
    for (const f of [0, 1]) {
      const i = flag.indexOf(f);
      const control = rate(y, t, flag, 0, f);
      const treated = rate(y, t, flag, 1, f);
      assert.ok(Math.abs(responses[2 * i] - control) < 1e-12, `control rate where flag = ${f}`);
      assert.ok(Math.abs(responses[2 * i + 1] - treated) < 1e-12, `treated rate where flag = ${f}`);
      assert.ok(Math.abs(uplift[i] - (treated - control)) < 1e-12, `uplift where flag = ${f}`);
    }
    // Every row with the same flag gets the same value: the split is on flag, not on noise.
    for (let i = 0; i < x.nRows; i++) assert.equal(uplift[i], uplift[flag.indexOf(flag[i])]);
    await assertRoundTrip(model, x);
  });

  it("every criterion finds the effect", () => {
    for (const criterion of ["kl", "ed", "chi"] as const) {
      const uplift = upliftTree({ criterion, maxDepth: 1, nReg: 0 }).fit(x, y, t, { seed: 1 }).predictUplift(x);
      assert.ok(uplift[flag.indexOf(1)] - uplift[flag.indexOf(0)] > 0.2, criterion);
    }
  });
});

describe("uplift forest", () => {
  it("recovers the effect on both sides of the flag, two arms and three", async () => {
    for (const effects of [[0, 0.3], [0, 0.3, -0.1]]) {
      const { x, y, t, flag } = design(6000, effects, 8);
      const model = upliftForest({ nTrees: 20, maxDepth: 3, minSamplesLeaf: 100 }).fit(x, y, t, { seed: 4 });
      const k = effects.length - 1;
      const uplift = model.predictUplift(x);
      assert.equal(uplift.length, x.nRows * k);
      for (let arm = 1; arm <= k; arm++) {
        const mean = (f: number) => {
          let s = 0;
          let n = 0;
          for (let i = 0; i < x.nRows; i++) if (flag[i] === f) { s += uplift[i * k + arm - 1]; n++; }
          return s / n;
        };
        assert.ok(Math.abs(mean(1) - effects[arm]) < 0.06, `arm ${arm}, flag 1: ${mean(1)} vs ${effects[arm]}`);
        assert.ok(Math.abs(mean(0)) < 0.06, `arm ${arm}, flag 0: ${mean(0)}`);
      }
      await assertRoundTrip(model, x);
    }
  });

  it("is reproducible from its seed and honest trees change the estimates", () => {
    const { x, y, t } = design(3000, [0, 0.3], 9);
    const options = { nTrees: 5, maxDepth: 3 };
    const a = upliftForest(options).fit(x, y, t, { seed: 3 }).predictUplift(x);
    const b = upliftForest(options).fit(x, y, t, { seed: 3 }).predictUplift(x);
    assert.deepEqual(a, b);
    const honest = upliftForest({ ...options, honesty: true }).fit(x, y, t, { seed: 3 }).predictUplift(x);
    assert.notDeepEqual(a, honest);
  });
});

describe("uplift bagging", () => {
  it("predicts the mean of its refits and round-trips", async () => {
    const { x, y, t } = design(2000, [0, 0.3], 10);
    const model = upliftBagging({ learner: tLearner({ base: gbdt({ maxDepth: 2, nEstimators: 10 }) }), nBags: 3 }).fit(x, y, t, { seed: 2, nThreads: 1 });
    assert.equal(model.members.length, 3);
    const parts = model.members.map((m) => m.predictUplift(x));
    const uplift = model.predictUplift(x);
    for (let i = 0; i < x.nRows; i++) assert.ok(Math.abs(uplift[i] - (parts[0][i] + parts[1][i] + parts[2][i]) / 3) < 1e-12);
    await assertRoundTrip(model, x);
  });
});
