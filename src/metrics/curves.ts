/**
 * Ranking metrics for binary scores: ROC curve and ROC-AUC (exact with ties: tied scores form
 * one threshold, so the curve takes a diagonal step and the trapezoid counts ties as half),
 * partial AUC with McClish's correction, one-vs-rest and one-vs-one (Hand & Till 2001)
 * multiclass AUC, the precision-recall curve and average precision.
 *
 * Every step follows scikit-learn 1.2 (sklearn/metrics/_ranking.py) operation by operation, so
 * the numbers agree to rounding: scores sorted descending with ties in reverse row order
 * (their argsort(mergesort)[::-1]), one threshold per distinct score, cumulative sums in row
 * order, collinear points dropped with a second difference, area by the trapezoid rule.
 */
import { PatronError } from "../core/errors.ts";
import {
  checkBinary, checkFinite, checkNotEmpty, checkSameLength, checkWeights, type Numbers,
} from "./check.ts";

/** fps[t], tps[t]: weight of negatives / positives with score ≥ thresholds[t] (decreasing). */
export interface BinaryCounts {
  readonly fps: Float64Array;
  readonly tps: Float64Array;
  readonly thresholds: Float64Array;
}

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Decreasing; thresholds[0] = max score + 1 (the empty prediction), like scikit-learn. */
  readonly thresholds: Float64Array;
}

export interface PrCurve {
  /** Ends with precision 1 at recall 0 (scikit-learn's convention). */
  readonly precision: Float64Array;
  /** Decreasing. */
  readonly recall: Float64Array;
  /** Increasing; one fewer than precision and recall. */
  readonly thresholds: Float64Array;
}

export interface WeightOption {
  sampleWeight?: Numbers;
}

function checkBinaryInputs(yTrue: Numbers, score: Numbers, sampleWeight: Numbers | undefined, scoreName = "score"): void {
  checkNotEmpty("y_true", yTrue);
  checkSameLength(scoreName, score, yTrue.length);
  checkBinary("y_true", yTrue);
  checkFinite(scoreName, score);
  checkWeights(sampleWeight, yTrue.length);
}

/** Rows ordered by score descending, ties in reverse row order (= sklearn's stable argsort reversed). */
function descendingOrder(score: Numbers, rows: Uint32Array): Uint32Array {
  return rows.sort((a, b) => score[b] - score[a] || b - a);
}

/** scikit-learn's _binary_clf_curve; inputs already checked. Rows with weight 0 are dropped, as there. */
export function binaryCounts(yTrue: Numbers, score: Numbers, sampleWeight?: Numbers): BinaryCounts {
  let nKept = 0;
  const rows = new Uint32Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) if (!sampleWeight || sampleWeight[i] !== 0) rows[nKept++] = i;
  const order = descendingOrder(score, rows.subarray(0, nKept));
  // One threshold per distinct score: the last row of each run of equal scores.
  const ends: number[] = [];
  for (let r = 0; r < nKept - 1; r++) if (score[order[r]] !== score[order[r + 1]]) ends.push(r);
  ends.push(nKept - 1);
  const tps = new Float64Array(ends.length);
  const fps = new Float64Array(ends.length);
  const thresholds = new Float64Array(ends.length);
  let truePos = 0;
  let falsePos = 0;
  let t = 0;
  for (let r = 0; r < nKept; r++) {
    const i = order[r];
    const w = sampleWeight ? sampleWeight[i] : 1;
    if (yTrue[i] === 1) truePos += w;
    else falsePos += w;
    if (r === ends[t]) {
      tps[t] = truePos;
      // Unweighted, sklearn derives fps = 1 + index − tps, which is exact in integers.
      fps[t] = sampleWeight ? falsePos : 1 + r - truePos;
      thresholds[t] = score[i];
      t++;
    }
  }
  return { fps, tps, thresholds };
}

export function rocCurve(
  yTrue: Numbers,
  score: Numbers,
  options: WeightOption & { dropIntermediate?: boolean } = {},
): RocCurve {
  checkBinaryInputs(yTrue, score, options.sampleWeight);
  let { fps, tps, thresholds } = binaryCounts(yTrue, score, options.sampleWeight);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    // Keep a point when the second difference of fps or tps is non-zero: a corner.
    const keep: number[] = [0];
    for (let t = 1; t < fps.length - 1; t++) {
      const fpsCurve = fps[t + 1] - fps[t] - (fps[t] - fps[t - 1]);
      const tpsCurve = tps[t + 1] - tps[t] - (tps[t] - tps[t - 1]);
      if (fpsCurve !== 0 || tpsCurve !== 0) keep.push(t);
    }
    keep.push(fps.length - 1);
    fps = Float64Array.from(keep, (t) => fps[t]);
    tps = Float64Array.from(keep, (t) => tps[t]);
    thresholds = Float64Array.from(keep, (t) => thresholds[t]);
  }
  const n = fps.length + 1;
  const fpr = new Float64Array(n);
  const tpr = new Float64Array(n);
  const outThresholds = new Float64Array(n);
  outThresholds[0] = thresholds[0] + 1;
  outThresholds.set(thresholds, 1);
  const negatives = fps[fps.length - 1];
  const positives = tps[tps.length - 1];
  for (let t = 1; t < n; t++) {
    // No negatives (or positives): the rate is undefined, NaN as in scikit-learn.
    fpr[t] = negatives > 0 ? fps[t - 1] / negatives : NaN;
    tpr[t] = positives > 0 ? tps[t - 1] / positives : NaN;
  }
  if (!(negatives > 0)) fpr[0] = NaN;
  if (!(positives > 0)) tpr[0] = NaN;
  return { fpr, tpr, thresholds: outThresholds };
}

