/**
 * What the simulator's oracle makes possible: the exact expected profit of any discount policy
 * on simulated sessions (Σ P_true(buy | d) × price × (margin − d)), and the oracle policy that
 * maximises it with the true probabilities. The learned policy is judged against these, without
 * the noise of realised purchases or of off-policy estimates.
 */
import { PatronError } from "../core/errors.ts";
import type { Shop } from "./simulator.ts";

/** For each session id in `sessionIds`, its row in the oracle. */
export function oracleRows(shop: Shop, sessionIds: ArrayLike<number>): Int32Array {
  const rowOf = new Map<number, number>();
  shop.oracle.sessionId.forEach((id, r) => rowOf.set(id, r));
  return Int32Array.from({ length: sessionIds.length }, (_, i) => {
    const r = rowOf.get(sessionIds[i]);
    if (r === undefined) throw new PatronError("E_DATA", `session ${sessionIds[i]} is not in the simulator's oracle.`);
    return r;
  });
}

/** True P(buy) of each row at each level: row-major nRows × nLevels (the learners' responses, made exact). */
export function trueResponses(shop: Shop, rows: Int32Array): Float64Array {
  const nLevels = shop.oracle.levels.length;
  const out = new Float64Array(rows.length * nLevels);
  rows.forEach((r, i) => out.set(shop.oracle.probability.subarray(r * nLevels, (r + 1) * nLevels), i * nLevels));
  return out;
}

/** Exact expected profit of giving arm `arms[i]` to row i: Σ p × price × (margin − discount). */
export function expectedProfit(
  shop: Shop, rows: Int32Array, arms: ArrayLike<number>, price: ArrayLike<number>, marginRate: number,
): number {
  const levels = shop.oracle.levels;
  const nLevels = levels.length;
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const a = arms[i];
    total += shop.oracle.probability[rows[i] * nLevels + a] * price[i] * (marginRate - levels[a] / 100);
  }
  return total;
}
