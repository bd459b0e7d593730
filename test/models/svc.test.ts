// SVC against scikit-learn 1.2.1's libsvm (test/reference/svc.json from scripts/reference/svc.py):
// decision values, support vectors, Platt scaling; calibration, round trips and boundary errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fromRows, matrix, takeRows } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import { coupleProbabilities } from "../../src/models/svm/one-vs-one.ts";
import { sigmoidPredict, sigmoidTrain } from "../../src/models/svm/platt.ts";
import { svc } from "../../src/models/svm/svc.ts";
import type { Classifier } from "../../src/models/types.ts";

interface Case {
  name: string;
  patron: Record<string, unknown>;
  weighted: boolean;
  supportIndex: number[];
  dualCoef: number[];
  intercept: number;
  gamma: number;
  decision: number[];
  nIter: number;
  coef: number[] | null;
}
const ref = JSON.parse(readFileSync(new URL("../reference/svc.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  nRows: number;
  nQuery: number;
  nCols: number;
  x: number[];
  query: number[];
  y: number[];
  sampleWeight: number[];
  cases: Case[];
  probability: { patron: Record<string, unknown>; proba: number[]; probaBySeed: number[][]; seedSpread: number; decision: number[] };
  platt: { decision: number[]; y: number[]; a: number; b: number };
  calibration: { ece: number[]; maeToTruth: number[] };
  y3: number[];
  multiclass: {
    name: string;
    patron: Record<string, unknown>;
    supportIndex: number[];
    decisionOvr: number[];
    decisionOvo: number[];
    predict: number[];
    probA: number[];
    probB: number[];
    proba: number[];
    probaDecisionOvo: number[];
  }[];
};
const names = Array.from({ length: ref.nCols }, (_, j) => `f${j}`);
const x = matrix(Float64Array.from(ref.x), ref.nRows, names);
const query = matrix(Float64Array.from(ref.query), ref.nQuery, names);
const y = Float64Array.from(ref.y);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

describe(`SVC equals scikit-learn ${ref.versions.sklearn} (libsvm)`, () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const weights = Float64Array.from(ref.sampleWeight);
      const model = svc(c.patron as never).fit(x, y, c.weighted ? { sampleWeight: weights } : {});
      // gamma "scale" from the variance of all entries: the same two-pass formula, 1e-12 relative.
      assert.ok(Math.abs(model.gamma - c.gamma) < 1e-12 * c.gamma, `gamma ${model.gamma} vs ${c.gamma}`);
      // Decision values to 1e-3 (issue #3): both stop at the same KKT tolerance; with a tight
      // tol both reach the optimum, so there 1e-6. In practice the iterations coincide and the
      // difference is rounding (libsvm's float32 kernel cache is reproduced).
      const tolerance = (c.patron.tol as number | undefined) === 1e-8 ? 1e-6 : 1e-3;
      assert.ok(maxDiff(model.decisionFunction(query), c.decision) < tolerance, `decision differs by ${maxDiff(model.decisionFunction(query), c.decision)}`);
      assert.ok(Math.abs(model.intercept - c.intercept) < tolerance);
      // scikit-learn numbers support vectors among the rows left after dropping zero weights.
      const kept = Array.from({ length: ref.nRows }, (_, i) => i).filter((i) => !c.weighted || weights[i] > 0);
      assert.deepEqual([...model.supportIndex].sort((a, b) => a - b), c.supportIndex.map((k) => kept[k]).sort((a, b) => a - b));
      if (c.coef) assert.ok(maxDiff(model.coef!, c.coef) < tolerance);
    });
  }

  it("fits Platt's sigmoid like libsvm on the same decision values", () => {
    const { a, b } = sigmoidTrain(Float64Array.from(ref.platt.decision), Uint8Array.from(ref.platt.y));
    // 1e-6: libsvm's Newton stops at gradient 1e-5; the reference is the exact optimum.
    assert.ok(Math.abs(a - ref.platt.a) < 1e-6 && Math.abs(b - ref.platt.b) < 1e-6, `A ${a} B ${b}`);
  });

  it("gives probabilities that scikit-learn could have given with other folds", () => {
    // libsvm's 5 Platt folds are random, so probabilities are compared statistically: each
    // of ours lies within the range of scikit-learn's over 8 fold seeds, widened by half its
    // seed-to-seed spread, and on average close to their mean.
    const model = svc(ref.probability.patron as never).fit(x, y, { seed: 0 });
    assert.ok(maxDiff(model.decisionFunction(query), ref.probability.decision) < 1e-3);
    const proba = model.predictProba(query);
    const margin = ref.probability.seedSpread / 2;
    let meanGap = 0;
    for (let i = 0; i < ref.nQuery; i++) {
      const theirs = ref.probability.probaBySeed.map((row) => row[i]);
      assert.ok(proba[i] >= Math.min(...theirs) - margin && proba[i] <= Math.max(...theirs) + margin, `query ${i}: ${proba[i]} vs ${theirs}`);
      meanGap += Math.abs(proba[i] - theirs.reduce((s, v) => s + v, 0) / theirs.length) / ref.nQuery;
    }
    assert.ok(meanGap < 0.02, `mean gap ${meanGap}`);
  });
});

