/**
 * Why a customer is persuadable: exact SHAP values of the predicted uplift
 * (src/uplift/uplift-shap.ts; Lundberg et al. 2018 for TreeSHAP) summarised for the report —
 * the features that move the uplift most (mean |φ|), how the persuadables differ from everyone
 * (their mean φ per feature) and the top reasons of the customers with the largest uplift.
 *
 * T- and X-learners on trees are explained exactly. An average of learners is explained by the
 * average of its T and X members' attributions (an S-learner's uplift is not a combination of
 * tree outputs that TreeSHAP splits); an S-learner or an uplift forest alone is explained
 * through the T-learner fitted beside it, and the summary names which model was explained.
 */
import type { Matrix } from "../../core/matrix.ts";
import { globalImportance } from "../../explain/ranking.ts";
import type { UpliftAverageModel } from "../../uplift/average.ts";
import type { TLearnerModel } from "../../uplift/t-learner.ts";
import type { UpliftModel } from "../../uplift/types.ts";
import { asShapValues, upliftShap, type UpliftShap } from "../../uplift/uplift-shap.ts";
import type { XLearnerModel } from "../../uplift/x-learner.ts";

export interface UpliftExplanation {
  /** Which fitted model's uplift the attributions explain. */
  explained: string;
  units: "probability";
  nRows: number;
  /** Features by mean |φ| of the uplift, with the mean signed φ overall and among persuadables. */
  features: Array<{ feature: string; meanAbs: number; mean: number; meanPersuadable: number }>;
  /** The customers with the largest predicted uplift and their three strongest reasons. */
  topCustomers: Array<{ customerId: string; uplift: number; reasons: Array<{ feature: string; value: number; contribution: number }> }>;
}

type Explainable = TLearnerModel | XLearnerModel;

function isExplainable(model: UpliftModel): model is Explainable {
  return model.kind === "t-learner" || model.kind === "x-learner";
}

/** The models whose attributions are averaged, and how the explanation is named. */
function explainedParts(model: UpliftModel, fallback: TLearnerModel | undefined): { parts: Explainable[]; name: string } | undefined {
  if (isExplainable(model)) return { parts: [model], name: model.kind };
  if (model.kind === "uplift-average") {
    const parts = (model as UpliftAverageModel).members.filter(isExplainable);
    if (parts.length > 0) return { parts, name: `average of its ${parts.map((p) => p.kind).join(" and ")} members` };
  }
  if (fallback) return { parts: [fallback], name: "T-learner fitted on the same rows, since the chosen learner has no exact uplift SHAP" };
  return undefined;
}

/**
 * @param rows which rows of x to explain (e.g. a sample of the holdout); the explanation is cheap
 *   but not free (two TreeSHAP passes per part)
 * @param persuadable 1 where the row's customer type is persuadable
 */
export function explainUplift(
  model: UpliftModel, x: Matrix, customerIds: readonly string[], persuadable: Uint8Array,
  options: { arm?: number; fallback?: TLearnerModel; nTop?: number } = {},
): UpliftExplanation | undefined {
  const chosen = explainedParts(model, options.fallback);
  if (!chosen) return undefined;
  const arm = options.arm ?? 1;
  const shaps: UpliftShap[] = chosen.parts.map((part) => upliftShap(part, x, { arm, scale: "probability" }));
  const nFeatures = x.nCols;
  const values = new Float64Array(x.nRows * nFeatures);
  const uplift = new Float64Array(x.nRows);
  for (const s of shaps) {
    for (let c = 0; c < values.length; c++) values[c] += s.values[c] / shaps.length;
    for (let i = 0; i < x.nRows; i++) uplift[i] += s.uplift[i] / shaps.length;
  }
  const combined = asShapValues({ ...shaps[0], values, uplift, units: "probability" });
  let nPersuadable = 0;
  const persuadableSum = new Float64Array(nFeatures);
  for (let i = 0; i < x.nRows; i++) {
    if (!persuadable[i]) continue;
    nPersuadable++;
    for (let j = 0; j < nFeatures; j++) persuadableSum[j] += values[i * nFeatures + j];
  }
  const features = globalImportance(combined).map((f) => ({
    ...f, meanPersuadable: nPersuadable > 0 ? persuadableSum[x.columns.indexOf(f.feature)] / nPersuadable : NaN,
  }));
  const order = Array.from(uplift.keys()).sort((a, b) => uplift[b] - uplift[a] || a - b).slice(0, options.nTop ?? 5);
  const topCustomers = order.map((i) => ({
    customerId: customerIds[i],
    uplift: uplift[i],
    reasons: x.columns
      .map((feature, j) => ({ feature, value: x.data[j * x.nRows + i], contribution: values[i * nFeatures + j] }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
      .slice(0, 3),
  }));
  return { explained: chosen.name, units: "probability", nRows: x.nRows, features, topCustomers };
}

/** Evenly spaced rows (a deterministic sample for explanations). */
export function sampleRows(nRows: number, max: number): Int32Array {
  if (nRows <= max) return Int32Array.from({ length: nRows }, (_, i) => i);
  return Int32Array.from({ length: max }, (_, s) => Math.floor((s * nRows) / max));
}
