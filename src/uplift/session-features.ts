/**
 * The IUM seed's session table, computed in TypeScript from events in the IUM format: one row per
 * session that has a view, with the offered discount (the arm), whether the session bought, and
 * the seed's features — each computed only from the user's events strictly before the session's
 * decision point (the timestamp of its last view, after which the offer decides the purchase):
 *
 *   product_views           views of this product (the session's last-viewed product)
 *   category_views          views of any product of this product's category
 *   session_category_views  views of this category earlier in this session
 *   past_purchases          purchases
 *   past_discount_purchases purchases made with a discount > 0
 *   category_purchases      purchases of this category
 *   price                   the product's price (catalogue data, known before the session)
 *
 * This is the reference the offers job's SQL version is checked against, and what the simulator
 * tests learn from. Events are swept per user in time order, so one pass builds every row.
 */
import { PatronError } from "../core/errors.ts";
import { matrix, type Matrix } from "../core/matrix.ts";

/** Events as typed columns (IUM sessions.jsonl). eventType: 0 view, 1 buy, 2 return. */
export interface EventColumns {
  readonly sessionId: Int32Array;
  readonly timestampMs: Float64Array;
  readonly userId: Int32Array;
  readonly productId: Int32Array;
  readonly eventType: Uint8Array;
  /** Percent; NaN where the log has null (returns). */
  readonly offeredDiscount: Float64Array;
  /** −1 where the log has null (views). */
  readonly purchaseId: Int32Array;
}

export const EVENT_VIEW = 0;
export const EVENT_BUY = 1;
export const EVENT_RETURN = 2;

export const SESSION_FEATURES = Object.freeze([
  "product_views", "category_views", "session_category_views", "past_purchases", "past_discount_purchases", "category_purchases", "price",
]);

export interface CatalogEntry {
  category: string;
  price: number;
}

export interface SessionTable {
  sessionId: Int32Array;
  userId: Int32Array;
  productId: Int32Array;
  /** Offered discount in percent, and its arm index in `levels`. */
  discount: Float64Array;
  arm: Int32Array;
  levels: readonly number[];
  /** 1 if the session has a purchase. */
  bought: Float64Array;
  price: Float64Array;
  decisionMs: Float64Array;
  /** SESSION_FEATURES, one row per session (same order as the arrays above: by session id). */
  features: Matrix;
}

/**
 * @param catalog product id → category and price
 * @param levels the discount levels (arms), e.g. [0, 5, 10, 15, 20]; a session with another discount is an error
 */