describe(`multiclass SVC (one-vs-one) equals scikit-learn ${ref.versions.sklearn}`, () => {
  const y3 = Float64Array.from(ref.y3);
  for (const c of ref.multiclass) {
    it(c.name, () => {
      const model = svc(c.patron as never).fit(x, y3, { seed: 0 });
      assert.equal(model.task, "multiclass");
      // Pairwise decision values to 1e-3 (the solver tolerance), "ovr" shape likewise; votes identical.
      assert.ok(maxDiff(model.pairwiseDecision(query), c.decisionOvo) < 1e-3, `ovo differs by ${maxDiff(model.pairwiseDecision(query), c.decisionOvo)}`);
      assert.ok(maxDiff(model.decisionFunction(query), c.decisionOvr) < 1e-3);
      assert.deepEqual(Array.from(model.predict(query)), c.predict);
      assert.deepEqual(Array.from(model.supportIndex), [...c.supportIndex].sort((a, b) => a - b));
      // Probabilities: rows sum to 1 and pick mostly the same class as scikit-learn's (folds differ).
      const proba = model.predictProba(query);
      let agree = 0;
      for (let i = 0; i < ref.nQuery; i++) {
        const ours = Array.from(proba.subarray(3 * i, 3 * i + 3));
        const theirs = c.proba.slice(3 * i, 3 * i + 3);
        assert.ok(Math.abs(ours[0] + ours[1] + ours[2] - 1) < 1e-9, `row ${i} sums to ${ours[0] + ours[1] + ours[2]}`);
        if (ours.indexOf(Math.max(...ours)) === theirs.indexOf(Math.max(...theirs))) agree++;
      }
      assert.ok(agree >= 0.9 * ref.nQuery, `${agree} of ${ref.nQuery} agree`);
    });

    it(`${c.name}: pairwise coupling equals libsvm's given its Platt parameters`, () => {
      // Exact up to rounding (1e-9): the same fixed-point iteration on the same inputs.
      const out = new Float64Array(3);
      const r = new Float64Array(9);
      for (let i = 0; i < ref.nQuery; i++) {
        [[0, 1], [0, 2], [1, 2]].forEach(([a, b], p) => {
          const pa = Math.min(Math.max(sigmoidPredict(c.probaDecisionOvo[3 * i + p], c.probA[p], c.probB[p]), 1e-7), 1 - 1e-7);
          r[a * 3 + b] = pa;
          r[b * 3 + a] = 1 - pa;
        });
        coupleProbabilities(r, 3, out);
        assert.ok(maxDiff(out, c.proba.slice(3 * i, 3 * i + 3)) < 1e-9, `row ${i}`);
      }
    });
  }

  it("round-trips through JSON", async () => {
    const model = svc({ c: 1 }).fit(x, y3);
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as Classifier;
    assert.deepEqual(again.predictProba(query), model.predictProba(query));
    assert.deepEqual(again.predict(query), model.predict(query));
  });
});

