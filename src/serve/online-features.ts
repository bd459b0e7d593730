/**
 * The IUM seed's online features, kept in memory per customer and per session and updated on
 * every event, so /v1/decide reads them with no database round trip. They are the same
 * counters the offers job trains on (SESSION_FEATURES in src/uplift/session-features.ts):
 *
 *   product_views           the customer's views of this product
 *   category_views          views of any product of this product's category
 *   session_category_views  views of this category earlier in this session
 *   past_purchases          purchases
 *   past_discount_purchases purchases made with a discount > 0
 *   category_purchases      purchases in this category
 *   price                   the product's list price (catalogue)
 *
 * As in the training table, a decision sees only events received before it: the site asks
 * /v1/decide when the customer opens a product, then sends that view (with the discount shown)
 * as an event. Every counter is a count, so the state does not depend on the order events
 * arrive in — rebuilding it from the events table gives the same numbers as updating it live.
 * A category is the product's full `category_path`.
 *
 * Sessions: each customer keeps the counters of their most recent MAX_SESSIONS sessions (the
 * seed's sessions are minutes long; older ones are never asked about again).
 */
import { SESSION_FEATURES } from "../uplift/session-features.ts";
import type { Catalog } from "./catalog.ts";

export const MAX_SESSIONS = 32;

export interface OnlineEvent {
  customerId: string | null;
  sessionId: string | null;
  productId: string | null;
  eventType: "view" | "buy" | "return";
  /** Percent; null when unknown (returns). */
  offeredDiscount: number | null;
  occurredMs: number;
}

interface SessionState {
  categoryViews: Map<string, number>;
  lastViewedProduct: string | null;
  lastSeenMs: number;
}

export interface CustomerState {
  productViews: Map<string, number>;
  categoryViews: Map<string, number>;
  categoryPurchases: Map<string, number>;
  purchases: number;
  discountPurchases: number;
  sessions: Map<string, SessionState>;
  events: number;
  lastEventMs: number;
}

/** A customer's state as stored in online_feature_snapshots.state (compact JSON). */
export interface CustomerStateJSON {
  pv: Record<string, number>;
  cv: Record<string, number>;
  cp: Record<string, number>;
  p: number;
  dp: number;
  s: Record<string, { cv: Record<string, number>; lp: string | null; t: number }>;
  n: number;
  t: number;
}

