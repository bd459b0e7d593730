/**
 * Gaussian mixture with full covariances fitted by EM (Dempster, Laird & Rubin 1977; Bishop
 * 2006 §9.2), following scikit-learn's GaussianMixture step for step so that a fit from the
 * same initial weights/means/precisions gives the same log-likelihood and responsibilities:
 * reg_covar added to each covariance diagonal, work in Cholesky factors of the precisions,
 * E-step in log space (log-sum-exp), stop when the mean log-likelihood changes by < tol, and a
 * final E-step so that labels agree with the returned parameters. Default initialisation:
 * responsibilities from k-means (as scikit-learn's init_params="kmeans"), best of nInit starts.
 * Hand-written: no npm package fits full-covariance mixtures with these semantics.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { kmeans } from "./kmeans.ts";
import { checkClusterInput, checkColumns, rowMajor, type ClusterModel } from "./types.ts";

export const GmmOptions = z.strictObject({
  nComponents: z.number().int().min(1).default(1),
  tol: z.number().min(0).default(1e-3),
  regCovar: z.number().min(0).default(1e-6),
  maxIter: z.number().int().min(1).default(100),
  nInit: z.number().int().min(1).default(1),
  /** Explicit start (all three, as scikit-learn's weights_init/means_init/precisions_init). */
  weightsInit: z.array(z.number().positive()).optional(),
  meansInit: z.array(z.array(z.number())).optional(),
  precisionsInit: z.array(z.array(z.array(z.number()))).optional(),
});

export interface GmmModel extends ClusterModel {
  readonly kind: "gmm";
  readonly weights: Float64Array;
  /** Row-major nComponents × d. */
  readonly means: Float64Array;
  /** Per component, row-major d × d. */
  readonly covariances: Float64Array[];
  /** Mean log-likelihood per row at the last E-step before stopping (scikit-learn's lower_bound_). */
  readonly lowerBound: number;
  readonly converged: boolean;
  readonly nIter: number;
  /** Row-major nRows × nComponents posterior probabilities. */
  predictProba(x: Matrix): Float64Array;
  /** Mean log-likelihood of the rows (scikit-learn's score). */
  score(x: Matrix): number;
  /** Bayesian information criterion (lower is better). */
  bic(x: Matrix): number;
}

interface Params {
  weights: Float64Array;
  means: Float64Array;
  /** Per component, the upper-triangular U (row-major d×d) with precision = U Uᵀ, as scikit-learn's precisions_cholesky_. */
  precChol: Float64Array[];
  covariances: Float64Array[];
}

/** Lower Cholesky factor of a symmetric positive-definite row-major d×d matrix. */
function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c <= r; c++) {
      let sum = a[r * d + c];
      for (let k = 0; k < c; k++) sum -= l[r * d + k] * l[c * d + k];
      if (r === c) {
        if (!(sum > 0)) return undefined;
        l[r * d + r] = Math.sqrt(sum);
      } else l[r * d + c] = sum / l[c * d + c];
    }
  }
  return l;
}

/** scikit-learn's _compute_precision_cholesky: U = (L⁻¹)ᵀ for covariance = L Lᵀ. */
function precisionCholesky(cov: Float64Array, d: number, component: number): Float64Array {
  const l = cholesky(cov, d);
  if (!l) {
    throw new PatronError(
      "E_GMM_SINGULAR",
      `Gaussian mixture component ${component} has a singular covariance (a collapsed component or duplicate rows); increase regCovar (e.g. 1e-4), use fewer components, or scale the features.`,
    );
  }
  // Solve L · inv = I column by column (forward substitution), then transpose.
  const inv = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < d; r++) {
      let sum = r === c ? 1 : 0;
      for (let k = 0; k < r; k++) sum -= l[r * d + k] * inv[k * d + c];
      inv[r * d + c] = sum / l[r * d + r];
    }
  }
  const u = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) u[r * d + c] = inv[c * d + r];
  return u;
}

/** log N(x_i | μ_k, Σ_k) + log w_k, row-major n × K. */
function weightedLogProb(rows: Float64Array, n: number, d: number, p: Params): Float64Array {
  const nK = p.weights.length;
  const out = new Float64Array(n * nK);
  const y = new Float64Array(d);
  for (let k = 0; k < nK; k++) {
    const u = p.precChol[k];
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += Math.log(u[j * d + j]);
    const constant = -0.5 * d * Math.log(2 * Math.PI) + logDet + Math.log(p.weights[k]);
    for (let i = 0; i < n; i++) {
      // y = (x − μ) U ; log N = −½ (d log 2π + ‖y‖²) + log|U|
      y.fill(0);
      for (let r = 0; r < d; r++) {
        const diff = rows[i * d + r] - p.means[k * d + r];
        // U is upper-triangular when computed from a covariance and lower-triangular when
        // taken from precisionsInit (as scikit-learn), so the full product is taken.
        for (let c = 0; c < d; c++) y[c] += diff * u[r * d + c];
      }
      let sq = 0;
      for (let c = 0; c < d; c++) sq += y[c] * y[c];
      out[i * nK + k] = constant - 0.5 * sq;
    }
  }
  return out;
}

