/**
 * Scorers by name, as scikit-learn's `scoring=` strings: each knows what it reads from a
 * fitted model (probabilities, a ranking score, or labels) and is oriented so that greater is
 * better (losses are negated: "neg_log_loss"), which is what model selection maximises.
 *
 * Binary models in Patron return P(y = 1) from predict; a label is 1 when P > 0.5 (scikit-learn's
 * argmax over [1 − p, p] sends an exact 0.5 to class 0). Ranking scorers ("roc_auc",
 * "average_precision") use decisionFunction when the model has one, as scikit-learn does.
 */
import { PatronError } from "../../core/errors.ts";
import {
  accuracy, balancedAccuracy, brierScore, logLoss, precisionRecallFscore, type Average,
} from "../../metrics/classification.ts";
import { averagePrecision, rocAuc, rocAucMulticlass } from "../../metrics/curves.ts";
import { meanAbsoluteError, meanSquaredError, r2Score } from "../../metrics/regression.ts";
import type { Task } from "../types.ts";

/** What a scorer needs from a fitted model; Model (Matrix input) and FrameModel (Frame input) both fit. */
export interface ScoredModel<X> {
  readonly task: Task;
  predict(x: X): Float64Array;
  predictProba?(x: X): Float64Array;
  decisionFunction?(x: X): Float64Array;
}

export interface Scorer {
  readonly name: string;
  /** The tasks this scorer is defined for. */
  readonly tasks: readonly Task[];
  score<X>(model: ScoredModel<X>, x: X, y: Float64Array, sampleWeight?: Float64Array): number;
}

type Weights = Float64Array | undefined;

/** Predicted labels: binary P > 0.5 → 1; multiclass and regression predict as is. */
export function predictLabels<X>(model: ScoredModel<X>, x: X): Float64Array {
  const out = model.predict(x);
  if (model.task !== "binary") return out;
  return out.map((p) => (p > 0.5 ? 1 : 0));
}

function probabilities<X>(model: ScoredModel<X>, x: X, scorerName: string): Float64Array {
  if (!model.predictProba) {
    throw new PatronError("E_SCORER", `scorer "${scorerName}" needs predicted probabilities, but model kind has no predictProba; choose a label scorer such as "accuracy".`);
  }
  return model.predictProba(x);
}

/**
 * The score ROC-AUC and average precision rank by: the decision function when the model (or, for
 * a pipeline, its inner model) has one, else P(y = 1).
 */
function rankingScore<X>(model: ScoredModel<X>, x: X, scorerName: string): Float64Array {
  const inner = (model as { model?: { decisionFunction?: unknown } }).model;
  const hasDecision = inner !== undefined ? typeof inner.decisionFunction === "function" : typeof model.decisionFunction === "function";
  return hasDecision && model.decisionFunction ? model.decisionFunction(x) : probabilities(model, x, scorerName);
}

function labelScorer(name: string, tasks: Task[], fn: (y: Float64Array, pred: Float64Array, w: Weights) => number): Scorer {
  return { name, tasks, score: (model, x, y, w) => fn(y, predictLabels(model, x), w) };
}

function prfScorer(name: string, metric: "precision" | "recall" | "fScore", average: Average): Scorer {
  const tasks: Task[] = average === "binary" ? ["binary"] : ["binary", "multiclass"];
  return labelScorer(name, tasks, (y, pred, w) => precisionRecallFscore(y, pred, { average, sampleWeight: w })[metric]);
}

