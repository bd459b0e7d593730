/**
 * Support vector classification (Cortes & Vapnik 1995) with scikit-learn 1.2's SVC options:
 * each pair of classes is one SMO problem (`smo.ts`, libsvm's WSS2 solver) set up as libsvm
 * sets it up (`train-binary.ts`), so decision values match scikit-learn's to its tolerance;
 * probabilities come from Platt scaling on 5-fold cross-validated decision values
 * (`platt.ts`), coupled across pairs for more than two classes (`one-vs-one.ts`).
 *
 * Binary (labels 0/1): the decision value is positive for class 1 (scikit-learn's sign) and
 * `dualCoef`, `intercept`, `coef` (linear kernel), `plattA`, `plattB` describe it.
 * Multiclass (labels 0..K−1): one-vs-one; `decisionFunction` has scikit-learn's default "ovr"
 * shape, `pairwiseDecision` its "ovo" values; predict is libsvm's vote.
 *
 * `probability` defaults to true (scikit-learn: false) because every Patron classifier must
 * give probabilities; set it to false to skip the five extra fits per pair.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { rng } from "../../core/rng.ts";
import { toRowMajor } from "../neighbors/search.ts";
import {
  checkClassLabels,
  checkFeatures,
  checkFinite,
  checkMatrix,
  checkNotEmpty,
  checkSampleWeight,
} from "../preprocess/input-checks.ts";
import { parseModelJSON, parseOptions } from "../preprocess/transformer.ts";
import type { Classifier, FitContext, ModelJSON } from "../types.ts";
import { resolveGamma, type KernelParams } from "./kernels.ts";
import { classPairs, coupleProbabilities, ovrDecision, voteWinner } from "./one-vs-one.ts";
import { crossValidatedDecisions, sigmoidPredict, sigmoidTrain } from "./platt.ts";
import { gatherRows, kernelMatrix, trainBinarySvm } from "./train-binary.ts";

const KIND = "svc";
const SCHEMA_VERSION = 1;
const WHO = "SVC";
/** Query rows per block when computing kernel values at predict time (bounds memory). */
const QUERY_BLOCK = 256;

export const SvcOptions = z.strictObject({
  c: z.number().positive().default(1),
  kernel: z.enum(["linear", "rbf", "poly", "sigmoid"]).default("rbf"),
  /** "scale" = 1 / (nFeatures · Var(X)), "auto" = 1 / nFeatures, or a number. */
  gamma: z.union([z.enum(["scale", "auto"]), z.number().positive()]).default("scale"),
  degree: z.number().int().min(0).default(3),
  coef0: z.number().default(0),
  /** libsvm's eps: stop when the maximal KKT violation is below tol. */
  tol: z.number().positive().default(1e-3),
  /** "balanced" (n / (K · n_k)) or a weight per class index ({ "0": 1, "1": 5 }). */
  classWeight: z.union([z.literal("balanced"), z.record(z.string(), z.number().positive())]).nullable().default(null),
  probability: z.boolean().default(true),
  /** SMO iteration limit per pair; 0 = none (scikit-learn's −1). */
  maxIter: z.number().int().min(0).default(0),
  cacheSizeMb: z.number().positive().default(200),
});
export type SvcOptions = z.output<typeof SvcOptions>;

/** One pairwise SVM, in libsvm's orientation: decision Σ coef_s K(sv_s, x) − rho > 0 → classes[0]. */
export interface SvcPair {
  readonly classes: readonly [number, number];
  /** Positions of this pair's support vectors in the model's supportVectors. */
  readonly support: Int32Array;
  readonly coef: Float64Array;
  readonly rho: number;
  /** P(classes[0]) = 1 / (1 + exp(plattA · decision + plattB)) (scikit-learn's probA_, probB_); NaN without probability. */
  readonly plattA: number;
  readonly plattB: number;
}

