/**
 * The losses gradient boosting minimises, as XGBoost 1.7 defines them
 * (src/objective/regression_loss.h, multiclass_obj.cu), and the metrics early stopping watches
 * (src/metric/elementwise_metric.cu, multiclass_metric.cu, auc.cc):
 *
 * - binary:logistic — p = σ(margin), g = p − y, h = max(p(1 − p), 1e-16); positives weighted
 *   by scalePosWeight;
 * - reg:squarederror — g = margin − y, h = 1;
 * - multi:softmax — p = softmax(margins), g_k = p_k − [y = k], h_k = max(2 p_k (1 − p_k), 1e-16)
 *   (XGBoost's factor 2 on the softmax hessian).
 *
 * Margins are kept class-major (class k of row i at k·nRows + i) so that a class's tree
 * updates one contiguous block; gradients interleave (g, h) per row within each class block.
 */

export type Objective = "binary:logistic" | "reg:squarederror" | "multi:softmax";
export type EvalMetric = "logloss" | "error" | "auc" | "rmse" | "mae" | "mlogloss" | "merror";

export const OBJECTIVE_CODE: Record<Objective, number> = { "binary:logistic": 0, "reg:squarederror": 1, "multi:softmax": 2 };

export const DEFAULT_METRIC: Record<Objective, EvalMetric> = {
  "binary:logistic": "logloss",
  "reg:squarederror": "rmse",
  "multi:softmax": "mlogloss",
};

export const METRICS_FOR: Record<Objective, readonly EvalMetric[]> = {
  "binary:logistic": ["logloss", "error", "auc"],
  "reg:squarederror": ["rmse", "mae"],
  "multi:softmax": ["mlogloss", "merror"],
};

export function higherIsBetter(metric: EvalMetric): boolean {
  return metric === "auc";
}

const HESS_FLOOR = 1e-16;

/**
 * Fills gh for rows start…end−1 of every class from the current margins.
 * `weights` may be empty (all rows weigh 1).
 */
export function computeGradients(
  objectiveCode: number,
  margin: Float64Array,
  y: Float64Array,
  weights: Float64Array,
  gh: Float32Array,
  nRows: number,
  nClasses: number,
  scalePosWeight: number,
  start: number,
  end: number,
): void {
  const weighted = weights.length > 0;
  if (objectiveCode === 0) {
    for (let i = start; i < end; i++) {
      const p = 1 / (1 + Math.exp(-margin[i]));
      const label = y[i];
      let w = weighted ? weights[i] : 1;
      if (label === 1) w *= scalePosWeight;
      const h = p * (1 - p);
      gh[2 * i] = (p - label) * w;
      gh[2 * i + 1] = (h > HESS_FLOOR ? h : HESS_FLOOR) * w;
    }
  } else if (objectiveCode === 1) {
    for (let i = start; i < end; i++) {
      const w = weighted ? weights[i] : 1;
      gh[2 * i] = (margin[i] - y[i]) * w;
      gh[2 * i + 1] = w;
    }
  } else {
    for (let i = start; i < end; i++) {
      let max = -Infinity;
      for (let k = 0; k < nClasses; k++) max = Math.max(max, margin[k * nRows + i]);
      let sum = 0;
      for (let k = 0; k < nClasses; k++) sum += Math.exp(margin[k * nRows + i] - max);
      const w = weighted ? weights[i] : 1;
      const label = y[i];
      for (let k = 0; k < nClasses; k++) {
        const p = Math.exp(margin[k * nRows + i] - max) / sum;
        const h = 2 * p * (1 - p);
        const at = 2 * (k * nRows + i);
        gh[at] = (p - (label === k ? 1 : 0)) * w;
        gh[at + 1] = (h > HESS_FLOOR ? h : HESS_FLOOR) * w;
      }
    }
  }
}

/** Weighted mean of y (the squared-error base score default). */
export function weightedMean(y: Float64Array, weights: Float64Array | undefined): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights ? weights[i] : 1;
    sum += w * y[i];
    total += w;
  }
  return total > 0 ? sum / total : 0;
}

function sigmoid(m: number): number {
  return 1 / (1 + Math.exp(-m));
}

/**
 * A metric over class-major margins of n rows. Lower is better except for AUC.
 * LogLoss clips probabilities at 1e-16 like XGBoost.
 */
export function evaluateMetric(
  metric: EvalMetric,
  margin: Float64Array,
  y: Float64Array,
  weights: Float64Array | undefined,
  nClasses: number,
): number {
  const n = y.length;
  const eps = 1e-16;
  let sum = 0;
  let total = 0;
  switch (metric) {
    case "auc":
      return weightedAuc(margin, y, weights);
    case "logloss":
      for (let i = 0; i < n; i++) {
        const w = weights ? weights[i] : 1;
        const p = sigmoid(margin[i]);
        const label = y[i];
        const pc = Math.min(Math.max(p, eps), 1 - eps);
        sum += w * -(label * Math.log(pc) + (1 - label) * Math.log(1 - pc));
        total += w;
      }
      return sum / total;
    case "error":
      for (let i = 0; i < n; i++) {
        const w = weights ? weights[i] : 1;
        sum += w * ((sigmoid(margin[i]) > 0.5 ? 1 : 0) !== y[i] ? 1 : 0);
        total += w;
      }
      return sum / total;
    case "rmse":
    case "mae":
      for (let i = 0; i < n; i++) {
        const w = weights ? weights[i] : 1;
        const d = margin[i] - y[i];
        sum += w * (metric === "rmse" ? d * d : Math.abs(d));
        total += w;
      }
      return metric === "rmse" ? Math.sqrt(sum / total) : sum / total;
    case "mlogloss":
    case "merror":
      for (let i = 0; i < n; i++) {
        const w = weights ? weights[i] : 1;
        let max = -Infinity;
        let argmax = 0;
        for (let k = 0; k < nClasses; k++) {
          if (margin[k * n + i] > max) {
            max = margin[k * n + i];
            argmax = k;
          }
        }
        if (metric === "merror") sum += w * (argmax !== y[i] ? 1 : 0);
        else {
          let z = 0;
          for (let k = 0; k < nClasses; k++) z += Math.exp(margin[k * n + i] - max);
          const p = Math.exp(margin[y[i] * n + i] - max) / z;
          sum += w * -Math.log(Math.max(p, eps));
        }
        total += w;
      }
      return sum / total;
  }
}

/** ROC-AUC with ties counted half (the Mann-Whitney statistic), weighted. */
function weightedAuc(score: Float64Array, y: Float64Array, weights: Float64Array | undefined): number {
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => score[a] - score[b]);
  let negBelow = 0;
  let area = 0;
  let totalPos = 0;
  let r = 0;
  while (r < n) {
    let pos = 0;
    let neg = 0;
    const s = score[order[r]];
    for (; r < n && score[order[r]] === s; r++) {
      const w = weights ? weights[order[r]] : 1;
      if (y[order[r]] === 1) pos += w;
      else neg += w;
    }
    area += pos * (negBelow + neg / 2);
    negBelow += neg;
    totalPos += pos;
  }
  return totalPos > 0 && negBelow > 0 ? area / (totalPos * negBelow) : NaN;
}
