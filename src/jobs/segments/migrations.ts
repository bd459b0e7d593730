/**
 * What changed between two consecutive runs: the migration matrix of customers between
 * segments (models/cluster/matching.ts `migrationMatrix`, by stable ids, shown by name), who
 * entered or left the Insiders and on which rule, and the Insiders' retention (the share of
 * the previous run's Insiders still Insiders now — the programme's stability goal).
 *
 * Reasons: an entrant is explained by the entry rule of this run's surrogate tree that she now
 * satisfies; a leaver by the conditions of the previous run's entry rules she now fails, with
 * her current value. A customer who still satisfies a previous rule left because the segment
 * boundary moved, and the reason says so.
 */
import { migrationMatrix } from "../../models/cluster/matching.ts";
import type { ModelJSON } from "../../models/types.ts";
import { conditionText, failedConditions, formatThreshold, negate, rulesFromTree, satisfies, type MembershipRules } from "./rules.ts";

export interface MigrationCell {
  from: string;
  to: string;
  customers: number;
}

export interface InsiderChange {
  customer: string;
  change: "entered" | "left";
  reason: string;
}

export interface MigrationSummary {
  previousRunId: string;
  previousAsOf: string;
  cells: MigrationCell[];
  entered: number;
  left: number;
  previousInsiders: number;
  stillInsiders: number;
  /** stillInsiders / previousInsiders. */
  retention: number;
  changes: InsiderChange[];
}

export const NEW_CUSTOMER = "(new customer)";

export function summariseMigration(input: {
  previous: { runId: string; asOf: string; assignments: ReadonlyMap<string, { segment: string; segmentId: number; isInsider: boolean }>; rulesTree: ModelJSON };
  customers: readonly string[];
  segmentOf: Int32Array;
  isInsider: Uint8Array;
  names: ReadonlyMap<number, string>;
  values: Record<string, ArrayLike<number>>;
  rules: MembershipRules;
}): MigrationSummary {
  const { previous, customers } = input;
  const prevMap = new Map<string, number>();
  const prevNames = new Map<number, string>();
  for (const [id, a] of previous.assignments) {
    prevMap.set(id, a.segmentId);
    prevNames.set(a.segmentId, a.segment);
  }
  const nextMap = new Map(customers.map((id, i) => [id, input.segmentOf[i]]));
  const m = migrationMatrix(prevMap, nextMap);
  const cells: MigrationCell[] = [];
  m.previousIds.forEach((a, r) => m.nextIds.forEach((b, c) => {
    if (m.counts[r][c] > 0) cells.push({ from: prevNames.get(a) ?? String(a), to: input.names.get(b) ?? String(b), customers: m.counts[r][c] });
  }));
  for (const [b, count] of m.entered) cells.push({ from: NEW_CUSTOMER, to: input.names.get(b) ?? String(b), customers: count });
  for (const [a, count] of m.left) cells.push({ from: prevNames.get(a) ?? String(a), to: "(no longer a customer)", customers: count });

  const previousRules = rulesFromTree(previous.rulesTree);
  const changes: InsiderChange[] = [];
  let previousInsiders = 0;
  let still = 0;
  for (const a of previous.assignments.values()) if (a.isInsider) previousInsiders++;
  customers.forEach((id, i) => {
    const before = previous.assignments.get(id);
    const valueOf = (feature: string) => input.values[feature][i];
    if (before?.isInsider && input.isInsider[i]) still++;
    else if (input.isInsider[i]) {
      const rule = input.rules.entry.find((r) => satisfies(r.conditions, valueOf));
      changes.push({ customer: id, change: "entered", reason: `${before ? "" : "new customer; "}${rule ? `meets ${rule.text}` : "joined the Insiders cluster without meeting a summary rule (the tree is an approximation)"}` });
    } else if (before?.isInsider) {
      const held = previousRules.entry.find((conditions) => satisfies(conditions, valueOf));
      if (held) {
        changes.push({ customer: id, change: "left", reason: `the segment boundary moved; still meets the previous rule ${held.map(conditionText).join(" and ")}` });
      } else {
        // The previous rule she came closest to (fewest failed conditions) names what changed.
        const closest = previousRules.entry.map((conditions) => failedConditions(conditions, valueOf)).sort((p, q) => p.length - q.length)[0] ?? [];
        const what = closest.map((c) => `${conditionText(negate(c))} (now ${formatThreshold(valueOf(c.feature))})`).join(" and ");
        changes.push({ customer: id, change: "left", reason: what ? `now ${what}` : "left the Insiders cluster" });
      }
    }
  });
  return {
    previousRunId: previous.runId,
    previousAsOf: previous.asOf,
    cells,
    entered: changes.filter((c) => c.change === "entered").length,
    left: changes.filter((c) => c.change === "left").length,
    previousInsiders,
    stillInsiders: still,
    retention: previousInsiders ? still / previousInsiders : NaN,
    changes,
  };
}