export interface SvcModel extends Classifier {
  readonly kind: "svc";
  readonly options: SvcOptions;
  readonly nClasses: number;
  /** The gamma used (resolved from "scale" / "auto" at fit). */
  readonly gamma: number;
  /** Training row index of each support vector (all pairs), ascending. */
  readonly supportIndex: Int32Array;
  /** Row-major nSupport × nFeatures. */
  readonly supportVectors: Float64Array;
  readonly pairs: readonly SvcPair[];
  /** Binary: α_s y_s per support vector, signed so the decision is positive for class 1. Multiclass: empty. */
  readonly dualCoef: Float64Array;
  /** Binary: the decision's constant. Multiclass: NaN. */
  readonly intercept: number;
  /** Binary with a linear kernel: w = Σ dualCoef_s sv_s. Otherwise undefined. */
  readonly coef: Float64Array | undefined;
  /** Binary: P(y = 1) = 1 / (1 + exp(plattA · decision + plattB)). NaN without probability or multiclass. */
  readonly plattA: number;
  readonly plattB: number;
  /** SMO iterations, summed over pairs. */
  readonly nIter: number;
  /** Binary: one value per row. Multiclass: row-major nRows × nClasses, scikit-learn's "ovr" shape. */
  decisionFunction(x: Matrix): Float64Array;
  /** Row-major nRows × nPairs decision values in libsvm's orientation (scikit-learn's "ovo" shape). */
  pairwiseDecision(x: Matrix): Float64Array;
}

export interface SvcEstimator {
  readonly kind: "svc";
  readonly options: SvcOptions;
  fit(x: Matrix, y: Float64Array, ctx?: FitContext): SvcModel;
}

export function svc(options: z.input<typeof SvcOptions> = {}): SvcEstimator {
  const opts = parseOptions(SvcOptions, options, KIND);
  return {
    kind: KIND,
    options: opts,
    fit(x: Matrix, y: Float64Array, ctx: FitContext = {}): SvcModel {
      checkMatrix(x, WHO);
      checkNotEmpty(x.nRows, WHO);
      checkFinite(x, WHO);
      const { nClasses, counts } = checkClassLabels(y, x.nRows, WHO, true);
      const sampleWeight = checkSampleWeight(ctx.sampleWeight, x.nRows, WHO);
      const nCols = x.nCols;
      const rows = toRowMajor(x);
      const kernel: KernelParams = { kernel: opts.kernel, gamma: resolveGamma(opts.gamma, x.data, nCols), degree: opts.degree, coef0: opts.coef0 };
      const classC = classCosts(opts, nClasses, counts, x.nRows);
      const all = Int32Array.from({ length: x.nRows }, (_, i) => i);
      const random = rng(ctx.seed ?? 0);
      let nIter = 0;
      const fitted = classPairs(nClasses).map((pair) => {
        const main = trainBinarySvm(rows, nCols, all, y, pair, sampleWeight, classC, kernel, opts);
        nIter += main.nIter;
        let plattA = NaN;
        let plattB = NaN;
        if (opts.probability) {
          // libsvm cross-validates over the pair's rows of positive weight, first class first.
          const pairRows = Int32Array.from([...all].filter((i) => y[i] === pair[0] && sampleWeight[i] > 0).concat([...all].filter((i) => y[i] === pair[1] && sampleWeight[i] > 0)));
          const positive = Uint8Array.from(pairRows, (i) => (y[i] === pair[0] ? 1 : 0));
          const decision = crossValidatedDecisions(positive, random, (trainPart, testPart) => {
            const fold = trainBinarySvm(rows, nCols, Int32Array.from(trainPart, (k) => pairRows[k]), y, pair, sampleWeight, classC, kernel, opts);
            const sv = gatherRows(rows, nCols, fold.supportIndex);
            const query = gatherRows(rows, nCols, Int32Array.from(testPart, (k) => pairRows[k]));
            return pairDecisions(kernel, sv, fold.supportIndex.length, [{ support: identity(fold.coef.length), coef: fold.coef, rho: fold.rho }], query, testPart.length, nCols);
          });
          ({ a: plattA, b: plattB } = sigmoidTrain(decision, positive));
        }
        return { pair, main, plattA, plattB };
      });
      // The union of support vectors, ascending by training row; each pair points into it.
      const supportIndex = Int32Array.from(new Set(fitted.flatMap((f) => [...f.main.supportIndex]))).sort();
      const position = new Map([...supportIndex].map((i, s) => [i, s]));
      const pairs: SvcPair[] = fitted.map((f) => ({
        classes: f.pair,
        support: Int32Array.from(f.main.supportIndex, (i) => position.get(i)!),
        coef: f.main.coef,
        rho: f.main.rho,
        plattA: f.plattA,
        plattB: f.plattB,
      }));
      return build(opts, [...x.columns], nClasses, kernel.gamma, supportIndex, gatherRows(rows, nCols, supportIndex), pairs, nIter);
    },
  };
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, k) => k);
}

