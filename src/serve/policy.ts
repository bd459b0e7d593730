/**
 * What /v1/decide asks: given a live session's online features, which arm (no offer, or a
 * discount level), its expected profit and the reasons. A Policy is built once from the model
 * registry's active "offers" entry and then called on the hot path with no I/O.
 *
 * - The default policy (no active model): never offer, expected profit unknown (null), reason
 *   NO_ACTIVE_POLICY. Offering nothing is the safe default: a discount without a model of who
 *   it persuades mostly pays people who would have bought anyway.
 * - A discount policy: an uplift model over the discount arms (any serializable Patron uplift
 *   model — S/T/X-learner — fitted on SESSION_FEATURES columns, arm 0 = no discount) plus its
 *   economics: expected profit of arm a = P(buy | x, a) × price × (margin − d_a), the IUM seed's
 *   definition (src/uplift/decisions.ts). Rules: "max-expected-profit", or the seed's
 *   "smallest-sufficient" (the smallest discount whose purchase probability reaches a threshold).
 *
 * Registry entry for purpose "offers": model = the uplift model's toJSON(); config =
 * { discounts: [0, 5, 10, 15, 20], marginRate: 0.3, rule?, threshold?, minGain? }.
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import { matrix } from "../core/matrix.ts";
import { upliftModelFromJSON } from "../uplift/model-json.ts";
import { SESSION_FEATURES } from "../uplift/session-features.ts";
import type { UpliftModel } from "../uplift/types.ts";
import type { FeatureVector } from "./online-features.ts";

export interface PolicyChoice {
  arm: number;
  /** Expected profit of the chosen arm; null when no model estimates it. */
  expectedProfit: number | null;
  reasons: string[];
  /** Predicted purchase probability per arm (for the decision log), when a model gave them. */
  responses?: Float64Array;
  /** Expected profit per arm, when a model gave them (the holdout's no-offer profit is profits[0]). */
  profits?: Float64Array;
}

export interface Policy {
  /** Shown in every decision: "offers:v3" or "default-no-offer". */
  readonly version: string;
  /** Decisions answered from the policy's memo of recent feature vectors (for /metrics). */
  readonly memoHits?: number;
  /** Discount per arm in percent; arm 0 is always 0 (no offer). */
  readonly discounts: readonly number[];
  decide(features: FeatureVector): PolicyChoice;
}

export const DEFAULT_POLICY_VERSION = "default-no-offer";

export const defaultPolicy: Policy = Object.freeze({
  version: DEFAULT_POLICY_VERSION,
  discounts: Object.freeze([0]),
  decide: (): PolicyChoice => ({ arm: 0, expectedProfit: null, reasons: ["NO_ACTIVE_POLICY"] }),
});

export const DiscountPolicyConfig = z.strictObject({
  /** Discount of each arm in percent, control (0) first: the uplift model's arms in order. */
  discounts: z.array(z.number().min(0).max(100)).min(2),
  /** Gross margin as a fraction of the price before any discount. */
  marginRate: z.number().gt(0).max(1),
  rule: z.enum(["max-expected-profit", "smallest-sufficient"]).default("max-expected-profit"),
  /** smallest-sufficient: the purchase probability a discount must reach. */
  threshold: z.number().min(0).max(1).optional(),
  /** max-expected-profit: offer only when it beats no offer by at least this much money. */
  minGain: z.number().min(0).default(0),
});
export type DiscountPolicyConfig = z.infer<typeof DiscountPolicyConfig>;

const J = Object.fromEntries(SESSION_FEATURES.map((name, j) => [name, j])) as Record<string, number>;

/** Builds the policy of a registry entry, validating the model and config first. */
export async function discountPolicy(version: string, modelJSON: unknown, configJSON: unknown): Promise<Policy> {
  const parsed = DiscountPolicyConfig.safeParse(configJSON);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PatronError(
      "E_MODEL_CONFIG",
      `the offers policy config is invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}. Expected { discounts: [0, 5, …], marginRate: 0.3, rule?: "max-expected-profit" | "smallest-sufficient", threshold?, minGain? }.`,
    );
  }
  const config = parsed.data;
  if (config.discounts[0] !== 0) {
    throw new PatronError("E_MODEL_CONFIG", `the first arm must be "no offer" (discount 0); found discounts ${config.discounts.join(", ")}.`);
  }
  if (config.rule === "smallest-sufficient" && config.threshold === undefined) {
    throw new PatronError("E_MODEL_CONFIG", `rule "smallest-sufficient" needs a threshold (the purchase probability a discount must reach), e.g. 0.6.`);
  }
  const model = await upliftModelFromJSON(modelJSON);
  if (model.arms.length !== config.discounts.length) {
    throw new PatronError(
      "E_MODEL_CONFIG",
      `the uplift model has ${model.arms.length} arms (${model.arms.join(", ")}) but the config lists ${config.discounts.length} discounts; give one discount per arm, control first.`,
    );
  }
  if (model.outcome !== "binary") {
    throw new PatronError("E_MODEL_CONFIG", `an offers policy needs a purchase (binary) uplift model; this one predicts a continuous outcome.`);
  }
  const unknown = model.featureNames.filter((name) => !(name in J));
  if (unknown.length > 0) {
    throw new PatronError(
      "E_MODEL_CONFIG",
      `the model reads ${unknown.join(", ")}, which the service does not compute online; it can use ${SESSION_FEATURES.join(", ")}.`,
    );
  }
  return new DiscountPolicy(version, model, config);
}

