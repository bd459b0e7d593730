/**
 * Global feature ranking from SHAP values: mean |φ| over rows (shap's summary bar plot), with
 * the mean signed value beside it so a reader sees the usual direction.
 */
import { checkOutput, type ShapValues } from "./shap-values.ts";

export interface FeatureImportance {
  feature: string;
  /** Mean over rows of |φ_j|, in the explanation's margin units. */
  meanAbs: number;
  /** Mean over rows of φ_j. */
  mean: number;
}

/** Features by decreasing mean |SHAP| (ties: the original feature order). Output k for multiclass. */
export function globalImportance(shap: ShapValues, k = 0): FeatureImportance[] {
  checkOutput(shap, k);
  const nFeatures = shap.featureNames.length;
  const sumAbs = new Float64Array(nFeatures);
  const sum = new Float64Array(nFeatures);
  for (let i = 0; i < shap.nRows; i++) {
    const offset = (i * shap.nOutputs + k) * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const v = shap.values[offset + j];
      sumAbs[j] += Math.abs(v);
      sum[j] += v;
    }
  }
  const n = Math.max(1, shap.nRows);
  return shap.featureNames
    .map((feature, j) => ({ feature, meanAbs: sumAbs[j] / n, mean: sum[j] / n, j }))
    .sort((a, b) => b.meanAbs - a.meanAbs || a.j - b.j)
    .map(({ feature, meanAbs, mean }) => ({ feature, meanAbs, mean }));
}
