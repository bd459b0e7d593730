/**
 * The offers job's session table in SQL (src/features/sessions.ts), on both real stores:
 * - equal, value for value, to the TypeScript reference (src/uplift/session-features.ts) on a
 *   simulated shop that went through `patron simulate`'s files and the ium preset's ingest;
 * - no feature sees the future: every event after a cut-off time is first rewritten (other
 *   products, other discounts, extra purchases), then deleted, and no session whose decision
 *   point is at or before the cut-off changes in any feature — while sessions after it do
 *   change, so the check has the power to fail.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { sessionRows, SESSION_FEATURE_COLUMNS, type SessionRows } from "../../src/features/sessions.ts";
import { ensureSimulatedShop } from "../../src/jobs/offers/simulated-shop.ts";
import { sessionTable, SESSION_FEATURES } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { storeKinds, tempDir } from "../helpers/stores.ts";

function featureOf(rows: SessionRows, i: number): number[] {
  return SESSION_FEATURE_COLUMNS.map((_, j) => rows.features.data[j * rows.features.nRows + i]);
}

for (const kind of storeKinds) {
  test(`session table on ${kind.name}: equal to the TypeScript reference, and blind to the future`, async (t) => {
    const reason = await kind.skip();
    if (reason) return t.skip(reason);
    const ts = await kind.open();
    const work = tempDir();
    try {
      const { shop, dataset } = await ensureSimulatedShop(ts.store, { customers: 150, seed: 3, workDir: work.dir });
      const rows = await sessionRows(ts.store, dataset, DISCOUNT_LEVELS);
      const catalog = new Map(shop.products.map((p) => [p.product_id, { category: p.category_path, price: p.price }]));
      const ref = sessionTable(shop.events, catalog, DISCOUNT_LEVELS);

      assert.deepEqual([...SESSION_FEATURE_COLUMNS], [...SESSION_FEATURES]);
      assert.equal(rows.sessionId.length, ref.sessionId.length);
      assert.deepEqual(rows.sessionId, Array.from(ref.sessionId, String));
      assert.deepEqual(rows.customerId, Array.from(ref.userId, String));
      assert.deepEqual(rows.productId, Array.from(ref.productId, String));
      assert.deepEqual(rows.discount, ref.discount);
      assert.deepEqual(rows.bought, ref.bought);
      assert.deepEqual(rows.price, ref.price);
      assert.deepEqual(rows.decisionMs, ref.decisionMs);
      assert.deepEqual(rows.features.data, ref.features.data);
      // The shop has history to count: most features are non-zero somewhere.
      for (let j = 0; j < SESSION_FEATURE_COLUMNS.length; j++) {
        const col = rows.features.data.subarray(j * rows.features.nRows, (j + 1) * rows.features.nRows);
        assert.ok(col.some((v) => v > 0), `${SESSION_FEATURE_COLUMNS[j]} is never positive`);
      }

      // Cut at the decision point of a session that bought, near the median: its own purchase is
      // then in the future, as every session's is.
      const median = Float64Array.from(rows.decisionMs).sort()[Math.floor(rows.decisionMs.length / 2)];
      const boughtAfter = rows.decisionMs.map((ms, i) => (rows.bought[i] === 1 && ms >= median ? ms : Infinity));
      const cut = Math.min(...boughtAfter);
      const cutText = new Date(cut).toISOString().slice(0, 19).replace("T", " ");
      const before = new Map<string, number[]>();
      rows.sessionId.forEach((id, i) => {
        if (rows.decisionMs[i] <= cut) before.set(id, featureOf(rows, i));
      });
      assert.ok(before.size > 300, `${before.size} sessions before the cut-off`);

      const unchanged = async (label: string) => {
        const after = await sessionRows(ts.store, dataset);
        let checked = 0;
        let changedLater = 0;
        after.sessionId.forEach((id, i) => {
          const expected = before.get(id);
          if (expected === undefined) {
            const j = rows.sessionId.indexOf(id);
            if (j >= 0 && featureOf(rows, j).some((v, k) => v !== featureOf(after, i)[k])) changedLater++;
            return;
          }
          assert.deepEqual(featureOf(after, i), expected, `${label}: session ${id} changed`);
          checked++;
        });
        assert.equal(checked, before.size, `${label}: every session before the cut-off is still there`);
        return changedLater;
      };

      // 1. Rewrite the future: move every later event to one product, change its discount, and add
      //    a purchase for every customer right after the cut-off. (Event types stay: a view added
      //    to a session after its decision point would move that decision point.)
      const d = ts.store.dialect;
      const later = `dataset = $1 AND occurred_at > ${d.timestamp(cutText)}`;
      await ts.store.exec(
        `UPDATE events SET offered_discount = 20, product_id = (SELECT min(product_id) FROM products WHERE dataset = $1)
         WHERE ${later}`,
        [dataset],
      );
      await ts.store.exec(
        `INSERT INTO events (dataset, event_id, session_id, occurred_at, customer_id, product_id, event_type, offered_discount, purchase_id, ingest_id)
         SELECT dataset, 'extra-' || customer_id, 'extra-' || customer_id, ${d.timestamp(cutText)} + INTERVAL '1 second', customer_id,
                min(product_id), 'buy', 15, 'extra-' || customer_id, 'test'
         FROM events WHERE dataset = $1 AND customer_id IS NOT NULL GROUP BY dataset, customer_id`,
        [dataset],
      );
      const rewritten = await unchanged("rewritten future");
      // 2. Delete the future altogether.
      await ts.store.exec(`DELETE FROM events WHERE ${later}`, [dataset]);
      await unchanged("deleted future");
      // The rewrite did reach the sessions after the cut-off: the check could have failed.
      assert.ok(rewritten > 30, `only ${rewritten} later sessions changed`);
    } finally {
      await ts.cleanup();
      work.cleanup();
    }
  });
}
