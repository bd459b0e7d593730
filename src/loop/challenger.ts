/**
 * Champion vs challenger, offline. The challenger is the champion's recipe (its meta-learner and
 * base estimator, rebuilt from the model's JSON through the model registry) refitted on the
 * logged decisions and their outcomes; both are then run as the service would run them (the same
 * Policy code as /v1/decide, src/serve/policy.ts) on the newest logged decisions, which neither
 * was trained on, and valued off-policy from the logged propensities:
 *
 *   V(π) = Σ_i w_i r_i / Σ_i w_i,  w_i = 1[π(x_i) = a_i] / μ(a_i | x_i)   (self-normalised IPW)
 *
 * with r_i the realised profit of decision i (src/uplift/policy.ts; Horvitz & Thompson 1952,
 * Hájek 1971), and the difference V(challenger) − V(champion) with a paired bootstrap 95 %
 * interval. The challenger is promoted only when that interval's lower end clears the margin
 * (`minImprovement` × |V(champion)|): better by the stated margin with 95 % confidence, not by
 * luck of the draw.
 *
 * IPW needs every arm the challenger would choose to have had a positive logging probability
 * (Dudík, Langford & Li 2011). When the log carries the whole logging distribution (the service
 * logs it with every decision) the share of evaluation rows where it did is checked against
 * `minSupport`; a service that never explores offers only the policy's own arm and no offer, and
 * the check then stops a challenger that would move customers to arms nobody has seen tried.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import { estimatorFromSpec } from "../models/registry.ts";
import type { Estimator } from "../models/types.ts";
import type { FeatureVector } from "../serve/online-features.ts";
import type { Policy } from "../serve/policy.ts";
import { policyDifference, policyValue, type LoggedData } from "../uplift/policy.ts";
import { sLearner } from "../uplift/s-learner.ts";
import { tLearner } from "../uplift/t-learner.ts";
import type { UpliftEstimator } from "../uplift/types.ts";
import type { TrainingLog } from "./training-log.ts";

export const DEFAULT_BASE = { kind: "gbdt", options: { nEstimators: 60, maxDepth: 3, learningRate: 0.1 } } as const;

export const RetrainOptions = z.strictObject({
  /** Share of the newest logged decisions held out to evaluate on. */
  evalShare: z.number().gt(0).lt(1).default(0.3),
  /** The challenger must beat the champion by this fraction of the champion's value (lower 95 % bound). */
  minImprovement: z.number().min(0).default(0.02),
  /** Fewest logged decisions to retrain on. */
  minDecisions: z.number().int().min(20).default(500),
  /** Fewest evaluation rows, as a share, on which the challenger's arm had a positive logging probability. */
  minSupport: z.number().min(0).max(1).default(0.95),
  nBootstrap: z.number().int().min(100).default(1000),
  seed: z.number().int().min(0).default(0),
  /** "champion": the active model's recipe; or a learner over `base`. */
  learner: z.enum(["champion", "t-learner", "s-learner"]).default("champion"),
  /** Base estimator {kind, options} when not the champion's (default: small GBDTs). */
  base: z.strictObject({ kind: z.string().min(1), options: z.record(z.string(), z.unknown()).default({}) }).optional(),
});
export type RetrainOptions = z.input<typeof RetrainOptions>;
export type RetrainSettings = z.infer<typeof RetrainOptions>;

interface ChampionRecipe {
  kind?: unknown;
  base?: { kind?: unknown; options?: unknown };
  interactions?: unknown;
  armValues?: unknown;
}

/** The challenger's estimator: the champion's recipe when it has one Patron can rebuild, else the chosen learner over `base`. */
export async function challengerEstimator(championModel: unknown, settings: RetrainSettings): Promise<{ estimator: UpliftEstimator; recipe: string }> {
  const recipe = (championModel ?? {}) as ChampionRecipe;
  const fromChampion = settings.learner === "champion" && (recipe.kind === "t-learner" || recipe.kind === "s-learner")
    && typeof recipe.base?.kind === "string";
  const baseSpec = fromChampion
    ? { kind: recipe.base!.kind as string, options: (recipe.base!.options ?? {}) as Record<string, unknown> }
    : settings.base ?? DEFAULT_BASE;
  const base = (await estimatorFromSpec({ kind: baseSpec.kind, options: { ...baseSpec.options } })) as Estimator;
  const kind = fromChampion ? (recipe.kind as string) : settings.learner === "s-learner" ? "s-learner" : "t-learner";
  const estimator = kind === "s-learner"
    ? sLearner({
      base,
      interactions: fromChampion && typeof recipe.interactions === "boolean" ? recipe.interactions : false,
      ...(fromChampion && Array.isArray(recipe.armValues) ? { armValues: recipe.armValues as number[] } : {}),
    })
    : tLearner({ base });
  return { estimator, recipe: `${kind}(${baseSpec.kind} ${JSON.stringify(baseSpec.options)})${fromChampion ? ", the champion's recipe" : ""}` };
}

