/**
 * Retraining the offers policy from its own log (`patron retrain`, and the jobs role's schedule):
 * read the logged decisions and their outcomes (training-log.ts), split them by time — the
 * newest `evalShare` for evaluation, the rest for training —, fit a challenger with the
 * champion's recipe, evaluate both policies offline on the newest decisions (challenger.ts),
 * register the challenger as a new version of the "offers" model with its metrics and the range
 * of data it was trained on, and make it active only when it beats the champion by the margin.
 * Every version stays in the registry; `rollback` (rollback.ts) re-activates the previous one.
 *
 * Without an active champion the comparison is against offering nothing (the service's default
 * policy); the policy config (discount levels, margin) must then be given.
 */
import { PatronError, isPatronError } from "../core/errors.ts";
import { rng } from "../core/rng.ts";
import { defaultPolicy, discountPolicy, DiscountPolicyConfig, type Policy } from "../serve/policy.ts";
import { activeEntry, registerModel, versionLabel, type RegistryEntry } from "../serve/registry-store.ts";
import type { Store } from "../store/store.ts";
import { challengerEstimator, evaluate, RetrainOptions, type Evaluation } from "./challenger.ts";
import { readTrainingLog, sliceLog } from "./training-log.ts";

export interface RetrainInput {
  dataset: string;
  /** ISO times bounding the decisions used; default: everything logged. */
  from?: string;
  to?: string;
  options?: RetrainOptions;
  /** The policy config when no offers model is active yet: { discounts: [0, 5, …], marginRate }. */
  config?: unknown;
  /** Evaluate and register, but never activate. */
  dryRun?: boolean;
  description?: string;
}

export interface RetrainResult {
  champion: string;
  challenger: RegistryEntry;
  promoted: boolean;
  reason: string;
  evaluation: Evaluation;
  recipe: string;
  trainingRange: Record<string, unknown>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export async function retrain(store: Store, input: RetrainInput): Promise<RetrainResult> {
  const settings = RetrainOptions.parse(input.options ?? {});
  const champion = await activeEntry(store, "offers");
  const parsed = DiscountPolicyConfig.safeParse(champion?.config ?? input.config);
  if (!parsed.success) {
    throw new PatronError(
      "E_OPTION",
      champion
        ? `the active offers model ${versionLabel(champion)} has an invalid config (${parsed.error.issues[0].message}); fix it in the registry before retraining.`
        : "no offers model is active, so retraining needs the policy config: discount levels (control 0 first) and the margin rate, e.g. --discounts 0,5,10,15,20 --margin-rate 0.3.",
    );
  }
  const config = parsed.data;
  const log = await readTrainingLog(store, { dataset: input.dataset, from: input.from, to: input.to, marginRate: config.marginRate, forceMargin: true }, config.discounts);
  const nRows = log?.x.nRows ?? 0;
  if (!log || nRows < settings.minDecisions) {
    throw new PatronError(
      "E_RETRAIN_DATA",
      `retraining needs at least ${settings.minDecisions} logged decisions with one of the policy's discounts (${config.discounts.join(", ")}) on dataset ${input.dataset}; found ${nRows}${log?.dropped ? ` (and ${log.dropped} with other discounts)` : ""}. Let the service decide longer, or lower --min-decisions.`,
    );
  }
  const nEval = Math.max(1, Math.round(nRows * settings.evalShare));
  const nTrain = nRows - nEval;
  const train = sliceLog(log, Int32Array.from({ length: nTrain }, (_, i) => i));
  const test = sliceLog(log, Int32Array.from({ length: nEval }, (_, i) => nTrain + i));

  const { estimator, recipe } = await challengerEstimator(champion?.model, settings);
  const armNames = config.discounts.map((d) => (d === 0 ? "none" : `${d}%`));
  let model;
  try {
    model = estimator.fit(train.x, train.purchased, train.arm, { seed: rng(settings.seed).int(2 ** 31), arms: armNames, nThreads: 1 });
  } catch (error) {
    if (isPatronError(error) && error.code === "E_TREATMENT") {
      const counts = armNames.map((name, a) => `${name}: ${train.arm.filter((x) => x === a).length}`).join(", ");
      throw new PatronError(
        "E_RETRAIN_DATA",
        `the logged decisions do not try every discount (${counts}), so no model of their effect can be learned. Let the service explore (patron serve --exploration 0.05) — a small random share of offers keeps every arm measured.`,
      );
    }
    throw error;
  }
  const championPolicy: Policy = champion ? await discountPolicy(versionLabel(champion), champion.model, champion.config) : defaultPolicy;
  const challengerJSON = model.toJSON();
  const challengerPolicy = await discountPolicy("challenger", challengerJSON, config);
  const evaluation = evaluate(test, championPolicy, challengerPolicy, settings);
  const promoted = evaluation.promoted && !input.dryRun;

  const purchases = (l: typeof log) => l.purchased.reduce((s, v) => s + v, 0);
  const trainingRange = {
    from: iso(train.decidedMs[0]),
    to: iso(train.decidedMs[nTrain - 1]),
    decisions: nTrain,
    purchases: purchases(train),
    evaluation: { from: iso(test.decidedMs[0]), to: iso(test.decidedMs[nEval - 1]), decisions: nEval, purchases: purchases(test) },
    dataset: input.dataset,
    droppedDecisions: log.dropped,
  };
  const metrics = {
    champion: { version: champion ? versionLabel(champion) : defaultPolicy.version, ...evaluation.champion },
    challenger: evaluation.challenger,
    difference: evaluation.difference,
    margin: evaluation.margin,
    minImprovement: settings.minImprovement,
    promoted,
    reason: input.dryRun && evaluation.promoted ? `dry run: ${evaluation.reason}` : evaluation.reason,
    reward: "profit per decision = list price × margin − discount, from the linked outcomes",
    estimator: "SNIPW with logged propensities, paired bootstrap 95 % interval",
    recipe,
  };
  const challenger = await registerModel(store, {
    purpose: "offers",
    model: challengerJSON as { kind: string },
    config: { ...config },
    metrics,
    trainingRange,
    description: input.description ?? `retrained on ${nTrain} logged decisions; ${promoted ? "promoted" : "not promoted"}`,
    activate: promoted,
  });
  return {
    champion: champion ? versionLabel(champion) : defaultPolicy.version,
    challenger,
    promoted,
    reason: metrics.reason,
    evaluation,
    recipe,
    trainingRange,
  };
}