/** E-step: responsibilities (in place, as logs → probabilities) and the mean log-likelihood. */
function eStep(rows: Float64Array, n: number, d: number, p: Params): { resp: Float64Array; meanLogLik: number } {
  const nK = p.weights.length;
  const resp = weightedLogProb(rows, n, d, p);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < nK; k++) max = Math.max(max, resp[i * nK + k]);
    let sum = 0;
    for (let k = 0; k < nK; k++) sum += Math.exp(resp[i * nK + k] - max);
    const logNorm = max + Math.log(sum);
    total += logNorm;
    for (let k = 0; k < nK; k++) resp[i * nK + k] = Math.exp(resp[i * nK + k] - logNorm);
  }
  return { resp, meanLogLik: total / n };
}

/** M-step (scikit-learn's _estimate_gaussian_parameters, full covariance). */
function mStep(rows: Float64Array, n: number, d: number, resp: Float64Array, nK: number, regCovar: number): Params {
  const nk = new Float64Array(nK);
  const eps10 = 10 * Number.EPSILON;
  for (let i = 0; i < n; i++) for (let k = 0; k < nK; k++) nk[k] += resp[i * nK + k];
  for (let k = 0; k < nK; k++) nk[k] += eps10;
  const means = new Float64Array(nK * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < nK; k++) {
    const r = resp[i * nK + k];
    for (let j = 0; j < d; j++) means[k * d + j] += r * rows[i * d + j];
  }
  for (let k = 0; k < nK; k++) for (let j = 0; j < d; j++) means[k * d + j] /= nk[k];
  const covariances: Float64Array[] = [];
  const precChol: Float64Array[] = [];
  const diff = new Float64Array(d);
  for (let k = 0; k < nK; k++) {
    const cov = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      const r = resp[i * nK + k];
      for (let j = 0; j < d; j++) diff[j] = rows[i * d + j] - means[k * d + j];
      for (let a = 0; a < d; a++) {
        const ra = r * diff[a];
        for (let b = a; b < d; b++) cov[a * d + b] += ra * diff[b];
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        cov[a * d + b] /= nk[k];
        cov[b * d + a] = cov[a * d + b];
      }
      cov[a * d + a] += regCovar;
    }
    covariances.push(cov);
    precChol.push(precisionCholesky(cov, d, k));
  }
  let total = 0;
  for (let k = 0; k < nK; k++) total += nk[k];
  const weights = nk.map((v) => v / total);
  return { weights, means, precChol, covariances };
}

export function gmm(options: z.input<typeof GmmOptions> = {}) {
  const opts = GmmOptions.parse(options);
  return {
    kind: "gmm" as const,
    options: opts,
    fit(x: Matrix, ctx: FitContext = {}): GmmModel {
      const nK = opts.nComponents;
      checkClusterInput(x, "Gaussian mixture", nK);
      const n = x.nRows;
      const d = x.nCols;
      const rows = rowMajor(x);
      let best: { params: Params; lowerBound: number; converged: boolean; nIter: number } | undefined;
      const explicit = opts.weightsInit && opts.meansInit && opts.precisionsInit;
      if ((opts.weightsInit || opts.meansInit || opts.precisionsInit) && !explicit) {
        throw new PatronError("E_OPTION", "give all of weightsInit, meansInit and precisionsInit, or none");
      }
      const nInit = explicit ? 1 : opts.nInit;
      for (let run = 0; run < nInit; run++) {
        let params: Params;
        if (explicit) params = explicitParams(opts, nK, d);
        else {
          // Responsibilities from a k-means labelling, then one M-step (scikit-learn's init).
          const labels = kmeans({ nClusters: nK, nInit: 1 }).fit(x, { seed: (ctx.seed ?? 0) + run }).labels;
          const resp = new Float64Array(n * nK);
          for (let i = 0; i < n; i++) resp[i * nK + labels[i]] = 1;
          params = mStep(rows, n, d, resp, nK, opts.regCovar);
        }
        let lowerBound = -Infinity;
        let converged = false;
        let nIter = 0;
        for (nIter = 1; nIter <= opts.maxIter; nIter++) {
          const previous = lowerBound;
          const { resp, meanLogLik } = eStep(rows, n, d, params);
          params = mStep(rows, n, d, resp, nK, opts.regCovar);
          lowerBound = meanLogLik;
          if (Math.abs(lowerBound - previous) < opts.tol) {
            converged = true;
            break;
          }
        }
        nIter = Math.min(nIter, opts.maxIter);
        if (!best || lowerBound > best.lowerBound) best = { params, lowerBound, converged, nIter };
      }
      const labels = argmaxRows(eStep(rows, n, d, best!.params).resp, n, nK);
      return gmmModel(x.columns, best!.params, labels, best!.lowerBound, best!.converged, best!.nIter);
    },
  };
}

