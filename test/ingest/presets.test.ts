/**
 * The five bundled presets against facts computed independently with pandas from the same
 * files (scripts/reference/ingest_reference.py → test/reference/ingest.json): row counts,
 * per-rule filter counts of the Insiders cleaning, sums of money columns. Sums are compared
 * within 0.01 (float64 sums of 2-decimal amounts in a different order differ far below a
 * cent); counts exactly. All five run on DuckDB through ensureDataset (what job commands
 * call); the small ones also on PostgreSQL.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ensureDataset, hasDataset, listIngested } from "../../src/data/ensure.ts";
import type { PresetName } from "../../src/data/presets/index.ts";
import type { Store } from "../../src/store/store.ts";
import { storeKinds, tempDir, type TestStore } from "../helpers/stores.ts";
import { sumFiltered } from "./helpers.ts";

const reference = JSON.parse(readFileSync(new URL("../reference/ingest.json", import.meta.url), "utf8"));
const CENT = 0.01;

async function one<T = number>(store: Store, sql: string, params: unknown[] = []): Promise<T> {
  const rows = await store.query(sql, params);
  const value = Object.values(rows[0])[0];
  return (typeof value === "bigint" ? Number(value) : value) as T;
}
const num = async (store: Store, sql: string) => Number(await one(store, sql));

const checks: Record<PresetName, (store: Store) => Promise<void>> = {
  async "online-retail"(store) {
    const ref = reference["online-retail"];
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail'"), ref.loaded);
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail' AND customer_id IS NULL"), ref.anonymous_lines);
    assert.equal(await num(store, "SELECT count(DISTINCT customer_id) FROM orders WHERE dataset = 'online-retail'"), ref.customers);
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'online-retail'"), ref.customers);
    assert.equal(await num(store, "SELECT count(*) FROM products WHERE dataset = 'online-retail'"), ref.products);
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail' AND is_return"), ref.returns);
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail' AND is_cancellation"), ref.cancellation_lines);
    const amount = await num(store, "SELECT sum(amount) FROM orders WHERE dataset = 'online-retail'");
    assert.ok(Math.abs(amount - ref.amount_sum) < CENT, `${amount} vs ${ref.amount_sum}`);
    // 13995.0-style ids lose their ".0"; descriptions are trimmed.
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail' AND customer_id LIKE '%.%'"), 0);
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'online-retail' AND description <> trim(description)"), 0);
  },
  async hillstrom(store) {
    const ref = reference.hillstrom;
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'hillstrom'"), ref.rows);
    const arms = await store.query<{ arm: string; n: number }>(
      "SELECT arm, count(*) AS n FROM exposures WHERE dataset = 'hillstrom' AND campaign = 'hillstrom-2008' GROUP BY arm ORDER BY arm",
    );
    assert.deepEqual(Object.fromEntries(arms.map((r) => [r.arm, Number(r.n)])), ref.arms);
    assert.equal(await num(store, "SELECT sum(value) FROM outcomes WHERE dataset = 'hillstrom' AND metric = 'visit'"), ref.visits);
    assert.equal(await num(store, "SELECT sum(value) FROM outcomes WHERE dataset = 'hillstrom' AND metric = 'conversion'"), ref.conversions);
    const spend = await num(store, "SELECT sum(value) FROM outcomes WHERE dataset = 'hillstrom' AND metric = 'spend'");
    assert.ok(Math.abs(spend - ref.spend_sum) < CENT);
    // customer id = 0-based data row number
    const [row0] = await store.query<Record<string, unknown>>(
      `SELECT CAST(c.attributes->>'recency' AS INTEGER) AS recency, CAST(c.attributes->>'history' AS DOUBLE PRECISION) AS history,
              c.attributes->>'zip_code' AS zip_code, c.attributes->>'channel' AS channel, e.arm
       FROM customers c JOIN exposures e ON e.dataset = c.dataset AND e.customer_id = c.customer_id
       WHERE c.dataset = 'hillstrom' AND c.customer_id = '0'`,
    );
    assert.deepEqual({ ...row0, recency: Number(row0.recency) }, ref.row_0);
    assert.equal(
      await num(store, "SELECT CAST(attributes->>'history' AS DOUBLE PRECISION) FROM customers WHERE dataset = 'hillstrom' AND customer_id = '63999'"),
      ref.row_63999_history,
    );
  },
  async cdnow(store) {
    const ref = reference.cdnow;
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'cdnow'"), ref.rows);
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'cdnow'"), ref.customers);
    assert.equal(await num(store, "SELECT sum(quantity) FROM orders WHERE dataset = 'cdnow'"), ref.cds);
    assert.ok(Math.abs((await num(store, "SELECT sum(amount) FROM orders WHERE dataset = 'cdnow'")) - ref.dollars) < CENT);
    assert.equal(await one<string>(store, "SELECT min(customer_id) FROM orders WHERE dataset = 'cdnow'"), ref.first_customer);
    // A customer-day with several lines gets order ids …-1, …-2: one per line.
    assert.equal(await num(store, "SELECT count(*) FROM orders WHERE dataset = 'cdnow' AND order_id NOT LIKE '%-1'"), ref.repeat_day_lines);
  },
  async "one-click"(store) {
    const ref = reference["one-click"];
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'one-click'"), ref.customers);
    const activity = await store.query<{ a: string; n: number }>(
      "SELECT attributes->>'purchase_activity' AS a, count(*) AS n FROM customers WHERE dataset = 'one-click' GROUP BY 1 ORDER BY 1",
    );
    assert.deepEqual(Object.fromEntries(activity.map((r) => [r.a, Number(r.n)])), ref.purchase_activity);
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'one-click' AND (attributes->>'service_type') = 'стандартт'"), ref.service_type_typo);
    for (const [period, value] of Object.entries(ref.revenue as Record<string, number>)) {
      const sum = await num(store, `SELECT sum(value) FROM customer_metrics WHERE dataset = 'one-click' AND metric = 'revenue' AND period = '${period}'`);
      assert.ok(Math.abs(sum - value) < CENT, `${period}: ${sum} vs ${value}`);
    }
    for (const [period, value] of Object.entries(ref.minutes as Record<string, number>)) {
      assert.equal(await num(store, `SELECT sum(value) FROM customer_metrics WHERE dataset = 'one-click' AND metric = 'minutes' AND period = '${period}'`), value);
    }
    const profit = await num(store, "SELECT sum(value) FROM customer_metrics WHERE dataset = 'one-click' AND metric = 'profit'");
    assert.ok(Math.abs(profit - ref.profit_sum) < CENT);
  },
  async ium(store) {
    const ref = reference.ium;
    const types = await store.query<{ t: string; n: number }>("SELECT event_type AS t, count(*) AS n FROM events WHERE dataset = 'ium' GROUP BY 1 ORDER BY 1");
    assert.deepEqual(Object.fromEntries(types.map((r) => [r.t, Number(r.n)])), {
      buy: ref.event_types.BUY_PRODUCT,
      return: ref.event_types.RETURN_PRODUCT,
      view: ref.event_types.VIEW_PRODUCT,
    });
    assert.equal(await num(store, "SELECT count(DISTINCT session_id) FROM events WHERE dataset = 'ium'"), ref.sessions);
    assert.equal(await num(store, "SELECT sum(offered_discount) FROM events WHERE dataset = 'ium'"), ref.discount_sum);
    assert.equal(await num(store, "SELECT count(*) FROM customers WHERE dataset = 'ium'"), ref.users);
    assert.equal(await num(store, "SELECT count(*) FROM products WHERE dataset = 'ium'"), ref.products);
    assert.equal(await num(store, "SELECT count(*) FROM deliveries WHERE dataset = 'ium'"), ref.deliveries);
    // Return events keep the original purchase and their microseconds.
    assert.equal(
      await num(store, "SELECT count(*) FROM events e JOIN deliveries d ON d.dataset = e.dataset AND d.purchase_id = e.purchase_id WHERE e.dataset = 'ium' AND e.event_type = 'return'"),
      ref.event_types.RETURN_PRODUCT,
    );
  },
};

const onPostgres: PresetName[] = ["cdnow", "one-click"];

for (const kind of storeKinds) {
  const presets = kind.name === "duckdb" ? (Object.keys(checks) as PresetName[]) : onPostgres;
  describe(`bundled presets on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    const out = tempDir("patron-presets-");
    before(async () => {
      if (!skip) ts = await kind.open();
    });
    after(async () => {
      await ts?.cleanup();
      out.cleanup();
    });
    for (const preset of presets) {
      it(`${preset}: ensureDataset loads the bundled copy, matching the pandas reference`, { skip }, async () => {
        assert.equal(await hasDataset(ts.store, preset), false);
        const result = await ensureDataset(ts.store, preset, { quarantineDir: out.dir });
        assert.ok(result);
        assert.equal(result.rows_read, result.loaded + result.rejected + sumFiltered(result.filtered));
        assert.equal(result.rejected, 0);
        if (preset === "online-retail") {
          const ref = reference["online-retail"];
          assert.equal(result.files_read, ref.files);
          assert.equal(result.rows_read, ref.rows_read);
          assert.deepEqual(result.filtered, { ...ref.filtered, duplicate_key: 0, already_loaded: 0 });
          assert.equal(result.customer_policy, "anonymous");
        }
        await checks[preset](ts.store);
        assert.equal(await ensureDataset(ts.store, preset), undefined, "second call is a no-op");
      });
    }
    it("lists what is ingested", { skip }, async () => {
      const status = await listIngested(ts.store);
      assert.deepEqual(status.map((s) => s.dataset), [...presets].sort());
      for (const s of status) {
        assert.equal(s.ingests.length, 1);
        const i = s.ingests[0];
        assert.equal(i.rows_read, i.loaded + i.rejected + sumFiltered(i.filtered));
      }
    });
  });
}
