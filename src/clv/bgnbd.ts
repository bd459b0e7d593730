/**
 * BG/NBD, the beta-geometric / negative binomial distribution model of repeat purchasing in a
 * non-contractual setting (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
 * Marketing Science 24(2)). While alive a customer buys as a Poisson process with rate λ ~
 * Gamma(r, α); after each purchase she drops out with probability p ~ Beta(a, b).
 *
 * Fitted by maximum likelihood (the paper's eq. 6, in lifetimes' log-sum-exp form) with
 * Nelder-Mead over log-parameters, so the optimiser cannot leave the positive orthant.
 * Predictions: the paper's eq. 9 (unconditional expectation), eq. 10 (conditional expectation,
 * via 2F1 in log space, see special.ts) and P(alive) from its appendix / Fader, Hardie & Lee
 * (2008) "Computing P(alive) using the BG/NBD model".
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { nelderMead } from "./optimize.ts";
import { hyp2f1Parts, lgamma } from "./special.ts";

export interface RfmData {
  frequency: Float64Array;
  recency: Float64Array;
  T: Float64Array;
  weights?: Float64Array;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export const BgNbdOptions = z.strictObject({
  /** L2 penalty on the parameters, as lifetimes' penalizer_coef (0 = plain MLE). */
  penalizer: z.number().min(0).default(0),
  /** Parameters to start from; default r = α/scale = a = b = 1 as lifetimes does, α scaled to the data. */
  start: z.strictObject({ r: z.number().positive(), alpha: z.number().positive(), a: z.number().positive(), b: z.number().positive() }).optional(),
});

export interface BgNbdModel {
  readonly kind: "bgnbd";
  readonly params: Readonly<BgNbdParams>;
  /** Mean log-likelihood per customer at the optimum. */
  readonly logLikelihood: number;
  readonly nCustomers: number;
  /** Expected repeat purchases in (0, t] for a new customer (eq. 9). */
  expectedPurchases(t: number): number;
  /**
   * Expected purchases in the next t units per customer given its history (eq. 10). Valid for
   * a < 1 too: the leading ratio and the bracket then are both negative.
   */
  conditionalExpectedPurchases(t: number, data: RfmData): Float64Array;
  /** Probability each customer is still alive at T. */
  probabilityAlive(data: RfmData): Float64Array;
  toJSON(): BgNbdJSON;
}

export interface BgNbdJSON {
  kind: "bgnbd";
  schemaVersion: 1;
  params: BgNbdParams;
  logLikelihood: number;
  nCustomers: number;
}

export function checkRfm(data: RfmData, where = "BG/NBD data"): void {
  const n = data.frequency.length;
  if (data.recency.length !== n || data.T.length !== n || (data.weights && data.weights.length !== n)) {
    throw new PatronError("E_SHAPE", `${where}: frequency, recency, T (and weights) must have equal lengths`);
  }
  for (let i = 0; i < n; i++) {
    const x = data.frequency[i];
    const tx = data.recency[i];
    const T = data.T[i];
    if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && Number.isFinite(T)) || (x === 0 && tx !== 0)) {
      throw new PatronError(
        "E_RFM",
        `${where}, customer ${i + 1}: expected an integer frequency ≥ 0 and 0 ≤ recency ≤ T (recency 0 when frequency is 0); found frequency=${x}, recency=${tx}, T=${T}. Build the summary with rfmSummary().`,
      );
    }
  }
}

/** Negative mean log-likelihood (lifetimes' BetaGeoFitter._negative_log_likelihood). */
export function bgNbdNegLogLikelihood(params: BgNbdParams, data: RfmData, penalizer = 0): number {
  const { r, alpha, a, b } = params;
  const { frequency, recency, T, weights } = data;
  const lgR = lgamma(r);
  const lgAB = lgamma(a + b);
  const lgB = lgamma(b);
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < frequency.length; i++) {
    const x = frequency[i];
    const w = weights ? weights[i] : 1;
    const a1 = lgamma(r + x) - lgR + r * Math.log(alpha);
    const a2 = lgAB + lgamma(b + x) - lgB - lgamma(a + b + x);
    const a3 = -(r + x) * Math.log(alpha + T[i]);
    let ll: number;
    if (x > 0) {
      const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + recency[i]);
      const m = Math.max(a3, a4);
      ll = a1 + a2 + m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
    } else {
      ll = a1 + a2 + a3;
    }
    total += w * ll;
    weightSum += w;
  }
  return -total / weightSum + penalizer * (r * r + alpha * alpha + a * a + b * b);
}

export function bgNbd(options: z.input<typeof BgNbdOptions> = {}) {
  const opts = BgNbdOptions.parse(options);
  return {
    kind: "bgnbd" as const,
    options: opts,
    fit(data: RfmData): BgNbdModel {
      checkRfm(data);
      const n = data.frequency.length;
      if (n < 2) throw new PatronError("E_CLV_DATA", `BG/NBD needs at least 2 customers; found ${n}`);
      let repeaters = 0;
      let meanT = 0;
      for (let i = 0; i < n; i++) {
        if (data.frequency[i] > 0) repeaters++;
        meanT += data.T[i] / n;
      }
      if (repeaters === 0) {
        throw new PatronError("E_CLV_DATA", `no customer has a repeat purchase among ${n}; BG/NBD cannot estimate a purchase rate. Use a longer calibration period.`);
      }
      // lifetimes starts every parameter at 1; α is a time scale, so start it at the mean age
      // in the data's unit over ten, which is 1-ish for weeks and keeps days (×7) comparable.
      const start = opts.start ?? { r: 1, alpha: Math.max(meanT / 10, 1e-3), a: 1, b: 1 };
      const objective = (u: Float64Array) =>
        bgNbdNegLogLikelihood({ r: Math.exp(u[0]), alpha: Math.exp(u[1]), a: Math.exp(u[2]), b: Math.exp(u[3]) }, data, opts.penalizer);
      const result = nelderMead(objective, [start.r, start.alpha, start.a, start.b].map(Math.log));
      const params = { r: Math.exp(result.x[0]), alpha: Math.exp(result.x[1]), a: Math.exp(result.x[2]), b: Math.exp(result.x[3]) };
      checkConvergence("BG/NBD", result.converged, result.value, params, ["a", "b"]);
      return bgNbdModel(params, -result.value, n);
    },
  };
}

