/** The scikit-learn logistic regression of scripts/reference/shap_linear.py, as Patron objects. */
import type { Matrix } from "../../src/core/matrix.ts";
import { sigmoid } from "../../src/models/tree/ensemble.ts";
import { linearMargin, type LinearModelLike } from "../../src/explain/linear-shap.ts";
import { loadReference, rowMajorMatrix } from "./reference.ts";

export interface LinearReference {
  versions: Record<string, string>;
  featureNames: string[];
  coef: number[];
  intercept: number;
  backgroundMean: number[];
  rows: number[];
  x: number[];
  decisionFunction: number[];
  proba: number[];
  permutation: {
    x: number[];
    y: number[];
    scoring: string;
    nRepeats: number;
    shufflingIndex: number[][];
    baseline: number;
    importances: number[][];
    importancesMean: number[];
    importancesStd: number[];
  };
}

export const linearReference = loadReference<LinearReference>("shap-linear.json.gz");

export const sklearnLogistic: LinearModelLike = {
  coef: Float64Array.from(linearReference.coef),
  intercept: linearReference.intercept,
  featureNames: linearReference.featureNames,
};

/** The fitted scikit-learn model as a scorable binary classifier (margin = its decision_function). */
export const sklearnClassifier = {
  task: "binary" as const,
  featureNames: linearReference.featureNames,
  decisionFunction: (x: Matrix) => linearMargin(sklearnLogistic, x),
  predictProba: (x: Matrix) => linearMargin(sklearnLogistic, x).map(sigmoid),
  predict: (x: Matrix) => linearMargin(sklearnLogistic, x).map(sigmoid),
};

export function fixtureRows(): Matrix {
  return rowMajorMatrix(linearReference.x, linearReference.rows.length, linearReference.featureNames);
}