export function sessionTable(events: EventColumns, catalog: ReadonlyMap<number, CatalogEntry>, levels: readonly number[]): SessionTable {
  const nEvents = events.sessionId.length;
  // Group sessions: decision time (last view), the last-viewed product, discount, bought.
  const sessions = new Map<number, { user: number; decision: number; product: number; discount: number; bought: number; firstEvent: number }>();
  for (let e = 0; e < nEvents; e++) {
    const id = events.sessionId[e];
    let s = sessions.get(id);
    if (!s) {
      s = { user: events.userId[e], decision: -Infinity, product: -1, discount: NaN, bought: 0, firstEvent: e };
      sessions.set(id, s);
    }
    const type = events.eventType[e];
    if (type === EVENT_VIEW && events.timestampMs[e] >= s.decision) {
      s.decision = events.timestampMs[e];
      s.product = events.productId[e];
      s.discount = events.offeredDiscount[e];
    } else if (type === EVENT_BUY) s.bought = 1;
  }
  const ids = [...sessions.keys()].filter((id) => sessions.get(id)!.product >= 0).sort((a, b) => a - b);
  const nRows = ids.length;
  const rowOf = new Map<number, number>();
  ids.forEach((id, r) => rowOf.set(id, r));
  const features = new Float64Array(nRows * SESSION_FEATURES.length);
  const column = (name: string) => SESSION_FEATURES.indexOf(name) * nRows;

  const out = {
    sessionId: Int32Array.from(ids), userId: new Int32Array(nRows), productId: new Int32Array(nRows), discount: new Float64Array(nRows),
    arm: new Int32Array(nRows), bought: new Float64Array(nRows), price: new Float64Array(nRows), decisionMs: new Float64Array(nRows),
  };
  ids.forEach((id, r) => {
    const s = sessions.get(id)!;
    const product = catalog.get(s.product);
    if (!product) throw new PatronError("E_DATA", `session ${id} views product ${s.product}, which is not in the products file; ingest the matching products.jsonl.`);
    const arm = levels.indexOf(s.discount);
    if (arm < 0) throw new PatronError("E_DATA", `session ${id} offers a discount of ${s.discount}; expected one of ${levels.join(", ")}.`);
    out.userId[r] = s.user;
    out.productId[r] = s.product;
    out.discount[r] = s.discount;
    out.arm[r] = arm;
    out.bought[r] = s.bought;
    out.price[r] = product.price;
    out.decisionMs[r] = s.decision;
    features[column("price") + r] = product.price;
  });

  // Sweep each user's events in time order; at each session's decision time, read the counters
  // of everything strictly earlier. Sessions of one user are handled in decision-time order.
  const byUser = new Map<number, number[]>();
  for (let e = 0; e < nEvents; e++) {
    const list = byUser.get(events.userId[e]);
    if (list) list.push(e);
    else byUser.set(events.userId[e], [e]);
  }
  const decisionsByUser = new Map<number, number[]>();
  for (let r = 0; r < nRows; r++) {
    const list = decisionsByUser.get(out.userId[r]);
    if (list) list.push(r);
    else decisionsByUser.set(out.userId[r], [r]);
  }
  for (const [user, rows] of decisionsByUser) {
    const userEvents = byUser.get(user)!.sort((a, b) => events.timestampMs[a] - events.timestampMs[b] || a - b);
    rows.sort((a, b) => out.decisionMs[a] - out.decisionMs[b]);
    const productViews = new Map<number, number>();
    const categoryViews = new Map<string, number>();
    const categoryPurchases = new Map<string, number>();
    const sessionCategoryViews = new Map<string, number>(); // key: session|category
    let purchases = 0;
    let discountPurchases = 0;
    let next = 0;
    for (const r of rows) {
      const decision = out.decisionMs[r];
      for (; next < userEvents.length && events.timestampMs[userEvents[next]] < decision; next++) {
        const e = userEvents[next];
        const product = events.productId[e];
        const category = catalog.get(product)?.category;
        if (events.eventType[e] === EVENT_VIEW) {
          productViews.set(product, (productViews.get(product) ?? 0) + 1);
          if (category !== undefined) {
            categoryViews.set(category, (categoryViews.get(category) ?? 0) + 1);
            const key = `${events.sessionId[e]}|${category}`;
            sessionCategoryViews.set(key, (sessionCategoryViews.get(key) ?? 0) + 1);
          }
        } else if (events.eventType[e] === EVENT_BUY) {
          purchases++;
          if (events.offeredDiscount[e] > 0) discountPurchases++;
          if (category !== undefined) categoryPurchases.set(category, (categoryPurchases.get(category) ?? 0) + 1);
        }
      }
      const category = catalog.get(out.productId[r])!.category;
      features[column("product_views") + r] = productViews.get(out.productId[r]) ?? 0;
      features[column("category_views") + r] = categoryViews.get(category) ?? 0;
      features[column("session_category_views") + r] = sessionCategoryViews.get(`${out.sessionId[r]}|${category}`) ?? 0;
      features[column("past_purchases") + r] = purchases;
      features[column("past_discount_purchases") + r] = discountPurchases;
      features[column("category_purchases") + r] = categoryPurchases.get(category) ?? 0;
    }
  }
  return { ...out, levels, features: matrix(features, nRows, SESSION_FEATURES) };
}