describe("SVC probabilities", () => {
  // Rows from a known logistic model: P(y = 1 | x) = σ(1.5 x0 − x1).
  const random = rng(21);
  const make = (n: number) => {
    const rows = Array.from({ length: n }, () => [random.normal(), random.normal()]);
    const truth = Float64Array.from(rows, (r) => 1 / (1 + Math.exp(-(1.5 * r[0] - r[1]))));
    const labels = Float64Array.from(truth, (p) => (random.next() < p ? 1 : 0));
    return { x: fromRows(rows), truth, labels };
  };
  const train = make(400);
  const test = make(5000);
  const model = svc({ kernel: "rbf", c: 1 }).fit(train.x, train.labels, { seed: 3 });
  const proba = model.predictProba(test.x);

  it("are monotone in the decision value", () => {
    assert.ok(model.plattA < 0);
    const d = model.decisionFunction(test.x);
    const order = Array.from(d.keys()).sort((a, b) => d[a] - d[b]);
    for (let k = 1; k < order.length; k++) assert.ok(proba[order[k]] >= proba[order[k - 1]]);
  });

  it("are calibrated as well as scikit-learn's on the same design", () => {
    const order = Array.from(proba.keys()).sort((a, b) => proba[a] - proba[b]);
    let ece = 0;
    for (let bin = 0; bin < 10; bin++) {
      const members = order.slice(Math.floor((bin * order.length) / 10), Math.floor(((bin + 1) * order.length) / 10));
      const predicted = members.reduce((s, i) => s + proba[i], 0) / members.length;
      const observed = members.reduce((s, i) => s + test.labels[i], 0) / members.length;
      ece += Math.abs(predicted - observed) / 10;
    }
    const mae = proba.reduce((s, p, i) => s + Math.abs(p - test.truth[i]), 0) / proba.length;
    // scikit-learn over 8 draws of the same design (fixture): the worst of its draws plus 0.01.
    const eceBound = Math.max(...ref.calibration.ece) + 0.01;
    const maeBound = Math.max(...ref.calibration.maeToTruth) + 0.01;
    assert.ok(ece < eceBound, `expected calibration error ${ece} ≥ ${eceBound}`);
    assert.ok(mae < maeBound, `mean |p − truth| ${mae} ≥ ${maeBound}`);
  });

  it("depend on the seed only through the Platt folds", () => {
    const again = svc({ kernel: "rbf", c: 1 }).fit(train.x, train.labels, { seed: 3 });
    assert.deepEqual(again.predictProba(test.x), proba);
    const other = svc({ kernel: "rbf", c: 1 }).fit(train.x, train.labels, { seed: 4 });
    assert.deepEqual(other.decisionFunction(test.x), model.decisionFunction(test.x));
  });

  it("round-trip through JSON", async () => {
    const again = (await modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())))) as Classifier;
    assert.deepEqual(again.predictProba(test.x), proba);
  });

  it("do not depend on training row order beyond solver rounding", () => {
    const order = Array.from({ length: 400 }, (_, i) => 399 - i);
    const shuffled = svc({ kernel: "rbf", c: 1, probability: false }).fit(takeRows(train.x, order), Float64Array.from(order, (i) => train.labels[i]));
    const straight = svc({ kernel: "rbf", c: 1, probability: false }).fit(train.x, train.labels);
    assert.ok(maxDiff(shuffled.decisionFunction(test.x), straight.decisionFunction(test.x)) < 1e-2);
  });
});

describe("SVC errors", () => {
  const small = fromRows([[0], [1], [2], [3]]);
  it("takes class indices only", () => {
    assert.throws(() => svc().fit(small, Float64Array.of(-1, 1, -1, 1)), { code: "E_LABELS" });
    assert.throws(() => svc().fit(small, Float64Array.of(0, 1, 0.5, 1)), { code: "E_LABELS" });
    assert.throws(() => svc().fit(small, Float64Array.of(0, 2, 0, 2)), { code: "E_LABELS", message: /1 never occurs/ });
  });
  it("needs two classes", () => {
    assert.throws(() => svc().fit(small, Float64Array.of(1, 1, 1, 1)), { code: "E_ONE_CLASS" });
  });
  it("refuses missing values and says to impute", () => {
    assert.throws(() => svc().fit(fromRows([[0], [NaN], [2], [3]]), Float64Array.of(0, 1, 0, 1)), { code: "E_NAN", message: /[Ii]mpute/ });
  });
  it("refuses a matrix with other columns", () => {
    const model = svc({ probability: false }).fit(small, Float64Array.of(0, 1, 0, 1));
    assert.throws(() => model.decisionFunction(fromRows([[0, 1]])), { code: "E_SHAPE" });
  });
  it("says how to get probabilities when they were not fitted", () => {
    const model = svc({ probability: false }).fit(small, Float64Array.of(0, 1, 0, 1));
    assert.throws(() => model.predictProba(small), { code: "E_NO_PROBABILITY", message: /probability: true/ });
  });
  it("refuses bad options", () => {
    assert.throws(() => svc({ c: 0 }), { code: "E_OPTIONS", message: /c/ });
    assert.throws(() => svc({ kernel: "cubic" as never }), { code: "E_OPTIONS" });
  });
});
