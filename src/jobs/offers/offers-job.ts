/**
 * The smallest sufficient discount (issue #6, the IUM seed): which discount, if any, to offer a
 * customer looking at a product. From the session table in SQL (src/features/sessions.ts):
 *
 * 1. the facts first — purchase rate at each discount level and Pearson's χ² test of whether it
 *    differs between levels at all;
 * 2. sessions split in time: the first 70 % (by decision point) to learn from, the last 30 % to
 *    judge on, as the policy would be used; the last 20 % of the learning part validates;
 * 3. each discount learner (learners.ts) is fitted on the early learning rows, and each learned
 *    rule (max expected profit, the seed's smallest sufficient discount) valued on the validation
 *    rows by SNIPW; the best pair is refitted on all learning rows;
 * 4. on the test sessions: purchase-prediction ROC-AUC, and every policy — the learned ones,
 *    always 0 %, always the largest discount, random — valued by IPW with a 95 % interval;
 * 5. the verdict by the lower confidence bound: the learned policy is recommended only if its
 *    paired profit difference to offering nothing is above 0 with 95 % confidence; otherwise the
 *    answer is "offer nothing", and the output says why, in plain words, with the interval.
 * With a simulated shop (simulated-shop.ts) the oracle's exact expected profits judge the same
 * policies without estimation noise, and the learned uplift rankings are compared with the true
 * ones.
 */
import { takeRows } from "../../core/matrix.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import { sessionRows, type SessionRows } from "../../features/sessions.ts";
import { rocAuc } from "../../metrics/curves.ts";
import type { Shop } from "../../uplift/simulator.ts";
import type { UpliftModel } from "../../uplift/types.ts";
import type { Store } from "../../store/store.ts";
import { chiSquareIndependence } from "./chi-square.ts";
import { compareWithOracle, type OracleComparison } from "./oracle.ts";
import { discountLearner, DISCOUNT_LEARNER_NAMES } from "./learners.ts";
import { baselinePolicies, evaluatePolicies, ruleArms, RULES, type LoggedSessions, type PolicyEconomics, type PolicyRow, type RuleName } from "./policies.ts";

export const IUM_LEVELS = Object.freeze([0, 5, 10, 15, 20]);

export interface OffersJobOptions {
  dataset: string;
  levels?: readonly number[];
  marginRate?: number;
  threshold?: number;
  learners?: readonly string[];
  /** Known logging probabilities per level (a designed experiment); default: the levels' shares. */
  propensity?: readonly number[];
  /** The simulator's shop behind `dataset`, when it is one (enables the oracle's figures). */
  shop?: Shop;
  nBootstrap?: number;
  seed?: number;
  progress?: Progress;
}

export interface LevelRate {
  level: number;
  sessions: number;
  bought: number;
  rate: number;
  /** Normal-approximation 95 % interval of the rate. */
  ci: [number, number];
}

/** A discount level's effect on the purchase rate against 0 %, and what it would need to pay. */
export interface LevelEffect {
  level: number;
  /** Purchase rate at this level minus at 0 %, with its normal-approximation 95 % interval. */
  difference: number;
  ci: [number, number];
  /**
   * The rise in purchase rate this discount needs to pay for itself at the margin:
   * (p₀ + Δ)(m − d) ≥ p₀·m ⇔ Δ ≥ p₀·d / (m − d); Infinity when d ≥ m (a sale at a loss).
   */
  breakEven: number;
}

export interface OffersContract {
  policy: string;
  policy_value: number;
  ci: [number, number];
  baselines: { always_0: number; always_20: number; random: number };
  offers_per_discount_sum: number | null;
  oracle_value?: number;
}

export interface OffersJobResult {
  dataset: string;
  simulated: boolean;
  levels: number[];
  marginRate: number;
  threshold: number;
  propensity: number[];
  nSessions: number;
  split: { nTrain: number; nValidation: number; nTest: number; testFromMs: number };
  purchaseRates: LevelRate[];
  levelEffects: LevelEffect[];
  chiSquare: { statistic: number; dof: number; pValue: number };
  validation: Array<{ learner: string; label: string; rule: RuleName; value: number }>;
  chosen: { learner: string; label: string; rule: RuleName };
  /** ROC-AUC of the predicted purchase probability at the logged discount, on the test sessions. */
  rocAuc: number;
  policies: PolicyRow[];
  decision: { policy: string; deployed: boolean; verdict: string };
  oracle?: OracleComparison;
  contract: OffersContract;
}

export interface OffersJobOutput {
  result: OffersJobResult;
  /** The chosen learner refitted on all learning sessions (what the service's policy would use). */
  model: UpliftModel;
  config: { discounts: number[]; marginRate: number; rule: RuleName; threshold?: number };
}

