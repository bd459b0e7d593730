/**
 * Return features per customer as of a date, in SQL over `orders` through store.dialect: the
 * Insiders seed counts returned units (`qtde_returns`); we also keep their value and the share
 * of sales they undo, because a customer who returns a third of what she buys is worth less
 * than her gross revenue says. A return is a line with negative quantity (Online Retail:
 * lines of cancellation invoices, `C…`).
 *
 * As in rfm.ts: history strictly before the as-of date, identified customers.
 * Parameters: $1 = dataset, $2 = as-of date.
 */
import type { Dialect } from "../store/dialect.ts";
import { historyFilter, isSale, type FeatureFamily } from "./rfm.ts";

export const RETURNS_COLUMNS = Object.freeze([
  { name: "n_returned_items", description: "units returned (sum of −quantity on return lines)" },
  { name: "n_return_invoices", description: "distinct invoices with a return" },
  { name: "returned_value", description: "value returned (sum of −amount on return lines)" },
  { name: "return_rate", description: "returned value / sales value (0 without sales)" },
]);

export function returnsFeatures(d: Dialect): FeatureFamily {
  const returned = "CASE WHEN o.quantity < 0 THEN -o.amount ELSE 0 END";
  const sold = `CASE WHEN ${isSale()} THEN o.amount ELSE 0 END`;
  const sql = `
    SELECT customer_id,
           n_returned_items, n_return_invoices, returned_value,
           CASE WHEN sales_value > 0 THEN returned_value / sales_value ELSE 0 END AS return_rate
    FROM (
      SELECT o.customer_id,
             ${d.toDouble("sum(CASE WHEN o.quantity < 0 THEN -o.quantity ELSE 0 END)")} AS n_returned_items,
             ${d.toDouble("count(DISTINCT CASE WHEN o.quantity < 0 THEN o.order_id END)")} AS n_return_invoices,
             ${d.toDouble(`sum(${returned})`)} AS returned_value,
             ${d.toDouble(`sum(${sold})`)} AS sales_value
      FROM orders o
      WHERE ${historyFilter(d)}
      GROUP BY o.customer_id
    ) AS returns_per_customer`;
  return { sql, columns: RETURNS_COLUMNS };
}
