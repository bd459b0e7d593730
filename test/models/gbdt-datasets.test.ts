/**
 * GBDT against XGBoost 1.7.4 tree_method="hist" with the same parameters on three datasets
 * (test/reference/gbdt_datasets.json, scripts/reference/gbdt_datasets.py). Each test first
 * proves that it built XGBoost's matrix (per-column missing counts exactly, sums to 1e-9
 * relative — summation order differs), then compares:
 * - holdout ROC-AUC within 0.002 (issue #3's bar) on all three;
 * - holdout probabilities within 1e-5 where the models must be the same: «В один клик» and
 *   the first 400 Hillstrom holdout rows (our sketch is XGBoost's, so the bins are identical;
 *   what remains is XGBoost's float32 arithmetic: ~1e-7);
 * - squared error: holdout RMSE within 0.5% of XGBoost's on the synthetic set (a feature
 *   with missing values and 256 bins merges its top two bins here, XGBoost does not), and
 *   predictions within 1e-5 on «В один клик», whose bins are exact;
 * - early stopping: the same best round and validation log-loss per round within 1e-6.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { Matrix } from "../../src/core/matrix.ts";
import { rocAuc } from "../../src/metrics/curves.ts";
import { gbdt, type GbdtInput, type GbdtModel } from "../../src/models/tree/gbdt.ts";
import { hillstromDataset, oneClickDataset, rowsWhere, syntheticDataset, type Dataset } from "./gbdt-datasets.ts";

const reference = JSON.parse(readFileSync(new URL("../reference/gbdt_datasets.json", import.meta.url), "utf8"));

function assertSameMatrix(x: Matrix, names: string[], checksums: { missing: number; sum: number }[]): void {
  assert.deepEqual([...x.columns], names);
  checksums.forEach((expected, j) => {
    let missing = 0;
    let sum = 0;
    for (let i = 0; i < x.nRows; i++) {
      const v = x.data[j * x.nRows + i];
      if (Number.isNaN(v)) missing++;
      else sum += v;
    }
    assert.equal(missing, expected.missing, `column ${names[j]}: missing`);
    assert.ok(Math.abs(sum - expected.sum) <= 1e-9 * Math.max(1, Math.abs(expected.sum)), `column ${names[j]}: sum ${sum} vs ${expected.sum}`);
  });
}

function fitHoldout(data: Dataset, options: GbdtInput) {
  const train = rowsWhere(data, 0);
  const holdout = rowsWhere(data, 1);
  const model = gbdt(options).fit(train.x, train.y, { nThreads: 1 });
  return { model, train, holdout };
}

function probabilities(model: GbdtModel, x: Matrix): Float64Array {
  assert.ok(model.task === "binary");
  return model.predictProba(x);
}

function maxAbsDiff(actual: Float64Array, expected: number[]): number {
  let worst = 0;
  expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(actual[i] - v))));
  return worst;
}

describe(`GBDT on datasets equals XGBoost ${reference.versions.xgboost} hist`, () => {
  it("synthetic binary: holdout AUC within 0.002", () => {
    const ref = reference.synthetic;
    const data = syntheticDataset("y_bin", ref.trainRows);
    assertSameMatrix(data.x, ref.featureNames, ref.checksums);
    const { model, holdout } = fitHoldout(data, ref.binary.patronOptions);
    const auc = rocAuc(holdout.y, probabilities(model, holdout.x));
    assert.ok(Math.abs(auc - ref.binary.auc) <= 0.002, `AUC ${auc} vs XGBoost ${ref.binary.auc}`);
  });

  it("synthetic regression: holdout RMSE within 0.5%", () => {
    const ref = reference.synthetic;
    const data = syntheticDataset("y_reg", ref.trainRows);
    const { model, holdout } = fitHoldout(data, ref.regression.patronOptions);
    const prediction = model.predict(holdout.x);
    let squared = 0;
    for (let i = 0; i < prediction.length; i++) squared += (prediction[i] - holdout.y[i]) ** 2;
    const rmse = Math.sqrt(squared / prediction.length);
    assert.ok(Math.abs(rmse - ref.regression.rmse) <= 0.005 * ref.regression.rmse, `RMSE ${rmse} vs XGBoost ${ref.regression.rmse}`);
  });

  it("Hillstrom visit: holdout AUC within 0.002, same probabilities", () => {
    const ref = reference.hillstrom;
    const data = hillstromDataset();
    assert.equal(data.x.nRows, ref.rows);
    assertSameMatrix(data.x, ref.featureNames, ref.checksums);
    const { model, holdout } = fitHoldout(data, ref.binary.patronOptions);
    const proba = probabilities(model, holdout.x);
    const auc = rocAuc(holdout.y, proba);
    assert.ok(Math.abs(auc - ref.binary.auc) <= 0.002, `AUC ${auc} vs XGBoost ${ref.binary.auc}`);
    assert.ok(maxAbsDiff(proba, ref.binary.probaHead) < 1e-5, "probabilities of the first 400 holdout rows");
  });

  describe("«В один клик»", () => {
    const ref = reference.oneClick;
    const data = oneClickDataset();

    it("builds XGBoost's customer table", () => {
      assert.deepEqual(data.ids, ref.ids);
      assertSameMatrix(data.x, ref.featureNames, ref.checksums);
    });

    it("decline: holdout AUC within 0.002 and the same probabilities", () => {
      const { model, holdout } = fitHoldout(data, ref.binary.patronOptions);
      const proba = probabilities(model, holdout.x);
      const auc = rocAuc(holdout.y, proba);
      assert.ok(Math.abs(auc - ref.binary.auc) <= 0.002, `AUC ${auc} vs XGBoost ${ref.binary.auc}`);
      assert.ok(maxAbsDiff(proba, ref.binary.proba) < 1e-5, "holdout probabilities");
    });

    it("early stopping: same best round and validation log-loss", () => {
      const train = rowsWhere(data, 0);
      const holdout = rowsWhere(data, 1);
      const model = gbdt(ref.earlyStopping.patronOptions).fit(train.x, train.y, { validation: holdout, nThreads: 1 });
      assert.equal(model.bestIteration, ref.earlyStopping.bestIteration);
      assert.equal(model.ensemble.trees.length, ref.earlyStopping.bestIteration + 1);
      assert.equal(model.evalHistory.length, ref.earlyStopping.validLogloss.length);
      assert.ok(maxAbsDiff(Float64Array.from(model.evalHistory), ref.earlyStopping.validLogloss) < 1e-6, "log-loss per round");
    });

    it("profit regression: the same predictions", () => {
      const target = ref.featureNames.indexOf(ref.regression.target);
      const keep = ref.featureNames.filter((_: string, j: number) => j !== target);
      const { x } = data;
      const columns = keep.map((name: string) => ref.featureNames.indexOf(name));
      const dataR: Dataset = {
        x: { ...x, data: Float64Array.from({ length: x.nRows * keep.length }, (_, k) => x.data[columns[Math.floor(k / x.nRows)] * x.nRows + (k % x.nRows)]), nCols: keep.length, columns: keep },
        y: x.data.slice(target * x.nRows, (target + 1) * x.nRows),
        holdout: data.holdout,
      };
      const { model, holdout } = fitHoldout(dataR, ref.regression.patronOptions);
      assert.ok(maxAbsDiff(model.predict(holdout.x), ref.regression.prediction) < 1e-5, "holdout predictions");
    });
  });
});
