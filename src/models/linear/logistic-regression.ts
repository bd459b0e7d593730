/**
 * Logistic regression with scikit-learn 1.2's options and objectives (Hastie, Tibshirani &
 * Friedman, ESL §4.4), binary and multinomial:
 * - penalty "l2" / "none": minimises Σ s_i ℓ_i + ‖w‖² / 2C by L-BFGS (`lbfgs.ts`), the same
 *   objective as scikit-learn's lbfgs solver, intercept unpenalised; multinomial when y has
 *   more than two classes (scikit-learn's multi_class="auto" with lbfgs);
 * - penalty "l1" / "elasticnet": Σ s_i ℓ_i + (ρ‖w‖₁ + (1−ρ)‖w‖²/2) / C by proximal Newton
 *   coordinate descent (`newton-cd.ts`) — the objective of scikit-learn's saga solver;
 * - solver "liblinear": liblinear's objective, where the intercept is the weight of a
 *   constant feature `interceptScaling` and is penalised with the rest; intercept =
 *   interceptScaling × that weight. Solved exactly (not by liblinear's own iterations), so
 *   coefficients equal scikit-learn's liblinear results at convergence.
 * classWeight "balanced" multiplies each row's weight by n / (K · n_k), as scikit-learn does.
 *
 * The model exposes `coef` and `intercept` (linear SHAP and SQL export read them) and the
 * margin as `decisionFunction`.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { warn } from "../../core/warn.ts";
import type { Classifier, FitContext, ModelJSON } from "../types.ts";
import {
  checkClassLabels,
  checkFeatures,
  checkFinite,
  checkMatrix,
  checkNotEmpty,
  checkSampleWeight,
} from "../preprocess/input-checks.ts";
import { parseModelJSON, parseOptions } from "../preprocess/transformer.ts";
import { minimizeLbfgs } from "./lbfgs.ts";
import {
  binaryMargins,
  binaryObjective,
  multinomialMargins,
  multinomialObjective,
  sigmoid,
  softmaxRows,
  type LogisticProblem,
} from "./logistic-loss.ts";
import { fitNewtonCd } from "./newton-cd.ts";

const KIND = "logistic-regression";
const SCHEMA_VERSION = 1;

export const LogisticOptions = z.strictObject({
  /** Inverse regularisation strength, as scikit-learn's C. */
  c: z.number().positive().default(1),
  penalty: z.enum(["l2", "l1", "elasticnet", "none"]).default("l2"),
  /** Elastic-net mixing ρ: 0 = pure L2, 1 = pure L1 (only with penalty "elasticnet"). */
  l1Ratio: z.number().min(0).max(1).optional(),
  /** "auto": lbfgs for l2/none, newton-cd for l1/elasticnet. */
  solver: z.enum(["auto", "lbfgs", "newton-cd", "liblinear"]).default("auto"),
  fitIntercept: z.boolean().default(true),
  /** liblinear only: the value of the synthetic intercept feature. */
  interceptScaling: z.number().positive().default(1),
  /** "balanced", or a weight per class index ({ "0": 1, "1": 5 }). */
  classWeight: z.union([z.literal("balanced"), z.record(z.string(), z.number().positive())]).nullable().default(null),
  maxIter: z.number().int().min(1).default(100),
  /** Stop when the largest (sub)gradient component of the objective is ≤ tol. */
  tol: z.number().positive().default(1e-4),
});
export type LogisticOptions = z.output<typeof LogisticOptions>;

export interface LogisticModel extends Classifier {
  readonly kind: "logistic-regression";
  readonly options: LogisticOptions;
  readonly nClasses: number;
  /** Binary: one weight per feature. Multinomial: nClasses × nFeatures, row-major by class. */
  readonly coef: Float64Array;
  /** Binary: the intercept. Multinomial: NaN (see `intercepts`). */
  readonly intercept: number;
  /** Binary: [intercept]. Multinomial: one intercept per class. */
  readonly intercepts: Float64Array;
  readonly nIter: number;
  readonly converged: boolean;
  /** The margin x·w + b (binary) or per-class margins, row-major (multinomial). */
  decisionFunction(x: Matrix): Float64Array;
}

export interface LogisticEstimator {
  readonly kind: "logistic-regression";
  readonly options: LogisticOptions;
  fit(x: Matrix, y: Float64Array, ctx?: FitContext): LogisticModel;
}

const WHO = "logistic regression";

