// Every metric against scikit-learn 1.2.1 on fixtures with many tied scores
// (scripts/reference/metrics.py → test/reference/metrics.json). Tolerance 1e-12 absolute: the
// computations are the same operations in the same order except numpy's pairwise summation,
// which moves only the last bits of a sum of a few hundred terms (≈1e-15 here).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { calibrationCurve } from "../../src/metrics/calibration.ts";
import {
  accuracy, balancedAccuracy, brierScore, confusionMatrix, f1, fBeta, logLoss, precision,
  precisionRecallFscore, precisionRecallFscorePerClass, recall,
} from "../../src/metrics/classification.ts";
import { averagePrecision, precisionRecallCurve, rocAuc, rocAucMulticlass, rocCurve } from "../../src/metrics/curves.ts";
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from "../../src/metrics/regression.ts";

const TOL = 1e-12;
const fixture = JSON.parse(readFileSync(new URL("../reference/metrics.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs scikit-learn ${expected}`);
}

function closeArray(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let t = 0; t < expected.length; t++) close(actual[t], expected[t], `${what}[${t}]`);
}

describe("binary metrics equal scikit-learn", () => {
  for (const c of fixture.binary) {
    const y = Float64Array.from(c.y);
    const score = Float64Array.from(c.score);
    const sampleWeight = c.weight ? Float64Array.from(c.weight) : undefined;
    const pred = Float64Array.from(c.pred);
    it(`${c.name}: ROC curve (dropped and full), ROC-AUC, partial AUC`, () => {
      const roc = rocCurve(y, score, { sampleWeight });
      closeArray(roc.fpr, c.roc.fpr, "fpr");
      closeArray(roc.tpr, c.roc.tpr, "tpr");
      closeArray(roc.thresholds, c.roc.thresholds, "thresholds");
      const all = rocCurve(y, score, { sampleWeight, dropIntermediate: false });
      closeArray(all.fpr, c.rocAll.fpr, "fpr (all)");
      closeArray(all.tpr, c.rocAll.tpr, "tpr (all)");
      closeArray(all.thresholds, c.rocAll.thresholds, "thresholds (all)");
      close(rocAuc(y, score, { sampleWeight }), c.rocAuc, "roc_auc");
      close(rocAuc(y, score, { sampleWeight, maxFpr: 0.3 }), c.rocAucMaxFpr03, "roc_auc max_fpr=0.3");
    });
    it(`${c.name}: PR curve and average precision`, () => {
      const pr = precisionRecallCurve(y, score, { sampleWeight });
      closeArray(pr.precision, c.pr.precision, "precision");
      closeArray(pr.recall, c.pr.recall, "recall");
      closeArray(pr.thresholds, c.pr.thresholds, "thresholds");
      close(averagePrecision(y, score, { sampleWeight }), c.averagePrecision, "average_precision");
    });
    it(`${c.name}: log-loss, Brier, label metrics, confusion matrix`, () => {
      close(logLoss(y, score, { sampleWeight }), c.logLoss, "log_loss");
      close(brierScore(y, score, { sampleWeight }), c.brier, "brier");
      close(accuracy(y, pred, { sampleWeight }), c.accuracy, "accuracy");
      close(balancedAccuracy(y, pred, { sampleWeight }), c.balancedAccuracy, "balanced_accuracy");
      close(balancedAccuracy(y, pred, { sampleWeight, adjusted: true }), c.balancedAccuracyAdjusted, "balanced_accuracy adjusted");
      close(precision(y, pred, { sampleWeight }), c.precision, "precision");
      close(recall(y, pred, { sampleWeight }), c.recall, "recall");
      close(f1(y, pred, { sampleWeight }), c.f1, "f1");
      close(fBeta(y, pred, 2, { sampleWeight }), c.f2, "f2");
      closeArray(confusionMatrix(y, pred, { sampleWeight }).counts, c.confusion, "confusion");
      closeArray(confusionMatrix(y, pred, { sampleWeight, normalize: "true" }).counts, c.confusionTrue, "confusion normalize=true");
    });
    if (c.calibration) {
      it(`${c.name}: calibration curve, uniform and quantile bins`, () => {
        for (const [key, expected] of Object.entries(c.calibration) as [string, { probTrue: number[]; probPred: number[] }][]) {
          const strategy = key.startsWith("uniform") ? "uniform" : "quantile";
          const nBins = Number(key.replace(strategy, ""));
          const bins = calibrationCurve(y, score, { nBins, strategy });
          closeArray(bins.probTrue, expected.probTrue, `${key} prob_true`);
          closeArray(bins.probPred, expected.probPred, `${key} prob_pred`);
        }
      });
    }
  }
});

describe("multiclass metrics equal scikit-learn", () => {
  for (const c of fixture.multiclass) {
    const y = Float64Array.from(c.y);
    const proba = Float64Array.from(c.proba);
    const pred = Float64Array.from(c.pred);
    const sampleWeight = c.weight ? Float64Array.from(c.weight) : undefined;
    const k = c.nClasses;
    it(`${c.name}: one-vs-rest and one-vs-one ROC-AUC`, () => {
      close(rocAucMulticlass(y, proba, k, { sampleWeight }), c.ovrMacro, "ovr macro");
      close(rocAucMulticlass(y, proba, k, { sampleWeight, average: "weighted" }), c.ovrWeighted, "ovr weighted");
      close(rocAucMulticlass(y, proba, k, { sampleWeight, average: "micro" }), c.ovrMicro, "ovr micro");
      if (c.ovoMacro !== undefined) {
        close(rocAucMulticlass(y, proba, k, { multiClass: "ovo" }), c.ovoMacro, "ovo macro");
        close(rocAucMulticlass(y, proba, k, { multiClass: "ovo", average: "weighted" }), c.ovoWeighted, "ovo weighted");
      }
    });
    it(`${c.name}: log-loss, accuracy, precision/recall/F1 averages, confusion matrix`, () => {
      close(logLoss(y, proba, { sampleWeight, nClasses: k }), c.logLoss, "log_loss");
      close(accuracy(y, pred, { sampleWeight }), c.accuracy, "accuracy");
      close(balancedAccuracy(y, pred, { sampleWeight }), c.balancedAccuracy, "balanced_accuracy");
      for (const average of ["macro", "micro", "weighted"] as const) {
        const r = precisionRecallFscore(y, pred, { sampleWeight, average });
        closeArray([r.precision, r.recall, r.fScore], c[`prf_${average}`], `prf ${average}`);
      }
      const per = precisionRecallFscorePerClass(y, pred, { sampleWeight });
      closeArray(per.precision, c.prf_none.precision, "precision per class");
      closeArray(per.recall, c.prf_none.recall, "recall per class");
      closeArray(per.fScore, c.prf_none.f, "f1 per class");
      closeArray(per.support, c.prf_none.support, "support");
      closeArray(confusionMatrix(y, pred, { sampleWeight }).counts, c.confusion, "confusion");
      closeArray(confusionMatrix(y, pred, { sampleWeight, normalize: "pred" }).counts, c.confusionPred, "confusion pred");
      closeArray(confusionMatrix(y, pred, { sampleWeight, normalize: "all" }).counts, c.confusionAll, "confusion all");
    });
  }
});

describe("regression metrics equal scikit-learn", () => {
  for (const c of fixture.regression) {
    it(c.name, () => {
      const y = Float64Array.from(c.y);
      const pred = Float64Array.from(c.pred);
      const sampleWeight = c.weight ? Float64Array.from(c.weight) : undefined;
      close(meanAbsoluteError(y, pred, { sampleWeight }), c.mae, "mae");
      close(meanSquaredError(y, pred, { sampleWeight }), c.mse, "mse");
      close(rootMeanSquaredError(y, pred, { sampleWeight }), c.rmse, "rmse");
      close(r2Score(y, pred, { sampleWeight }), c.r2, "r2");
      close(r2Score(y, y, { sampleWeight }), c.r2Perfect, "r2 perfect");
    });
  }
});
