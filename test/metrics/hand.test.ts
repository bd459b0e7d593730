// Metrics on literal inputs whose answers can be worked out by hand, properties that must hold
// on any input, and the errors at the boundary.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rng } from "../../src/core/rng.ts";
import { calibrationCurve, percentileLinear } from "../../src/metrics/calibration.ts";
import { accuracy, brierScore, confusionMatrix, labelsAt, logLoss, precisionRecallFscore } from "../../src/metrics/classification.ts";
import { averagePrecision, rocAuc, rocCurve } from "../../src/metrics/curves.ts";
import { meanAbsoluteError, r2Score, rootMeanSquaredError } from "../../src/metrics/regression.ts";

describe("ranking metrics by hand", () => {
  it("ROC-AUC counts correctly ordered pairs and ties as half", () => {
    // Pairs (pos, neg): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, 0.1) ok, (0.8, 0.4) ok → 3/4.
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
    // One tie (0.4 vs 0.4) counts 1/2: (0.4,0.1) ok, (0.4,0.4) ½, (0.8,0.1) ok, (0.8,0.4) ok → 3.5/4.
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.4, 0.8]), 0.875);
    assert.equal(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]), 0.5);
  });

  it("ROC-AUC equals the Mann-Whitney statistic on random tied scores", () => {
    const random = rng(7);
    const n = 300;
    const y = Float64Array.from({ length: n }, () => (random.next() < 0.3 ? 1 : 0));
    const score = Float64Array.from(y, (v) => Math.round((v + random.normal()) * 4) / 4);
    let pairs = 0;
    let wins = 0;
    for (let a = 0; a < n; a++) {
      if (y[a] !== 1) continue;
      for (let b = 0; b < n; b++) {
        if (y[b] !== 0) continue;
        pairs++;
        wins += score[a] > score[b] ? 1 : score[a] === score[b] ? 0.5 : 0;
      }
    }
    assert.ok(Math.abs(rocAuc(y, score) - wins / pairs) < 1e-12);
  });

  it("a weight of 2 counts a row twice", () => {
    const y = [0, 1, 1, 0, 1];
    const score = [0.2, 0.9, 0.3, 0.6, 0.6];
    const doubled = rocAuc([...y, 1], [...score, 0.3]);
    assert.ok(Math.abs(rocAuc(y, score, { sampleWeight: [1, 1, 2, 1, 1] }) - doubled) < 1e-15);
  });

  it("the ROC curve starts at (0, 0) with threshold max + 1 and ends at (1, 1)", () => {
    const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    assert.deepEqual(Array.from(roc.fpr), [0, 0, 0.5, 0.5, 1]);
    assert.deepEqual(Array.from(roc.tpr), [0, 0.5, 0.5, 1, 1]);
    assert.deepEqual(Array.from(roc.thresholds), [1.8, 0.8, 0.4, 0.35, 0.1]);
  });

  it("average precision is the step area under the PR curve", () => {
    // Ranked: 0.8 (pos, P=1, R=.5), 0.4 (neg), 0.35 (pos, P=2/3, R=1) → .5·1 + .5·2/3.
    assert.ok(Math.abs(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) - (0.5 + 1 / 3)) < 1e-15);
  });
});