export function logisticRegression(options: z.input<typeof LogisticOptions> = {}): LogisticEstimator {
  const opts = parseOptions(LogisticOptions, options, KIND);
  if ((opts.penalty === "elasticnet") !== (opts.l1Ratio !== undefined)) {
    throw new PatronError("E_OPTIONS", `logistic regression l1Ratio goes with penalty "elasticnet" (and only with it); got penalty "${opts.penalty}"${opts.l1Ratio === undefined ? " without l1Ratio" : ` with l1Ratio ${opts.l1Ratio}`}.`);
  }
  if (opts.solver === "lbfgs" && (opts.penalty === "l1" || opts.penalty === "elasticnet")) {
    throw new PatronError("E_OPTIONS", `solver "lbfgs" supports penalty "l2" or "none"; for "${opts.penalty}" use solver "newton-cd" (or "auto").`);
  }
  if (opts.solver === "liblinear" && opts.penalty !== "l1" && opts.penalty !== "l2") {
    throw new PatronError("E_OPTIONS", `solver "liblinear" supports penalty "l1" or "l2"; got "${opts.penalty}".`);
  }
  return {
    kind: KIND,
    options: opts,
    fit(x: Matrix, y: Float64Array, ctx: FitContext = {}): LogisticModel {
      checkMatrix(x, WHO);
      checkNotEmpty(x.nRows, WHO);
      checkFinite(x, WHO);
      const { nClasses, counts } = checkClassLabels(y, x.nRows, WHO, true);
      const sampleWeight = checkSampleWeight(ctx.sampleWeight, x.nRows, WHO);
      const weight = rowWeights(y, sampleWeight, counts, opts.classWeight);
      const solver = opts.solver === "auto" ? (opts.penalty === "l1" || opts.penalty === "elasticnet" ? "newton-cd" : "lbfgs") : opts.solver;
      if (nClasses > 2 && solver !== "lbfgs") {
        throw new PatronError("E_NOT_BINARY", `logistic regression with ${nClasses} classes is multinomial and needs solver "lbfgs" with penalty "l2" or "none"; solver "${solver}" is binary only.`);
      }
      const problem: LogisticProblem = {
        x,
        y,
        weight,
        fitIntercept: opts.fitIntercept,
        interceptScale: solver === "liblinear" ? opts.interceptScaling : 1,
        penalizeIntercept: solver === "liblinear",
      };
      const l2Strength = opts.penalty === "none" ? 0 : 1 / opts.c;
      const p = x.nCols;
      let coef: Float64Array;
      let intercepts: Float64Array;
      let nIter: number;
      let converged: boolean;
      if (nClasses > 2) {
        const result = minimizeLbfgs(multinomialObjective(problem, nClasses, l2Strength), new Float64Array(nClasses * (p + 1)), {
          maxIter: opts.maxIter,
          gtol: opts.tol,
        });
        coef = new Float64Array(nClasses * p);
        intercepts = new Float64Array(nClasses);
        for (let k = 0; k < nClasses; k++) {
          coef.set(result.x.subarray(k * (p + 1), k * (p + 1) + p), k * p);
          intercepts[k] = result.x[k * (p + 1) + p];
        }
        ({ nIter, converged } = result);
      } else {
        let theta: Float64Array;
        if (solver === "lbfgs" || (solver === "liblinear" && opts.penalty === "l2")) {
          const result = minimizeLbfgs(binaryObjective(problem, l2Strength), new Float64Array(p + 1), { maxIter: opts.maxIter, gtol: opts.tol });
          ({ x: theta, nIter, converged } = result);
        } else {
          const l1Share = opts.penalty === "l1" ? 1 : opts.penalty === "elasticnet" ? opts.l1Ratio! : 0;
          const result = fitNewtonCd(problem, { l1: l1Share * l2Strength, l2: (1 - l1Share) * l2Strength, maxIter: opts.maxIter, tol: opts.tol });
          ({ theta, nIter, converged } = result);
        }
        coef = theta.slice(0, p);
        intercepts = Float64Array.of(opts.fitIntercept ? theta[p] * problem.interceptScale : 0);
      }
      if (!converged) {
        warn(
          "W_NOT_CONVERGED",
          `logistic regression did not converge in ${opts.maxIter} iterations (tol ${opts.tol}); scale the features (pipeline scaler "standard") or raise maxIter.`,
        );
      }
      return build(opts, [...x.columns], nClasses, coef, intercepts, nIter, converged);
    },
  };
}

