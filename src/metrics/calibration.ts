/**
 * Calibration (reliability) bins: for each bin of predicted probability, the mean prediction
 * and the observed rate of positives, as scikit-learn 1.2's calibration_curve. Quantile edges
 * use numpy.percentile's default "linear" method step by step (including its two-sided lerp),
 * because a predicted probability that sits exactly on an edge must land in the same bin.
 */
import { PatronError } from "../core/errors.ts";
import { checkBinary, checkFinite, checkNotEmpty, checkProbabilities, checkSameLength, checkWeights, type Numbers } from "./check.ts";

export interface CalibrationOptions {
  /** Number of bins (default 5, as scikit-learn). */
  nBins?: number;
  /** "uniform": equal-width bins on [0, 1]; "quantile": equal-count bins. */
  strategy?: "uniform" | "quantile";
  /** Optional weights: bin means and totals become weighted (scikit-learn 1.2 has none). */
  sampleWeight?: Numbers;
}

export interface CalibrationBins {
  /** nBins + 1 edges. */
  readonly edges: Float64Array;
  /** For non-empty bins only, in order: observed positive rate, mean prediction, row weight. */
  readonly probTrue: Float64Array;
  readonly probPred: Float64Array;
  readonly count: Float64Array;
  /** Index of each returned bin among the nBins. */
  readonly bin: Int32Array;
}

/** numpy.linspace(start, stop, num) exactly: i × step + start, the last value set to stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const step = (stop - start) / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? ((i / div) * (stop - start)) + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.percentile(values, q) with method "linear"; `sorted` ascending, q in [0, 100]. */
export function percentileLinear(sorted: Numbers, q: number): number {
  const n = sorted.length;
  const quantile = q / 100;
  const virtualIndex = (n - 1) * quantile;
  if (virtualIndex >= n - 1) return sorted[n - 1];
  if (virtualIndex < 0) return sorted[0];
  const previous = Math.floor(virtualIndex);
  const gamma = virtualIndex - previous;
  const a = sorted[previous];
  const b = sorted[previous + 1];
  const diff = b - a;
  // numpy's _lerp: a + diff·t, but b − diff·(1 − t) when t ≥ 0.5 (exact at both ends).
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

export function calibrationCurve(yTrue: Numbers, proba: Numbers, options: CalibrationOptions = {}): CalibrationBins {
  checkNotEmpty("y_true", yTrue);
  checkSameLength("proba", proba, yTrue.length);
  checkBinary("y_true", yTrue);
  checkFinite("proba", proba);
  checkProbabilities("proba", proba);
  checkWeights(options.sampleWeight, yTrue.length);
  const nBins = options.nBins ?? 5;
  if (!(Number.isInteger(nBins) && nBins >= 1)) {
    throw new PatronError("E_OPTION", `nBins must be a positive integer; found ${nBins}.`);
  }
  const strategy = options.strategy ?? "uniform";
  let edges: Float64Array;
  if (strategy === "uniform") {
    edges = linspace(0, 1, nBins + 1);
  } else if (strategy === "quantile") {
    const sorted = Float64Array.from(proba as ArrayLike<number>).sort();
    // sklearn passes linspace(0, 1) × 100 and numpy divides by 100 again: keep both steps.
    edges = linspace(0, 1, nBins + 1).map((q) => percentileLinear(sorted, q * 100));
  } else {
    throw new PatronError("E_OPTION", `strategy must be "uniform" or "quantile"; found ${JSON.stringify(strategy)}.`);
  }
  const sumPred = new Float64Array(nBins);
  const sumTrue = new Float64Array(nBins);
  const total = new Float64Array(nBins);
  const w = options.sampleWeight;
  for (let i = 0; i < yTrue.length; i++) {
    // numpy.searchsorted(edges[1:-1], p, side="left"): how many inner edges are < p.
    let lo = 0;
    let hi = nBins - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid + 1] < proba[i]) lo = mid + 1;
      else hi = mid;
    }
    const weight = w ? w[i] : 1;
    sumPred[lo] += proba[i] * weight;
    sumTrue[lo] += yTrue[i] * weight;
    total[lo] += weight;
  }
  const kept = [...total.keys()].filter((k) => total[k] !== 0);
  return {
    edges,
    probTrue: Float64Array.from(kept, (k) => sumTrue[k] / total[k]),
    probPred: Float64Array.from(kept, (k) => sumPred[k] / total[k]),
    count: Float64Array.from(kept, (k) => total[k]),
    bin: Int32Array.from(kept),
  };
}
