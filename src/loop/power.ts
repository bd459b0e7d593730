/**
 * How many customers a treated-vs-holdout comparison needs to detect the effect seen so far:
 * the classic two-sample power calculation at a two-sided level α and power 1 − β.
 *
 * Proportions (conversion): Fleiss, Levin & Paik, "Statistical Methods for Rates and
 * Proportions" (3rd ed. 2003, eq. 4.19, without the continuity correction), for unequal groups
 * with r = n_treated / n_holdout (the service's allocation, (1 − control share) / control share):
 *
 *   n_holdout = [ z_{1−α/2} √(p̄ q̄ (1 + 1/r)) + z_{1−β} √(p₀q₀ + p₁q₁ / r) ]² / (p₁ − p₀)²,
 *   p̄ = (p₀ + r p₁) / (1 + r),  n_treated = r · n_holdout.
 *
 * With r = 1 this is the textbook n = [z√(2p̄q̄) + z_β√(p₀q₀ + p₁q₁)]² / Δ² (p₀ = 0.10,
 * p₁ = 0.15 → 686 per group). Means (revenue per customer): the normal-approximation
 * n_holdout = (z_{1−α/2} + z_{1−β})² (σ₀² + σ₁² / r) / Δ².
 *
 * Sizes are rounded up to whole customers; an effect of zero needs infinitely many (null in JSON).
 */
import { PatronError } from "../core/errors.ts";
import { normalQuantile } from "../models/preprocess/normal-quantile.ts";

export interface PowerOptions {
  /** Two-sided significance level. Default 0.05. */
  alpha?: number;
  /** 1 − β. Default 0.8. */
  power?: number;
  /** n_treated / n_holdout. Default 1 (equal groups). */
  ratio?: number;
}

export interface SampleSize {
  holdout: number;
  treated: number;
  total: number;
  alpha: number;
  power: number;
  ratio: number;
}

function checked(options: PowerOptions): { alpha: number; power: number; ratio: number; zAlpha: number; zBeta: number } {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const ratio = options.ratio ?? 1;
  if (!(alpha > 0 && alpha < 1)) throw new PatronError("E_OPTION", `alpha must be in (0, 1), e.g. 0.05; found ${alpha}.`);
  if (!(power > 0 && power < 1)) throw new PatronError("E_OPTION", `power must be in (0, 1), e.g. 0.8; found ${power}.`);
  if (!(ratio > 0 && Number.isFinite(ratio))) {
    throw new PatronError("E_OPTION", `ratio (treated per holdout customer) must be a positive number, e.g. 9 for a 10 % holdout; found ${ratio}.`);
  }
  return { alpha, power, ratio, zAlpha: normalQuantile(1 - alpha / 2), zBeta: normalQuantile(power) };
}

function sized(nHoldout: number, o: { alpha: number; power: number; ratio: number }): SampleSize {
  if (!Number.isFinite(nHoldout)) return { holdout: Infinity, treated: Infinity, total: Infinity, alpha: o.alpha, power: o.power, ratio: o.ratio };
  // Round up, with a tiny tolerance so an exact integer is not pushed up by float noise.
  const holdout = Math.ceil(nHoldout - 1e-9);
  const treated = Math.ceil(o.ratio * nHoldout - 1e-9);
  return { holdout, treated, total: holdout + treated, alpha: o.alpha, power: o.power, ratio: o.ratio };
}

/** Customers needed to detect conversion p₁ (treated) against p₀ (holdout). */
export function twoProportionSampleSize(pHoldout: number, pTreated: number, options: PowerOptions = {}): SampleSize {
  const o = checked(options);
  for (const [name, p] of [["pHoldout", pHoldout], ["pTreated", pTreated]] as const) {
    if (!(p >= 0 && p <= 1)) throw new PatronError("E_OPTION", `${name} must be a probability in [0, 1]; found ${p}.`);
  }
  const delta = pTreated - pHoldout;
  if (delta === 0) return sized(Infinity, o);
  const r = o.ratio;
  const pBar = (pHoldout + r * pTreated) / (1 + r);
  const a = o.zAlpha * Math.sqrt(pBar * (1 - pBar) * (1 + 1 / r));
  const b = o.zBeta * Math.sqrt(pHoldout * (1 - pHoldout) + (pTreated * (1 - pTreated)) / r);
  return sized((a + b) ** 2 / delta ** 2, o);
}

/** Customers needed to detect a difference `delta` of means with standard deviations sdHoldout, sdTreated. */
export function twoMeanSampleSize(delta: number, sdHoldout: number, sdTreated: number, options: PowerOptions = {}): SampleSize {
  const o = checked(options);
  if (!(sdHoldout >= 0 && sdTreated >= 0)) throw new PatronError("E_OPTION", `standard deviations must be ≥ 0; found ${sdHoldout}, ${sdTreated}.`);
  if (!Number.isFinite(delta)) throw new PatronError("E_OPTION", `delta must be a finite difference of means; found ${delta}.`);
  if (delta === 0) return sized(Infinity, o);
  return sized(((o.zAlpha + o.zBeta) ** 2 * (sdHoldout ** 2 + sdTreated ** 2 / o.ratio)) / delta ** 2, o);
}
