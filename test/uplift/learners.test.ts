/**
 * Meta-learners on simulated experiments with a known effect (STYLE.md §6: "uplift tested on
 * simulations with a known effect"), run on small exact base estimators from helpers/ so the
 * test isolates the meta-learning. Every tolerance is a stated multiple of the estimate's
 * standard error computed from the same data, so a biased learner fails while noise passes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Rng } from "../../src/core/rng.ts";
import { sLearner } from "../../src/uplift/s-learner.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";
import { xLearner } from "../../src/uplift/x-learner.ts";
import { classTransformation } from "../../src/uplift/class-transformation.ts";
import { transformedOutcome } from "../../src/uplift/transformed-outcome.ts";
import type { UpliftEstimator } from "../../src/uplift/types.ts";
import { cellMeans, logisticIRLS, ridge } from "./helpers/estimators.ts";
import { columnOf, mean, meanTrueUpliftOfTop, simulateExperiment, trueUplift } from "./helpers/simulate.ts";

// ---- heterogeneous binary effect on discrete cells -------------------------------------------
// Six cells (x1 ∈ {0,1}, x2 ∈ {0,1,2}); the uplift ranges from −0.10 (a do-not-disturb cell)
// to +0.25 (persuadables). Cell means make the conditional means exact, so each learner's
// estimate per cell must sit within 4 standard errors of the truth.
const cells = simulateExperiment({
  nRows: 24000,
  seed: 11,
  armProbabilities: [0.6, 0.4],
  features: (r: Rng) => ({ x1: r.int(2), x2: r.int(3) }),
  response: ({ x1, x2 }, arm) => {
    const base = 0.2 + 0.1 * x1 + 0.05 * x2;
    const effect = x1 === 1 && x2 === 0 ? 0.25 : x1 === 0 && x2 === 2 ? -0.1 : 0.05 * x2;
    return base + (arm === 1 ? effect : 0);
  },
  outcome: "binary",
});

/** Per cell: the truth and the standard error of a difference of the two arms' rates. */
function cellStats() {
  const stats = new Map<string, { truth: number; n: [number, number]; s: [number, number] }>();
  const { x, y, treatment } = cells;
  const up = trueUplift(cells, 1);
  for (let i = 0; i < x.nRows; i++) {
    const key = `${x.data[i]},${x.data[x.nRows + i]}`;
    const cell = stats.get(key) ?? { truth: up[i], n: [0, 0], s: [0, 0] };
    cell.n[treatment[i]]++;
    cell.s[treatment[i]] += y[i];
    stats.set(key, cell);
  }
  return [...stats.entries()].map(([key, c]) => {
    const p0 = c.s[0] / c.n[0];
    const p1 = c.s[1] / c.n[1];
    return { key, truth: c.truth, se: Math.sqrt((p0 * (1 - p0)) / c.n[0] + (p1 * (1 - p1)) / c.n[1]) };
  });
}

function upliftOfCell(values: Float64Array, key: string): number {
  const { x } = cells;
  for (let i = 0; i < x.nRows; i++) if (`${x.data[i]},${x.data[x.nRows + i]}` === key) return values[i];
  throw new Error(`no cell ${key}`);
}

const binaryLearners: [string, UpliftEstimator][] = [
  ["s-learner", sLearner({ base: cellMeans() })],
  ["t-learner", tLearner({ base: cellMeans() })],
  ["x-learner", xLearner({ base: cellMeans(), effect: cellMeans({ task: "regression" }) })],
  ["class-transformation", classTransformation({ base: cellMeans() })],
];

for (const [name, estimator] of binaryLearners) {
  test(`${name} recovers each cell's uplift within 4 standard errors`, () => {
    const model = estimator.fit(cells.x, cells.y, cells.treatment, { seed: 1 });
    const uplift = model.predictUplift(cells.x);
    for (const cell of cellStats()) {
      const estimate = upliftOfCell(uplift, cell.key);
      assert.ok(Math.abs(estimate - cell.truth) <= 4 * cell.se, `${name} cell ${cell.key}: ${estimate} vs ${cell.truth} ± ${4 * cell.se}`);
    }
  });
}