/** The arm a policy gives each logged row, through the service's own decision code. */
export function policyArms(policy: Policy, x: Matrix, productId: readonly (string | null)[]): Int32Array {
  const nFeatures = x.nCols;
  const out = new Int32Array(x.nRows);
  const priceColumn = x.columns.indexOf("price");
  for (let i = 0; i < x.nRows; i++) {
    const values = new Float64Array(nFeatures);
    for (let j = 0; j < nFeatures; j++) values[j] = x.data[j * x.nRows + i];
    const vector: FeatureVector = { values, productId: productId[i], knownCustomer: true, knownProduct: Number.isFinite(values[priceColumn]) };
    out[i] = policy.decide(vector).arm;
  }
  return out;
}

export interface ValueSummary {
  snipw: number;
  snipwCi: [number, number];
  ipw: number;
  ipwCi: [number, number];
  /** Rows whose logged arm this policy would have given. */
  matched: number;
  effectiveSampleSize: number;
  /** Share of rows where this policy's arm had a positive logging probability; null when the log has no distribution. */
  support: number | null;
  /** Rows per arm this policy would give. */
  arms: number[];
}

export interface Evaluation {
  rows: number;
  champion: ValueSummary;
  challenger: ValueSummary;
  /** SNIPW(challenger) − SNIPW(champion), paired bootstrap. */
  difference: { difference: number; ci: [number, number]; se: number; probabilityBetter: number };
  /** The gain the lower 95 % bound must exceed. */
  margin: number;
  promoted: boolean;
  reason: string;
}

export function evaluate(log: TrainingLog, champion: Policy, challenger: Policy, settings: RetrainSettings): Evaluation {
  const nArms = log.discounts.length;
  if (log.x.nRows === 0) throw new PatronError("E_RETRAIN_DATA", "no logged decisions to evaluate the challenger on.");
  const data: LoggedData = { arm: log.arm, reward: log.profit, propensity: log.propensity, propensityPer: "row", nArms };
  const championArms = policyArms(champion, log.x, log.productId);
  const challengerArms = policyArms(challenger, log.x, log.productId);
  const bootstrap = { nBootstrap: settings.nBootstrap, seed: settings.seed };
  const summary = (arms: Int32Array): ValueSummary => {
    const v = policyValue(data, { arms }, bootstrap);
    let support: number | null = null;
    if (log.logging) {
      let covered = 0;
      for (let i = 0; i < arms.length; i++) if (log.logging[i * nArms + arms[i]] > 0) covered++;
      support = covered / arms.length;
    }
    const counts = new Array<number>(nArms).fill(0);
    for (const a of arms) counts[a]++;
    return { snipw: v.snipw, snipwCi: v.snipwCi, ipw: v.ipw, ipwCi: v.ipwCi, matched: v.matched, effectiveSampleSize: v.effectiveSampleSize, support, arms: counts };
  };
  const championValue = summary(championArms);
  const challengerValue = summary(challengerArms);
  const difference = policyDifference(data, { arms: challengerArms }, { arms: championArms }, bootstrap);
  const margin = settings.minImprovement * Math.abs(championValue.snipw);
  let promoted = false;
  let reason: string;
  if (challengerValue.support !== null && challengerValue.support < settings.minSupport) {
    reason = `kept the champion: the challenger would give arms that were logged with no chance on ${((1 - challengerValue.support) * 100).toFixed(1)} % of the evaluation decisions (need ≤ ${((1 - settings.minSupport) * 100).toFixed(1)} %), so its value cannot be estimated there; let the service explore (patron serve --exploration 0.05).`;
  } else if (!(difference.ci[0] > margin)) {
    reason = `kept the champion: the challenger's gain ${difference.difference.toFixed(4)} per decision (95 % ${difference.ci[0].toFixed(4)} – ${difference.ci[1].toFixed(4)}) does not clear the margin ${margin.toFixed(4)} with 95 % confidence.`;
  } else {
    promoted = true;
    reason = `promoted: the challenger's gain ${difference.difference.toFixed(4)} per decision (95 % ${difference.ci[0].toFixed(4)} – ${difference.ci[1].toFixed(4)}) clears the margin ${margin.toFixed(4)}.`;
  }
  return { rows: log.x.nRows, champion: championValue, challenger: challengerValue, difference, margin, promoted, reason };
}
