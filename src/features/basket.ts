/**
 * Basket features per customer as of a date, in SQL over `orders` through store.dialect: the
 * Insiders seed's items, products and basket sizes. A basket is one sale invoice; "unique
 * basket size" counts distinct products in it (ten of one mug is a big basket of one product).
 *
 * As in rfm.ts: history strictly before the as-of date, sale lines only, identified customers.
 * Parameters: $1 = dataset, $2 = as-of date.
 */
import type { Dialect } from "../store/dialect.ts";
import { historyFilter, isSale, type FeatureFamily } from "./rfm.ts";

export const BASKET_COLUMNS = Object.freeze([
  { name: "n_items", description: "units bought (sum of sale quantities)" },
  { name: "n_products", description: "distinct products bought" },
  { name: "avg_basket_size", description: "units per invoice" },
  { name: "avg_unique_basket_size", description: "distinct products per invoice, averaged over invoices" },
]);

export function basketFeatures(d: Dialect): FeatureFamily {
  // One grouped scan, no self-join: distinct (invoice, product) pairs count the unique basket
  // sizes, so the plan cannot degrade into nested loops over re-aggregated subqueries.
  const pair = `o.order_id || '|' || o.product_id`;
  const sql = `
    SELECT o.customer_id,
           ${d.toDouble("sum(o.quantity)")} AS n_items,
           ${d.toDouble("count(DISTINCT o.product_id)")} AS n_products,
           ${d.toDouble("sum(o.quantity)")} / count(DISTINCT o.order_id) AS avg_basket_size,
           ${d.toDouble(`count(DISTINCT ${pair})`)} / count(DISTINCT o.order_id) AS avg_unique_basket_size
    FROM orders o
    WHERE ${historyFilter(d)} AND ${isSale()}
    GROUP BY o.customer_id`;
  return { sql, columns: BASKET_COLUMNS };
}
