import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { storeKinds } from "../helpers/stores.ts";

for (const kind of storeKinds) {
  describe(`store on ${kind.name}`, async () => {
    const skip = await kind.skip();
    it("round-trips typed columns and rolls back a failed transaction", { skip }, async () => {
      const { store, cleanup } = await kind.open();
      try {
        await store.exec("CREATE TABLE t (id INTEGER, amount DOUBLE PRECISION, name VARCHAR, happened_at TIMESTAMP)");
        await store.exec(
          "INSERT INTO t VALUES (1, 2.5, 'a', TIMESTAMP '2011-01-02 03:04:05'), (2, NULL, NULL, NULL)",
        );
        const f = await store.frame("SELECT id, amount, name, happened_at FROM t ORDER BY id");
        assert.equal(f.nRows, 2);
        assert.deepEqual(Array.from(f.columns[0].values as Float64Array), [1, 2]);
        assert.equal((f.columns[1].values as Float64Array)[0], 2.5);
        assert.ok(Number.isNaN((f.columns[1].values as Float64Array)[1]));
        assert.deepEqual(f.columns[2].values, ["a", null]);
        assert.equal((f.columns[3].values as Float64Array)[0], Date.UTC(2011, 0, 2, 3, 4, 5));
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.exec("INSERT INTO t VALUES (3, 1, 'c', NULL)");
            throw new Error("boom");
          }),
          /boom/,
        );
        const rows = await store.query<{ n: number }>("SELECT count(*) AS n FROM t");
        assert.equal(Number(rows[0].n), 2);
        assert.equal(await store.tableExists("t"), true);
        assert.equal(await store.tableExists("nope"), false);
      } finally {
        await cleanup();
      }
    });
  });
}