test("with cell means, the X-learner equals the T-learner exactly (τ¹ = τ⁰ = the cell difference)", () => {
  const t = tLearner({ base: cellMeans() }).fit(cells.x, cells.y, cells.treatment).predictUplift(cells.x);
  const x = xLearner({ base: cellMeans(), effect: cellMeans({ task: "regression" }) }).fit(cells.x, cells.y, cells.treatment).predictUplift(cells.x);
  for (let i = 0; i < t.length; i++) assert.ok(Math.abs(t[i] - x[i]) < 1e-12);
});

test("class transformation's reweighting removes the bias of an unbalanced design", () => {
  // 10% treated. Unweighted, 2·P(Z=1) − 1 = τ + (2p − 1)(μ₁ + μ₀ − 1): here about +0.5 off.
  const e = simulateExperiment({
    nRows: 20000, seed: 4, armProbabilities: [0.9, 0.1], outcome: "binary",
    features: (r: Rng) => ({ x1: r.int(2) }),
    response: ({ x1 }, arm) => 0.1 + 0.1 * x1 + 0.1 * arm,
  });
  const n1 = e.treatment.reduce((a, b) => a + b, 0);
  const se = Math.sqrt(0.25 / n1 + 0.25 / (e.x.nRows - n1));
  const weighted = mean(classTransformation({ base: cellMeans() }).fit(e.x, e.y, e.treatment).predictUplift(e.x));
  const plain = mean(classTransformation({ base: cellMeans(), reweight: false }).fit(e.x, e.y, e.treatment).predictUplift(e.x));
  assert.ok(Math.abs(weighted - 0.1) <= 4 * se, `reweighted: ${weighted}`);
  assert.ok(Math.abs(plain - 0.1) > 0.3, `plain: ${plain}`);
});

// ---- constant effects --------------------------------------------------------------------------

test("S, T and X learners recover a constant effect on a continuous outcome (within 4 standard errors)", () => {
  // y = 1 + 2·x1 − x2 + 0.5·t + N(0, 1): every learner's mean uplift estimates 0.5 with standard
  // error about σ·√(1/n₁ + 1/n₀) (the OLS difference of means after adjustment).
  const e = simulateExperiment({
    nRows: 20000, seed: 5, armProbabilities: [0.5, 0.5], outcome: "gaussian", noiseSd: 1,
    features: (r: Rng) => ({ x1: r.normal(), x2: r.normal() }),
    response: ({ x1, x2 }, arm) => 1 + 2 * x1 - x2 + 0.5 * arm,
  });
  const n1 = e.treatment.reduce((a, b) => a + b, 0);
  const se = Math.sqrt(1 / n1 + 1 / (e.x.nRows - n1));
  for (const [name, estimator] of [
    ["s-learner", sLearner({ base: ridge() })],
    ["t-learner", tLearner({ base: ridge() })],
    ["x-learner", xLearner({ base: ridge() })],
  ] as const) {
    const uplift = estimator.fit(e.x, e.y, e.treatment).predictUplift(e.x);
    assert.ok(Math.abs(mean(uplift) - 0.5) <= 4 * se, `${name}: ${mean(uplift)} vs 0.5 ± ${4 * se}`);
    // The truth is constant: the learners' spread across rows is estimation noise only.
    const center = mean(uplift);
    const spread = Math.sqrt(mean(uplift.map((u) => (u - center) ** 2)));
    assert.ok(spread <= 4 * se * 3, `${name} varies by ${spread} across rows`);
  }
  // The transformed outcome's noise is y·(t − p)/(p(1 − p)): its standard error is sd(Y*)/√n.
  const model = transformedOutcome({ base: ridge() }).fit(e.x, e.y, e.treatment);
  const yStar = Array.from(e.y, (v, i) => (v * (e.treatment[i] - 0.5)) / 0.25);
  const meanStar = mean(yStar);
  const sdStar = Math.sqrt(mean(yStar.map((v) => (v - meanStar) ** 2)));
  const tau = mean(model.predictUplift(e.x));
  assert.ok(Math.abs(tau - 0.5) <= (4 * sdStar) / Math.sqrt(e.x.nRows), `transformed outcome: ${tau}`);
});