export function emptyState(): CustomerState {
  return {
    productViews: new Map(), categoryViews: new Map(), categoryPurchases: new Map(),
    purchases: 0, discountPurchases: 0, sessions: new Map(), events: 0, lastEventMs: -Infinity,
  };
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Applies one event to a customer's state (mutates `state`). */
export function applyEvent(state: CustomerState, event: OnlineEvent, catalog: Catalog): void {
  state.events++;
  if (event.occurredMs > state.lastEventMs) state.lastEventMs = event.occurredMs;
  const category = event.productId === null ? undefined : catalog.get(event.productId)?.category;
  if (event.eventType === "view") {
    if (event.productId !== null) bump(state.productViews, event.productId);
    if (category !== undefined) bump(state.categoryViews, category);
    if (event.sessionId !== null) {
      let session = state.sessions.get(event.sessionId);
      if (!session) {
        session = { categoryViews: new Map(), lastViewedProduct: null, lastSeenMs: -Infinity };
        state.sessions.set(event.sessionId, session);
        trimSessions(state);
      }
      if (category !== undefined) bump(session.categoryViews, category);
      if (event.occurredMs >= session.lastSeenMs) {
        session.lastSeenMs = event.occurredMs;
        session.lastViewedProduct = event.productId;
      }
    }
  } else if (event.eventType === "buy") {
    state.purchases++;
    if ((event.offeredDiscount ?? 0) > 0) state.discountPurchases++;
    if (category !== undefined) bump(state.categoryPurchases, category);
  }
}

function trimSessions(state: CustomerState): void {
  if (state.sessions.size <= MAX_SESSIONS) return;
  let oldestId: string | undefined;
  let oldestMs = Infinity;
  for (const [id, s] of state.sessions) {
    if (s.lastSeenMs < oldestMs) {
      oldestMs = s.lastSeenMs;
      oldestId = id;
    }
  }
  if (oldestId !== undefined) state.sessions.delete(oldestId);
}

export function cloneState(state: CustomerState): CustomerState {
  return stateFromJSON(stateToJSON(state));
}

export function stateToJSON(state: CustomerState): CustomerStateJSON {
  const sessions: CustomerStateJSON["s"] = {};
  for (const [id, s] of state.sessions) {
    sessions[id] = { cv: Object.fromEntries(s.categoryViews), lp: s.lastViewedProduct, t: Number.isFinite(s.lastSeenMs) ? s.lastSeenMs : 0 };
  }
  return {
    pv: Object.fromEntries(state.productViews), cv: Object.fromEntries(state.categoryViews), cp: Object.fromEntries(state.categoryPurchases),
    p: state.purchases, dp: state.discountPurchases, s: sessions, n: state.events, t: Number.isFinite(state.lastEventMs) ? state.lastEventMs : 0,
  };
}

export function stateFromJSON(json: CustomerStateJSON): CustomerState {
  const sessions = new Map<string, SessionState>();
  for (const [id, s] of Object.entries(json.s ?? {})) {
    sessions.set(id, { categoryViews: new Map(Object.entries(s.cv ?? {})), lastViewedProduct: s.lp ?? null, lastSeenMs: s.t ?? 0 });
  }
  return {
    productViews: new Map(Object.entries(json.pv ?? {})), categoryViews: new Map(Object.entries(json.cv ?? {})),
    categoryPurchases: new Map(Object.entries(json.cp ?? {})), purchases: json.p ?? 0, discountPurchases: json.dp ?? 0,
    sessions, events: json.n ?? 0, lastEventMs: json.t ?? 0,
  };
}

export interface FeatureVector {
  /** SESSION_FEATURES order; price is NaN when the product is not in the catalogue. */
  values: Float64Array;
  /** The product the features are about (given, or the session's last viewed one). */
  productId: string | null;
  knownCustomer: boolean;
  knownProduct: boolean;
}

const J = Object.fromEntries(SESSION_FEATURES.map((name, j) => [name, j])) as Record<string, number>;

/** In-memory online features of one dataset: customer id → state. */
export class OnlineFeatures {
  #customers = new Map<string, CustomerState>();
  loaded = false;

  constructor(readonly catalog: Catalog) {}

  get nCustomers(): number {
    return this.#customers.size;
  }

  get(customerId: string): CustomerState | undefined {
    return this.#customers.get(customerId);
  }

  set(customerId: string, state: CustomerState): void {
    this.#customers.set(customerId, state);
  }

  /** Swaps in a whole new set of states at once (a restore never shows a half-filled map). */
  replaceAll(states: Map<string, CustomerState>): void {
    this.#customers = states;
  }

  /**
   * The next states of the customers `events` touch, computed on copies so the live state is
   * unchanged until `commit` (the caller commits after the database write succeeded).
   */
  stage(events: readonly OnlineEvent[]): Map<string, CustomerState> {
    const staged = new Map<string, CustomerState>();
    for (const event of events) {
      if (event.customerId === null) continue;
      let state = staged.get(event.customerId);
      if (!state) {
        const live = this.#customers.get(event.customerId);
        state = live ? cloneState(live) : emptyState();
        staged.set(event.customerId, state);
      }
      applyEvent(state, event, this.catalog);
    }
    return staged;
  }

  commit(staged: ReadonlyMap<string, CustomerState>): void {
    for (const [id, state] of staged) this.#customers.set(id, state);
  }

  /** The feature vector for a decision, in a new array. */
  vector(customerId: string, sessionId: string | null, productId: string | null): FeatureVector {
    return this.vectorInto({ values: new Float64Array(SESSION_FEATURES.length), productId: null, knownCustomer: false, knownProduct: false }, customerId, sessionId, productId);
  }

  /**
   * The feature vector for a decision, written into `target` (all of it) and returned: the hot
   * path reuses one vector for every decision instead of allocating one each time.
   */
  vectorInto(target: FeatureVector, customerId: string, sessionId: string | null, productId: string | null): FeatureVector {
    const state = this.#customers.get(customerId);
    const session = state && sessionId !== null ? state.sessions.get(sessionId) : undefined;
    const product = productId ?? session?.lastViewedProduct ?? null;
    const entry = product === null ? undefined : this.catalog.get(product);
    const values = target.values;
    values.fill(0);
    if (state) {
      if (product !== null) values[J.product_views] = state.productViews.get(product) ?? 0;
      if (entry) {
        values[J.category_views] = state.categoryViews.get(entry.category) ?? 0;
        values[J.category_purchases] = state.categoryPurchases.get(entry.category) ?? 0;
        values[J.session_category_views] = session?.categoryViews.get(entry.category) ?? 0;
      }
      values[J.past_purchases] = state.purchases;
      values[J.past_discount_purchases] = state.discountPurchases;
    }
    values[J.price] = entry ? entry.price : NaN;
    target.productId = product;
    target.knownCustomer = state !== undefined;
    target.knownProduct = entry !== undefined;
    return target;
  }

  /** Customer-level summary for GET /v1/customers/:id (no per-product detail). */
  summary(customerId: string): Record<string, number | string | null> | null {
    const state = this.#customers.get(customerId);
    if (!state) return null;
    let views = 0;
    for (const n of state.productViews.values()) views += n;
    let favourite: string | null = null;
    let most = 0;
    for (const [category, n] of state.categoryViews) if (n > most || (n === most && favourite !== null && category < favourite)) [favourite, most] = [category, n];
    return {
      events: state.events,
      views,
      past_purchases: state.purchases,
      past_discount_purchases: state.discountPurchases,
      distinct_products_viewed: state.productViews.size,
      favourite_category: favourite,
      recent_sessions: state.sessions.size,
      last_event_at: state.lastEventMs > 0 ? new Date(state.lastEventMs).toISOString() : null,
    };
  }
}