/**
 * Most feature vectors a policy remembers. The model is a pure function of the vector, and live
 * vectors repeat a lot (small counts × a catalogue of prices: every first visit to a product
 * looks the same), so a memo saves the model call — most of a decision's CPU — without changing
 * any answer. Cleared when full; a new policy starts empty.
 */
const MEMO_SIZE = 50_000;

class DiscountPolicy implements Policy {
  readonly discounts: readonly number[];
  readonly #columns: Int32Array;
  readonly #rates: Float64Array;
  readonly #memo = new Map<string, PolicyChoice>();
  #memoHits = 0;

  constructor(
    readonly version: string,
    readonly model: UpliftModel,
    readonly config: DiscountPolicyConfig,
  ) {
    this.discounts = Object.freeze([...config.discounts]);
    this.#columns = Int32Array.from(model.featureNames, (name) => J[name]);
    this.#rates = Float64Array.from(config.discounts, (d) => d / 100);
  }

  get memoHits(): number {
    return this.#memoHits;
  }

  decide(features: FeatureVector): PolicyChoice {
    const v = features.values;
    let key = features.knownCustomer ? "k" : "n";
    for (let j = 0; j < v.length; j++) key += `|${v[j]}`;
    const known = this.#memo.get(key);
    if (known) {
      this.#memoHits++;
      return known;
    }
    const choice = this.#compute(features);
    Object.freeze(choice.reasons);
    if (this.#memo.size >= MEMO_SIZE) this.#memo.clear();
    this.#memo.set(key, Object.freeze(choice));
    return choice;
  }

  #compute(features: FeatureVector): PolicyChoice {
    const v = features.values;
    const price = v[J.price];
    const context = contextReasons(features);
    if (!(price > 0)) return { arm: 0, expectedProfit: null, reasons: ["UNKNOWN_PRODUCT", ...context] };
    const row = new Float64Array(this.#columns.length);
    for (let j = 0; j < row.length; j++) row[j] = v[this.#columns[j]];
    const responses = this.model.predictResponses(matrix(row, 1, this.model.featureNames));
    const margin = this.config.marginRate;
    const profits = Float64Array.from(responses, (p, a) => p * price * (margin - this.#rates[a]));
    const profit = (a: number) => profits[a];
    let arm = 0;
    const reasons: string[] = [];
    if (this.config.rule === "smallest-sufficient") {
      const threshold = this.config.threshold!;
      arm = -1;
      for (let a = 0; a < responses.length; a++) {
        if (responses[a] >= threshold) {
          arm = a;
          break;
        }
      }
      if (arm === 0) reasons.push("LIKELY_TO_BUY_WITHOUT_DISCOUNT");
      else if (arm > 0) reasons.push("SMALLEST_SUFFICIENT_DISCOUNT");
      else {
        arm = 0;
        reasons.push("NO_DISCOUNT_SUFFICES");
      }
    } else {
      let best = profit(0);
      for (let a = 1; a < responses.length; a++) {
        const value = profit(a);
        if (value > best + this.config.minGain) {
          best = value;
          arm = a;
        }
      }
      if (arm > 0) reasons.push("DISCOUNT_PAYS");
      else {
        let raises = false;
        for (let a = 1; a < responses.length; a++) if (responses[a] > responses[0]) raises = true;
        reasons.push(raises ? "DISCOUNT_DOES_NOT_PAY" : "DISCOUNT_DOES_NOT_RAISE_PURCHASE");
      }
    }
    return { arm, expectedProfit: profit(arm), reasons: [...reasons, ...context], responses, profits };
  }
}

/** What the features say about the customer, as stable codes. */
function contextReasons(features: FeatureVector): string[] {
  const v = features.values;
  if (!features.knownCustomer) return ["NEW_CUSTOMER"];
  const out: string[] = [];
  if (v[J.past_purchases] > 0) out.push("RETURNING_BUYER");
  if (v[J.past_discount_purchases] > 0) out.push("BOUGHT_WITH_DISCOUNT_BEFORE");
  if (v[J.product_views] > 0) out.push("VIEWED_PRODUCT_BEFORE");
  return out;
}