test("learners recover a constant effect on a binary outcome (within 4 standard errors)", () => {
  const e = simulateExperiment({
    nRows: 20000, seed: 8, armProbabilities: [0.5, 0.5], outcome: "binary",
    features: (r: Rng) => ({ x1: r.int(2) }),
    response: ({ x1 }, arm) => 0.3 + 0.1 * x1 + 0.1 * arm,
  });
  const se = Math.sqrt(0.25 * (4 / e.x.nRows));
  for (const estimator of [sLearner({ base: cellMeans() }), tLearner({ base: cellMeans() }), classTransformation({ base: cellMeans() })]) {
    const tau = mean(estimator.fit(e.x, e.y, e.treatment).predictUplift(e.x));
    assert.ok(Math.abs(tau - 0.1) <= 4 * se, `${estimator.kind}: ${tau} vs 0.1 ± ${4 * se}`);
  }
});

// ---- several arms: ranking against the oracle -------------------------------------------------

test("with two treatment arms, each learner's top 30% holds at least 85% of the oracle's true uplift", () => {
  // Arm 1 helps customers with high x1, arm 2 those with low x2; x3 is noise.
  const spec = {
    armProbabilities: [0.34, 0.33, 0.33],
    outcome: "binary" as const,
    features: (r: Rng) => ({ x1: r.next(), x2: r.next(), x3: r.normal() }),
    response: ({ x1, x2 }: Record<string, number>, arm: number) =>
      0.2 + 0.1 * x2 + (arm === 1 ? 0.35 * x1 - 0.1 : arm === 2 ? 0.3 * (1 - x2) - 0.08 : 0),
  };
  const train = simulateExperiment({ ...spec, nRows: 12000, seed: 21 });
  const holdout = simulateExperiment({ ...spec, nRows: 4000, seed: 22 });
  const learners: [string, UpliftEstimator][] = [
    ["s-learner", sLearner({ base: logisticIRLS(), interactions: true })],
    ["t-learner", tLearner({ base: logisticIRLS() })],
    ["x-learner", xLearner({ base: logisticIRLS(), effect: ridge() })],
    ["class-transformation", classTransformation({ base: logisticIRLS() })],
    ["transformed-outcome", transformedOutcome({ base: ridge() })],
  ];
  for (const [name, estimator] of learners) {
    const model = estimator.fit(train.x, train.y, train.treatment, { seed: 3 });
    assert.deepEqual(model.arms, ["control", "arm1", "arm2"]);
    const uplift = model.predictUplift(holdout.x);
    assert.equal(uplift.length, holdout.x.nRows * 2);
    for (const k of [1, 2]) {
      const truth = trueUplift(holdout, k);
      const learned = meanTrueUpliftOfTop(columnOf(uplift, 2, k - 1), truth, 0.3);
      const oracle = meanTrueUpliftOfTop(truth, truth, 0.3);
      assert.ok(learned >= 0.85 * oracle, `${name} arm ${k}: top-30% true uplift ${learned.toFixed(4)} vs oracle ${oracle.toFixed(4)}`);
    }
    // Responses and uplift agree: arm minus control (where no clipping happened).
    const responses = model.predictResponses(holdout.x);
    for (let i = 0; i < 50; i++) {
      for (const k of [1, 2]) {
        const r = responses[i * 3 + k];
        if (r > 0 && r < 1) assert.ok(Math.abs(r - responses[i * 3] - uplift[i * 2 + k - 1]) < 1e-12, `${name} row ${i}`);
      }
    }
  }
});
