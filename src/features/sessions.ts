/**
 * The IUM seed's session table in SQL, over the canonical `events` and `products` tables
 * (docs/data-model.md), written once through store.dialect for DuckDB and PostgreSQL. One row
 * per session that has a product view:
 *
 *   discount                the offered discount, percent (the arm: 0/5/10/15/20 in IUM)
 *   bought                  1 if the session has a purchase (the outcome)
 *   price                   the list price of the session's product (catalogue, known beforehand)
 *   product_views           the customer's views of this product
 *   category_views          the customer's views of any product of this product's category
 *   session_category_views  views of this category earlier in this session
 *   past_purchases          the customer's purchases
 *   past_discount_purchases purchases made with a discount > 0
 *   category_purchases      purchases in this product's category
 *
 * The decision point is the session's last product view: the moment the offer for that product
 * decides whether the session ends in a purchase (in IUM the buy follows it; the discount is the
 * one shown with it). Every feature counts only the customer's events strictly before that
 * moment — events at the same timestamp or later, the session's own purchase included, are never
 * seen (test/jobs/offers-features.test.ts deletes and rewrites everything after it and checks
 * that no feature moves). A category is the product's full category_path.
 *
 * src/uplift/session-features.ts computes the same table in TypeScript from raw events; it is the
 * reference this SQL is tested equal to, value for value. Note that in-session counts are
 * observed after the discount was first shown (IUM keeps one discount per session), so they may
 * carry some of the offer's effect; the seed asks for them and the service computes them live.
 */
import { PatronError, preview } from "../core/errors.ts";
import type { Frame } from "../core/frame.ts";
import { fromColumns, type Matrix } from "../core/matrix.ts";
import type { Store } from "../store/store.ts";

/** The model's columns, in order: the seed's six counts and the price (SESSION_FEATURES' names). */
export const SESSION_FEATURE_COLUMNS = Object.freeze([
  "product_views", "category_views", "session_category_views", "past_purchases", "past_discount_purchases", "category_purchases", "price",
]);

export interface SessionRows {
  sessionId: string[];
  customerId: string[];
  productId: string[];
  /** Offered discount in percent. */
  discount: Float64Array;
  bought: Float64Array;
  price: Float64Array;
  /** The decision point, epoch milliseconds (the store's local time read as UTC). */
  decisionMs: Float64Array;
  features: Matrix;
}

/** The SQL of the session table; $1 is the dataset. Exposed for tests and for readers. */
export function sessionTableSql(store: Pick<Store, "dialect">): string {
  const d = store.dialect;
  const count = (condition: string) => d.toDouble(`sum(CASE WHEN ${condition} THEN 1 ELSE 0 END)`);
  const view = "h.event_type = 'view'";
  const buy = "h.event_type = 'buy'";
  // Ties on the last view's timestamp go to the later event in the file: ids are "<session>-<n>",
  // so a longer id, then a larger one, is the later event (as the TypeScript reference reads them).
  return `WITH ev AS (
  SELECT e.event_id, e.session_id, e.customer_id, e.product_id, e.event_type, e.offered_discount, e.occurred_at,
         p.category_path AS category
  FROM events e LEFT JOIN products p ON p.dataset = e.dataset AND p.product_id = e.product_id
  WHERE e.dataset = $1
),
ranked AS (
  SELECT session_id, customer_id, product_id, offered_discount, occurred_at, category,
         row_number() OVER (PARTITION BY session_id ORDER BY occurred_at DESC, length(event_id) DESC, event_id DESC) AS rn
  FROM ev WHERE event_type = 'view'
),
s AS (
  SELECT session_id, customer_id, product_id, offered_discount AS discount, occurred_at AS decision_at, category
  FROM ranked WHERE rn = 1
),
outcome AS (
  SELECT session_id, max(CASE WHEN event_type = 'buy' THEN 1 ELSE 0 END) AS bought FROM ev GROUP BY session_id
),
history AS (
  SELECT s.session_id,
         ${count(`${view} AND h.product_id = s.product_id`)} AS product_views,
         ${count(`${view} AND h.category = s.category`)} AS category_views,
         ${count(`${view} AND h.category = s.category AND h.session_id = s.session_id`)} AS session_category_views,
         ${count(buy)} AS past_purchases,
         ${count(`${buy} AND h.offered_discount > 0`)} AS past_discount_purchases,
         ${count(`${buy} AND h.category = s.category`)} AS category_purchases
  FROM s JOIN ev h ON h.customer_id = s.customer_id AND h.occurred_at < s.decision_at
  GROUP BY s.session_id
)
SELECT s.session_id, s.customer_id, s.product_id, ${d.toDouble("s.discount")} AS discount,
       ${d.toDouble("outcome.bought")} AS bought, s.decision_at, s.category, ${d.toDouble("p.price")} AS price,
       ${SESSION_FEATURE_COLUMNS.filter((c) => c !== "price").map((c) => `COALESCE(history.${c}, 0) AS ${c}`).join(", ")}
FROM s
JOIN outcome ON outcome.session_id = s.session_id
LEFT JOIN history ON history.session_id = s.session_id
LEFT JOIN products p ON p.dataset = $1 AND p.product_id = s.product_id
ORDER BY length(s.session_id), s.session_id`;
}

