/**
 * A small shop for the segments tests: the canonical `orders` table (DDL from src/data/schema.ts)
 * filled with seeded synthetic order lines — three kinds of customer (wholesale regulars,
 * occasional buyers, one-off buyers), some returns, anonymous lines and cancellations — so the
 * whole job runs in seconds on both stores.
 */
import { rng } from "../../src/core/rng.ts";
import { createTableSql, tableDef } from "../../src/data/schema.ts";
import type { Store } from "../../src/store/store.ts";

export interface OrderLine {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price: number;
  ordered_at: string;
  customer_id: string | null;
  is_cancellation: boolean;
}

export const DATASET = "shop";

export async function createOrders(store: Store): Promise<void> {
  await store.exec(createTableSql(store.dialect, tableDef("orders")));
}

export async function insertOrders(store: Store, lines: readonly OrderLine[], dataset = DATASET): Promise<void> {
  const d = store.dialect;
  for (let from = 0; from < lines.length; from += 500) {
    const values = lines.slice(from, from + 500).map((l) =>
      `(${d.literal(dataset)}, ${d.literal(l.order_id)}, ${l.line_no}, ${d.literal(l.product_id)}, NULL, ${d.number(l.quantity)}, ${d.number(l.unit_price)}, ${d.number(l.quantity * l.unit_price)}, CAST(${d.literal(l.ordered_at)} AS TIMESTAMP), ${l.customer_id === null ? "NULL" : d.literal(l.customer_id)}, 'UK', ${l.quantity < 0 ? "TRUE" : "FALSE"}, ${l.is_cancellation ? "TRUE" : "FALSE"}, 'test')`);
    await store.exec(`INSERT INTO orders (dataset, order_id, line_no, product_id, description, quantity, unit_price, amount, ordered_at, customer_id, country, is_return, is_cancellation, ingest_id) VALUES ${values.join(", ")}`);
  }
}

const day = (start: number, offset: number) => new Date(start + offset * 86_400_000).toISOString().slice(0, 10) + " 10:00:00";

/** `nCustomers` customers over 2020-01-01 … 2020-12-31 (seeded). */
export function syntheticShop(nCustomers = 240, seed = 7): OrderLine[] {
  const random = rng(seed);
  const start = Date.UTC(2020, 0, 1);
  const lines: OrderLine[] = [];
  let invoice = 0;
  for (let c = 0; c < nCustomers; c++) {
    const kind = c % 8 === 0 ? "wholesale" : c % 3 === 0 ? "regular" : "oneoff";
    const id = `c${String(c).padStart(4, "0")}`;
    const first = Math.floor(random.next() * (kind === "oneoff" ? 360 : 120));
    // BG/NBD's own story: exponential gaps while alive, a coin after each purchase decides dropout.
    const gap = kind === "wholesale" ? 14 : kind === "regular" ? 45 : 120;
    const dropout = kind === "wholesale" ? 0.03 : kind === "regular" ? 0.15 : 0.6;
    for (let t = first; t < 366; t += Math.max(1, Math.round(-gap * Math.log(1 - random.next())))) {
      invoice++;
      const nLines = 1 + random.int(kind === "wholesale" ? 12 : 4);
      for (let k = 0; k < nLines; k++) {
        const quantity = 1 + random.int(kind === "wholesale" ? 48 : 6);
        lines.push({ order_id: String(100000 + invoice), line_no: k + 1, product_id: `P${random.int(60)}`, quantity, unit_price: 1 + Math.round(random.next() * 900) / 100, ordered_at: day(start, t), customer_id: id, is_cancellation: false });
      }
      if (random.next() < 0.05) {
        invoice++;
        lines.push({ order_id: `C${100000 + invoice}`, line_no: 1, product_id: "P1", quantity: -2, unit_price: 3, ordered_at: day(start, Math.min(365, t + 3)), customer_id: id, is_cancellation: true });
      }
      if (random.next() < dropout) break;
    }
  }
  // Anonymous lines belong to nobody and must not change any customer's features.
  for (let k = 0; k < 20; k++) lines.push({ order_id: `A${k}`, line_no: 1, product_id: "P2", quantity: 5, unit_price: 2, ordered_at: day(start, 10 * k), customer_id: null, is_cancellation: false });
  return lines;
}
