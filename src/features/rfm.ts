/**
 * Recency, frequency and monetary features per customer as of a date, in SQL over the
 * canonical `orders` table (docs/data-model.md), written once through store.dialect so DuckDB
 * and PostgreSQL compute the same numbers. The Insiders seed's list (gross revenue, recency
 * days, number of invoices, average ticket, purchase frequency, average days between
 * purchases) plus what a modern RFM adds (Fader, Hardie & Lee 2005's RFM framing; tenure and
 * monetary value per month, which put customers of different ages on one scale).
 *
 * "As of D" means the customer's history strictly before D (ordered_at < D at midnight):
 * nothing on or after D is read, so a model chosen as of D can be judged on what came after.
 *
 * Sales are lines with quantity > 0 outside cancellation invoices; returns are in returns.ts.
 * Anonymous lines (customer_id NULL) belong to no customer and are left out.
 *
 * Parameters: $1 = dataset, $2 = as-of date (text 'YYYY-MM-DD' or a timestamp).
 */
import type { Dialect } from "../store/dialect.ts";

/** Average month length in days: rates "per month" whatever the calendar. */
export const DAYS_PER_MONTH = 30.4375;

export interface FeatureFamily {
  /** SELECT customer_id, <columns> … GROUP BY customer_id, with $1 = dataset and $2 = as-of. */
  sql: string;
  /** Output columns with what each one means (for profiles, reports and docs). */
  columns: ReadonlyArray<{ name: string; description: string }>;
}

export const RFM_COLUMNS = Object.freeze([
  { name: "gross_revenue", description: "sum of sale line amounts before the as-of date" },
  { name: "recency_days", description: "days from the last purchase day to the as-of date" },
  { name: "tenure_days", description: "days from the first purchase day to the as-of date" },
  { name: "n_invoices", description: "distinct sale invoices" },
  { name: "purchase_days", description: "distinct days with a purchase" },
  { name: "avg_ticket", description: "gross revenue per invoice (average order value)" },
  { name: "frequency_per_month", description: "invoices per month of tenure (tenure floored at one month)" },
  { name: "monetary_per_month", description: "gross revenue per month of tenure (tenure floored at one month)" },
  {
    name: "avg_days_between_purchases",
    description: "mean gap between consecutive purchase days; one-day customers get their tenure (the gap is at least that long)",
  },
]);

/** The WHERE clause every family shares: this dataset, identified customers, before the as-of date. */
export function historyFilter(d: Dialect, alias = "o"): string {
  return `${alias}.dataset = $1 AND ${alias}.customer_id IS NOT NULL AND ${alias}.ordered_at < ${asOfParam(d)}`;
}

/** The as-of parameter ($2) as a timestamp on every engine. */
export function asOfParam(_d: Dialect): string {
  return "CAST($2 AS TIMESTAMP)";
}

/** A sale line: positive quantity, not part of a cancellation invoice. */
export function isSale(alias = "o"): string {
  return `(${alias}.quantity > 0 AND NOT COALESCE(${alias}.is_cancellation, FALSE))`;
}

export function rfmFeatures(d: Dialect): FeatureFamily {
  const asOf = asOfParam(d);
  const days = (from: string, to: string) => d.toDouble(d.daysBetween(from, to));
  // Mean of consecutive gaps between purchase days telescopes to (last − first) / (days − 1).
  const sql = `
    SELECT customer_id,
           gross_revenue,
           ${days("last_day", asOf)} AS recency_days,
           ${days("first_day", asOf)} AS tenure_days,
           ${d.toDouble("n_invoices")} AS n_invoices,
           ${d.toDouble("purchase_days")} AS purchase_days,
           gross_revenue / n_invoices AS avg_ticket,
           n_invoices * ${DAYS_PER_MONTH} / ${d.greatest(days("first_day", asOf), String(DAYS_PER_MONTH))} AS frequency_per_month,
           gross_revenue * ${DAYS_PER_MONTH} / ${d.greatest(days("first_day", asOf), String(DAYS_PER_MONTH))} AS monetary_per_month,
           CASE WHEN purchase_days > 1 THEN ${days("first_day", "last_day")} / (purchase_days - 1)
                ELSE ${days("first_day", asOf)} END AS avg_days_between_purchases
    FROM (
      SELECT o.customer_id,
             ${d.toDouble("sum(o.amount)")} AS gross_revenue,
             count(DISTINCT o.order_id) AS n_invoices,
             count(DISTINCT ${d.day("o.ordered_at")}) AS purchase_days,
             min(${d.day("o.ordered_at")}) AS first_day,
             max(${d.day("o.ordered_at")}) AS last_day
      FROM orders o
      WHERE ${historyFilter(d)} AND ${isSale()}
      GROUP BY o.customer_id
    ) AS sales`;
  return { sql, columns: RFM_COLUMNS };
}
