/**
 * The uplift job on Hillstrom's e-mail experiment (issue #6, the X5/SMS seed's question: whom is
 * it worth contacting?). From the feature table (src/features/hillstrom.ts):
 *
 * 1. split off the issue's fixed holdout (row number ≡ 0, 1, 2 mod 10);
 * 2. per comparison — Womens E-Mail vs none, Mens E-Mail vs none — choose the learner by
 *    cross-validation on the training rows only (select.ts), fit every candidate on all training
 *    rows, and judge the chosen one on the holdout with scikit-uplift's metrics, each with its
 *    bootstrap sd and the random-score band (evaluate.ts); the other candidates' holdout figures
 *    are kept beside it for transparency, never used to choose;
 * 3. campaign economics from the holdout ranking (cost per contact, margin per conversion →
 *    profit of contacting nobody, everybody, the top k %), customer types and profiles over all
 *    customers, and SHAP of the uplift (explain.ts);
 * 4. the 3-arm policy — which e-mail, or none — from one multi-arm learner of the chosen kind,
 *    valued by IPW on the holdout (email-policy.ts);
 * 5. scores for every customer (uplift, type, decision, best e-mail) for the store.
 */
import type { Matrix } from "../../core/matrix.ts";
import { takeRows } from "../../core/matrix.ts";
import { silentProgress, type Progress } from "../../core/progress.ts";
import {
  HILLSTROM_ARMS, HILLSTROM_CATEGORIES, HILLSTROM_CONTROL, HILLSTROM_NUMERIC, hillstromTable, isHoldoutRow, oneHotColumn, type HillstromTable,
} from "../../features/hillstrom.ts";
import { qiniAucScore, upliftAucScore } from "../../metrics/uplift-curves.ts";
import { averageOf, inverseSpreadWeights, upliftSpread } from "../../uplift/average.ts";
import { CUSTOMER_TYPES, customerTypes, type TypeProfile } from "../../uplift/customer-types.ts";
import { campaignEconomics, type Economics } from "../../uplift/economics.ts";
import type { TLearnerModel } from "../../uplift/t-learner.ts";
import type { UpliftModel } from "../../uplift/types.ts";
import type { Store } from "../../store/store.ts";
import { candidate, CANDIDATE_NAMES } from "./candidates.ts";
import { chooseArms, evaluateEmailPolicy, type EmailPolicyEvaluation } from "./email-policy.ts";
import { evaluateHoldout, upliftAt30, type HoldoutEvaluation } from "./evaluate.ts";
import { explainUplift, sampleRows, type UpliftExplanation } from "./explain.ts";
import type { ScorerInput } from "./scorer.ts";
import { selectLearner, type Selection } from "./select.ts";

export type UpliftTarget = "visit" | "conversion";

/** What a file to score must hold: Hillstrom's own columns (categories one-hot encoded as in training). */
export const HILLSTROM_SCORER_INPUTS: readonly ScorerInput[] = Object.freeze([
  ...HILLSTROM_NUMERIC.map((name): ScorerInput => ({ name, type: "number" })),
  ...Object.entries(HILLSTROM_CATEGORIES).map(([name, { levels }]): ScorerInput => ({
    name, type: "category", levels: [...levels], columns: levels.map((level) => oneHotColumn(name, level)),
  })),
]);

export interface CampaignEconomicsConfig {
  /** Cost of one e-mail (list rental, production, sending). */
  costPerContact: number;
  /** Margin earned per conversion of the target (per visit, by default). */
  marginPerConversion: number;
}

/**
 * Defaults: $0.10 per e-mail, and $2.50 per visit — Hillstrom's visitors spend about $7.2 each
 * over the two weeks (mean spend 1.05 / visit rate 0.147), at a 35 % gross margin.
 */
export const DEFAULT_ECONOMICS: CampaignEconomicsConfig = Object.freeze({ costPerContact: 0.1, marginPerConversion: 2.5 });

export interface UpliftJobOptions {
  dataset?: string;
  target?: UpliftTarget;
  candidates?: readonly string[];
  nFolds?: number;
  seed?: number;
  economics?: CampaignEconomicsConfig;
  /** Bootstrap resamples for each holdout figure's sd (default 200). */
  nBootstrap?: number;
  nRandomSeeds?: number;
  /** Bootstrap resamples for the 3-arm policy's intervals (default 500). */
  nPolicyBootstrap?: number;
  nThreads?: number;
  progress?: Progress;
}

export interface LearnerOnHoldout {
  name: string;
  label: string;
  upliftAt30: number;
  qiniAuc: number;
  upliftAuc: number;
}

export interface TypesSummary {
  threshold: number;
  rule: string;
  counts: Record<string, number>;
  profiles: TypeProfile[];
}

