/**
 * Split finding on a node's gradient histogram: the second-order gain of Chen & Guestrin
 * (2016, eq. 7) with L1/L2 regularisation, min child weight and XGBoost's max_delta_step,
 * written to reproduce XGBoost 1.7's `hist` evaluator (src/tree/hist/evaluate_splits.h,
 * src/tree/param.h, split_evaluator.h) choice for choice:
 *
 * - forward scan over the bins (missing goes right), then — only when the node has missing
 *   values for the feature — a backward scan (missing goes left);
 * - a candidate needs hessian ≥ minChildWeight on both sides;
 * - loss_chg = gain(left) + gain(right) − gain(node), rounded to float32 as XGBoost stores it,
 *   so that near-ties resolve the same way: a later candidate replaces the best only when
 *   strictly greater, and across features the lower index wins a tie.
 */

export interface SplitParams {
  /** L2 regularisation on leaf weights (XGBoost reg_lambda). */
  readonly lambda: number;
  /** L1 regularisation on leaf weights (XGBoost reg_alpha). */
  readonly alpha: number;
  readonly minChildWeight: number;
  /** Clamp on |leaf weight| before the learning rate; 0 = none. */
  readonly maxDeltaStep: number;
}

const f32 = Math.fround;

function thresholdL1(g: number, alpha: number): number {
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
}

/** The optimal leaf weight −T(G)/(H + λ) (before the learning rate); 0 when H < minChildWeight. */
export function leafWeight(p: SplitParams, sumG: number, sumH: number): number {
  if (sumH < p.minChildWeight || sumH <= 0) return 0;
  let w = -thresholdL1(sumG, p.alpha) / (sumH + p.lambda);
  if (p.maxDeltaStep !== 0 && Math.abs(w) > p.maxDeltaStep) w = Math.sign(w) * p.maxDeltaStep;
  // XGBoost keeps weights in float32.
  return f32(w);
}

/** The structure score of a node: T(G)²/(H + λ), or the weight-based form under max_delta_step. */
export function nodeGain(p: SplitParams, sumG: number, sumH: number): number {
  if (sumH <= 0) return 0;
  if (p.maxDeltaStep === 0) {
    const g = thresholdL1(sumG, p.alpha);
    return (g * g) / (sumH + p.lambda);
  }
  const w = leafWeight(p, sumG, sumH);
  return -(2 * sumG * w + (sumH + p.lambda) * w * w);
}

/** The best split of one feature; `loss` is 0 when there is none. */
export interface FeatureSplit {
  loss: number;
  /** Codes ≤ splitBin go left (−1: every value right). */
  splitBin: number;
  missingLeft: number;
  leftG: number;
  leftH: number;
}

/**
 * Scans feature j's histogram (G and H interleaved at hist[base + 2b], value bins 0…nBins−1,
 * the missing bin at nBins when hasMissing) of a node with totals (sumG, sumH) and
 * float32 gain `rootGain`. Writes the best candidate into `out` and returns its loss.
 */
export function bestSplitOfFeature(
  p: SplitParams,
  hist: Float64Array,
  base: number,
  nBins: number,
  hasMissing: boolean,
  sumG: number,
  sumH: number,
  rootGain: number,
  out: FeatureSplit,
): number {
  const mcw = p.minChildWeight;
  let bestLoss = 0;
  let bestBin = 0;
  let bestMissingLeft = 0;
  let bestLeftG = 0;
  let bestLeftH = 0;
  const plain = p.maxDeltaStep === 0 && p.alpha === 0;
  const lambda = p.lambda;

  // Forward: left = bins 0…b, right = the rest plus missing.
  let eG = 0;
  let eH = 0;
  for (let b = 0; b < nBins; b++) {
    eG += hist[base + 2 * b];
    eH += hist[base + 2 * b + 1];
    if (eH >= mcw) {
      const cG = sumG - eG;
      const cH = sumH - eH;
      if (cH >= mcw) {
        const gain = plain
          ? (eH > 0 ? (eG * eG) / (eH + lambda) : 0) + (cH > 0 ? (cG * cG) / (cH + lambda) : 0)
          : nodeGain(p, eG, eH) + nodeGain(p, cG, cH);
        const loss = f32(f32(gain) - rootGain);
        if (loss > bestLoss && loss !== Infinity) {
          bestLoss = loss;
          bestBin = b;
          bestMissingLeft = 0;
          bestLeftG = eG;
          bestLeftH = eH;
        }
      }
    }
  }

  // Backward, only when this node has missing values here: right = bins b…, left = the rest
  // plus missing. XGBoost's split point is the lower edge of bin b, i.e. codes ≤ b − 1 go left.
  if (hasMissing && (hist[base + 2 * nBins] !== 0 || hist[base + 2 * nBins + 1] !== 0)) {
    eG = 0;
    eH = 0;
    for (let b = nBins - 1; b >= 0; b--) {
      eG += hist[base + 2 * b];
      eH += hist[base + 2 * b + 1];
      if (eH >= mcw) {
        const cG = sumG - eG;
        const cH = sumH - eH;
        if (cH >= mcw) {
          const gain = plain
            ? (cH > 0 ? (cG * cG) / (cH + lambda) : 0) + (eH > 0 ? (eG * eG) / (eH + lambda) : 0)
            : nodeGain(p, cG, cH) + nodeGain(p, eG, eH);
          const loss = f32(f32(gain) - rootGain);
          if (loss > bestLoss && loss !== Infinity) {
            bestLoss = loss;
            bestBin = b - 1;
            bestMissingLeft = 1;
            bestLeftG = cG;
            bestLeftH = cH;
          }
        }
      }
    }
  }
  out.loss = bestLoss;
  out.splitBin = bestBin;
  out.missingLeft = bestMissingLeft;
  out.leftG = bestLeftG;
  out.leftH = bestLeftH;
  return bestLoss;
}
