/**
 * Uplift and Qini curves, their perfect counterparts and the normalised areas under them, with
 * scikit-uplift 0.5.1's exact definitions (sklift/metrics/metrics.py): rows sorted by predicted
 * uplift descending, one point per distinct score (np.unique thresholds via np.diff), cumulative
 * counts as float64 running sums (stable_cumsum), an extra (0, 0) point when needed, and areas by
 * scikit-learn's `auc`. References: Radcliffe (2007) for the Qini curve; Devriendt, Guns &
 * Verbeke (2020) for the uplift curve as scikit-uplift draws it.
 *
 * At a point with N rows targeted, N_T treated (Y_T responders) and N_C control (Y_C):
 *   uplift curve  (Y_T/N_T − Y_C/N_C) · N        (a rate difference scaled to the rows)
 *   Qini curve    Y_T − Y_C · N_T/N_C            (incremental responders among the treated)
 * with x/0 taken as 0, exactly as scikit-uplift's np.divide(..., where=den != 0).
 */
import { checkBothBinary, checkUpliftInputs, descendingOrder, sklearnAuc, type Numbers, type UpliftCurvePoints } from "./uplift-common.ts";
import { checkNotEmpty, checkSameLength } from "./check.ts";

export type { UpliftCurvePoints };

interface Cumulative {
  /** Rows targeted at each distinct-score threshold (num_all). */
  nAll: Float64Array;
  nTreated: Float64Array;
  yTreated: Float64Array;
  yControl: Float64Array;
}

/** Running counts at the last row of each run of equal scores (the curves' thresholds). */
function cumulativeAtThresholds(yTrue: Numbers, score: Numbers, treatment: Numbers): Cumulative {
  const order = descendingOrder(score);
  const nRows = order.length;
  const nAll: number[] = [];
  const nTreated: number[] = [];
  const yTreated: number[] = [];
  const yControl: number[] = [];
  let cumTreated = 0;
  let cumYTreated = 0;
  let cumYControl = 0;
  for (let r = 0; r < nRows; r++) {
    const i = order[r];
    const t = treatment[i];
    cumTreated += t;
    if (t === 1) cumYTreated += yTrue[i];
    else cumYControl += yTrue[i];
    // np.where(np.diff(uplift))[0] plus the last row: a threshold ends where the score changes.
    if (r === nRows - 1 || score[order[r + 1]] - score[i] !== 0) {
      nAll.push(r + 1);
      nTreated.push(cumTreated);
      yTreated.push(cumYTreated);
      yControl.push(cumYControl);
    }
  }
  return {
    nAll: Float64Array.from(nAll),
    nTreated: Float64Array.from(nTreated),
    yTreated: Float64Array.from(yTreated),
    yControl: Float64Array.from(yControl),
  };
}

/** Prepends (0, 0) unless the curve already starts there (scikit-uplift's "extra threshold"). */
function startAtOrigin(x: Float64Array, y: Float64Array): UpliftCurvePoints {
  if (x.length === 0 || y[0] !== 0 || x[0] !== 0) {
    const x0 = new Float64Array(x.length + 1);
    const y0 = new Float64Array(y.length + 1);
    x0.set(x, 1);
    y0.set(y, 1);
    return { x: x0, y: y0 };
  }
  return { x, y };
}

function upliftCurveUnchecked(yTrue: Numbers, score: Numbers, treatment: Numbers): UpliftCurvePoints {
  const { nAll, nTreated, yTreated, yControl } = cumulativeAtThresholds(yTrue, score, treatment);
  const y = new Float64Array(nAll.length);
  for (let p = 0; p < y.length; p++) {
    const nControl = nAll[p] - nTreated[p];
    const rateTreated = nTreated[p] !== 0 ? yTreated[p] / nTreated[p] : 0;
    const rateControl = nControl !== 0 ? yControl[p] / nControl : 0;
    y[p] = (rateTreated - rateControl) * nAll[p];
  }
  return startAtOrigin(nAll, y);
}

function qiniCurveUnchecked(yTrue: Numbers, score: Numbers, treatment: Numbers): UpliftCurvePoints {
  const { nAll, nTreated, yTreated, yControl } = cumulativeAtThresholds(yTrue, score, treatment);
  const y = new Float64Array(nAll.length);
  for (let p = 0; p < y.length; p++) {
    const nControl = nAll[p] - nTreated[p];
    y[p] = yTreated[p] - yControl[p] * (nControl !== 0 ? nTreated[p] / nControl : 0);
  }
  return startAtOrigin(nAll, y);
}

/** sklift.metrics.uplift_curve. */
export function upliftCurve(yTrue: Numbers, uplift: Numbers, treatment: Numbers): UpliftCurvePoints {
  checkUpliftInputs(yTrue, uplift, treatment);
  return upliftCurveUnchecked(yTrue, uplift, treatment);
}