/** Area under a curve by the trapezoid rule (numpy.trapz); x must be monotonic. */
export function trapezoidArea(x: Numbers, y: Numbers): number {
  let increasing = true;
  let decreasing = true;
  for (let t = 1; t < x.length; t++) {
    if (x[t] < x[t - 1]) increasing = false;
    if (x[t] > x[t - 1]) decreasing = false;
  }
  if (!increasing && !decreasing) {
    throw new PatronError("E_RANGE", "x is neither increasing nor decreasing; sort the curve by x before integrating.");
  }
  let area = 0;
  for (let t = 1; t < x.length; t++) area += ((x[t] - x[t - 1]) * (y[t] + y[t - 1])) / 2.0;
  return increasing ? area : -area;
}

function requireBothClasses(yTrue: Numbers, what: string): void {
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i];
  if (positives === 0 || positives === yTrue.length) {
    throw new PatronError(
      "E_ONE_CLASS",
      `${what} needs both classes in y_true; found only ${positives === 0 ? "0" : "1"} in ${yTrue.length} rows. Use a larger or stratified sample.`,
    );
  }
}

/**
 * ROC-AUC of binary labels (0/1) against any score that ranks like P(y = 1). With `maxFpr`,
 * the standardized partial AUC up to that false-positive rate (McClish 1989), as scikit-learn.
 */
export function rocAuc(yTrue: Numbers, score: Numbers, options: WeightOption & { maxFpr?: number } = {}): number {
  checkBinaryInputs(yTrue, score, options.sampleWeight);
  requireBothClasses(yTrue, "ROC-AUC");
  const { fpr, tpr } = rocCurve(yTrue, score, { sampleWeight: options.sampleWeight });
  const maxFpr = options.maxFpr;
  if (maxFpr === undefined || maxFpr === 1) return trapezoidArea(fpr, tpr);
  if (!(maxFpr > 0 && maxFpr <= 1)) {
    throw new PatronError("E_RANGE", `maxFpr must be in (0, 1]; found ${maxFpr}.`);
  }
  // The first point with fpr > maxFpr (numpy searchsorted side='right'); interpolate to maxFpr.
  let stop = 0;
  while (stop < fpr.length && fpr[stop] <= maxFpr) stop++;
  const slope = (tpr[stop] - tpr[stop - 1]) / (fpr[stop] - fpr[stop - 1]);
  const xs = Float64Array.from({ length: stop + 1 }, (_, t) => (t < stop ? fpr[t] : maxFpr));
  const ys = Float64Array.from({ length: stop + 1 }, (_, t) =>
    t < stop ? tpr[t] : slope * (maxFpr - fpr[stop - 1]) + tpr[stop - 1],
  );
  const partial = trapezoidArea(xs, ys);
  const minArea = 0.5 * maxFpr ** 2;
  const maxArea = maxFpr;
  return 0.5 * (1 + (partial - minArea) / (maxArea - minArea));
}

export interface MulticlassAucOptions extends WeightOption {
  /** One-vs-rest (default) or one-vs-one (Hand & Till 2001; no sample weights, as scikit-learn). */
  multiClass?: "ovr" | "ovo";
  /** How per-class (or per-pair) AUCs are combined; "micro" only with ovr. */
  average?: "macro" | "weighted" | "micro";
}

/**
 * Multiclass ROC-AUC: labels 0..K−1 (every class present), probabilities row-major n × K
 * summing to 1 per row, as scikit-learn's roc_auc_score(multi_class=…).
 */
