/**
 * Logged decisions as a learning and evaluation table — what retraining learns from: per
 * decision the online features the service saw (SESSION_FEATURES, logged as JSON), the arm it
 * gave (the discount level, as an index into the policy's discounts), the logging propensity of
 * that arm (decide.ts: the holdout share and the policy's choice — plus exploration when the
 * service explores), the whole logging distribution when the log carries it, whether a purchase
 * followed and its profit (logged-decisions.ts).
 *
 * Decisions whose discount is not one of the policy's arms (an older policy with other levels)
 * are left out and counted.
 */
import { PatronError } from "../core/errors.ts";
import { frameColumn } from "../core/frame.ts";
import { matrix, takeRows, type Matrix } from "../core/matrix.ts";
import type { Store } from "../store/store.ts";
import { SESSION_FEATURES } from "../uplift/session-features.ts";
import { readLinkedDecisions, type DecisionRange } from "./logged-decisions.ts";

export interface TrainingLog {
  /** SESSION_FEATURES per decision (NaN where the service had no value). */
  x: Matrix;
  /** Arm given: index into `discounts`. */
  arm: Int32Array;
  /** μ(arm | x) as logged. */
  propensity: Float64Array;
  /** Row-major nRows × nArms logging distribution, when every decision logged it. */
  logging: Float64Array | undefined;
  purchased: Float64Array;
  profit: Float64Array;
  decidedMs: Float64Array;
  productId: readonly (string | null)[];
  holdout: Uint8Array;
  discounts: readonly number[];
  /** Decisions left out because their discount is not an arm. */
  dropped: number;
  outcomes: number;
}

interface LoggedFeatures {
  [name: string]: unknown;
  logging?: unknown;
}

export async function readTrainingLog(store: Store, range: Omit<DecisionRange, "columns">, discounts: readonly number[]): Promise<TrainingLog | undefined> {
  const linked = await readLinkedDecisions(store, { ...range, columns: ["features", "propensity", "product_id"] });
  if (!linked) return undefined;
  const { decisions } = linked;
  const nAll = decisions.nRows;
  const discount = frameColumn(decisions, "discount").values as Float64Array;
  const propensityAll = frameColumn(decisions, "propensity").values as Float64Array;
  const featuresText = frameColumn(decisions, "features").values as readonly (string | null)[];
  const productAll = frameColumn(decisions, "product_id").values as readonly (string | null)[];
  const holdoutAll = frameColumn(decisions, "holdout").values as Float64Array;
  const keep: number[] = [];
  const armOf = new Int32Array(nAll).fill(-1);
  for (let i = 0; i < nAll; i++) {
    armOf[i] = discounts.indexOf(discount[i]);
    if (armOf[i] >= 0) keep.push(i);
  }
  const nRows = keep.length;
  const nArms = discounts.length;
  const nFeatures = SESSION_FEATURES.length;
  const data = new Float64Array(nRows * nFeatures);
  let logging: Float64Array | undefined = new Float64Array(nRows * nArms);
  keep.forEach((i, r) => {
    let parsed: LoggedFeatures;
    try {
      parsed = JSON.parse(featuresText[i] ?? "{}") as LoggedFeatures;
    } catch {
      throw new PatronError("E_DECISION_LOG", `decision ${String(frameColumn(decisions, "decision_id").values[i])} has features that are not JSON; the decision log is damaged.`);
    }
    for (let j = 0; j < nFeatures; j++) {
      const value = parsed[SESSION_FEATURES[j]];
      data[j * nRows + r] = typeof value === "number" ? value : NaN;
    }
    const dist = parsed.logging;
    if (logging && Array.isArray(dist) && dist.length === nArms && dist.every((p) => typeof p === "number")) logging.set(dist as number[], r * nArms);
    else logging = undefined;
  });
  const pick = <T extends Float64Array | Uint8Array>(source: T, make: (n: number) => T): T => {
    const out = make(nRows);
    keep.forEach((i, r) => (out[r] = source[i]));
    return out;
  };
  return {
    x: matrix(data, nRows, SESSION_FEATURES),
    arm: Int32Array.from(keep, (i) => armOf[i]),
    propensity: pick(propensityAll, (n) => new Float64Array(n)),
    logging,
    purchased: Float64Array.from(keep, (i) => linked.purchased[i]),
    profit: pick(linked.profit, (n) => new Float64Array(n)),
    decidedMs: pick(linked.decidedMs, (n) => new Float64Array(n)),
    productId: keep.map((i) => productAll[i]),
    holdout: Uint8Array.from(keep, (i) => (holdoutAll[i] === 1 ? 1 : 0)),
    discounts,
    dropped: nAll - nRows,
    outcomes: linked.nOutcomes,
  };
}

/** The rows `index` of a training log (a time split). */
export function sliceLog(log: TrainingLog, index: Int32Array): TrainingLog {
  const nArms = log.discounts.length;
  const take = (values: Float64Array) => Float64Array.from(index, (i) => values[i]);
  let logging: Float64Array | undefined;
  if (log.logging) {
    const source = log.logging;
    logging = new Float64Array(index.length * nArms);
    index.forEach((i, r) => logging!.set(source.subarray(i * nArms, (i + 1) * nArms), r * nArms));
  }
  return {
    ...log,
    x: takeRows(log.x, index),
    arm: Int32Array.from(index, (i) => log.arm[i]),
    propensity: take(log.propensity),
    logging,
    purchased: take(log.purchased),
    profit: take(log.profit),
    decidedMs: take(log.decidedMs),
    productId: Array.from(index, (i) => log.productId[i]),
    holdout: Uint8Array.from(index, (i) => log.holdout[i]),
  };
}
