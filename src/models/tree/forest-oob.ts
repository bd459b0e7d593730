/**
 * Out-of-bag results of a random forest (Breiman 2001): each row predicted by the trees whose
 * bootstrap sample left it out, scored as scikit-learn's oob_score_ (accuracy of the argmax for
 * classification, R² for regression), plus ROC-AUC for binary problems. Rows that were in every
 * bootstrap sample get no prediction (NaN) and are left out of the score with a warning —
 * scikit-learn counts them as predicting 0 — and a forest that left no row out fails with advice.
 */
import { PatronError } from "../../core/errors.ts";
import { warn } from "../../core/warn.ts";
import { accuracy } from "../../metrics/classification.ts";
import { rocAuc } from "../../metrics/curves.ts";
import { r2Score } from "../../metrics/regression.ts";
import type { TreeChunkResult } from "./forest-task.ts";

type Kind = "random-forest-classifier" | "random-forest-regressor";

export interface OobResult {
  prediction: Float64Array;
  score: number;
  rocAuc?: number;
}

export function outOfBag(results: TreeChunkResult[], y: Float64Array, nRows: number, nClasses: number, kind: Kind): OobResult {
  const nOut = Math.max(nClasses, 1);
  const sum = new Float64Array(nRows * nOut);
  const count = new Int32Array(nRows);
  for (const r of results) {
    for (let p = 0; p < sum.length; p++) sum[p] += r.oobSum![p];
    for (let i = 0; i < nRows; i++) count[i] += r.oobCount![i];
  }
  const rows = [...count.keys()].filter((i) => count[i] > 0);
  if (rows.length === 0) {
    throw new PatronError("E_OOB", `${kind}: no row was ever out of bag, so there is no out-of-bag score; use more trees or a smaller maxSamples.`);
  }
  if (rows.length < nRows) {
    warn("W_OOB", `${kind}: ${nRows - rows.length} of ${nRows} rows were in every bootstrap sample and have no out-of-bag prediction; they are left out of the OOB score. Use more trees for a complete one.`);
  }
  const yOob = Float64Array.from(rows, (i) => y[i]);
  if (nClasses === 0) {
    const prediction = Float64Array.from({ length: nRows }, (_, i) => (count[i] > 0 ? sum[i] / count[i] : NaN));
    return { prediction, score: r2Score(yOob, Float64Array.from(rows, (i) => prediction[i])) };
  }
  // Class probabilities averaged over the trees that did not see the row; the label is the argmax.
  const proba = Float64Array.from({ length: nRows * nClasses }, (_, p) => {
    const i = Math.floor(p / nClasses);
    return count[i] > 0 ? sum[p] / count[i] : NaN;
  });
  const label = Float64Array.from(rows, (i) => {
    let best = 0;
    for (let k = 1; k < nClasses; k++) if (proba[i * nClasses + k] > proba[i * nClasses + best]) best = k;
    return best;
  });
  const score = accuracy(yOob, label);
  if (nClasses > 2) return { prediction: proba, score };
  const p1 = Float64Array.from({ length: nRows }, (_, i) => proba[i * 2 + 1]);
  const both = yOob.some((v) => v === 1) && yOob.some((v) => v === 0);
  return { prediction: p1, score, rocAuc: both ? rocAuc(yOob, Float64Array.from(rows, (i) => p1[i])) : undefined };
}