/** sklift.metrics.qini_curve. */
export function qiniCurve(yTrue: Numbers, uplift: Numbers, treatment: Numbers): UpliftCurvePoints {
  checkUpliftInputs(yTrue, uplift, treatment);
  return qiniCurveUnchecked(yTrue, uplift, treatment);
}

function checkOutcomeAndTreatment(yTrue: Numbers, treatment: Numbers): void {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("treatment", treatment, yTrue.length);
  checkBothBinary("treatment", treatment, "Encode control as 0 and treatment as 1.");
  checkBothBinary("y_true", yTrue, "Uplift metrics here are for binary outcomes (1 = responded).");
}

/**
 * sklift.metrics.perfect_uplift_curve: the uplift curve of the ordering that puts treated
 * responders and control non-responders first; which of the two comes first depends on whether
 * control responders outnumber treated non-responders (the library's `summand`).
 */
export function perfectUpliftCurve(yTrue: Numbers, treatment: Numbers): UpliftCurvePoints {
  checkOutcomeAndTreatment(yTrue, treatment);
  return perfectUpliftUnchecked(yTrue, treatment);
}

function perfectUpliftUnchecked(yTrue: Numbers, treatment: Numbers): UpliftCurvePoints {
  let controlResponders = 0;
  let treatedNonResponders = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1 && treatment[i] === 0) controlResponders++;
    if (yTrue[i] === 0 && treatment[i] === 1) treatedNonResponders++;
  }
  const useOutcome = controlResponders > treatedNonResponders;
  const perfect = new Float64Array(yTrue.length);
  for (let i = 0; i < perfect.length; i++) {
    perfect[i] = 2 * (yTrue[i] === treatment[i] ? 1 : 0) + (useOutcome ? yTrue[i] : treatment[i]);
  }
  return upliftCurveUnchecked(yTrue, perfect, treatment);
}

export interface QiniOptions {
  /**
   * scikit-uplift's `negative_effect` (default true): the perfect curve also ranks the control
   * responders last, so it rises and then falls; false gives the flat-topped curve
   * [0, R, n] × [0, R, R] with R the incremental responders.
   */
  negativeEffect?: boolean;
}

/** sklift.metrics.perfect_qini_curve. */
export function perfectQiniCurve(yTrue: Numbers, treatment: Numbers, options: QiniOptions = {}): UpliftCurvePoints {
  checkOutcomeAndTreatment(yTrue, treatment);
  return perfectQiniUnchecked(yTrue, treatment, options.negativeEffect ?? true);
}

function perfectQiniUnchecked(yTrue: Numbers, treatment: Numbers, negativeEffect: boolean): UpliftCurvePoints {
  const nRows = yTrue.length;
  if (negativeEffect) {
    const perfect = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) perfect[i] = yTrue[i] * treatment[i] - yTrue[i] * (1 - treatment[i]);
    return qiniCurveUnchecked(yTrue, perfect, treatment);
  }
  let yTreated = 0;
  let nTreated = 0;
  let yControl = 0;
  for (let i = 0; i < nRows; i++) {
    if (treatment[i] === 1) {
      yTreated += yTrue[i];
      nTreated++;
    } else yControl += yTrue[i];
  }
  // Same association as numpy: sum_T − ((len_T · sum_C) / len_C).
  const ratioRandom = yTreated - (nTreated * yControl) / (nRows - nTreated);
  return { x: Float64Array.of(0, ratioRandom, nRows), y: Float64Array.of(0, ratioRandom, ratioRandom) };
}

/** (area of the actual curve − the random line) / (area of the perfect curve − the random line). */
function normalisedArea(actual: UpliftCurvePoints, perfect: UpliftCurvePoints): number {
  const last = perfect.x.length - 1;
  const baseline = sklearnAuc([0, perfect.x[last]], [0, perfect.y[last]]);
  const perfectArea = sklearnAuc(perfect.x, perfect.y) - baseline;
  const actualArea = sklearnAuc(actual.x, actual.y) - baseline;
  return actualArea / perfectArea;
}

/** sklift.metrics.uplift_auc_score: normalised area under the uplift curve. */
export function upliftAucScore(yTrue: Numbers, uplift: Numbers, treatment: Numbers): number {
  checkUpliftInputs(yTrue, uplift, treatment);
  return normalisedArea(upliftCurveUnchecked(yTrue, uplift, treatment), perfectUpliftUnchecked(yTrue, treatment));
}

/** sklift.metrics.qini_auc_score: normalised area under the Qini curve (the Qini coefficient). */
export function qiniAucScore(yTrue: Numbers, uplift: Numbers, treatment: Numbers, options: QiniOptions = {}): number {
  checkUpliftInputs(yTrue, uplift, treatment);
  return normalisedArea(
    qiniCurveUnchecked(yTrue, uplift, treatment),
    perfectQiniUnchecked(yTrue, treatment, options.negativeEffect ?? true),
  );
}