export interface ComparisonResult {
  arm: string;
  control: string;
  nTrain: number;
  selection: Selection;
  chosen: { name: string; label: string };
  holdout: HoldoutEvaluation;
  /** Every candidate's holdout figures, for transparency (the choice was made by cross-validation). */
  learnersOnHoldout: LearnerOnHoldout[];
  economics: Economics;
  /** Customer types over every customer of the dataset, by the chosen model. */
  types: TypesSummary;
  explanation?: UpliftExplanation;
}

export interface UpliftJobResult {
  dataset: string;
  target: UpliftTarget;
  seed: number;
  holdoutRule: string;
  nCustomers: number;
  economicsConfig: CampaignEconomicsConfig;
  comparisons: ComparisonResult[];
  policy: EmailPolicyEvaluation;
  /** The figures of the contract line: Womens E-Mail vs none on the holdout. */
  summary: { uplift_at_30: number; qini_auc: number; uplift_auc: number; best_learner: string };
}

export interface CustomerScores {
  customerId: string[];
  pControl: Float64Array;
  pTreated: Float64Array;
  uplift: Float64Array;
  customerType: string[];
  /** "contact" when uplift × margin > cost, else "none". */
  decision: string[];
  /** The 3-arm policy's e-mail, or "none". */
  bestEmail: string[];
}

export interface UpliftJobOutput {
  result: UpliftJobResult;
  /** The Womens E-Mail model (what `uplift score` and /v1/score use). */
  model: UpliftModel;
  /** The 3-arm model behind the e-mail policy. */
  policyModel: UpliftModel;
  scores: CustomerScores;
}

interface Split {
  train: Int32Array;
  holdout: Int32Array;
}

function rowsOfArms(table: HillstromTable, arms: readonly string[]): Split {
  const train: number[] = [];
  const holdout: number[] = [];
  table.arm.forEach((arm, i) => {
    if (!arms.includes(arm)) return;
    (isHoldoutRow(table.rowNumber[i]) ? holdout : train).push(i);
  });
  return { train: Int32Array.from(train), holdout: Int32Array.from(holdout) };
}

const column = (values: ArrayLike<number>, nCols: number, k: number) =>
  Float64Array.from({ length: values.length / nCols }, (_, i) => values[i * nCols + k]);

/** Fits every single candidate on the training rows; averages are built from their members. */
function fitAll(names: readonly string[], x: Matrix, y: Float64Array, treatment: Int32Array, arms: readonly string[], seed: number): Map<string, UpliftModel> {
  const fitted = new Map<string, UpliftModel>();
  for (const name of names) {
    const c = candidate(name);
    for (const m of c.members.length > 0 ? c.members : [name]) {
      if (!fitted.has(m)) fitted.set(m, candidate(m).estimator().fit(x, y, treatment, { seed, arms, nThreads: 1 }));
    }
    if (c.members.length > 0) {
      const members = c.members.map((m) => fitted.get(m)!);
      fitted.set(name, averageOf(members, inverseSpreadWeights(members.map((m) => upliftSpread(m, x)))));
    }
  }
  return fitted;
}

async function compare(
  table: HillstromTable, target: Float64Array, arm: string, options: Required<Pick<UpliftJobOptions, "candidates" | "nFolds" | "seed" | "nBootstrap" | "nRandomSeeds">> & UpliftJobOptions,
  economics: CampaignEconomicsConfig,
): Promise<{ comparison: ComparisonResult; model: UpliftModel; fitted: Map<string, UpliftModel> }> {
  const progress = options.progress ?? silentProgress;
  const arms = [HILLSTROM_CONTROL, arm];
  const split = rowsOfArms(table, arms);
  const xTrain = takeRows(table.features, split.train);
  const yTrain = Float64Array.from(split.train, (i) => target[i]);
  const tTrain = Int32Array.from(split.train, (i) => (table.arm[i] === arm ? 1 : 0));
  const selection = await selectLearner(xTrain, yTrain, tTrain, {
    candidates: options.candidates, nFolds: options.nFolds, seed: options.seed, nThreads: options.nThreads, progress,
  });
  const fitted = fitAll(options.candidates, xTrain, yTrain, tTrain, arms, options.seed);
  const model = fitted.get(selection.chosen)!;

  const xHoldout = takeRows(table.features, split.holdout);
  const yHoldout = Float64Array.from(split.holdout, (i) => target[i]);
  const tHoldout = Float64Array.from(split.holdout, (i) => (table.arm[i] === arm ? 1 : 0));
  const upliftOf = (m: UpliftModel) => column(m.predictUplift(xHoldout), 1, 0);
  const uplift = upliftOf(model);
  const holdout = evaluateHoldout(yHoldout, uplift, tHoldout, { nBootstrap: options.nBootstrap, nRandomSeeds: options.nRandomSeeds, seed: options.seed });
  const learnersOnHoldout = options.candidates.map((name): LearnerOnHoldout => {
    const u = upliftOf(fitted.get(name)!);
    return { name, label: candidate(name).label, upliftAt30: upliftAt30(yHoldout, u, tHoldout), qiniAuc: qiniAucScore(yHoldout, u, tHoldout), upliftAuc: upliftAucScore(yHoldout, u, tHoldout) };
  });
  const economicsTable = campaignEconomics(yHoldout, uplift, tHoldout, {
    costPerContact: economics.costPerContact, marginPerConversion: economics.marginPerConversion, populationSize: table.customerId.length,
  });

  // Types over every customer: what the chosen model predicts with and without the e-mail.
  const responses = model.predictResponses(table.features);
  const types = customerTypes(responses, 2, table.features);
  const explainRows = sampleRows(split.holdout.length, 4000);
  const xExplain = takeRows(xHoldout, explainRows);
  const holdoutTypes = Uint8Array.from(explainRows, (r) => (types.types[split.holdout[r]] === CUSTOMER_TYPES.indexOf("persuadable") ? 1 : 0));
  const explanation = explainUplift(model, xExplain, Array.from(explainRows, (r) => table.customerId[split.holdout[r]]), holdoutTypes, {
    fallback: fitted.get("t-gbdt") as TLearnerModel | undefined,
  });
  const chosen = candidate(selection.chosen);
  return {
    comparison: {
      arm, control: HILLSTROM_CONTROL, nTrain: split.train.length, selection, chosen: { name: chosen.name, label: chosen.label }, holdout,
      learnersOnHoldout, economics: economicsTable,
      types: { threshold: types.threshold, rule: types.rule, counts: types.counts, profiles: types.profiles },
      explanation,
    },
    model,
    fitted,
  };
}

