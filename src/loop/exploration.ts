/**
 * Exploration and the logging distribution of a decision — what makes the decision log
 * something a new policy can be learned and judged from.
 *
 * A deterministic policy only ever tries its own favourite arm (and the holdout's no offer), so
 * the log says nothing about what any other discount would have done: a challenger that would
 * choose differently cannot be evaluated off-policy (its inverse-propensity weight there is 1/0),
 * and a per-arm model has no rows for the arms never chosen. ε-greedy exploration (Sutton & Barto
 * 2018, §2.2; Li et al. 2010 for logging it in a live service) fixes both at a known cost: with
 * probability ε the treated customer gets an arm drawn uniformly, so every arm keeps a logging
 * probability of at least (1 − control share)·ε/K.
 *
 * The logging distribution of a decision, with control share c and the policy's arm
 * probabilities p (one-hot for a deterministic policy):
 *   μ(0 | x) = c + (1 − c)·p₀,   μ(a | x) = (1 − c)·p_a for a > 0,
 * since the holdout always gets arm 0. The propensity logged is μ of the arm given; the whole
 * distribution is logged too, so retraining can check support for any challenger.
 */
import type { Rng } from "../core/rng.ts";
import type { PolicyChoice } from "../serve/policy.ts";

export interface Explored {
  /** The arm for a treated customer: the policy's, or a uniformly drawn one. */
  arm: number;
  /** The policy's arm probabilities including exploration. */
  probabilities: Float64Array;
  explored: boolean;
}

/**
 * ε-greedy over the policy's choice. A choice without per-arm responses (no model, or an unknown
 * product) is not explored: there is nothing to offer on a product without a price.
 */
export function explore(choice: PolicyChoice, nArms: number, epsilon: number, random: Rng): Explored {
  const probabilities = new Float64Array(nArms);
  if (epsilon <= 0 || nArms < 2 || !choice.responses) {
    probabilities[choice.arm] = 1;
    return { arm: choice.arm, probabilities, explored: false };
  }
  probabilities.fill(epsilon / nArms);
  probabilities[choice.arm] += 1 - epsilon;
  if (random.next() >= epsilon) return { arm: choice.arm, probabilities, explored: false };
  const arm = random.int(nArms);
  return { arm, probabilities, explored: arm !== choice.arm };
}

/** μ(· | x) given the policy's arm probabilities and the control share (see the module comment). */
export function loggingDistribution(probabilities: Float64Array, controlShare: number): Float64Array {
  const out = Float64Array.from(probabilities, (p) => (1 - controlShare) * p);
  out[0] += controlShare;
  return out;
}
