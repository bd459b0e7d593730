// From the store to a Matrix: numeric DuckDB vectors are copied straight into Float64Array
// (NULL → NaN, BIGINT → number) and laid out column-major; categorical columns are refused
// with advice. Runs on a real DuckDB file and, when reachable, PostgreSQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frame } from "../../src/core/frame.ts";
import { column } from "../../src/core/matrix.ts";
import { frameToMatrix, frameToXY } from "../../src/models/data.ts";
import { storeKinds } from "../helpers/stores.ts";

describe("frameToMatrix", () => {
  it("lays numeric columns side by side, column-major", () => {
    const f = frame([
      { name: "a", kind: "numeric", values: Float64Array.of(1, 2, 3) },
      { name: "b", kind: "numeric", values: Float64Array.of(4, NaN, 6) },
    ]);
    const x = frameToMatrix(f);
    assert.deepEqual(Array.from(x.data), [1, 2, 3, 4, NaN, 6]);
    assert.deepEqual(x.columns, ["a", "b"]);
    assert.deepEqual(Array.from(frameToMatrix(f, ["b"]).data), [4, NaN, 6]);
  });
  it("refuses categorical columns and says what to do", () => {
    const f = frame([{ name: "city", kind: "categorical", values: ["a", null] }]);
    assert.throws(() => frameToMatrix(f), /"city" is categorical.*pipeline/);
  });
  it("frameToXY rejects a missing label", () => {
    const f = frame([
      { name: "x", kind: "numeric", values: Float64Array.of(1, 2) },
      { name: "y", kind: "numeric", values: Float64Array.of(1, NaN) },
    ]);
    assert.throws(() => frameToXY(f, "y"), { code: "E_NAN" });
  });
});

for (const kind of storeKinds) {
  describe(`store results to Matrix on ${kind.name}`, async () => {
    const skip = await kind.skip();
    it("numbers of every width, NULLs and booleans arrive exactly", { skip }, async () => {
      const { store, cleanup } = await kind.open();
      try {
        await store.exec(`CREATE TABLE m (d DOUBLE PRECISION, i INTEGER, k BIGINT, s SMALLINT, r REAL, b BOOLEAN, label INTEGER)`);
        // 5,000 rows: several DuckDB chunks (2,048 rows each), NULLs in every kind of column.
        await store.exec(`INSERT INTO m SELECT
            CASE WHEN g % 7 = 0 THEN NULL ELSE CAST(g AS DOUBLE PRECISION) / 8 END, g - 2500, CASE WHEN g % 5 = 0 THEN NULL ELSE CAST(g AS BIGINT) * 1000000007 END,
            (g % 300)::SMALLINT, CASE WHEN g % 11 = 0 THEN NULL ELSE 0.5 END, g % 2 = 0, g % 3
          FROM generate_series(1, 5000) AS t(g)`);
        const { x, y } = frameToXY(await store.frame("SELECT * FROM m ORDER BY i"), "label");
        assert.deepEqual(x.columns, ["d", "i", "k", "s", "r", "b"]);
        assert.equal(x.nRows, 5000);
        for (const g of [1, 7, 2048, 2049, 4095, 5000]) {
          const i = g - 1;
          const expected = [g % 7 === 0 ? NaN : g / 8, g - 2500, g % 5 === 0 ? NaN : g * 1000000007, g % 300, g % 11 === 0 ? NaN : 0.5, g % 2 === 0 ? 1 : 0];
          assert.deepEqual(expected.map((_, j) => column(x, j)[i]), expected, `row ${g}`);
          assert.equal(y[i], g % 3);
        }
      } finally {
        await cleanup();
      }
    });
  });
}