const table: Scorer[] = [
  labelScorer("accuracy", ["binary", "multiclass"], (y, pred, w) => accuracy(y, pred, { sampleWeight: w })),
  labelScorer("balanced_accuracy", ["binary", "multiclass"], (y, pred, w) => balancedAccuracy(y, pred, { sampleWeight: w })),
  {
    name: "roc_auc",
    tasks: ["binary"],
    score: (model, x, y, w) => rocAuc(y, rankingScore(model, x, "roc_auc"), { sampleWeight: w }),
  },
  {
    name: "average_precision",
    tasks: ["binary"],
    score: (model, x, y, w) => averagePrecision(y, rankingScore(model, x, "average_precision"), { sampleWeight: w }),
  },
  { name: "neg_log_loss", tasks: ["binary", "multiclass"], score: (model, x, y, w) => -multiLogLoss(model, x, y, w) },
  { name: "neg_brier_score", tasks: ["binary"], score: (model, x, y, w) => -brierScore(y, probabilities(model, x, "neg_brier_score"), { sampleWeight: w }) },
  ...(["ovr", "ovo"] as const).flatMap((multiClass) =>
    (["macro", "weighted"] as const).map((average): Scorer => ({
      name: `roc_auc_${multiClass}${average === "weighted" ? "_weighted" : ""}`,
      tasks: ["multiclass"],
      score: (model, x, y, w) => {
        const proba = probabilities(model, x, "roc_auc");
        return rocAucMulticlass(y, proba, proba.length / y.length, { multiClass, average, sampleWeight: multiClass === "ovo" ? undefined : w });
      },
    })),
  ),
  prfScorer("precision", "precision", "binary"),
  prfScorer("recall", "recall", "binary"),
  prfScorer("f1", "fScore", "binary"),
  ...(["macro", "micro", "weighted"] as const).flatMap((average) => [
    prfScorer(`precision_${average}`, "precision", average),
    prfScorer(`recall_${average}`, "recall", average),
    prfScorer(`f1_${average}`, "fScore", average),
  ]),
  labelScorer("neg_mean_absolute_error", ["regression"], (y, pred, w) => -meanAbsoluteError(y, pred, { sampleWeight: w })),
  labelScorer("neg_mean_squared_error", ["regression"], (y, pred, w) => -meanSquaredError(y, pred, { sampleWeight: w })),
  labelScorer("neg_root_mean_squared_error", ["regression"], (y, pred, w) => -Math.sqrt(meanSquaredError(y, pred, { sampleWeight: w }))),
  labelScorer("r2", ["regression"], (y, pred, w) => r2Score(y, pred, { sampleWeight: w })),
];

function multiLogLoss<X>(model: ScoredModel<X>, x: X, y: Float64Array, w: Weights): number {
  const proba = probabilities(model, x, "neg_log_loss");
  if (model.task === "binary") return logLoss(y, proba, { sampleWeight: w });
  return logLoss(y, proba, { sampleWeight: w, nClasses: proba.length / y.length });
}

const byName = new Map(table.map((s) => [s.name, s]));

export function scorerNames(): string[] {
  return [...byName.keys()].sort();
}

/** The scorer with this scikit-learn name; PatronError listing the known names otherwise. */
export function scorer(name: string): Scorer {
  const found = byName.get(name);
  if (!found) {
    throw new PatronError("E_SCORER", `unknown scorer ${JSON.stringify(name)}; known scorers: ${scorerNames().join(", ")}.`);
  }
  return found;
}

/** Scores a fitted model, checking first that the scorer suits the model's task. */
export function scoreModel<X>(scorerOrName: Scorer | string, model: ScoredModel<X>, x: X, y: Float64Array, sampleWeight?: Float64Array): number {
  const s = typeof scorerOrName === "string" ? scorer(scorerOrName) : scorerOrName;
  if (!s.tasks.includes(model.task)) {
    throw new PatronError(
      "E_SCORER",
      `scorer "${s.name}" is for ${s.tasks.join(" or ")} models, but this model's task is ${model.task}; pick a scorer for ${model.task} (${scorerNames().filter((n) => byName.get(n)!.tasks.includes(model.task)).join(", ")}).`,
    );
  }
  return s.score(model, x, y, sampleWeight);
}

/** The default scorer for a task: ROC-AUC for binary, accuracy for multiclass, R² for regression (as sklearn's estimator.score is accuracy/R²). */
export function defaultScorer(task: Task): string {
  return task === "binary" ? "roc_auc" : task === "multiclass" ? "accuracy" : "r2";
}
