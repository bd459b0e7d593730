/**
 * SHAP of the uplift itself (scikit-uplift issue #216): why is this customer persuadable? For
 * meta-learners whose parts are tree ensembles, the uplift is a difference (T-learner) or a
 * weighted sum (X-learner) of tree models, and SHAP values are linear in the model, so exact
 * TreeSHAP values of the parts (Lundberg et al. 2018; src/explain/tree-shap.ts) combine into
 * exact attributions of the uplift:
 *
 *   T-learner   φ(uplift_k) = φ(μ_k) − φ(μ_0), in the arms' margin space;
 *   X-learner   φ(τ_k) = g_k·φ(τ⁰_k) + (1 − g_k)·φ(τ¹_k), in the outcome's units.
 *
 * For every row, baseline + Σ_j φ_j equals the uplift the model predicts for it (tested to 1e-9).
 * A T-learner with logistic trees explains the difference of log-odds; `scale: "probability"`
 * rescales each row's attributions by (p_k − p_0)/(m_k − m_0) so they add up to the probability
 * uplift instead — the same proportions, in the units a marketer reads (an approximation of the
 * probability-space SHAP, which is not additive through the sigmoid).
 */
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { explainTrees } from "../explain/tree-shap.ts";
import type { ShapValues } from "../explain/shap-values.ts";
import { ensembleMargin, sigmoid, type TreeEnsemble } from "../models/tree/ensemble.ts";
import type { Model } from "../models/types.ts";
import { checkColumns } from "./meta-model.ts";
import type { TLearnerModel } from "./t-learner.ts";
import type { XLearnerModel } from "./x-learner.ts";

export interface UpliftShap {
  readonly featureNames: readonly string[];
  readonly nRows: number;
  /** Row-major nRows × nFeatures attributions of the uplift. */
  readonly values: Float64Array;
  /** Per row: where the attributions start; baseline[i] + Σ_j values[i, j] = uplift[i]. */
  readonly baseline: Float64Array;
  /** The explained uplift per row. */
  readonly uplift: Float64Array;
  /** "margin": log-odds difference; "probability": rescaled to the probability uplift; "outcome": the outcome's own units. */
  readonly units: "margin" | "probability" | "outcome";
  /** The treatment arm explained (1..K). */
  readonly arm: number;
}

export interface UpliftShapOptions {
  /** Treatment arm to explain against control, 1..K. Default 1. */
  arm?: number;
  /** T-learner with logistic trees only: "margin" (default) or "probability". */
  scale?: "margin" | "probability";
}

/** The tree ensemble behind a fitted model: the model itself (XGBoost import) or its `ensemble` (gbdt, forest). */
export function treeEnsembleOf(model: Model): TreeEnsemble | undefined {
  const candidate = model as unknown as Partial<TreeEnsemble> & { ensemble?: TreeEnsemble };
  if (Array.isArray(candidate.trees) && typeof candidate.baseMargin === "number") return candidate as TreeEnsemble;
  if (candidate.ensemble && Array.isArray(candidate.ensemble.trees)) return candidate.ensemble;
  return undefined;
}

function requireEnsemble(model: Model, role: string): TreeEnsemble {
  const ensemble = treeEnsembleOf(model);
  if (!ensemble) {
    throw new PatronError(
      "E_NOT_SUPPORTED",
      `uplift SHAP needs tree models, but the ${role} is a ${model.kind}; fit the learner with a tree base (gbdt, random forest, decision tree).`,
    );
  }
  if ((ensemble.nClasses ?? 1) !== 1) {
    throw new PatronError("E_NOT_SUPPORTED", `uplift SHAP explains single-output models; the ${role} has ${ensemble.nClasses} outputs.`);
  }
  return ensemble;
}

/** Attributions of one row-major SHAP result, combined: out += weight[i] · φ. */
function addScaled(out: Float64Array, shap: ShapValues, weight: (i: number) => number): void {
  const nFeatures = shap.featureNames.length;
  for (let i = 0; i < shap.nRows; i++) {
    const w = weight(i);
    const offset = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) out[offset + j] += w * shap.values[offset + j];
  }
}

function checkArm(arm: number, nArms: number): void {
  if (!Number.isInteger(arm) || arm < 1 || arm >= nArms) throw new PatronError("E_OPTION", `arm must be a treatment arm 1..${nArms - 1}; found ${arm}.`);
}