export async function runUpliftJob(store: Store, options: UpliftJobOptions = {}): Promise<UpliftJobOutput> {
  const dataset = options.dataset ?? "hillstrom";
  const targetName = options.target ?? "visit";
  const economics = options.economics ?? DEFAULT_ECONOMICS;
  const settings = {
    ...options,
    candidates: options.candidates ?? CANDIDATE_NAMES,
    nFolds: options.nFolds ?? 5,
    seed: options.seed ?? 0,
    nBootstrap: options.nBootstrap ?? 200,
    nRandomSeeds: options.nRandomSeeds ?? 200,
  };
  const table = await hillstromTable(store, dataset);
  const target = targetName === "visit" ? table.visit : table.conversion;

  const womens = await compare(table, target, "Womens E-Mail", settings, economics);
  const mens = await compare(table, target, "Mens E-Mail", settings, economics);

  // The 3-arm policy: the Womens comparison's chosen learner, over all three arms.
  const arms3 = [...HILLSTROM_ARMS];
  const split3 = rowsOfArms(table, arms3);
  const armIndex = (i: number) => arms3.indexOf(table.arm[i]);
  const policyModel = fitAll([womens.comparison.chosen.name], takeRows(table.features, split3.train),
    Float64Array.from(split3.train, (i) => target[i]), Int32Array.from(split3.train, armIndex), arms3, settings.seed).get(womens.comparison.chosen.name)!;
  const policy = evaluateEmailPolicy(
    arms3, policyModel.predictUplift(takeRows(table.features, split3.holdout)), Int32Array.from(split3.holdout, armIndex),
    Float64Array.from(split3.holdout, (i) => target[i]), economics, { nBootstrap: options.nPolicyBootstrap ?? 500, seed: settings.seed },
  );

  // Scores for every customer.
  const responses = womens.model.predictResponses(table.features);
  const nRows = table.customerId.length;
  const pControl = column(responses, 2, 0);
  const pTreated = column(responses, 2, 1);
  const uplift = womens.model.predictUplift(table.features);
  const types = customerTypes(responses, 2, undefined, { threshold: womens.comparison.types.threshold });
  const best = chooseArms(policyModel.predictUplift(table.features), arms3.length - 1, economics);
  const scores: CustomerScores = {
    customerId: table.customerId,
    pControl,
    pTreated,
    uplift,
    customerType: Array.from(types.types, (k) => CUSTOMER_TYPES[k]),
    decision: Array.from(uplift, (u) => (u * economics.marginPerConversion > economics.costPerContact ? "contact" : "none")),
    bestEmail: Array.from(best, (a) => (a === 0 ? "none" : arms3[a])),
  };

  const w = womens.comparison;
  return {
    result: {
      dataset, target: targetName, seed: settings.seed,
      holdoutRule: "0-based row number in the original 64,000-row file ≡ 0, 1 or 2 (mod 10)",
      nCustomers: nRows, economicsConfig: { ...economics },
      comparisons: [w, mens.comparison],
      policy,
      summary: { uplift_at_30: w.holdout.upliftAt30.value, qini_auc: w.holdout.qiniAuc.value, uplift_auc: w.holdout.upliftAuc.value, best_learner: w.chosen.name },
    },
    model: womens.model,
    policyModel,
    scores,
  };
}