function levelRates(rows: SessionRows, levels: readonly number[]): LevelRate[] {
  return levels.map((level) => {
    let sessions = 0;
    let bought = 0;
    rows.discount.forEach((d, i) => {
      if (d !== level) return;
      sessions++;
      bought += rows.bought[i];
    });
    const rate = bought / sessions;
    const half = 1.96 * Math.sqrt((rate * (1 - rate)) / sessions);
    return { level, sessions, bought, rate, ci: [rate - half, rate + half] };
  });
}

function levelEffects(rates: readonly LevelRate[], marginRate: number): LevelEffect[] {
  const [base] = rates;
  return rates.slice(1).map((r) => {
    const difference = r.rate - base.rate;
    const half = 1.96 * Math.sqrt((r.rate * (1 - r.rate)) / r.sessions + (base.rate * (1 - base.rate)) / base.sessions);
    const d = r.level / 100;
    return { level: r.level, difference, ci: [difference - half, difference + half], breakEven: d < marginRate ? (base.rate * d) / (marginRate - d) : Infinity };
  });
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const pp = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(100 * v).toFixed(1)} pp`;
const money = (v: number) => v.toFixed(2);

function verdictText(result: Omit<OffersJobResult, "decision" | "contract">, candidate: PolicyRow, deployed: boolean): string {
  const v = candidate.versusNothing!;
  const facts = `χ² test across levels p = ${result.chiSquare.pValue.toFixed(2)}; purchase-prediction ROC-AUC ${result.rocAuc.toFixed(2)} on the test sessions`;
  const diff = `${money(v.difference)} per session (95 % CI ${money(v.ci[0])} … ${money(v.ci[1])})`;
  if (deployed) {
    return `Offer discounts by the ${candidate.policy} rule: on the ${result.split.nTest.toLocaleString("en-US")} test sessions it earns ${diff} more than offering nothing — ` +
      `the whole interval is above zero (${facts}).`;
  }
  const learned = candidate.offers === 0
    ? `The learned ${candidate.policy} policy itself offers no discount in any of the ${result.split.nTest.toLocaleString("en-US")} test sessions: for no session does a discount's predicted extra purchase pay for it.`
    : `The best learned policy (${candidate.policy}) earns ${diff} compared with offering nothing: the interval ${v.ci[0] <= 0 && v.ci[1] >= 0 ? "includes zero" : "lies below zero"}, so there is no evidence that its discounts pay.`;
  const cheapest = result.levelEffects[0];
  const noneReach = result.levelEffects.every((e) => e.ci[1] < e.breakEven);
  const why = cheapest
    ? ` A ${cheapest.level} % discount changes the purchase rate by ${pp(cheapest.difference)} (95 % CI ${pp(cheapest.ci[0])} … ${pp(cheapest.ci[1])}), ` +
      `but it pays for itself at a ${pct(result.marginRate)} margin only if it adds ${pp(cheapest.breakEven)}` +
      (noneReach ? "; no level's interval comes near its break-even." : ".")
    : "";
  return `Offer nothing. ${learned}${why} A discount here mostly pays people who would have bought anyway (${facts}).`;
}

