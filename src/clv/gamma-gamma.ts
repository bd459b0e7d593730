/**
 * Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", JMR 42(4); Fader & Hardie 2013 note "The
 * Gamma-Gamma Model of Monetary Value"): transaction values z ~ Gamma(p, ν), ν ~ Gamma(q, γ)
 * across customers; γ is called v here as in lifetimes. Fitted on customers with at least one
 * repeat purchase, with m = mean repeat-purchase value (lifetimes' definition).
 *
 * The likelihood is ill-conditioned — a ridge along which p and q grow together, so an
 * optimiser started at 1 runs off to p ≈ 4e4. The fit therefore works in log-parameters and
 * starts from a grid over (p, q) with v set by matching the mean (method of moments:
 * E[m] = p·v/(q − 1)), then refines with restarted Nelder-Mead.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { checkConvergence } from "./bgnbd.ts";
import { nelderMead } from "./optimize.ts";
import { lgamma } from "./special.ts";

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface MonetaryData {
  frequency: Float64Array;
  monetaryValue: Float64Array;
}

export const GammaGammaOptions = z.strictObject({
  penalizer: z.number().min(0).default(0),
});

export interface GammaGammaModel {
  readonly kind: "gamma-gamma";
  readonly params: Readonly<GammaGammaParams>;
  readonly logLikelihood: number;
  readonly nCustomers: number;
  /** E[mean transaction value | x, m] per customer (eq. 5 of the 2013 note); population mean when x = 0. */
  conditionalExpectedAverageValue(data: MonetaryData): Float64Array;
  /** The population mean transaction value p·v/(q − 1). */
  readonly populationMean: number;
  toJSON(): GammaGammaJSON;
}

export interface GammaGammaJSON {
  kind: "gamma-gamma";
  schemaVersion: 1;
  params: GammaGammaParams;
  logLikelihood: number;
  nCustomers: number;
}

/** Negative mean log-likelihood over customers with x > 0 (lifetimes' GammaGammaFitter). */
export function gammaGammaNegLogLikelihood(params: GammaGammaParams, data: MonetaryData, penalizer = 0): number {
  const { p, q, v } = params;
  const lgQ = lgamma(q);
  const qLogV = q * Math.log(v);
  let total = 0;
  let n = 0;
  for (let i = 0; i < data.frequency.length; i++) {
    const x = data.frequency[i];
    if (!(x > 0)) continue;
    const m = data.monetaryValue[i];
    const px = p * x;
    total += lgamma(px + q) - lgamma(px) - lgQ + qLogV + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(x * m + v);
    n++;
  }
  return -total / n + penalizer * (p * p + q * q + v * v);
}

export function gammaGamma(options: z.input<typeof GammaGammaOptions> = {}) {
  const opts = GammaGammaOptions.parse(options);
  return {
    kind: "gamma-gamma" as const,
    options: opts,
    fit(data: MonetaryData): GammaGammaModel {
      const n = data.frequency.length;
      if (data.monetaryValue.length !== n) throw new PatronError("E_SHAPE", "Gamma-Gamma: frequency and monetaryValue must have equal lengths");
      let nRepeat = 0;
      let meanM = 0;
      for (let i = 0; i < n; i++) {
        if (!(data.frequency[i] > 0)) continue;
        const m = data.monetaryValue[i];
        if (!(m > 0 && Number.isFinite(m))) {
          throw new PatronError(
            "E_CLV_DATA",
            `Gamma-Gamma, customer ${i + 1}: expected a positive mean repeat-purchase value; found ${m}. Drop customers whose repeat purchases sum to 0 or less (returns) before fitting.`,
          );
        }
        nRepeat++;
        meanM += m;
      }
      if (nRepeat < 2) throw new PatronError("E_CLV_DATA", `Gamma-Gamma needs at least 2 customers with repeat purchases; found ${nRepeat}`);
      meanM /= nRepeat;
      const objective = (u: Float64Array) => gammaGammaNegLogLikelihood({ p: Math.exp(u[0]), q: Math.exp(u[1]), v: Math.exp(u[2]) }, data, opts.penalizer);
      // Good start: a coarse grid over the shapes, the scale from E[m] = p·v/(q − 1).
      let start = [0, Math.log(2), Math.log(meanM)];
      let bestValue = Infinity;
      for (const p of [0.5, 1, 2, 4, 8, 16]) {
        for (const q of [1.5, 2, 3, 5, 8, 16]) {
          const u = [Math.log(p), Math.log(q), Math.log((meanM * (q - 1)) / p)];
          const value = objective(Float64Array.from(u));
          if (value < bestValue) {
            bestValue = value;
            start = u;
          }
        }
      }
      const result = nelderMead(objective, start, { step: 0.3 });
      const params = { p: Math.exp(result.x[0]), q: Math.exp(result.x[1]), v: Math.exp(result.x[2]) };
      checkConvergence("Gamma-Gamma", result.converged, result.value, params, []);
      if (params.p > 1e4 || params.q > 1e4) {
        throw new PatronError(
          "E_CLV_CONVERGENCE",
          `Gamma-Gamma fit ran along its flat ridge to p=${params.p.toPrecision(4)}, q=${params.q.toPrecision(4)}: spend varies too little between customers to separate the two shapes. Add a penalizer (e.g. 0.001) or use the average spend directly.`,
        );
      }
      return gammaGammaModel(params, -result.value, nRepeat);
    },
  };
}

export function gammaGammaModel(params: GammaGammaParams, logLikelihood: number, nCustomers: number): GammaGammaModel {
  const frozen = Object.freeze({ ...params });
  const { p, q, v } = frozen;
  if (q <= 1) throw new PatronError("E_CLV_MODEL", `Gamma-Gamma needs q > 1 for a finite mean spend; found q = ${q}`);
  const populationMean = (v * p) / (q - 1);
  return Object.freeze({
    kind: "gamma-gamma" as const,
    params: frozen,
    logLikelihood,
    nCustomers,
    populationMean,
    conditionalExpectedAverageValue(data: MonetaryData): Float64Array {
      const out = new Float64Array(data.frequency.length);
      for (let i = 0; i < out.length; i++) {
        const x = data.frequency[i];
        const weight = (p * x) / (p * x + q - 1);
        out[i] = (1 - weight) * populationMean + (x > 0 ? weight * data.monetaryValue[i] : 0);
      }
      return out;
    },
    toJSON: (): GammaGammaJSON => ({ kind: "gamma-gamma", schemaVersion: 1, params: { ...frozen }, logLikelihood, nCustomers }),
  });
}

const GammaGammaJSONSchema = z.strictObject({
  kind: z.literal("gamma-gamma"),
  schemaVersion: z.literal(1),
  params: z.strictObject({ p: z.number().positive(), q: z.number().gt(1), v: z.number().positive() }),
  logLikelihood: z.number(),
  nCustomers: z.number().int().min(0),
});

export function gammaGammaFromJSON(json: unknown): GammaGammaModel {
  const parsed = GammaGammaJSONSchema.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a Gamma-Gamma model: ${parsed.error.message}`);
  return gammaGammaModel(parsed.data.params, parsed.data.logLikelihood, parsed.data.nCustomers);
}