/** C per class: C × class weight, as scikit-learn passes it to libsvm. */
function classCosts(opts: SvcOptions, nClasses: number, counts: Float64Array, nRows: number): Float64Array {
  const out = new Float64Array(nClasses).fill(opts.c);
  if (opts.classWeight === "balanced") {
    for (let k = 0; k < nClasses; k++) out[k] *= nRows / (nClasses * counts[k]);
  } else if (opts.classWeight) {
    for (const [label, w] of Object.entries(opts.classWeight)) {
      const k = Number(label);
      if (!(Number.isInteger(k) && k >= 0 && k < nClasses)) {
        throw new PatronError("E_OPTIONS", `SVC classWeight key "${label}" is not a class index; classes are 0..${nClasses - 1}.`);
      }
      out[k] *= w;
    }
  }
  return out;
}

/** Row-major nQuery × nPairs decision values, computing kernel values block by block. */
function pairDecisions(
  kernel: KernelParams,
  supportVectors: Float64Array,
  nSupport: number,
  pairs: readonly { support: Int32Array; coef: Float64Array; rho: number }[],
  query: Float64Array,
  nQuery: number,
  nCols: number,
): Float64Array {
  const nPairs = pairs.length;
  const out = new Float64Array(nQuery * nPairs);
  for (let r0 = 0; r0 < nQuery; r0 += QUERY_BLOCK) {
    const r1 = Math.min(r0 + QUERY_BLOCK, nQuery);
    const k = kernelMatrix(kernel, supportVectors, nSupport, query.subarray(r0 * nCols, r1 * nCols), r1 - r0, nCols);
    for (let r = r0; r < r1; r++) {
      const base = (r - r0) * nSupport;
      pairs.forEach((pair, p) => {
        let sum = 0;
        for (let s = 0; s < pair.coef.length; s++) sum += pair.coef[s] * k[base + pair.support[s]];
        out[r * nPairs + p] = sum - pair.rho;
      });
    }
  }
  return out;
}

function build(
  opts: SvcOptions,
  featureNames: string[],
  nClasses: number,
  gamma: number,
  supportIndex: Int32Array,
  supportVectors: Float64Array,
  pairs: SvcPair[],
  nIter: number,
): SvcModel {
  const nCols = featureNames.length;
  const nSupport = supportIndex.length;
  const binary = nClasses === 2;
  const kernel: KernelParams = { kernel: opts.kernel, gamma, degree: opts.degree, coef0: opts.coef0 };
  const hasProbability = !Number.isNaN(pairs[0].plattA);
  // Binary view in scikit-learn's sign: decision = −(libsvm decision), so P(class 1) uses (A, −B).
  const dualCoef = new Float64Array(binary ? nSupport : 0);
  if (binary) pairs[0].support.forEach((s, k) => (dualCoef[s] = -pairs[0].coef[k]));
  let coef: Float64Array | undefined;
  if (binary && opts.kernel === "linear") {
    coef = new Float64Array(nCols);
    for (let s = 0; s < nSupport; s++) for (let j = 0; j < nCols; j++) coef[j] += dualCoef[s] * supportVectors[s * nCols + j];
  }
  const pairwiseDecision = (x: Matrix): Float64Array => {
    checkFeatures(x, featureNames, WHO);
    checkFinite(x, WHO);
    return pairDecisions(kernel, supportVectors, nSupport, pairs, toRowMajor(x), x.nRows, nCols);
  };
  const decisionFunction = (x: Matrix): Float64Array => {
    const d = pairwiseDecision(x);
    if (binary) return d.map((v) => -v);
    const nPairs = pairs.length;
    const out = new Float64Array(x.nRows * nClasses);
    for (let i = 0; i < x.nRows; i++) ovrDecision(d.subarray(i * nPairs, (i + 1) * nPairs), nClasses, out.subarray(i * nClasses, (i + 1) * nClasses));
    return out;
  };
  const predictProba = (x: Matrix): Float64Array => {
    if (!hasProbability) {
      throw new PatronError("E_NO_PROBABILITY", "this SVC was fitted with probability: false; refit with probability: true, or use decisionFunction.");
    }
    const d = pairwiseDecision(x);
    if (binary) return d.map((v) => sigmoidPredict(-v, pairs[0].plattA, -pairs[0].plattB));
    const nPairs = pairs.length;
    const out = new Float64Array(x.nRows * nClasses);
    const r = new Float64Array(nClasses * nClasses);
    for (let i = 0; i < x.nRows; i++) {
      pairs.forEach((pair, p) => {
        const [a, b] = pair.classes;
        const pa = Math.min(Math.max(sigmoidPredict(d[i * nPairs + p], pair.plattA, pair.plattB), 1e-7), 1 - 1e-7);
        r[a * nClasses + b] = pa;
        r[b * nClasses + a] = 1 - pa;
      });
      coupleProbabilities(r, nClasses, out.subarray(i * nClasses, (i + 1) * nClasses));
    }
    return out;
  };
  return Object.freeze({
    kind: KIND,
    task: binary ? "binary" : "multiclass",
    options: opts,
    featureNames: Object.freeze(featureNames),
    nClasses,
    gamma,
    supportIndex,
    supportVectors,
    pairs: Object.freeze(pairs),
    dualCoef,
    intercept: binary ? pairs[0].rho : NaN,
    coef,
    plattA: binary ? pairs[0].plattA : NaN,
    plattB: binary ? -pairs[0].plattB : NaN,
    nIter,
    decisionFunction,
    pairwiseDecision,
    predictProba,
    /** Binary: P(y = 1) (needs probability). Multiclass: the class with most pairwise votes. */
    predict(x: Matrix): Float64Array {
      if (binary) return predictProba(x);
      const d = pairwiseDecision(x);
      const nPairs = pairs.length;
      return Float64Array.from({ length: x.nRows }, (_, i) => voteWinner(d.subarray(i * nPairs, (i + 1) * nPairs), nClasses));
    },
    toJSON: (): ModelJSON => ({
      kind: KIND,
      schemaVersion: SCHEMA_VERSION,
      options: opts,
      featureNames,
      nClasses,
      gamma,
      supportIndex: Array.from(supportIndex),
      supportVectors: Array.from(supportVectors),
      pairs: pairs.map((p) => ({
        classes: [...p.classes],
        support: Array.from(p.support),
        coef: Array.from(p.coef),
        rho: p.rho,
        plattA: Number.isNaN(p.plattA) ? null : p.plattA,
        plattB: Number.isNaN(p.plattB) ? null : p.plattB,
      })),
      nIter,
    }),
  } satisfies SvcModel);
}