/** Sample weight × class weight, as scikit-learn's compute_class_weight. */
function rowWeights(
  y: Float64Array,
  sampleWeight: Float64Array,
  counts: Float64Array,
  classWeight: LogisticOptions["classWeight"],
): Float64Array {
  const nClasses = counts.length;
  const perClass = new Float64Array(nClasses).fill(1);
  if (classWeight === "balanced") {
    for (let k = 0; k < nClasses; k++) perClass[k] = y.length / (nClasses * counts[k]);
  } else if (classWeight) {
    for (const [label, w] of Object.entries(classWeight)) {
      const k = Number(label);
      if (!(Number.isInteger(k) && k >= 0 && k < nClasses)) {
        throw new PatronError("E_OPTIONS", `classWeight key "${label}" is not a class index; classes are 0..${nClasses - 1}.`);
      }
      perClass[k] = w;
    }
  }
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = sampleWeight[i] * perClass[y[i]];
  return out;
}

function build(
  opts: LogisticOptions,
  featureNames: string[],
  nClasses: number,
  coef: Float64Array,
  intercepts: Float64Array,
  nIter: number,
  converged: boolean,
): LogisticModel {
  const p = featureNames.length;
  const binary = nClasses === 2;
  const theta = new Float64Array(binary ? p + 1 : nClasses * (p + 1));
  if (binary) {
    theta.set(coef);
    theta[p] = intercepts[0];
  } else {
    for (let k = 0; k < nClasses; k++) {
      theta.set(coef.subarray(k * p, (k + 1) * p), k * (p + 1));
      theta[k * (p + 1) + p] = intercepts[k];
    }
  }
  const decisionFunction = (x: Matrix): Float64Array => {
    checkFeatures(x, featureNames, WHO);
    checkFinite(x, WHO);
    if (binary) {
      const z = new Float64Array(x.nRows);
      binaryMargins({ x, fitIntercept: true, interceptScale: 1 } as LogisticProblem, theta, z);
      return z;
    }
    const z = new Float64Array(x.nRows * nClasses);
    multinomialMargins(x, theta, nClasses, true, z);
    return z;
  };
  const predictProba = (x: Matrix): Float64Array => {
    const z = decisionFunction(x);
    if (binary) return z.map(sigmoid);
    softmaxRows(z, nClasses);
    return z;
  };
  return Object.freeze({
    kind: KIND,
    task: binary ? "binary" : "multiclass",
    options: opts,
    featureNames: Object.freeze(featureNames),
    nClasses,
    coef,
    intercept: binary ? intercepts[0] : NaN,
    intercepts,
    nIter,
    converged,
    decisionFunction,
    predictProba,
    predict(x: Matrix): Float64Array {
      const proba = predictProba(x);
      if (binary) return proba;
      const out = new Float64Array(x.nRows);
      for (let i = 0; i < x.nRows; i++) {
        let best = 0;
        for (let k = 1; k < nClasses; k++) if (proba[i * nClasses + k] > proba[i * nClasses + best]) best = k;
        out[i] = best;
      }
      return out;
    },
    toJSON: (): ModelJSON => ({
      kind: KIND,
      schemaVersion: SCHEMA_VERSION,
      options: opts,
      featureNames,
      nClasses,
      coef: Array.from(coef),
      intercepts: Array.from(intercepts),
      nIter,
      converged,
    }),
  } satisfies LogisticModel);
}

const LogisticJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: LogisticOptions,
  featureNames: z.array(z.string()),
  nClasses: z.number().int().min(2),
  coef: z.array(z.number()),
  intercepts: z.array(z.number()),
  nIter: z.number().int().min(0),
  converged: z.boolean(),
});

export function fromJSON(json: unknown): LogisticModel {
  const parsed = parseModelJSON(LogisticJSON, json, KIND);
  const nBlocks = parsed.nClasses === 2 ? 1 : parsed.nClasses;
  if (parsed.coef.length !== nBlocks * parsed.featureNames.length || parsed.intercepts.length !== nBlocks) {
    throw new PatronError(
      "E_MODEL_JSON",
      `logistic regression JSON with ${parsed.featureNames.length} features and ${parsed.nClasses} classes needs ${nBlocks * parsed.featureNames.length} coefficients and ${nBlocks} intercepts; found ${parsed.coef.length} and ${parsed.intercepts.length}`,
    );
  }
  return build(
    parsed.options,
    parsed.featureNames,
    parsed.nClasses,
    Float64Array.from(parsed.coef),
    Float64Array.from(parsed.intercepts),
    parsed.nIter,
    parsed.converged,
  );
}

/** Registry entry. */
export const estimator = logisticRegression;
