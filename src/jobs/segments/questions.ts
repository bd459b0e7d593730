/**
 * The Insiders seed's nine business questions, answered from a run's numbers: who the Insiders
 * are, how many, what characterises them, their revenue share, what they are expected to spend,
 * how one gets in and out, why the programme is better than the rest of the base (the rank
 * test, the bootstrap interval and the out-of-time check), and what marketing can do — each
 * action tied to a count of customers it applies to.
 */
import type { Prepared, InsiderSummary } from "./pipeline.ts";
import type { SegmentProfile } from "./profiles.ts";
import { conditionText, failedConditions, type MembershipRules } from "./rules.ts";
import { median } from "../../core/median.ts";

export interface BusinessAnswer {
  number: number;
  question: string;
  answer: string;
  /** Numbers behind the answer, for tables and charts. */
  figures: Record<string, number | string | null>;
}

export interface OotSummary {
  cutoff: string;
  end: string;
  insiders: number;
  insidersFutureShare: number;
  baselineFutureShare: number;
}

const money = (v: number) => (Number.isFinite(v) ? v.toLocaleString("en-US", { maximumFractionDigits: 0 }) : "–");
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–");

/** The features marketers read, in their units, with the Insiders' and the rest's medians. */
export const TRAIT_FEATURES = ["gross_revenue", "n_invoices", "recency_days", "frequency_per_month", "avg_ticket", "n_products", "tenure_days", "avg_days_between_purchases", "n_returned_items", "expected_revenue", "p_alive"];

export function answerQuestions(input: {
  prepared: Prepared;
  profiles: SegmentProfile[];
  insiders: InsiderSummary;
  isInsider: Uint8Array;
  rules: MembershipRules;
  oot: OotSummary | null;
  horizonMonths: number;
}): BusinessAnswer[] {
  const { prepared, insiders, isInsider, rules } = input;
  const v = prepared.values;
  const members = prepared.customers.map((_, i) => i).filter((i) => isInsider[i]);
  const rest = prepared.customers.map((_, i) => i).filter((i) => !isInsider[i]);
  const ranked = [...members].sort((a, b) => (v.expected_revenue ? v.expected_revenue[b] - v.expected_revenue[a] : prepared.netRevenue[b] - prepared.netRevenue[a]));
  const traits = TRAIT_FEATURES.filter((f) => v[f]).map((f) => ({ feature: f, insiders: median(members.map((i) => v[f][i])), rest: median(rest.map((i) => v[f][i])) }));
  const traitText = traits.filter((t) => ["gross_revenue", "n_invoices", "recency_days", "avg_ticket", "n_products"].includes(t.feature))
    .map((t) => `${t.feature} ${money(t.insiders)} vs ${money(t.rest)}`).join("; ");
  const expected = v.expected_revenue ? members.reduce((s, i) => s + v.expected_revenue[i], 0) : NaN;
  const p = insiders.mannWhitney.pGreater;
  const ci = insiders.medianDifference;
  const top = rules.entry[0];
  // Near misses: non-members failing exactly one condition of the main entry rule.
  const nearMisses = top ? rest.filter((i) => failedConditions(top.conditions, (f) => v[f][i]).length === 1).length : 0;
  const atRisk = v.p_alive
    ? members.filter((i) => v.recency_days[i] > 2 * v.avg_days_between_purchases[i] && v.recency_days[i] > 30).length
    : members.filter((i) => v.recency_days[i] > 60).length;
  const returners = members.filter((i) => v.return_rate[i] > 0.1).length;
  const oot = input.oot;
  return [
    { number: 1, question: "Who is eligible for the Insiders programme?", answer: `The ${insiders.customers.toLocaleString("en-US")} customers of the "Insiders" segment (list in segment_assignments, is_insider = true); the five with the highest expected revenue: ${ranked.slice(0, 5).map((i) => prepared.customers[i]).join(", ")}.`, figures: { customers: insiders.customers, top: ranked.slice(0, 10).map((i) => prepared.customers[i]).join(", ") } },
    { number: 2, question: "How many customers will be in the group?", answer: `${insiders.customers.toLocaleString("en-US")} of ${prepared.customers.length.toLocaleString("en-US")} customers (${pct(insiders.shareCustomers)}).`, figures: { customers: insiders.customers, share: insiders.shareCustomers } },
    { number: 3, question: "What characterises them?", answer: `Medians, Insiders vs the rest: ${traitText}.`, figures: Object.fromEntries(traits.flatMap((t) => [[`${t.feature}_insiders`, t.insiders], [`${t.feature}_rest`, t.rest]])) },
    { number: 4, question: "What share of revenue comes from the Insiders?", answer: `${pct(insiders.shareRevenue)} of net revenue and ${pct(insiders.shareItems)} of items, from ${pct(insiders.shareCustomers)} of customers.`, figures: { revenue: insiders.shareRevenue, items: insiders.shareItems } },
    { number: 5, question: `What revenue is expected from the group in the next ${input.horizonMonths} months?`, answer: Number.isFinite(expected) ? `${money(expected)} (BG/NBD × Gamma-Gamma), ${pct(insiders.shareExpectedRevenue)} of the whole base's expected revenue; ${money(expected / input.horizonMonths)} a month on average.` : "No forecast: the CLV model could not be fitted on this data (see the warning).", figures: { expected, share: insiders.shareExpectedRevenue } },
    { number: 6, question: "What makes a customer eligible?", answer: rules.entry.length ? rules.entry.map((r) => `${r.text} (${r.members} of ${r.customers} such customers are Insiders)`).join("; or ") : "No rule: the tree could not separate the Insiders.", figures: { rules: rules.entry.length, accuracy: rules.accuracy, precision: rules.precision, recall: rules.recall } },
    { number: 7, question: "What makes a customer leave the group?", answer: rules.exit.length ? `A member ${rules.exit.join("; a member under the next rule ")}. Membership is recomputed at every scheduled run; the migration table names who left and why.` : "No rule.", figures: { rules: rules.exit.length } },
    { number: 8, question: "Why is the Insiders programme better than the rest of the base?", answer: `Median net revenue ${money(insiders.medianRevenue)} vs ${money(insiders.medianRevenueRest)} (${insiders.medianUplift >= 0 ? "+" : ""}${pct(insiders.medianUplift)}); bootstrap ${Math.round(100 * ci.level)}% interval of the difference ${money(ci.low)} … ${money(ci.high)}; Mann-Whitney one-sided p ${p < 1e-15 ? "< 1e-15" : p.toPrecision(2)}.${oot ? ` Out of time: chosen with data before ${oot.cutoff}, the Insiders brought ${pct(oot.insidersFutureShare)} of revenue from ${oot.cutoff} to ${oot.end}, against ${pct(oot.baselineFutureShare)} for the same number of top past spenders.` : ""}`, figures: { p, low: ci.low, high: ci.high, ootInsiders: oot?.insidersFutureShare ?? null, ootBaseline: oot?.baselineFutureShare ?? null } },
    { number: 9, question: "What can marketing do to increase revenue?", answer: `Keep the Insiders: ${atRisk} of them have gone quiet for more than twice their usual gap between purchases — call them first. Grow the group: ${nearMisses} customers miss the main entry rule (${top ? top.conditions.map(conditionText).join(" and ") : "–"}) by one condition — target them with the benefit that closes it. Protect margin: ${returners} Insiders return more than 10% of what they buy.`, figures: { atRisk, nearMisses, returners } },
  ];
}
