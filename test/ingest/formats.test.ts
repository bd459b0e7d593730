/**
 * Good inputs in every supported shape — CSV with quotes and escapes, `;` with decimal comma,
 * BOM and CRLF, gzip, folders, globs, zip archives, Parquet, JSONL — load the same canonical
 * rows on both stores; re-ingesting is idempotent; the customer policy does what it says.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { zipSync } from "fflate";
import { after, before, describe, it } from "node:test";
import { ingest } from "../../src/data/ingest.ts";
import { isPatronError } from "../../src/core/errors.ts";
import { loadMapping, parseMapping, type Mapping } from "../../src/data/mapping.ts";
import { canonicalTables, rowSchema } from "../../src/data/schema.ts";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { storeKinds, tempDir, type TestStore } from "../helpers/stores.ts";
import { fixture, ordersMapping, snapshot, sumFiltered } from "./helpers.ts";

const withDataset = (dataset: string, change: (m: Mapping) => Mapping = (m) => m): Mapping => change({ ...ordersMapping(), dataset });

interface OrderRow {
  order_id: string;
  line_no: number;
  product_id: string;
  quantity: number;
  unit_price: number;
  amount: number;
  customer_id: string | null;
  country: string;
  description: string;
  is_return: boolean;
  ordered_at: Date;
}

async function orders(ts: TestStore, dataset: string): Promise<OrderRow[]> {
  const rows = await ts.store.query<OrderRow & Record<string, unknown>>(
    "SELECT order_id, line_no, product_id, quantity, unit_price, amount, customer_id, country, description, is_return, ordered_at FROM orders WHERE dataset = $1 ORDER BY order_id, line_no",
    [dataset],
  );
  return rows.map((r) => ({ ...r, line_no: Number(r.line_no) }));
}

for (const kind of storeKinds) {
  describe(`ingest formats on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    const tmp = tempDir("patron-formats-");
    before(async () => {
      if (!skip) ts = await kind.open();
    });
    after(async () => {
      await ts?.cleanup();
      tmp.cleanup();
    });
    const options = () => ({ quarantineDir: join(tmp.dir, "q") });

    it("loads a quoted CSV into canonical order lines, applying the named rule", { skip }, async () => {
      const result = await ingest(ts.store, withDataset("csv"), fixture("ingest/orders-good.csv"), options());
      assert.deepEqual(
        { read: result.rows_read, loaded: result.loaded, rejected: result.rejected, filtered: result.filtered },
        { read: 4, loaded: 3, rejected: 0, filtered: { free_items: 1, duplicate_key: 0, already_loaded: 0 } },
      );
      assert.equal(result.customer_policy, "anonymous");
      const rows = await orders(ts, "csv");
      assert.deepEqual(
        rows.map((r) => [r.order_id, r.line_no, r.product_id, r.quantity, r.unit_price, r.amount, r.customer_id, r.country, r.description, r.is_return]),
        [
          ["1001", 1, "A1", 2, 3.5, 7, "17850", "United Kingdom", "first", false],
          ["1002", 1, "A1", -1, 3.5, -3.5, null, "France", "return, with comma", true],
          ["1003", 1, "C3", 5, 1.25, 6.25, "12345", "Germany", 'says "hi"', false],
        ],
      );
      assert.equal(rows[0].ordered_at.getTime(), Date.UTC(2011, 0, 2, 10, 0, 0));
      for (const row of await ts.store.query("SELECT * FROM orders WHERE dataset = 'csv'")) rowSchema(canonicalTables.orders).parse(row);
    });

    it("skips a file it has already ingested and writes only the ingest record", { skip }, async () => {
      const before = await snapshot(ts.store);
      const again = await ingest(ts.store, withDataset("csv"), fixture("ingest/orders-good.csv"), options());
      assert.deepEqual([again.files_read, again.files_skipped, again.rows_read, again.loaded], [0, 1, 0, 0]);
      const after = await snapshot(ts.store);
      assert.deepEqual({ ...after, ingests: before.ingests, ingest_rules: before.ingest_rules }, before);
      assert.equal(after.ingests, before.ingests + 1);
    });

    it("guards overlapping files by natural key and counts the overlap", { skip }, async () => {
      const result = await ingest(ts.store, withDataset("csv"), fixture("ingest/orders-overlap.csv"), options());
      assert.deepEqual(result.filtered, { free_items: 1, duplicate_key: 0, already_loaded: 1 });
      assert.equal(result.loaded, 1);
      assert.deepEqual((await orders(ts, "csv")).map((r) => r.order_id), ["1001", "1002", "1003", "1004"]);
    });

    it("sniffs ';' and reads decimal commas, a BOM and CRLF", { skip }, async () => {
      const mapping = withDataset("semicolon", (m) => ({ ...m, sources: [{ ...m.sources[0], delimiter: "auto", decimal: "," }] }));
      const result = await ingest(ts.store, mapping, fixture("ingest/orders-semicolon.csv"), options());
      assert.equal(result.loaded, 2);
      const rows = await orders(ts, "semicolon");
      assert.deepEqual(rows.map((r) => [r.order_id, r.unit_price, r.amount, r.description]), [
        ["2001", 2.5, 7.5, "a;b"],
        ["2002", 10.75, 10.75, "plain"],
      ]);
    });

    it("reads a folder of gzip files and zip archives, and a glob", { skip }, async () => {
      const root = join(tmp.dir, "folder");
      mkdirSync(join(root, "day1"), { recursive: true });
      writeFileSync(join(root, "day1", "orders.csv.gz"), gzipSync(readFileSync(fixture("ingest/orders-good.csv"))));
      writeFileSync(join(root, "more.zip"), zipSync({ "inner/overlap.csv": readFileSync(fixture("ingest/orders-overlap.csv")) }));
      copyFileSync(fixture("ingest/orders-semicolon.csv"), join(root, "ignored.txt"));
      const mapping = withDataset("folder", (m) => ({ ...m, sources: [{ ...m.sources[0], files: "**/*.csv" }] }));
      const result = await ingest(ts.store, mapping, root, options());
      assert.equal(result.files_read, 2);
      assert.equal(result.rows_read, 7);
      assert.equal(result.loaded, 4);
      assert.equal(result.rows_read, result.loaded + result.rejected + sumFiltered(result.filtered));
      const globbed = await ingest(ts.store, withDataset("glob"), join(root, "day1", "*.csv.gz"), options());
      assert.equal(globbed.loaded, 3);
    });

    it("reads Parquet, with row numbers as lines in quarantine", { skip }, async () => {
      const path = join(tmp.dir, "orders.parquet");
      const duck = await openDuckDBStore(":memory:");
      await duck.exec(
        `COPY (SELECT * FROM (VALUES ('7001', 'P', '2', '4.0', '2011-03-01 10:00:00', '5.0', 'Spain', 'pq'),
                                     ('7002', 'P', 'two', '4.0', '2011-03-01 10:00:00', '5.0', 'Spain', 'bad')) AS t(order_id, sku, qty, price, ts, customer, country, note))
         TO '${path}' (FORMAT parquet)`,
      );
      await duck.close();
      const mapping = withDataset("parquet", (m) => ({ ...m, sources: [{ ...m.sources[0], format: "auto" }] }));
      const result = await ingest(ts.store, mapping, path, options());
      assert.deepEqual([result.rows_read, result.loaded, result.rejected], [2, 1, 1]);
      const q = await ts.store.query<{ line: number; column_name: string }>("SELECT line, column_name FROM quarantine WHERE ingest_id = $1", [result.ingest_id]);
      assert.deepEqual(q.map((r) => [Number(r.line), r.column_name]), [[2, "qty"]]);
      assert.deepEqual((await orders(ts, "parquet")).map((r) => [r.order_id, r.amount, r.customer_id]), [["7001", 8, "5"]]);
    });

    it("drops or generates missing customer ids when asked", { skip }, async () => {
      const dropped = await ingest(ts.store, withDataset("policy-drop"), fixture("ingest/orders-good.csv"), { ...options(), customerPolicy: "drop" });
      assert.equal(dropped.customer_policy, "drop");
      assert.equal(dropped.filtered.missing_customer_id, 1);
      assert.equal(dropped.loaded, 2);
      const generated = await ingest(ts.store, withDataset("policy-generate"), fixture("ingest/orders-good.csv"), { ...options(), customerPolicy: "generate" });
      assert.deepEqual((await orders(ts, "policy-generate")).map((r) => r.customer_id), ["17850", "anon-1002", "12345"]);
      assert.equal(generated.loaded, 3);
    });
  });
}

