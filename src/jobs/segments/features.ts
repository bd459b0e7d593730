/**
 * The customer table the segmentation works on: the three SQL feature families (features/
 * rfm.ts, basket.ts, returns.ts) joined per customer as of a date, plus the revenue measures
 * the Insiders are judged on. Every customer with at least one purchase before the as-of date
 * is a row; families a customer has nothing in (no returns) read 0.
 */
import { PatronError } from "../../core/errors.ts";
import { basketFeatures, BASKET_COLUMNS } from "../../features/basket.ts";
import { returnsFeatures, RETURNS_COLUMNS } from "../../features/returns.ts";
import { RFM_COLUMNS, rfmFeatures, historyFilter } from "../../features/rfm.ts";
import type { Transactions } from "../../clv/summary.ts";
import type { Store } from "../../store/store.ts";

export const FEATURE_COLUMNS = Object.freeze([...RFM_COLUMNS, ...BASKET_COLUMNS, ...RETURNS_COLUMNS]);

export interface CustomerFeatures {
  asOf: string;
  customers: string[];
  /** Feature name → one value per customer (same order as customers). */
  values: Record<string, Float64Array>;
  /** gross revenue − returned value: what a customer actually brought in. */
  netRevenue: Float64Array;
}

/**
 * Runs the three families (each one grouped scan, $1 = dataset, $2 = as-of date) and joins
 * them here by customer id: joining the aggregated subqueries in SQL lets PostgreSQL, with no
 * statistics on a fresh table, pick nested loops that re-aggregate per customer (minutes).
 */
export async function customerFeatures(store: Store, options: { dataset: string; asOf: string }): Promise<CustomerFeatures> {
  const d = store.dialect;
  const params = [options.dataset, options.asOf];
  const [rfm, basket, returns] = await Promise.all([rfmFeatures(d), basketFeatures(d), returnsFeatures(d)].map((family) => store.frame(`${family.sql} ORDER BY 1`, params)));
  if (rfm.nRows === 0) {
    throw new PatronError(
      "E_RFM",
      `no customer of dataset "${options.dataset}" bought anything before ${options.asOf}; choose a later --as-of or ingest the data (patron ingest --preset ${options.dataset}).`,
    );
  }
  const customers = (rfm.columns[0].values as (string | null)[]).map(String);
  const row = new Map(customers.map((id, i) => [id, i]));
  const values: Record<string, Float64Array> = {};
  for (const c of rfm.columns.slice(1)) values[c.name] = c.values as Float64Array;
  // Customers with no row in a family (no returns) read 0; rows of customers without a sale are dropped.
  for (const family of [basket, returns]) {
    const ids = family.columns[0].values as (string | null)[];
    for (const c of family.columns.slice(1)) {
      const out = new Float64Array(customers.length);
      const source = c.values as Float64Array;
      ids.forEach((id, r) => {
        const i = row.get(String(id));
        if (i !== undefined) out[i] = source[r];
      });
      values[c.name] = out;
    }
  }
  const netRevenue = values.gross_revenue.map((g, i) => g - values.returned_value[i]);
  return { asOf: options.asOf, customers, values, netRevenue };
}

/**
 * Net revenue per customer in [from, to): what the out-of-time check measures. Customers who
 * first bought inside the window are included ($1 dataset, $2 from, $3 to).
 */
export async function revenueBetween(store: Store, options: { dataset: string; from: string; to?: string }): Promise<Map<string, number>> {
  const d = store.dialect;
  const rows = await store.frame(
    `SELECT o.customer_id, ${d.toDouble("sum(o.amount)")} AS revenue
     FROM orders o
     WHERE o.dataset = $1 AND o.customer_id IS NOT NULL AND o.ordered_at >= CAST($2 AS TIMESTAMP)
       ${options.to ? "AND o.ordered_at < CAST($3 AS TIMESTAMP)" : ""}
     GROUP BY o.customer_id`,
    options.to ? [options.dataset, options.from, options.to] : [options.dataset, options.from],
  );
  const ids = rows.columns[0].values as (string | null)[];
  const revenue = rows.columns[1].values as Float64Array;
  return new Map(ids.map((id, i) => [String(id), revenue[i]]));
}

/**
 * Purchase lines before the as-of date as CLV transactions: returns and cancellations are left
 * out (a return day is not a purchase occasion), every other line counts (CDNOW's zero-dollar
 * lines too, as lifetimes counts them).
 */
export async function saleTransactions(store: Store, options: { dataset: string; asOf: string }): Promise<Transactions> {
  const f = await store.frame(
    `SELECT o.customer_id, o.ordered_at, o.amount FROM orders o
     WHERE ${historyFilter(store.dialect)} AND NOT (o.quantity < 0) AND NOT COALESCE(o.is_cancellation, FALSE)`,
    [options.dataset, options.asOf],
  );
  const ms = f.columns[1].values as Float64Array;
  return {
    customer: (f.columns[0].values as (string | null)[]).map(String),
    // store.frame gives timestamps as epoch ms read as UTC: whole days since 1970 are the CLV day numbers.
    day: Int32Array.from(ms, (t) => Math.floor(t / 86_400_000)),
    amount: f.columns[2].values as Float64Array,
  };
}