export function rocAucMulticlass(yTrue: Numbers, proba: Numbers, nClasses: number, options: MulticlassAucOptions = {}): number {
  const nRows = yTrue.length;
  checkNotEmpty("y_true", yTrue);
  checkSameLength("proba", proba, nRows * nClasses, `y_true × ${nClasses} classes`);
  checkFinite("proba", proba);
  checkWeights(options.sampleWeight, nRows);
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < nRows; i++) {
    const k = yTrue[i];
    if (!(Number.isInteger(k) && k >= 0 && k < nClasses)) {
      throw new PatronError("E_LABEL", `y_true must hold class indices 0..${nClasses - 1}; found ${k} at row ${i}.`);
    }
    counts[k]++;
    let sum = 0;
    for (let c = 0; c < nClasses; c++) sum += proba[i * nClasses + c];
    // numpy.allclose(1, sum): |sum − 1| ≤ 1e-8 + 1e-5 × |sum|.
    if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5 * Math.abs(sum))) {
      throw new PatronError("E_RANGE", `multiclass ROC-AUC needs probabilities summing to 1 per row; row ${i} sums to ${sum}. Pass predictProba output.`);
    }
  }
  const missing = [...counts.keys()].filter((k) => counts[k] === 0);
  if (missing.length > 0) {
    throw new PatronError("E_ONE_CLASS", `multiclass ROC-AUC needs every class in y_true; class ${missing.join(", ")} has no rows.`);
  }
  const multiClass = options.multiClass ?? "ovr";
  const average = options.average ?? "macro";
  const weight = options.sampleWeight;
  const column = (k: number, rows: number[]) => Float64Array.from(rows, (i) => proba[i * nClasses + k]);
  const allRows = Array.from({ length: nRows }, (_, i) => i);

  if (multiClass === "ovo") {
    if (weight) throw new PatronError("E_OPTION", "one-vs-one ROC-AUC takes no sample weights (as scikit-learn); use multiClass 'ovr'.");
    if (average === "micro") throw new PatronError("E_OPTION", "average 'micro' is defined only for one-vs-rest; use 'macro' or 'weighted'.");
    let total = 0;
    let totalWeight = 0;
    for (let a = 0; a < nClasses; a++) {
      for (let b = a + 1; b < nClasses; b++) {
        const rows = allRows.filter((i) => yTrue[i] === a || yTrue[i] === b);
        const isA = Float64Array.from(rows, (i) => (yTrue[i] === a ? 1 : 0));
        const isB = Float64Array.from(rows, (i) => (yTrue[i] === b ? 1 : 0));
        const pairScore = (rocAuc(isA, column(a, rows)) + rocAuc(isB, column(b, rows))) / 2;
        const prevalence = average === "weighted" ? rows.length / nRows : 1;
        total += pairScore * prevalence;
        totalWeight += prevalence;
      }
    }
    return total / totalWeight;
  }

  if (average === "micro") {
    // One binary problem over all n × K (row, class) cells, in numpy's ravel order.
    const flatTrue = new Float64Array(nRows * nClasses);
    for (let i = 0; i < nRows; i++) flatTrue[i * nClasses + yTrue[i]] = 1;
    const flatWeight = weight ? Float64Array.from({ length: nRows * nClasses }, (_, c) => weight[Math.floor(c / nClasses)]) : undefined;
    return rocAuc(flatTrue, proba, { sampleWeight: flatWeight });
  }
  let total = 0;
  let totalWeight = 0;
  for (let k = 0; k < nClasses; k++) {
    const isK = Float64Array.from(allRows, (i) => (yTrue[i] === k ? 1 : 0));
    const score = rocAuc(isK, column(k, allRows), { sampleWeight: weight });
    let classWeight = 1;
    if (average === "weighted") {
      classWeight = 0;
      for (let i = 0; i < nRows; i++) if (yTrue[i] === k) classWeight += weight ? weight[i] : 1;
    }
    total += score * classWeight;
    totalWeight += classWeight;
  }
  return total / totalWeight;
}

export function precisionRecallCurve(yTrue: Numbers, score: Numbers, options: WeightOption = {}): PrCurve {
  checkBinaryInputs(yTrue, score, options.sampleWeight);
  const { fps, tps, thresholds } = binaryCounts(yTrue, score, options.sampleWeight);
  const n = tps.length;
  const positives = tps[n - 1];
  const precision = new Float64Array(n + 1);
  const recall = new Float64Array(n + 1);
  const outThresholds = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const r = n - 1 - t; // reversed, so recall decreases
    const predicted = tps[r] + fps[r];
    precision[t] = predicted !== 0 ? tps[r] / predicted : 0;
    // No positives at all: scikit-learn sets recall to 1 everywhere (and warns).
    recall[t] = positives === 0 ? 1 : tps[r] / positives;
    outThresholds[t] = thresholds[r];
  }
  precision[n] = 1;
  recall[n] = 0;
  return { precision, recall, thresholds: outThresholds };
}

/** Average precision: Σ (R_t − R_{t−1}) P_t, the step-wise area under the PR curve (no interpolation). */
export function averagePrecision(yTrue: Numbers, score: Numbers, options: WeightOption = {}): number {
  checkBinaryInputs(yTrue, score, options.sampleWeight);
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i];
  if (positives === 0) {
    throw new PatronError("E_ONE_CLASS", `average precision needs at least one positive in y_true; found none in ${yTrue.length} rows.`);
  }
  const { precision, recall } = precisionRecallCurve(yTrue, score, options);
  let sum = 0;
  for (let t = 0; t < recall.length - 1; t++) sum += (recall[t + 1] - recall[t]) * precision[t];
  return -sum;
}