/**
 * Convergence failures become errors with advice, not NaN forecasts (the most frequent
 * lifetimes support question). A parameter above 1e6 or below 1e-6 means the likelihood
 * runs off along a flat ridge: typically no visible dropout (a, b → ∞) or too little data.
 */
export function checkConvergence(model: string, converged: boolean, value: number, params: Record<string, number>, dropout: string[]): void {
  const shown = Object.entries(params).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(", ");
  if (!Number.isFinite(value) || Object.values(params).some((v) => !Number.isFinite(v))) {
    throw new PatronError("E_CLV_CONVERGENCE", `${model} fit failed: the likelihood is not finite at ${shown}. Check for customers with recency > T or negative values, or add a small penalizer (0.001).`);
  }
  const extreme = Object.entries(params).filter(([, v]) => v > 1e6 || v < 1e-6);
  if (extreme.length > 0) {
    const names = extreme.map(([k]) => k);
    const advice = names.some((k) => dropout.includes(k))
      ? "the data show almost no dropout, so the dropout parameters have no finite estimate; use a longer calibration period, or add a penalizer (e.g. 0.001)"
      : "the data cannot identify these parameters; use more customers or a longer period, or add a penalizer (e.g. 0.001)";
    throw new PatronError("E_CLV_CONVERGENCE", `${model} fit did not converge: ${names.join(", ")} ran off to an extreme value (${shown}); ${advice}.`);
  }
  if (!converged) {
    throw new PatronError("E_CLV_CONVERGENCE", `${model} fit did not converge within the iteration limit (last point ${shown}); rescale time (weeks instead of days) or add a small penalizer (0.001).`);
  }
}

export function bgNbdModel(params: BgNbdParams, logLikelihood: number, nCustomers: number): BgNbdModel {
  const frozen = Object.freeze({ ...params });
  const { r, alpha, a, b } = frozen;
  return Object.freeze({
    kind: "bgnbd" as const,
    params: frozen,
    logLikelihood,
    nCustomers,
    expectedPurchases(t: number): number {
      const hyp = hyp2f1Parts(r, b, a + b - 1, t / (alpha + t));
      return ((a + b - 1) / (a - 1)) * (1 - hyp.sign * Math.exp(hyp.logAbs + r * Math.log(alpha / (alpha + t))));
    },
    conditionalExpectedPurchases(t: number, data: RfmData): Float64Array {
      checkRfm(data);
      const out = new Float64Array(data.frequency.length);
      for (let i = 0; i < out.length; i++) {
        const x = data.frequency[i];
        const T = data.T[i];
        const zArg = t / (alpha + T + t);
        const hyp = hyp2f1Parts(r + x, b + x, a + b + x - 1, zArg);
        const first = (a + b + x - 1) / (a - 1);
        const logRest = hyp.logAbs + (r + x) * Math.log((alpha + T) / (alpha + t + T));
        // expm1 keeps precision when the bracket is small; a negative 2F1 (c < 0) cannot cancel.
        const second = hyp.sign > 0 ? -Math.expm1(logRest) : 1 - hyp.sign * Math.exp(logRest);
        const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + data.recency[i])) ** (r + x) : 0);
        out[i] = (first * second) / denominator;
      }
      return out;
    },
    probabilityAlive(data: RfmData): Float64Array {
      checkRfm(data);
      const out = new Float64Array(data.frequency.length);
      for (let i = 0; i < out.length; i++) {
        const x = data.frequency[i];
        if (x === 0) {
          out[i] = 1;
          continue;
        }
        const logDiv = (r + x) * Math.log((alpha + data.T[i]) / (alpha + data.recency[i])) + Math.log(a / (b + x - 1));
        out[i] = 1 / (1 + Math.exp(logDiv));
      }
      return out;
    },
    toJSON: (): BgNbdJSON => ({ kind: "bgnbd", schemaVersion: 1, params: { ...frozen }, logLikelihood, nCustomers }),
  });
}

const BgNbdJSONSchema = z.strictObject({
  kind: z.literal("bgnbd"),
  schemaVersion: z.literal(1),
  params: z.strictObject({ r: z.number().positive(), alpha: z.number().positive(), a: z.number().positive(), b: z.number().positive() }),
  logLikelihood: z.number(),
  nCustomers: z.number().int().min(0),
});

export function bgNbdFromJSON(json: unknown): BgNbdModel {
  const parsed = BgNbdJSONSchema.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a BG/NBD model: ${parsed.error.message}`);
  return bgNbdModel(parsed.data.params, parsed.data.logLikelihood, parsed.data.nCustomers);
}
