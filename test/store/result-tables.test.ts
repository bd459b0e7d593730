/**
 * The jobs' result tables on both stores (src/store/result-tables.ts): created with each
 * engine's types, filled by multi-row literal inserts that keep every double bit for bit, quotes
 * in text, NULL for missing and non-finite numbers, booleans and timestamps.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createResultTable, insertColumns, type ResultColumn } from "../../src/store/result-tables.ts";
import { storeKinds } from "../helpers/stores.ts";

const COLUMNS: ResultColumn[] = [
  { name: "id", type: "text" },
  { name: "value", type: "double" },
  { name: "flag", type: "boolean" },
  { name: "happened_at", type: "timestamp" },
  { name: "n", type: "integer" },
];

for (const kind of storeKinds) {
  test(`result tables on ${kind.name}: exact doubles, quoted text, NULLs, booleans, timestamps`, async (t) => {
    const reason = await kind.skip();
    if (reason) return t.skip(reason);
    const ts = await kind.open();
    try {
      await createResultTable(ts.store, "results_t", COLUMNS, ["id"]);
      await createResultTable(ts.store, "results_t", COLUMNS, ["id"]); // idempotent
      const ids = ["a", "it's", "c", "d"];
      const values = [0.1 + 0.2, -1e-300, NaN, 123456789.123456789];
      await insertColumns(ts.store, "results_t", COLUMNS, [ids, values, [true, false, true, null], [0, 1_700_000_000_123, null, 86_400_000], [1, 2, 3, null]], 3);
      const rows = await ts.store.query<{ id: string; value: number | null; flag: boolean | null; at: string | null; n: number | null }>(
        "SELECT id, value, flag, CAST(happened_at AS VARCHAR) AS at, n FROM results_t ORDER BY id",
      );
      assert.deepEqual(rows.map((r) => r.id), ["a", "c", "d", "it's"]);
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      assert.equal(byId.a.value, 0.1 + 0.2);
      assert.equal(byId["it's"].value, -1e-300);
      assert.equal(byId.c.value, null);
      assert.equal(byId.d.value, 123456789.123456789);
      assert.equal(byId.d.flag, null);
      assert.equal(byId["it's"].flag, false);
      assert.match(String(byId["it's"].at), /^2023-11-14 22:13:20\.123/);
      assert.equal(byId.c.at, null);
      assert.equal(Number(byId.c.n), 3);
      assert.equal(byId.d.n, null);
    } finally {
      await ts.cleanup();
    }
  });
}