export async function runOffersJob(store: Store, options: OffersJobOptions): Promise<OffersJobOutput> {
  const progress = options.progress ?? silentProgress;
  const levels = options.levels ?? IUM_LEVELS;
  const economics: PolicyEconomics = { levels, marginRate: options.marginRate ?? 0.3, threshold: options.threshold ?? 0.5 };
  const seed = options.seed ?? 0;
  const nBootstrap = options.nBootstrap ?? 1000;
  const rows = await sessionRows(store, options.dataset, levels);
  const nSessions = rows.sessionId.length;
  const armOf = Int32Array.from(rows.discount, (d) => levels.indexOf(d));

  // Facts over every session.
  const purchaseRates = levelRates(rows, levels);
  const chi = chiSquareIndependence(purchaseRates.flatMap((r) => [r.bought, r.sessions - r.bought]), levels.length, 2);
  const propensity = options.propensity ? [...options.propensity] : purchaseRates.map((r) => r.sessions / nSessions);

  // Time split: learning (early) and test (late); validation = the last 20 % of learning.
  const order = Array.from(rows.decisionMs.keys()).sort((a, b) => rows.decisionMs[a] - rows.decisionMs[b] || a - b);
  const nLearn = Math.floor(nSessions * 0.7);
  const nFit = Math.floor(nLearn * 0.8);
  const learn = Int32Array.from(order.slice(0, nLearn));
  const fitRows = Int32Array.from(order.slice(0, nFit));
  const validRows = Int32Array.from(order.slice(nFit, nLearn));
  const testRows = Int32Array.from(order.slice(nLearn));
  const part = (index: Int32Array) => ({
    x: takeRows(rows.features, index),
    y: Float64Array.from(index, (i) => rows.bought[i]),
    arm: Int32Array.from(index, (i) => armOf[i]),
    price: Float64Array.from(index, (i) => rows.price[i]),
    logged(): LoggedSessions {
      return { arm: this.arm, bought: this.y, price: this.price, propensity };
    },
  });
  const armNames = levels.map((d) => `${d}%`);
  const fit = (name: string, p: ReturnType<typeof part>) =>
    discountLearner(name).estimator(levels).fit(p.x, p.y, p.arm, { seed, arms: armNames, nThreads: 1 });

  const learners = options.learners ?? DISCOUNT_LEARNER_NAMES;
  const early = part(fitRows);
  const valid = part(validRows);
  const validation: OffersJobResult["validation"] = [];
  progress.start("validate discount learners", learners.length);
  for (const name of learners) {
    const model = fit(name, early);
    const responses = model.predictResponses(valid.x);
    const named = RULES.map((rule) => ({ name: rule, kind: "learned" as const, arms: ruleArms(rule, responses, valid.price, economics) }));
    const values = evaluatePolicies(valid.logged(), named.map((n) => ({ ...n, policy: { arms: n.arms } })), economics, { nBootstrap: 10, seed });
    values.forEach((v, r) => validation.push({ learner: name, label: discountLearner(name).label, rule: RULES[r], value: v.value }));
    progress.tick();
  }
  progress.stop();
  const best = validation.reduce((a, b) => (b.value > a.value ? b : a));
  const chosen = { learner: best.learner, label: best.label, rule: best.rule };

  // Refit on all learning sessions; judge on the test sessions.
  const model = fit(chosen.learner, part(learn));
  const test = part(testRows);
  const responses = model.predictResponses(test.x);
  const nLevels = levels.length;
  const atLogged = Float64Array.from(test.arm, (a, r) => responses[r * nLevels + a]);
  const auc = rocAuc(test.y, atLogged);
  const learnedArms = RULES.map((rule) => ruleArms(rule, responses, test.price, economics));
  const policies = evaluatePolicies(test.logged(), [
    ...RULES.map((rule, r) => ({ name: rule, kind: "learned" as const, policy: { arms: learnedArms[r] }, arms: learnedArms[r] })),
    ...baselinePolicies(testRows.length, levels),
  ], economics, { nBootstrap, seed });

  const candidate = policies.find((p) => p.policy === chosen.rule)!;
  const deployed = candidate.versusNothing!.ci[0] > 0;
  const finalPolicy = deployed ? candidate : policies.find((p) => p.policy === "always-0")!;
  const partial = {
    dataset: options.dataset, simulated: options.shop !== undefined, levels: [...levels], marginRate: economics.marginRate, threshold: economics.threshold,
    propensity, nSessions,
    split: { nTrain: nFit, nValidation: validRows.length, nTest: testRows.length, testFromMs: rows.decisionMs[testRows[0]] },
    purchaseRates, levelEffects: levelEffects(purchaseRates, economics.marginRate),
    chiSquare: { statistic: chi.statistic, dof: chi.dof, pValue: chi.pValue }, validation, chosen, rocAuc: auc, policies,
  };
  let oracle: OracleComparison | undefined;
  if (options.shop) {
    const sessionIds = Int32Array.from(testRows, (i) => Number(rows.sessionId[i]));
    oracle = compareWithOracle(options.shop, sessionIds, test, responses, learnedArms, policies, economics);
  }
  const byName = (name: string) => policies.find((p) => p.policy === name)!;
  const contract: OffersContract = {
    policy: finalPolicy.policy,
    policy_value: finalPolicy.value,
    ci: finalPolicy.ci,
    baselines: { always_0: byName("always-0").value, always_20: byName(`always-${levels[levels.length - 1]}`).value, random: byName("random").value },
    offers_per_discount_sum: finalPolicy.offersPerDiscountSum,
    ...(oracle ? { oracle_value: oracle.value } : {}),
  };
  return {
    result: {
      ...partial, oracle, contract,
      decision: { policy: finalPolicy.policy, deployed, verdict: verdictText(partial, candidate, deployed) },
    },
    model,
    config: { discounts: [...levels], marginRate: economics.marginRate, rule: chosen.rule, ...(chosen.rule === "smallest-sufficient" ? { threshold: economics.threshold } : {}) },
  };
}
