/**
 * A simulated shop (src/uplift/simulator.ts) driving a running service over HTTP, as a real
 * shop would: it sends each session's views, asks /v1/decide when the customer opens the
 * target product, shows the offer, lets the customer buy or not — drawn from the simulator's
 * true purchase probability at the offer actually given — then sends the last view, the
 * purchase and the outcome. The oracle then says what the policy truly changed.
 *
 * One session per customer (the shop is generated with a tiny mean number of extra sessions and
 * only first sessions are used), so a customer's conversion is their session's purchase and the
 * true per-customer uplift of the policy is p(policy's offer) − p(no offer) of that session.
 */
import { rng } from "../../src/core/rng.ts";
import { DISCOUNT_LEVELS, simulateShop, type Shop } from "../../src/uplift/simulator.ts";
import type { Running } from "../serve/helpers.ts";

export interface ShopSession {
  sessionId: string;
  customerId: string;
  productId: string;
  price: number;
  /** Row in the oracle. */
  row: number;
  views: Array<{ productId: string }>;
}

export interface LiveShop {
  shop: Shop;
  sessions: ShopSession[];
}

export function liveShop(customers: number, seed: number): LiveShop {
  const shop = simulateShop({ customers, seed, meanSessions: 0.01 });
  const e = shop.events;
  const priceOf = new Map(shop.products.map((p) => [p.product_id, p.price]));
  const rowOf = new Map<number, number>();
  shop.oracle.sessionId.forEach((id, r) => rowOf.set(id, r));
  const bySession = new Map<number, ShopSession>();
  const firstSession = new Map<number, number>();
  for (let i = 0; i < e.sessionId.length; i++) {
    if (e.eventType[i] !== 0) continue; // the simulator's own purchases are replaced by the live draw
    const user = e.userId[i];
    if (!firstSession.has(user)) firstSession.set(user, e.sessionId[i]);
    if (firstSession.get(user) !== e.sessionId[i]) continue;
    let s = bySession.get(e.sessionId[i]);
    if (!s) {
      s = { sessionId: `s${e.sessionId[i]}`, customerId: `c${user}`, productId: "", price: NaN, row: rowOf.get(e.sessionId[i])!, views: [] };
      bySession.set(e.sessionId[i], s);
    }
    s.views.push({ productId: String(e.productId[i]) });
  }
  const sessions = [...bySession.values()];
  for (const s of sessions) {
    s.productId = s.views.at(-1)!.productId; // the session's decision point: its last view
    s.price = priceOf.get(Number(s.productId))!;
  }
  return { shop, sessions };
}

export interface Played {
  session: ShopSession;
  decisionId: string;
  holdout: boolean;
  /** Arm given (index into DISCOUNT_LEVELS). */
  arm: number;
  bought: boolean;
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  }));
}

async function post(api: Running, path: string, body: unknown): Promise<any> {
  const response = await api.call("POST", path, { body });
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${response.text}`);
  return response.body;
}

/**
 * Plays every session against the service. Outcomes: purchases linked by decision id, except
 * every third one linked by customer and time; sessions without a purchase report purchased false.
 */
export async function playShop(api: Running, live: LiveShop, seed: number): Promise<Played[]> {
  const now = Date.now();
  const at = (k: number) => new Date(now + k).toISOString();
  let eventNo = 0;
  const event = (s: ShopSession, productId: string, type: "view" | "buy", discount: number | null) => ({
    event_id: `ev${++eventNo}`, session_id: s.sessionId, customer_id: s.customerId, product_id: productId,
    event_type: type, occurred_at: at(eventNo), offered_discount: discount,
  });
  const batches = async (items: unknown[], path: string, key: string) => {
    for (let start = 0; start < items.length; start += 1000) await post(api, path, { [key]: items.slice(start, start + 1000) });
  };
  // Before the decision: every view but the last.
  await batches(live.sessions.flatMap((s) => s.views.slice(0, -1).map((v) => event(s, v.productId, "view", null))), "/v1/events", "events");

  const played: Played[] = new Array(live.sessions.length);
  await pool(live.sessions, 6, async (s, i) => {
    const d = await post(api, "/v1/decide", { customer_id: s.customerId, session_id: s.sessionId, product_id: s.productId });
    const arm = d.offer === "none" ? 0 : DISCOUNT_LEVELS.indexOf(d.offer);
    if (arm < 0) throw new Error(`the service offered ${d.offer}, not a simulated discount level`);
    played[i] = { session: s, decisionId: d.decision_id, holdout: d.holdout, arm, bought: false };
  });

  // The customer sees the offer and buys, or not, with the true probability at that offer.
  const random = rng(seed);
  const levels = live.shop.oracle.levels.length;
  const after: unknown[] = [];
  const outcomes: unknown[] = [];
  played.forEach((p, k) => {
    const discount = DISCOUNT_LEVELS[p.arm];
    p.bought = random.next() < live.shop.oracle.probability[p.session.row * levels + p.arm];
    after.push(event(p.session, p.session.productId, "view", discount));
    if (p.bought) {
      after.push(event(p.session, p.session.productId, "buy", discount));
      const byWindow = k % 3 === 0;
      outcomes.push({
        outcome_id: `o${k}`, ...(byWindow ? { customer_id: p.session.customerId } : { decision_id: p.decisionId }),
        occurred_at: new Date(Date.now() + 1000).toISOString(), purchased: true,
        amount: Math.round(p.session.price * (1 - discount / 100) * 100) / 100,
      });
    } else {
      outcomes.push({ outcome_id: `o${k}`, decision_id: p.decisionId, occurred_at: new Date(Date.now() + 1000).toISOString(), purchased: false });
    }
  });
  await batches(after, "/v1/events", "events");
  await batches(outcomes, "/v1/outcomes", "outcomes");
  return played;
}