const SvcJSON = z.strictObject({
  kind: z.literal(KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  options: SvcOptions,
  featureNames: z.array(z.string()),
  nClasses: z.number().int().min(2),
  gamma: z.number().positive(),
  supportIndex: z.array(z.number().int().min(0)),
  supportVectors: z.array(z.number()),
  pairs: z.array(
    z.strictObject({
      classes: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
      support: z.array(z.number().int().min(0)),
      coef: z.array(z.number()),
      rho: z.number(),
      plattA: z.number().nullable(),
      plattB: z.number().nullable(),
    }),
  ),
  nIter: z.number().int().min(0),
});

export function fromJSON(json: unknown): SvcModel {
  const parsed = parseModelJSON(SvcJSON, json, KIND);
  const nSupport = parsed.supportIndex.length;
  const expectedPairs = classPairs(parsed.nClasses);
  const problems: string[] = [];
  if (parsed.supportVectors.length !== nSupport * parsed.featureNames.length) problems.push(`${nSupport} support vectors need ${nSupport * parsed.featureNames.length} values`);
  if (parsed.pairs.length !== expectedPairs.length) problems.push(`${parsed.nClasses} classes need ${expectedPairs.length} pairs`);
  parsed.pairs.forEach((p, k) => {
    if (p.classes[0] !== expectedPairs[k]?.[0] || p.classes[1] !== expectedPairs[k]?.[1]) problems.push(`pair ${k} has classes ${p.classes}`);
    if (p.support.length !== p.coef.length || p.support.some((s) => s >= nSupport)) problems.push(`pair ${k} points outside the support vectors`);
    if ((p.plattA === null) !== (p.plattB === null) || (p.plattA === null) !== (parsed.pairs[0].plattA === null)) problems.push(`pair ${k} has incomplete Platt parameters`);
  });
  if (problems.length > 0) throw new PatronError("E_MODEL_JSON", `invalid SVC JSON: ${problems.join("; ")}`);
  const pairs: SvcPair[] = parsed.pairs.map((p) => ({
    classes: [p.classes[0], p.classes[1]],
    support: Int32Array.from(p.support),
    coef: Float64Array.from(p.coef),
    rho: p.rho,
    plattA: p.plattA ?? NaN,
    plattB: p.plattB ?? NaN,
  }));
  return build(parsed.options, parsed.featureNames, parsed.nClasses, parsed.gamma, Int32Array.from(parsed.supportIndex), Float64Array.from(parsed.supportVectors), pairs, parsed.nIter);
}

/** Registry entry. */
export const estimator = svc;