function explicitParams(opts: z.infer<typeof GmmOptions>, nK: number, d: number): Params {
  const w = opts.weightsInit!;
  const m = opts.meansInit!;
  const prec = opts.precisionsInit!;
  if (w.length !== nK || m.length !== nK || prec.length !== nK || m.some((r) => r.length !== d) || prec.some((p) => p.length !== d || p.some((r) => r.length !== d))) {
    throw new PatronError("E_OPTION", `initial GMM parameters must be ${nK} weights, ${nK}×${d} means and ${nK} precision matrices of ${d}×${d}`);
  }
  const precChol = prec.map((p, k) => {
    // scikit-learn: precisions_cholesky_ = cholesky(precision, lower=True) for precisions_init.
    const l = cholesky(Float64Array.from(p.flat()), d);
    if (!l) throw new PatronError("E_OPTION", `precisionsInit[${k}] is not positive definite`);
    return l;
  });
  return { weights: Float64Array.from(w), means: Float64Array.from(m.flat()), precChol, covariances: [] };
}

function argmaxRows(values: Float64Array, n: number, nK: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < nK; k++) if (values[i * nK + k] > values[i * nK + best]) best = k;
    out[i] = best;
  }
  return out;
}

function covarianceFromPrecChol(u: Float64Array, d: number): Float64Array {
  // precision = U Uᵀ → covariance = its inverse, via Cholesky of the precision.
  const precision = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += u[r * d + k] * u[c * d + k];
    precision[r * d + c] = sum;
  }
  const lInvT = precisionCholesky(precision, d, 0); // (L⁻¹)ᵀ with precision = L Lᵀ
  const cov = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += lInvT[r * d + k] * lInvT[c * d + k];
    cov[r * d + c] = sum;
  }
  return cov;
}

export function gmmModel(featureNames: readonly string[], params: Params, labels: Int32Array, lowerBound: number, converged: boolean, nIter: number): GmmModel {
  const d = featureNames.length;
  const nK = params.weights.length;
  const covariances = params.covariances.length === nK ? params.covariances : params.precChol.map((u) => covarianceFromPrecChol(u, d));
  const frozen: Params = { weights: Float64Array.from(params.weights), means: Float64Array.from(params.means), precChol: params.precChol.map((u) => Float64Array.from(u)), covariances };
  const proba = (x: Matrix) => {
    checkColumns(x, featureNames, "Gaussian mixture");
    return eStep(rowMajor(x), x.nRows, d, frozen);
  };
  return Object.freeze({
    kind: "gmm" as const,
    featureNames: Object.freeze([...featureNames]),
    nClusters: nK,
    labels: Int32Array.from(labels),
    weights: frozen.weights,
    means: frozen.means,
    covariances,
    lowerBound,
    converged,
    nIter,
    predictProba: (x: Matrix) => proba(x).resp,
    predict: (x: Matrix) => argmaxRows(proba(x).resp, x.nRows, nK),
    score: (x: Matrix) => proba(x).meanLogLik,
    bic(x: Matrix): number {
      const nParams = nK * d + nK * ((d * (d + 1)) / 2) + nK - 1;
      return -2 * proba(x).meanLogLik * x.nRows + nParams * Math.log(x.nRows);
    },
    toJSON: (): ModelJSON => ({
      kind: "gmm",
      schemaVersion: 1,
      featureNames: [...featureNames],
      weights: Array.from(frozen.weights),
      means: Array.from(frozen.means),
      precisionsCholesky: frozen.precChol.map((u) => Array.from(u)),
      labels: Array.from(labels),
      lowerBound,
      converged,
      nIter,
    }),
  });
}

const GmmJSON = z.strictObject({
  kind: z.literal("gmm"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  weights: z.array(z.number().positive()),
  means: z.array(z.number()),
  precisionsCholesky: z.array(z.array(z.number())),
  labels: z.array(z.number().int()),
  lowerBound: z.number(),
  converged: z.boolean(),
  nIter: z.number().int(),
});

export function fromJSON(json: unknown): GmmModel {
  const parsed = GmmJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a Gaussian mixture model: ${parsed.error.message}`);
  const m = parsed.data;
  const d = m.featureNames.length;
  const nK = m.weights.length;
  if (m.means.length !== nK * d || m.precisionsCholesky.length !== nK || m.precisionsCholesky.some((u) => u.length !== d * d)) {
    throw new PatronError("E_MODEL_JSON", `Gaussian mixture JSON must hold ${nK} means of ${d} values and ${nK} ${d}×${d} precision factors`);
  }
  const precChol = m.precisionsCholesky.map((u) => Float64Array.from(u));
  precChol.forEach((u, k) => {
    for (let j = 0; j < d; j++) if (!(u[j * d + j] > 0)) throw new PatronError("E_MODEL_JSON", `component ${k}'s precision factor must have a positive diagonal`);
  });
  return gmmModel(m.featureNames, { weights: Float64Array.from(m.weights), means: Float64Array.from(m.means), precChol, covariances: [] }, Int32Array.from(m.labels), m.lowerBound, m.converged, m.nIter);
}

export const estimator = (options: Record<string, unknown>) => gmm(options);
