/**
 * The /v1/decide hot path: in-memory online features → deterministic holdout assignment → the
 * active policy → a queued log record. No database round trip, no synchronous logging, no
 * allocation beyond the feature vector, one 1-row matrix for the model and the answer itself.
 *
 * The policy is asked even for holdout customers, so the log records what the policy would
 * have offered them: comparing treated and holdout customers *with the same policy offer* is
 * what measures the policy's real uplift (issue #10). The propensity logged is the probability
 * of the logged arm under this design: 1 when the policy offers nothing (both groups get no
 * offer), else 1 − control share for the offer and control share for the holdout's no-offer.
 * With exploration ε > 0 a treated customer sometimes gets a uniformly drawn arm instead, and
 * the propensity and the whole logging distribution follow src/loop/exploration.ts.
 *
 * Allocation on the hot path (issue #8): the feature vector is one scratch array reused by every
 * decision (the log copies it); what repeats between decisions is built once and shared — the
 * logging distribution of each (arm, control share) when nothing is explored, the reasons with
 * HOLDOUT in front of a memoised (frozen) policy choice's reasons, the offers as text, the
 * answer's reason codes as JSON.
 */
import { randomUUID } from "node:crypto";
import { rng, type Rng } from "../core/rng.ts";
import { explore, loggingDistribution } from "../loop/exploration.ts";
import type { DecisionLog } from "./decision-log.ts";
import { assignmentUnit } from "./holdout.ts";
import type { ServiceMetrics } from "./metrics.ts";
import { SESSION_FEATURES } from "../uplift/session-features.ts";
import type { FeatureVector, OnlineFeatures } from "./online-features.ts";
import type { Policy, PolicyChoice } from "./policy.ts";

export interface DecideInput {
  customer_id: string;
  session_id: string;
  product_id?: string;
  experiment?: string;
}

export interface DecideOutput {
  decision_id: string;
  offer: number | "none";
  expected_profit: number | null;
  reason_codes: string[];
  model_version: string;
  holdout: boolean;
  experiment: string;
}

export interface DeciderOptions {
  dataset: string;
  /** Experiment used when the request names none. */
  experiment: string;
  /** Control share of the default experiment, and of any other not listed in `controlShares`. */
  controlShare: number;
  controlShares?: Readonly<Record<string, number>>;
  /** ε of ε-greedy exploration over the policy's arms (src/loop/exploration.ts). Default 0. */
  exploration?: number;
  explorationSeed?: number;
}

/** Assignments remembered (the hash is a fixed function of experiment and customer; cleared when full). */
const ASSIGNMENT_MEMO_SIZE = 100_000;

export class Decider {
  readonly #random: Rng;
  policy: Policy;
  /** Metric cells by offer: [treated, holdout]. */
  readonly #cells = new Map<number | "none", [{ value: number }, { value: number }]>();
  /** Assignment units by experiment, then customer. */
  readonly #units = new Map<string, Map<string, number>>();
  #unitCount = 0;
  /** The one feature vector every decision is computed in (decide is synchronous). */
  readonly #vector: FeatureVector = { values: new Float64Array(SESSION_FEATURES.length), productId: null, knownCustomer: false, knownProduct: false };
  /** Logging distributions without exploration, by control share, number of arms and arm. */
  readonly #logging = new Map<number, Float64Array[][]>();
  /** ["HOLDOUT", …reasons] of frozen reason lists (memoised policy choices). */
  readonly #holdoutReasons = new WeakMap<readonly string[], readonly string[]>();
  /** The active policy's offers as text ("none", "5", …), for the log. */
  #offerTexts: { policy: Policy; texts: readonly string[] } | undefined;

  constructor(
    private readonly features: OnlineFeatures,
    private readonly log: DecisionLog,
    private readonly metrics: ServiceMetrics,
    private readonly options: DeciderOptions,
    policy: Policy,
  ) {
    this.policy = policy;
    this.#random = rng(options.explorationSeed ?? 0);
  }

