/**
 * Fixtures for the service tests and the serve benchmark: a small simulated shop (the uplift
 * engine's simulator, seeded) loaded into a store as the canonical products table, its events
 * as API event batches, and a real discount policy — a T-learner over the five discount arms
 * with small GBDT bases, trained on the shop's session table — to register as "offers".
 */
import { fromColumns } from "../../src/core/matrix.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import type { Store } from "../../src/store/store.ts";
import { sessionTable, type CatalogEntry } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS, simulateShop, type Shop } from "../../src/uplift/simulator.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";
import { sLearner } from "../../src/uplift/s-learner.ts";
import { sqlTimestampText } from "../../src/store/result-tables.ts";

export const SIM_DATASET = "sim";

export interface SimFixture {
  shop: Shop;
  catalog: Map<number, CatalogEntry>;
  /** The shop's events as POST /v1/events items, in file order. */
  events: Array<Record<string, unknown>>;
}

export function simFixture(customers = 60, seed = 7): SimFixture {
  const shop = simulateShop({ customers, seed, meanSessions: 4 });
  const catalog = new Map<number, CatalogEntry>(shop.products.map((p) => [p.product_id, { category: p.category_path, price: p.price }]));
  const e = shop.events;
  const types = ["view", "buy", "return"] as const;
  const count = new Map<number, number>();
  const events = Array.from({ length: e.sessionId.length }, (_, i) => {
    const n = (count.get(e.sessionId[i]) ?? 0) + 1;
    count.set(e.sessionId[i], n);
    return {
      event_id: `${e.sessionId[i]}-${n}`,
      session_id: String(e.sessionId[i]),
      customer_id: String(e.userId[i]),
      product_id: String(e.productId[i]),
      event_type: types[e.eventType[i]],
      occurred_at: new Date(e.timestampMs[i]).toISOString(),
      offered_discount: Number.isNaN(e.offeredDiscount[i]) ? null : e.offeredDiscount[i],
      purchase_id: e.purchaseId[i] >= 0 ? String(e.purchaseId[i]) : null,
    };
  });
  return { shop, catalog, events };
}

/** Writes the shop's products into the canonical products table (as an ingest would). */
export async function loadProducts(store: Store, fixture: SimFixture, dataset = SIM_DATASET): Promise<void> {
  const products = fixture.shop.products;
  for (let start = 0; start < products.length; start += 200) {
    const chunk = products.slice(start, start + 200);
    const params: unknown[] = [dataset, "test-fixture"];
    const values = chunk.map((p) => {
      params.push(String(p.product_id), p.product_name, p.category_path, p.price);
      const n = params.length;
      return `($1, $${n - 3}, $${n - 2}, $${n - 1}, ${store.dialect.toDouble(`$${n}`)}, NULL, $2)`;
    });
    await store.exec(`INSERT INTO products (dataset, product_id, name, category_path, price, attributes, ingest_id) VALUES ${values.join(", ")}`, params);
  }
}

/** Records an ingest of the dataset (what a bulk `patron ingest` leaves behind). */
export async function recordIngest(store: Store, dataset: string, ingestId: string): Promise<void> {
  await store.exec(
    `INSERT INTO ingests (ingest_id, dataset, origin, source_path, started_at, finished_at, files_read, files_skipped, rows_read, loaded, rejected, filtered, tables, customer_policy, quarantine_file)
     VALUES ($1, $2, 'test', 'test', CAST($3 AS TIMESTAMP), CAST($3 AS TIMESTAMP), 0, 0, 0, 1, 0, '{}', '{}', NULL, NULL)`,
    [ingestId, dataset, sqlTimestampText(Date.now())],
  );
}

/** A T-learner (or S-learner) over the discount arms, trained on the shop's session table. */
export function trainDiscountModel(fixture: SimFixture, learner: "t" | "s" = "t") {
  const table = sessionTable(fixture.shop.events, fixture.catalog, DISCOUNT_LEVELS);
  const base = gbdt({ nEstimators: 20, maxDepth: 3, learningRate: 0.2 });
  const arms = DISCOUNT_LEVELS.map((d) => (d === 0 ? "none" : `${d}%`));
  const estimator = learner === "t" ? tLearner({ base }) : sLearner({ base });
  return estimator.fit(table.features, table.bought, table.arm, { seed: 1, arms, nThreads: 1 });
}

/** A binary uplift model over two numeric customer columns, for /v1/score. */
export function trainScoringModel() {
  const n = 400;
  const recency = new Float64Array(n);
  const history = new Float64Array(n);
  const treatment = new Int32Array(n);
  const y = new Float64Array(n);
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    recency[i] = Math.floor(next() * 12) + 1;
    history[i] = Math.round(next() * 500);
    treatment[i] = i % 2;
    // Recent customers respond to treatment; long-lapsed ones do not.
    const p = 0.2 + (treatment[i] === 1 && recency[i] <= 6 ? 0.4 : 0) + history[i] / 5000;
    y[i] = next() < p ? 1 : 0;
  }
  const x = fromColumns({ recency, history });
  return tLearner({ base: gbdt({ nEstimators: 20, maxDepth: 2, learningRate: 0.3 }) }).fit(x, y, treatment, { seed: 3, nThreads: 1 });
}