function numeric(f: Frame, name: string): Float64Array {
  const column = f.columns.find((c) => c.name === name);
  if (!column || column.kind !== "numeric") throw new PatronError("E_DATA", `the session query returned no numeric column "${name}".`);
  return column.values;
}

function text(f: Frame, name: string): string[] {
  const column = f.columns.find((c) => c.name === name);
  if (!column) throw new PatronError("E_DATA", `the session query returned no column "${name}".`);
  return column.kind === "categorical" ? column.values.map((v) => v ?? "") : Array.from(column.values, (v) => String(v));
}

/**
 * Reads the session table of `dataset` (ingested IUM-format events and products).
 * @param levels the discount levels allowed (the arms); a session offering another is a data error
 */
export async function sessionRows(store: Store, dataset: string, levels?: readonly number[]): Promise<SessionRows> {
  const f = await store.frame(sessionTableSql(store), [dataset]);
  if (f.nRows === 0) {
    throw new PatronError(
      "E_NO_DATA",
      `dataset "${dataset}" has no sessions with a product view; ingest IUM-format events and products first (patron ingest --preset ium).`,
    );
  }
  const sessionId = text(f, "session_id");
  const productId = text(f, "product_id");
  const price = numeric(f, "price");
  const discount = numeric(f, "discount");
  const noProduct = price.findIndex((p) => !Number.isFinite(p));
  if (noProduct >= 0) {
    throw new PatronError(
      "E_DATA",
      `session ${sessionId[noProduct]} (dataset "${dataset}") views product ${productId[noProduct]}, which has no price in the products table; ingest the matching products.jsonl.`,
    );
  }
  if (levels) {
    const bad = discount.findIndex((v) => !levels.includes(v));
    if (bad >= 0) {
      const others = Array.from(discount).filter((v) => !levels.includes(v));
      throw new PatronError(
        "E_DATA",
        `session ${sessionId[bad]} (dataset "${dataset}") offers a discount of ${discount[bad]}; expected one of ${levels.join(", ")} (found also ${preview(others)}). Pass the dataset's discount levels.`,
      );
    }
  }
  const columns: Record<string, Float64Array> = {};
  for (const name of SESSION_FEATURE_COLUMNS) columns[name] = numeric(f, name);
  return {
    sessionId,
    customerId: text(f, "customer_id"),
    productId,
    discount,
    bought: numeric(f, "bought"),
    price,
    decisionMs: numeric(f, "decision_at"),
    features: fromColumns(columns),
  };
}