  #decisionCell(offer: number | "none", holdout: boolean): { value: number } {
    let cells = this.#cells.get(offer);
    if (!cells) {
      const cell = (group: string) => this.metrics.decisions.cell({ offer: String(offer), group });
      this.#cells.set(offer, (cells = [cell("treated"), cell("holdout")]));
    }
    return cells[holdout ? 1 : 0];
  }

  /** assignmentUnit, remembered: SHA-256 costs more than the rest of a decision. */
  #unit(experiment: string, customerId: string): number {
    let units = this.#units.get(experiment);
    if (units === undefined) this.#units.set(experiment, (units = new Map()));
    let unit = units.get(customerId);
    if (unit === undefined) {
      unit = assignmentUnit(experiment, customerId);
      if (this.#unitCount >= ASSIGNMENT_MEMO_SIZE) {
        for (const m of this.#units.values()) m.clear();
        this.#unitCount = 0;
      }
      units.set(customerId, unit);
      this.#unitCount++;
    }
    return unit;
  }

  /** loggingDistribution of a one-hot arm (no exploration), built once per (control share, arms, arm); shared, never to be changed. */
  #oneHotLogging(arm: number, nArms: number, controlShare: number): Float64Array {
    let byArms = this.#logging.get(controlShare);
    if (byArms === undefined) this.#logging.set(controlShare, (byArms = []));
    const byArm = (byArms[nArms] ??= []);
    let logging = byArm[arm];
    if (logging === undefined) {
      const probabilities = new Float64Array(nArms);
      probabilities[arm] = 1;
      byArm[arm] = logging = loggingDistribution(probabilities, controlShare);
    }
    return logging;
  }

  #offerText(policy: Policy, arm: number): string {
    if (this.#offerTexts?.policy !== policy) {
      this.#offerTexts = { policy, texts: policy.discounts.map((d, a) => (a === 0 ? "none" : String(d))) };
    }
    return this.#offerTexts.texts[arm] ?? String(policy.discounts[arm] ?? 0);
  }

  #reasons(choice: PolicyChoice, holdout: boolean, explored: boolean): readonly string[] {
    if (explored) return holdout ? ["HOLDOUT", "EXPLORATION", ...choice.reasons] : ["EXPLORATION", ...choice.reasons];
    if (!holdout) return choice.reasons;
    if (!Object.isFrozen(choice.reasons)) return ["HOLDOUT", ...choice.reasons];
    let reasons = this.#holdoutReasons.get(choice.reasons);
    if (reasons === undefined) this.#holdoutReasons.set(choice.reasons, (reasons = Object.freeze(["HOLDOUT", ...choice.reasons])));
    return reasons;
  }

  controlShare(experiment: string): number {
    return this.options.controlShares?.[experiment] ?? this.options.controlShare;
  }

  decide(input: DecideInput, keyId: string | null): DecideOutput {
    const policy = this.policy; // one policy for the whole decision, even if another is activated meanwhile
    const experiment = input.experiment ?? this.options.experiment;
    const controlShare = this.controlShare(experiment);
    const vector = this.features.vectorInto(this.#vector, input.customer_id, input.session_id, input.product_id ?? null);
    const choice = policy.decide(vector);
    const nArms = policy.discounts.length;
    const epsilon = this.options.exploration ?? 0;
    // Exploration (if any) changes the policy's arm; the logging distribution records the odds (issue #10).
    // explore() with ε = 0 is the one-hot choice and draws nothing, so skipping it changes no stream.
    const explored = epsilon > 0 ? explore(choice, nArms, epsilon, this.#random) : undefined;
    const policyArm = explored ? explored.arm : choice.arm;
    const wasExplored = explored?.explored ?? false;
    const holdout = this.#unit(experiment, input.customer_id) < controlShare;
    const arm = holdout ? 0 : policyArm;
    const discount = policy.discounts[arm] ?? 0;
    const offer: number | "none" = arm === 0 ? "none" : discount;
    const reasons = this.#reasons(choice, holdout, wasExplored);
    // The profit of what was given: the holdout gets no offer, so its expected profit is arm 0's.
    const expectedProfit = holdout && policyArm !== 0 ? (choice.profits?.[0] ?? null)
      : wasExplored ? (choice.profits?.[policyArm] ?? null) : choice.expectedProfit;
    const logging = explored ? loggingDistribution(explored.probabilities, controlShare) : this.#oneHotLogging(choice.arm, nArms, controlShare);
    const propensity = logging[arm];
    const decisionId = randomUUID();
    this.log.enqueue({
      decisionId,
      decidedMs: Date.now(),
      dataset: this.options.dataset,
      customerId: input.customer_id,
      sessionId: input.session_id,
      productId: vector.productId,
      experiment,
      holdout,
      arm,
      offer: this.#offerText(policy, arm),
      discount,
      policyArm,
      policyOffer: this.#offerText(policy, policyArm),
      propensity,
      expectedProfit,
      reasonCodes: reasons,
      featureValues: vector.values,
      responses: choice.responses,
      logging,
      modelVersion: policy.version,
      keyId,
    });
    this.#decisionCell(offer, holdout).value++;
    return {
      decision_id: decisionId,
      offer,
      expected_profit: expectedProfit,
      reason_codes: reasons as string[],
      model_version: policy.version,
      holdout,
      experiment,
    };
  }
}

/** The reason codes as a JSON array, remembered for frozen lists (a memoised policy choice's). */
const reasonsJSON = new WeakMap<readonly string[], string>();
let lastCodes: readonly string[] | undefined;
let lastJSON = "";

function reasonCodesJSON(codes: readonly string[]): string {
  if (codes === lastCodes) return lastJSON;
  let json = reasonsJSON.get(codes);
  if (json === undefined) {
    json = "[";
    for (let k = 0; k < codes.length; k++) json += (k ? "," : "") + JSON.stringify(codes[k]);
    json += "]";
    if (!Object.isFrozen(codes)) return json;
    reasonsJSON.set(codes, json);
  }
  lastCodes = codes;
  lastJSON = json;
  return json;
}

/**
 * The decide answer as JSON, written by hand for the hot path: the shape is fixed (DecideResponse
 * in schemas.ts documents it), so this skips zod's encode step. Strings go through
 * JSON.stringify, so any id is escaped correctly.
 */
export function serializeDecision(d: DecideOutput): string {
  const offer = d.offer === "none" ? '"none"' : String(d.offer);
  const profit = d.expected_profit === null || !Number.isFinite(d.expected_profit) ? "null" : String(d.expected_profit);
  return `{"decision_id":${JSON.stringify(d.decision_id)},"offer":${offer},"expected_profit":${profit},"reason_codes":${reasonCodesJSON(d.reason_codes)},"model_version":${JSON.stringify(d.model_version)},"holdout":${d.holdout},"experiment":${JSON.stringify(d.experiment)}}`;
}