describe("probability and label metrics by hand", () => {
  it("log-loss is the mean of −log P(true class)", () => {
    const expected = -(Math.log(0.9) + Math.log(0.9) + Math.log(0.8) + Math.log(0.65)) / 4;
    assert.ok(Math.abs(logLoss([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]) - expected) < 1e-15);
  });

  it("log-loss clips certain mistakes at machine epsilon instead of returning Infinity", () => {
    assert.ok(Math.abs(logLoss([1, 0], [0, 0]) - -Math.log(Number.EPSILON) / 2) < 1e-12);
  });

  it("Brier is the mean squared error of the probability", () => {
    assert.ok(Math.abs(brierScore([1, 0, 1], [0.8, 0.4, 1]) - (0.04 + 0.16 + 0) / 3) < 1e-15);
  });

  it("labelsAt sends exactly 0.5 to class 0, like scikit-learn's argmax", () => {
    assert.deepEqual(Array.from(labelsAt([0.2, 0.5, 0.51])), [0, 0, 1]);
  });

  it("precision, recall and F1 from a 2×2 table", () => {
    // tp = 2, fp = 1, fn = 2 → P = 2/3, R = 1/2, F1 = 2PR/(P+R) = 4/7.
    const r = precisionRecallFscore([1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 1, 0]);
    assert.deepEqual([r.precision, r.recall], [2 / 3, 1 / 2]);
    assert.ok(Math.abs(r.fScore - 4 / 7) < 1e-15);
  });

  it("precision with no predicted positives is zeroDivision", () => {
    assert.equal(precisionRecallFscore([1, 0], [0, 0]).precision, 0);
    assert.equal(precisionRecallFscore([1, 0], [0, 0], { zeroDivision: 1 }).precision, 1);
  });

  it("confusion matrix rows are true labels, columns predicted", () => {
    const cm = confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0]);
    assert.deepEqual(cm.labels, [0, 1, 2]);
    assert.deepEqual(Array.from(cm.counts), [1, 1, 0, 0, 1, 0, 1, 0, 1]);
  });

  it("accuracy counts weighted hits", () => {
    assert.equal(accuracy([1, 0, 1], [1, 1, 1], { sampleWeight: [1, 3, 4] }), 5 / 8);
  });
});

describe("calibration and regression by hand", () => {
  it("uniform bins average predictions and outcomes per bin, skipping empty bins", () => {
    const bins = calibrationCurve([0, 1, 1, 0, 1], [0.1, 0.15, 0.9, 0.95, 0.92], { nBins: 2 });
    assert.deepEqual(Array.from(bins.bin), [0, 1]);
    assert.deepEqual(Array.from(bins.count), [2, 3]);
    assert.deepEqual(Array.from(bins.probTrue), [0.5, 2 / 3]);
    assert.ok(Math.abs(bins.probPred[0] - 0.125) < 1e-15);
  });

  it("percentileLinear interpolates between order statistics", () => {
    assert.equal(percentileLinear([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentileLinear([1, 2, 3, 4], 100), 4);
    assert.equal(percentileLinear([1, 2, 3, 4], 0), 1);
  });

  it("MAE, RMSE and R² on a small case", () => {
    const y = [1, 2, 3, 4];
    const pred = [1, 2, 3, 6];
    assert.equal(meanAbsoluteError(y, pred), 0.5);
    assert.equal(rootMeanSquaredError(y, pred), 1);
    assert.equal(r2Score(y, pred), 1 - 4 / 5);
    assert.equal(r2Score([2, 2, 2], [2, 2, 3]), 0); // constant y_true, imperfect: 0, not −∞
  });
});

describe("metric errors", () => {
  it("rejects labels other than 0 and 1", () => {
    assert.throws(() => rocAuc([0, 2, 1], [0.1, 0.2, 0.3]), { code: "E_NOT_BINARY" });
  });
  it("rejects a single class for ROC-AUC", () => {
    assert.throws(() => rocAuc([1, 1, 1], [0.1, 0.2, 0.3]), { code: "E_ONE_CLASS" });
  });
  it("rejects NaN scores", () => {
    assert.throws(() => rocAuc([0, 1], [NaN, 0.2]), { code: "E_NAN" });
  });
  it("rejects mismatched lengths", () => {
    assert.throws(() => logLoss([0, 1, 1], [0.2, 0.3]), { code: "E_SHAPE" });
  });
  it("rejects probabilities outside [0, 1] for Brier", () => {
    assert.throws(() => brierScore([0, 1], [0.2, 1.3]), { code: "E_RANGE" });
  });
  it("rejects negative weights", () => {
    assert.throws(() => accuracy([0, 1], [0, 1], { sampleWeight: [1, -1] }), { code: "E_WEIGHT" });
  });
  it("says what was found and what to do", () => {
    assert.throws(() => rocAuc([0, 2, 1], [0.1, 0.2, 0.3]), /found 2 .*Encode the positive class as 1/);
  });
});
