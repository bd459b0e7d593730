/**
 * The bundled IUM course logs (data/ium/*.jsonl.gz) as event columns and a catalogue, for
 * tests of the session table on real data; the offers job reads the same files through the store.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { CatalogEntry, EventColumns } from "../../../src/uplift/session-features.ts";

function readJsonl(name: string): Record<string, unknown>[] {
  const text = gunzipSync(readFileSync(new URL(`../../../data/ium/${name}`, import.meta.url))).toString("utf8");
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

const TYPES: Record<string, number> = { VIEW_PRODUCT: 0, BUY_PRODUCT: 1, RETURN_PRODUCT: 2 };

export function loadIum(): { events: EventColumns; catalog: Map<number, CatalogEntry> } {
  const rows = readJsonl("sessions.jsonl.gz");
  const events: EventColumns = {
    sessionId: Int32Array.from(rows, (e) => e.session_id as number),
    // Local time without a zone in the file; read as UTC, which keeps every difference and order.
    timestampMs: Float64Array.from(rows, (e) => Date.parse(`${e.timestamp as string}Z`)),
    userId: Int32Array.from(rows, (e) => e.user_id as number),
    productId: Int32Array.from(rows, (e) => e.product_id as number),
    eventType: Uint8Array.from(rows, (e) => TYPES[e.event_type as string]),
    offeredDiscount: Float64Array.from(rows, (e) => (e.offered_discount ?? NaN) as number),
    purchaseId: Int32Array.from(rows, (e) => (e.purchase_id ?? -1) as number),
  };
  const catalog = new Map(readJsonl("products.jsonl.gz").map((p) => [p.product_id as number, { category: p.category_path as string, price: p.price as number }]));
  return { events, catalog };
}
