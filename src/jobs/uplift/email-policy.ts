/**
 * Hillstrom's three-arm question: for each customer, which e-mail — womens, mens — or none? A
 * multi-arm uplift model (one learner over the control and both e-mails) predicts each e-mail's
 * uplift; the policy sends the e-mail with the largest expected gain, uplift × margin per
 * conversion − cost per contact, and nothing when no gain is positive. It is valued on the
 * holdout, where the arms were randomised with known shares, by self-normalised inverse-propensity
 * weighting (src/uplift/policy.ts) with a bootstrap 95 % interval, against sending nobody,
 * everybody the womens or the mens e-mail, and a random e-mail — in profit per customer and in
 * conversions per customer, and as a paired difference to the best single arm.
 */
import { alwaysArm, policyDifference, policyValue, randomPolicy, type LoggedData, type Policy } from "../../uplift/policy.ts";

export interface EmailPolicyRow {
  policy: string;
  /** Share of holdout customers the policy gives each arm (control first). */
  armShares: number[];
  /** SNIPW profit per customer and its 95 % interval. */
  profit: { value: number; ci: [number, number] };
  /** SNIPW conversions per customer and its 95 % interval. */
  conversion: { value: number; ci: [number, number] };
}

export interface EmailPolicyEvaluation {
  arms: string[];
  nRows: number;
  propensity: number[];
  economics: { costPerContact: number; marginPerConversion: number };
  rows: EmailPolicyRow[];
  /** The learned policy's profit minus the best single-arm policy's, paired bootstrap. */
  versusBestSingle: { baseline: string; difference: number; ci: [number, number]; probabilityBetter: number };
}

/** Best arm per row by expected gain uplift × margin − cost; 0 when none is positive. */
export function chooseArms(uplift: Float64Array, nTreatments: number, economics: { costPerContact: number; marginPerConversion: number }): Int32Array {
  const nRows = uplift.length / nTreatments;
  const arms = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let best = 0;
    let bestGain = 0;
    for (let k = 0; k < nTreatments; k++) {
      const gain = uplift[i * nTreatments + k] * economics.marginPerConversion - economics.costPerContact;
      if (gain > bestGain) {
        best = k + 1;
        bestGain = gain;
      }
    }
    arms[i] = best;
  }
  return arms;
}

function shares(arms: Int32Array, nArms: number): number[] {
  const counts = new Array<number>(nArms).fill(0);
  for (const a of arms) counts[a]++;
  return counts.map((c) => c / Math.max(1, arms.length));
}

/**
 * @param uplift the model's row-major nRows × K uplifts on the holdout
 * @param loggedArm the arm each holdout customer was randomised to (0 = control)
 * @param y the outcome (conversion: 0/1)
 */
export function evaluateEmailPolicy(
  arms: readonly string[], uplift: Float64Array, loggedArm: Int32Array, y: Float64Array,
  economics: { costPerContact: number; marginPerConversion: number }, options: { nBootstrap?: number; seed?: number } = {},
): EmailPolicyEvaluation {
  const nArms = arms.length;
  const nRows = loggedArm.length;
  const propensity = shares(loggedArm, nArms);
  const profitReward = Float64Array.from(y, (v, i) => v * economics.marginPerConversion - (loggedArm[i] === 0 ? 0 : economics.costPerContact));
  const logged = (reward: Float64Array): LoggedData => ({ arm: loggedArm, reward, propensity, propensityPer: "arm", nArms });
  const learned = chooseArms(uplift, nArms - 1, economics);
  const policies: Array<{ name: string; policy: Policy; armShares: number[] }> = [
    { name: "learned: best e-mail by expected gain, or none", policy: { arms: learned }, armShares: shares(learned, nArms) },
    ...arms.map((name, a) => ({
      name: a === 0 ? `nobody (${name})` : `everybody: ${name}`,
      policy: alwaysArm(nRows, a),
      armShares: arms.map((_, b) => (b === a ? 1 : 0)),
    })),
    { name: "random arm", policy: randomPolicy(nRows, nArms), armShares: arms.map(() => 1 / nArms) },
  ];
  const bootstrap = { nBootstrap: options.nBootstrap ?? 1000, seed: options.seed ?? 0 };
  const rows = policies.map(({ name, policy, armShares }): EmailPolicyRow => {
    const profit = policyValue(logged(profitReward), policy, bootstrap);
    const conversion = policyValue(logged(y), policy, bootstrap);
    return { policy: name, armShares, profit: { value: profit.snipw, ci: profit.snipwCi }, conversion: { value: conversion.snipw, ci: conversion.snipwCi } };
  });
  // The best single-arm policy on this holdout, and the learned policy's paired difference to it.
  let bestSingle = 1;
  for (let a = 1; a <= nArms; a++) if (rows[a].profit.value > rows[bestSingle].profit.value) bestSingle = a;
  const diff = policyDifference(logged(profitReward), policies[0].policy, policies[bestSingle].policy, bootstrap);
  return {
    arms: [...arms], nRows, propensity, economics: { ...economics }, rows,
    versusBestSingle: { baseline: rows[bestSingle].policy, difference: diff.difference, ci: diff.ci, probabilityBetter: diff.probabilityBetter },
  };
}
