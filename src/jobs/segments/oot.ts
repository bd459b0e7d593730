/**
 * The out-of-time proof that the programme picks the right people. The whole selection —
 * features, CLV, spaces, sweep, winner rule, Insiders criterion — is run again with data
 * before the cut-off only; then we measure the Insiders' share of all identified customers'
 * net revenue from the cut-off to the end, against the same number of customers picked by plain
 * past-revenue rank (what a marketer would do without us). On Online Retail the top 6% by
 * revenue already hold half of it, so "a small group with half the revenue" proves nothing; the
 * baseline at equal size is the honest yardstick. Nothing after the cut-off enters the choice.
 */
import type { Store } from "../../store/store.ts";
import { revenueBetween } from "./features.ts";
import { characterise, type Prepared, type SegmentConfig, type SegmentsOptions } from "./pipeline.ts";
import type { Selection } from "./select.ts";

export interface OotResult {
  cutoff: string;
  end: string;
  customersAtCutoff: number;
  config: SegmentConfig;
  insiders: number;
  /** Insiders' and baseline's share of revenue before the cut-off. */
  insidersPastShare: number;
  baselinePastShare: number;
  /** Net revenue of all identified customers in [cutoff, end), new customers included. */
  futureRevenue: number;
  insidersFutureShare: number;
  baselineFutureShare: number;
  /** The same shares among customers known at the cut-off only. */
  insidersFutureShareKnown: number;
  baselineFutureShareKnown: number;
  /** Customers in both groups. */
  overlap: number;
  beatsBaseline: boolean;
  atLeastHalf: boolean;
}

/** `prepared` and `selection` are as of the cut-off (prepared.asOf); revenue is measured up to `end`. */
export async function outOfTimeProof(store: Store, prepared: Prepared, selection: Selection, end: string, opts: SegmentsOptions): Promise<OotResult> {
  const { isInsider } = characterise(prepared, selection.labels, (l) => l, new Map(), { ...opts, bootstrapResamples: 100 });
  const future = await revenueBetween(store, { dataset: prepared.dataset, from: prepared.asOf, to: end });
  const n = prepared.customers.length;
  const nInsiders = isInsider.reduce((a, b) => a + b, 0);
  // Ties in past revenue broken by customer id, so the baseline does not depend on row order.
  const byRevenue = Array.from({ length: n }, (_, i) => i).sort((a, b) => prepared.netRevenue[b] - prepared.netRevenue[a] || (prepared.customers[a] < prepared.customers[b] ? -1 : 1));
  const baseline = new Uint8Array(n);
  for (const i of byRevenue.slice(0, nInsiders)) baseline[i] = 1;
  let futureTotal = 0;
  for (const v of future.values()) futureTotal += v;
  let futureKnown = 0, insidersFuture = 0, baselineFuture = 0, pastTotal = 0, insidersPast = 0, baselinePast = 0, overlap = 0;
  prepared.customers.forEach((id, i) => {
    const f = future.get(id) ?? 0;
    futureKnown += f;
    pastTotal += prepared.netRevenue[i];
    if (isInsider[i]) {
      insidersFuture += f;
      insidersPast += prepared.netRevenue[i];
    }
    if (baseline[i]) {
      baselineFuture += f;
      baselinePast += prepared.netRevenue[i];
    }
    if (isInsider[i] && baseline[i]) overlap++;
  });
  const insidersFutureShare = insidersFuture / futureTotal;
  const baselineFutureShare = baselineFuture / futureTotal;
  return {
    cutoff: prepared.asOf,
    end,
    customersAtCutoff: n,
    config: selection.config,
    insiders: nInsiders,
    insidersPastShare: insidersPast / pastTotal,
    baselinePastShare: baselinePast / pastTotal,
    futureRevenue: futureTotal,
    insidersFutureShare,
    baselineFutureShare,
    insidersFutureShareKnown: insidersFuture / futureKnown,
    baselineFutureShareKnown: baselineFuture / futureKnown,
    overlap,
    beatsBaseline: insidersFutureShare >= baselineFutureShare,
    atLeastHalf: insidersFutureShare >= 0.5,
  };
}
