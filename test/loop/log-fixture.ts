/**
 * A simulated decision log with known truth for the retraining tests: the simulator's sessions
 * (each with a uniformly random discount: propensity 1/5, the logging distribution logged with
 * it) written through the service's own decision log, and their purchases reported as outcomes
 * (amount paid = price × (1 − discount)).
 */
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { writeOutcomes } from "../../src/loop/outcome-store.ts";
import { DbHealth } from "../../src/serve/db-health.ts";
import { DecisionLog, type DecisionRecord } from "../../src/serve/decision-log.ts";
import type { Store } from "../../src/store/store.ts";
import type { SessionTable } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";

export const ARMS = DISCOUNT_LEVELS.map((d) => (d === 0 ? "none" : `${d}%`));

export async function writeSimulatedLog(store: Store, table: SessionTable, dataset: string, rows: number[], options: { logging?: boolean } = {}): Promise<void> {
  const health = new DbHealth(store);
  const log = new DecisionLog(store, health, { capacity: 1_000_000 });
  const nFeatures = table.features.nCols;
  const outcomes = [];
  for (const r of rows) {
    const arm = table.arm[r];
    const values = Float64Array.from({ length: nFeatures }, (_, j) => table.features.data[j * table.features.nRows + r]);
    const offer = arm === 0 ? "none" : String(DISCOUNT_LEVELS[arm]);
    const record: DecisionRecord = {
      decisionId: `d${table.sessionId[r]}`, decidedMs: table.decisionMs[r], dataset, customerId: String(table.userId[r]),
      sessionId: String(table.sessionId[r]), productId: String(table.productId[r]), experiment: "offers", holdout: false, arm,
      offer, discount: DISCOUNT_LEVELS[arm], policyArm: arm, policyOffer: offer, propensity: 1 / DISCOUNT_LEVELS.length, expectedProfit: null,
      reasonCodes: ["EXPLORATION"], featureValues: values, modelVersion: "offers:v1", keyId: null,
      ...(options.logging === false ? {} : { logging: new Float64Array(DISCOUNT_LEVELS.length).fill(1 / DISCOUNT_LEVELS.length) }),
    };
    log.enqueue(record);
    if (table.bought[r] === 1) {
      outcomes.push({
        outcome_id: `o${table.sessionId[r]}`, decision_id: record.decisionId, occurred_at: new Date(table.decisionMs[r] + 60_000),
        purchased: true, amount: table.price[r] * (1 - DISCOUNT_LEVELS[arm] / 100),
      });
    }
  }
  await log.flush();
  await log.close();
  health.close();
  for (let start = 0; start < outcomes.length; start += 2000) await writeOutcomes(store, dataset, outcomes.slice(start, start + 2000));
}

/** A bad champion: a T-learner fitted with the discount levels reversed (it offers 20 % where 0 % is right). */
export function backwardsModel(table: SessionTable) {
  const reversed = Int32Array.from(table.arm, (a) => DISCOUNT_LEVELS.length - 1 - a);
  return tLearner({ base: gbdt({ nEstimators: 30, maxDepth: 3, learningRate: 0.2 }) }).fit(table.features, table.bought, reversed, { seed: 2, arms: ARMS, nThreads: 1 });
}
