/**
 * A simulated shop as the IUM course data's JSON Lines (sessions, products, users, deliveries)
 * plus the oracle, one line at a time, so the CLI can stream a large shop to disk. Formatting
 * follows the course files: Python's ", " / ": " separators, local timestamps without a zone
 * (YYYY-MM-DDTHH:MM:SS), null where the log has no value.
 */
import type { Shop } from "./simulator.ts";
import { SIMULATED_TYPES } from "./simulator.ts";
import { EVENT_BUY, EVENT_VIEW } from "./session-features.ts";

const EVENT_NAMES: Record<number, string> = { [EVENT_VIEW]: "VIEW_PRODUCT", [EVENT_BUY]: "BUY_PRODUCT", 2: "RETURN_PRODUCT" };

/** Epoch milliseconds → "YYYY-MM-DDTHH:MM:SS" (the simulator's clock is UTC; the files carry no zone). */
export function formatTimestamp(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/** A flat object as one JSON line with Python's separators. */
function line(fields: Record<string, unknown>): string {
  return `{${Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`;
}

export function* sessionLines(shop: Shop): Generator<string> {
  const e = shop.events;
  for (let i = 0; i < e.sessionId.length; i++) {
    yield line({
      session_id: e.sessionId[i],
      timestamp: formatTimestamp(e.timestampMs[i]),
      user_id: e.userId[i],
      product_id: e.productId[i],
      event_type: EVENT_NAMES[e.eventType[i]],
      offered_discount: Number.isNaN(e.offeredDiscount[i]) ? null : e.offeredDiscount[i],
      purchase_id: e.purchaseId[i] < 0 ? null : e.purchaseId[i],
    });
  }
}

export function* productLines(shop: Shop): Generator<string> {
  for (const p of shop.products) {
    yield line({
      product_id: p.product_id, product_name: p.product_name, category_path: p.category_path, price: p.price,
      brand: p.brand, weight_kg: p.weight_kg, optional_attributes: p.optional_attributes,
    });
  }
}

export function* userLines(shop: Shop): Generator<string> {
  for (const u of shop.users) yield line({ user_id: u.user_id, name: u.name, city: u.city, street: u.street });
}

export function* deliveryLines(shop: Shop): Generator<string> {
  const d = shop.deliveries;
  for (let i = 0; i < d.purchaseId.length; i++) {
    yield line({
      purchase_id: d.purchaseId[i],
      purchase_timestamp: formatTimestamp(d.purchasedMs[i]),
      delivery_timestamp: formatTimestamp(d.deliveredMs[i]),
      delivery_company: d.carrier[i],
    });
  }
}

/** The oracle: per session, the customer's type, θ (persuadables) and P(buy) at every discount level. */
export function* oracleLines(shop: Shop): Generator<string> {
  const o = shop.oracle;
  const nLevels = o.levels.length;
  for (let r = 0; r < o.sessionId.length; r++) {
    const pBuy: Record<string, number> = {};
    o.levels.forEach((level, a) => {
      pBuy[String(level)] = Math.round(o.probability[r * nLevels + a] * 1e12) / 1e12;
    });
    const threshold = o.threshold[r];
    yield line({
      session_id: o.sessionId[r],
      customer_type: SIMULATED_TYPES[o.customerType[r]],
      threshold: Number.isFinite(threshold) ? threshold : null,
      p_buy: pBuy,
    });
  }
}

/** The files `patron simulate` writes, in order, with their line generators. */
export function shopFiles(shop: Shop): { name: string; lines: () => Generator<string> }[] {
  return [
    { name: "sessions.jsonl", lines: () => sessionLines(shop) },
    { name: "products.jsonl", lines: () => productLines(shop) },
    { name: "users.jsonl", lines: () => userLines(shop) },
    { name: "deliveries.jsonl", lines: () => deliveryLines(shop) },
    { name: "oracle.jsonl", lines: () => oracleLines(shop) },
  ];
}