function explainT(model: TLearnerModel, x: Matrix, arm: number, scale: "margin" | "probability"): UpliftShap {
  const treated = requireEnsemble(model.models[arm], `arm ${arm} model`);
  const control = requireEnsemble(model.models[0], "control model");
  if (treated.link !== control.link) {
    throw new PatronError("E_NOT_SUPPORTED", `the arms' models use different links (${control.link}, ${treated.link}); their SHAP values do not subtract.`);
  }
  const nRows = x.nRows;
  const nFeatures = x.nCols;
  const values = new Float64Array(nRows * nFeatures);
  const shapTreated = explainTrees(treated, x);
  const shapControl = explainTrees(control, x);
  addScaled(values, shapTreated, () => 1);
  addScaled(values, shapControl, () => -1);
  const base = shapTreated.expectedValue[0] - shapControl.expectedValue[0];
  const marginT = ensembleMargin(treated, x);
  const marginC = ensembleMargin(control, x);
  const baseline = new Float64Array(nRows).fill(base);
  const uplift = marginT.map((m, i) => m - marginC[i]);
  if (scale === "margin" || treated.link === "identity") {
    return { featureNames: x.columns, nRows, values, baseline, uplift, units: treated.link === "identity" ? "outcome" : "margin", arm };
  }
  // Per-row rescaling from the log-odds difference to the probability difference.
  for (let i = 0; i < nRows; i++) {
    const pT = sigmoid(marginT[i]);
    const pC = sigmoid(marginC[i]);
    const dm = marginT[i] - marginC[i];
    const ratio = Math.abs(dm) > 1e-12 ? (pT - pC) / dm : pT * (1 - pT);
    for (let j = 0; j < nFeatures; j++) values[i * nFeatures + j] *= ratio;
    baseline[i] *= ratio;
    uplift[i] = pT - pC;
  }
  return { featureNames: x.columns, nRows, values, baseline, uplift, units: "probability", arm };
}

function explainX(model: XLearnerModel, x: Matrix, arm: number): UpliftShap {
  const tau0 = requireEnsemble(model.effectControl[arm - 1], `arm ${arm} effect model (control side)`);
  const tau1 = requireEnsemble(model.effectTreated[arm - 1], `arm ${arm} effect model (treated side)`);
  for (const e of [tau0, tau1]) {
    if (e.link !== "identity") {
      throw new PatronError("E_NOT_SUPPORTED", `the X-learner's effect models must be regressions (identity link) for uplift SHAP; found ${e.link}.`);
    }
  }
  const g = model.propensityOf(x, arm);
  const nRows = x.nRows;
  const values = new Float64Array(nRows * x.nCols);
  const shap0 = explainTrees(tau0, x);
  const shap1 = explainTrees(tau1, x);
  addScaled(values, shap0, (i) => g[i]);
  addScaled(values, shap1, (i) => 1 - g[i]);
  const baseline = Float64Array.from(g, (gi) => gi * shap0.expectedValue[0] + (1 - gi) * shap1.expectedValue[0]);
  const m0 = ensembleMargin(tau0, x);
  const m1 = ensembleMargin(tau1, x);
  const uplift = Float64Array.from(g, (gi, i) => gi * m0[i] + (1 - gi) * m1[i]);
  return { featureNames: x.columns, nRows, values, baseline, uplift, units: "outcome", arm };
}

/** Exact SHAP values of the uplift of a T- or X-learner built on tree models. */
export function upliftShap(model: TLearnerModel | XLearnerModel, x: Matrix, options: UpliftShapOptions = {}): UpliftShap {
  checkColumns(model.featureNames, x, model.kind);
  const arm = options.arm ?? 1;
  checkArm(arm, model.arms.length);
  if (model.kind === "t-learner") return explainT(model as TLearnerModel, x, arm, options.scale ?? "margin");
  if (model.kind === "x-learner") return explainX(model as XLearnerModel, x, arm);
  throw new PatronError(
    "E_NOT_SUPPORTED",
    `uplift SHAP is defined for t-learner and x-learner models; found ${(model as Model).kind}. Their uplift is a combination of per-arm tree models.`,
  );
}

/**
 * The uplift attributions as explain/'s ShapValues (identity link, expected value = mean
 * baseline), so its rankings, reasons and charts apply unchanged. For T-learners and X-learners
 * with constant propensities the baseline is the same for every row and this is exact.
 */
export function asShapValues(shap: UpliftShap): ShapValues {
  let mean = 0;
  for (const b of shap.baseline) mean += b;
  mean /= Math.max(1, shap.nRows);
  return {
    nRows: shap.nRows, nOutputs: 1, featureNames: shap.featureNames, values: shap.values,
    expectedValue: Float64Array.of(mean), link: "identity",
  };
}