describe("mapping files", () => {
  it("rejects an invalid mapping file, naming the file and every problem", () => {
    assert.throws(() => loadMapping(fixture("mappings/invalid.yaml")), (error: unknown) => {
      assert.ok(isPatronError(error));
      assert.equal(error.code, "E_MAPPING");
      assert.match(error.message, /invalid\.yaml is not a valid mapping/);
      assert.match(error.message, /sources\.0\.delimiter/);
      assert.match(error.message, /sources\.0\.targets/);
      return true;
    });
  });

  it("rejects a rule on a field the target does not have", () => {
    const input = { ...ordersMapping(), sources: [{ ...ordersMapping().sources[0], rules: [{ name: "nope", drop: { field: "unit_cost", below: 1 } }] }] };
    assert.throws(() => parseMapping(input, "test"), /rule nope tests field "unit_cost", which orders does not have/);
  });

  it("reports a field expression that does not compile, and writes nothing", async () => {
    const store = await openDuckDBStore(":memory:");
    try {
      const broken = withDataset("bad-field", (m) => ({
        ...m,
        sources: [{ ...m.sources[0], targets: [{ table: "orders", fields: { ...m.sources[0].targets[0].fields, quantity: "no_such_column * 2" } }] }],
      }));
      await assert.rejects(ingest(store, broken, fixture("ingest/orders-good.csv")), (error: unknown) => {
        assert.ok(isPatronError(error));
        assert.equal(error.code, "E_MAPPING");
        assert.match(error.message, /a field of target orders cannot be computed/);
        return true;
      });
      assert.equal(await store.tableExists("orders"), false);
    } finally {
      await store.close();
    }
  });
});
