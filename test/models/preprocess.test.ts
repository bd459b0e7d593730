// Preprocessing against scikit-learn 1.2.1 (test/reference/preprocess.json from
// scripts/reference/preprocess.py), hand-computed cases, JSON round trips and boundary errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { frame, type Frame, type FrameColumn } from "../../src/core/frame.ts";
import { fromColumns } from "../../src/core/matrix.ts";
import { takeWarnings } from "../../src/core/warn.ts";
import { columnTransformer } from "../../src/models/preprocess/column-transformer.ts";
import { normalQuantile } from "../../src/models/preprocess/normal-quantile.ts";
import { oneHotEncoder } from "../../src/models/preprocess/one-hot-encoder.ts";
import { ordinalEncoder } from "../../src/models/preprocess/ordinal-encoder.ts";
import { minMaxScaler, robustScaler, standardScaler, type ScalerModel } from "../../src/models/preprocess/scalers.ts";
import { simpleImputer } from "../../src/models/preprocess/simple-imputer.ts";
import type { FittedTransformer } from "../../src/models/preprocess/transformer.ts";
import { transformerFromJSON, transformerFromSpec } from "../../src/models/preprocess/transformers.ts";

type Cell = number | string | null;
interface Case {
  name: string;
  kind: string;
  options: Record<string, unknown>;
  columns: string[];
  nOutputs: number;
  fitOutput: (number | null)[] | Cell[][];
  newOutput: (number | null)[] | Cell[][];
}
const ref = JSON.parse(readFileSync(new URL("../reference/preprocess.json", import.meta.url), "utf8")) as {
  versions: Record<string, string>;
  nFit: number;
  nNew: number;
  fit: Record<string, Cell[]>;
  new: Record<string, Cell[]>;
  cases: Case[];
};

const NUMERIC = new Set(["a", "b", "c", "d"]);
function toFrame(table: Record<string, Cell[]>): Frame {
  return frame(
    Object.entries(table).map(([name, values]): FrameColumn =>
      NUMERIC.has(name)
        ? { name, kind: "numeric", values: Float64Array.from(values, (v) => (v === null ? NaN : (v as number))) }
        : { name, kind: "categorical", values: values as (string | null)[] },
    ),
  );
}
const fitFrame = toFrame(ref.fit);
const newFrame = toFrame(ref.new);
function only(f: Frame, names: string[]): Frame {
  return frame(names.map((name) => f.columns.find((c) => c.name === name)!));
}
/** A frame's numeric output, column-major with null for NaN, like the fixture. */
function numericOutput(f: Frame): (number | null)[] {
  return f.columns.flatMap((c) => Array.from(c.values as Float64Array, (v) => (Number.isNaN(v) ? null : v)));
}
function assertClose(actual: (number | null)[], expected: (number | null)[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k];
    const e = expected[k];
    if (e === null || a === null) assert.equal(a, e, `${what}[${k}]`);
    else assert.ok(Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e)), `${what}[${k}]: ${a} vs ${e}`);
  }
}

describe(`preprocessing equals scikit-learn ${ref.versions.sklearn}`, () => {
  for (const c of ref.cases) {
    it(c.name, () => {
      const kind = c.kind === "simple-imputer-categorical" ? "simple-imputer" : c.kind;
      const step = transformerFromSpec({ kind, options: c.options });
      const fitted = step.fit(only(fitFrame, c.columns));
      assert.equal(fitted.outputColumns.length, c.nOutputs);
      const check = (model: FittedTransformer, label: string) => {
        const outFit = model.transform(fitFrame);
        const outNew = model.transform(newFrame);
        if (c.kind === "simple-imputer-categorical") {
          assert.deepEqual(outFit.columns.map((col) => [...col.values]), c.fitOutput);
          assert.deepEqual(outNew.columns.map((col) => [...col.values]), c.newOutput);
          return;
        }
        // 1e-12 relative: the same formulas in the same order; only summation order differs.
        assertClose(numericOutput(outFit), c.fitOutput as (number | null)[], 1e-12, `${label} fit`);
        assertClose(numericOutput(outNew), c.newOutput as (number | null)[], 1e-12, `${label} new`);
      };
      check(fitted, "fitted");
      check(transformerFromJSON(JSON.parse(JSON.stringify(fitted.toJSON()))), "round trip");
    });
  }
});

describe("encoders", () => {
  const f = frame([
    { name: "city", kind: "categorical", values: ["b", "a", null, "b", "c"] },
    { name: "n", kind: "numeric", values: Float64Array.of(3, 1, NaN, 3, 2) },
  ]);

  it("one-hot names columns column=value, missing last, each sourced from its column", () => {
    const model = oneHotEncoder().fit(f);
    assert.deepEqual(model.outputColumns, ["city=a", "city=b", "city=c", "city=<missing>", "n=1", "n=2", "n=3", "n=<missing>"]);
    assert.deepEqual(model.outputSources, ["city", "city", "city", "city", "n", "n", "n", "n"]);
  });

  it("one-hot gives all zeros for an unseen category and can refuse it instead", () => {
    const unseen = frame([
      { name: "city", kind: "categorical", values: ["z"] },
      { name: "n", kind: "numeric", values: Float64Array.of(9) },
    ]);
    const out = oneHotEncoder().fit(f).transform(unseen);
    assert.deepEqual(numericOutput(out), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => oneHotEncoder({ handleUnknown: "error" }).fit(f).transform(unseen), { code: "E_UNKNOWN_CATEGORY" });
  });

  it("one-hot keeps the given category order", () => {
    const model = oneHotEncoder({ categories: { city: ["c", "b", "a"] } }).fit(only(f, ["city"]));
    assert.deepEqual(model.outputColumns, ["city=c", "city=b", "city=a"]);
  });

  it("one-hot refuses to drop an infrequent first category", () => {
    assert.throws(() => oneHotEncoder({ drop: "first", minFrequency: 2 }).fit(only(f, ["city"])), { code: "E_OPTIONS" });
  });

  it("ordinal codes sorted categories, unknown as -1 and missing as NaN", () => {
    const model = ordinalEncoder().fit(only(f, ["city"]));
    const out = model.transform(frame([{ name: "city", kind: "categorical", values: ["c", "z", null, "a"] }]));
    assert.deepEqual(numericOutput(out), [2, -1, null, 0]);
  });

  it("ordinal follows a meaningful order when given", () => {
    const sizes = frame([{ name: "size", kind: "categorical", values: ["M", "S", "L"] }]);
    const out = ordinalEncoder({ categories: { size: ["S", "M", "L"] } }).fit(sizes).transform(sizes);
    assert.deepEqual(numericOutput(out), [1, 0, 2]);
  });

  it("ordinal rejects an unknown code that collides with a real one", () => {
    assert.throws(() => ordinalEncoder({ unknownValue: 0 }), { code: "E_OPTIONS" });
  });

  it("categories sort by code point, as NumPy", () => {
    // U+FF21 (fullwidth A) is after U+1F600 (emoji, a surrogate pair) in UTF-16 units but not in code points.
    const g = frame([{ name: "s", kind: "categorical", values: ["\uFF21", "\u{1F600}", "b"] }]);
    assert.deepEqual(oneHotEncoder().fit(g).outputColumns, ["s=b", "s=\uFF21", "s=\u{1F600}"]);
  });
});

describe("scalers and imputers by hand", () => {
  const x = frame([{ name: "v", kind: "numeric", values: Float64Array.of(1, 2, 3, 4, 100) }]);

  it("standard scaler uses the population sd", () => {
    const model = standardScaler().fit(x) as ScalerModel;
    const mean = 22;
    const sd = Math.sqrt((21 ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2) / 5);
    assert.equal(model.center[0], mean);
    assert.ok(Math.abs(model.scale[0] - sd) < 1e-12);
  });

  it("robust scaler: median and interquartile range by linear interpolation", () => {
    const model = robustScaler().fit(x) as ScalerModel;
    assert.equal(model.center[0], 3);
    assert.equal(model.scale[0], 4 - 2);
  });

  it("min-max maps the range onto [0, 1] and a constant column keeps scale 1", () => {
    const model = minMaxScaler().fit(frame([{ name: "k", kind: "numeric", values: Float64Array.of(5, 5) }]));
    assert.deepEqual(numericOutput(model.transform(frame([{ name: "k", kind: "numeric", values: Float64Array.of(5, 6) }]))), [0, 1]);
  });

  it("scalers also work on a Matrix", () => {
    const m = fromColumns({ u: [1, 3], w: [10, 30] });
    const out = (standardScaler().fit(frame([
      { name: "u", kind: "numeric", values: Float64Array.of(1, 3) },
      { name: "w", kind: "numeric", values: Float64Array.of(10, 30) },
    ])) as ScalerModel).transformMatrix(m);
    assert.deepEqual(Array.from(out.data), [-1, 1, -1, 1]);
  });

  it("normal quantile matches known values", () => {
    assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-15);
    assert.ok(Math.abs(normalQuantile(1e-10) + 6.361340902404056) < 1e-12);
    assert.equal(normalQuantile(0.5), 0);
  });

  it("most frequent picks the smallest of tied values", () => {
    const g = frame([{ name: "c", kind: "categorical", values: ["y", "x", "y", "x", null] }]);
    const out = simpleImputer({ strategy: "most_frequent" }).fit(g).transform(g);
    assert.deepEqual([...out.columns[0].values], ["y", "x", "y", "x", "x"]);
  });

  it("an all-missing column is kept, filled with the constant, with a warning", () => {
    takeWarnings();
    const g = frame([{ name: "e", kind: "numeric", values: Float64Array.of(NaN, NaN) }]);
    const out = simpleImputer({ strategy: "median" }).fit(g).transform(g);
    assert.deepEqual(numericOutput(out), [0, 0]);
    assert.equal(takeWarnings()[0]?.code, "W_EMPTY_COLUMN");
  });
});

describe("column transformer", () => {
  const ct = columnTransformer({
    transformers: [
      { name: "num", columns: "numeric", steps: [simpleImputer({ strategy: "median", addIndicator: true }), standardScaler()] },
      { name: "cat", columns: ["city"], steps: [oneHotEncoder({ minFrequency: 10 })] },
    ],
    remainder: "drop",
  });

  it("chains steps per branch and composes the source of every output", () => {
    const model = ct.fit(fitFrame);
    assert.equal(model.outputColumns[0], "a");
    assert.ok(model.outputColumns.includes("a:missing"));
    const sources = Object.fromEntries(model.outputColumns.map((name, j) => [name, model.outputSources[j]]));
    assert.equal(sources["a:missing"], "a");
    assert.equal(sources["city=<infrequent>"], "city");
    assert.ok(!model.outputColumns.includes("plan"));
  });

  it("passes the remainder through and round-trips through JSON", () => {
    const model = columnTransformer({ transformers: [{ name: "n", columns: ["d"], steps: [standardScaler()] }], remainder: "passthrough" }).fit(fitFrame);
    assert.deepEqual(model.outputColumns, ["d", "a", "b", "c", "city", "plan", "rare"]);
    const again = transformerFromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    assert.deepEqual(again.transform(newFrame), model.transform(newFrame));
  });

  it("rejects a categorical column left unencoded when a Matrix is asked for", () => {
    const model = columnTransformer({ transformers: [{ name: "c", columns: ["city"], steps: [] }] }).fit(fitFrame);
    assert.throws(() => model.transformToMatrix(fitFrame), { code: "E_COLUMN_KIND" });
  });

  it("rejects the same output twice", () => {
    const twice = columnTransformer({
      transformers: [
        { name: "x", columns: ["a"], steps: [] },
        { name: "y", columns: ["a"], steps: [] },
      ],
    });
    assert.throws(() => twice.fit(fitFrame), { code: "E_DUPLICATE_COLUMN" });
  });
});

describe("preprocessing errors", () => {
  it("a scaler refuses a categorical column and says to encode it", () => {
    assert.throws(() => standardScaler().fit(only(fitFrame, ["city"])), { code: "E_COLUMN_KIND", message: /Encode it/ });
  });

  it("transform names a column missing from the data", () => {
    const model = standardScaler().fit(only(fitFrame, ["a"]));
    assert.throws(() => model.transform(only(fitFrame, ["b"])), { code: "E_COLUMN", message: /"a"/ });
  });

  it("mean imputation of a categorical column is refused", () => {
    assert.throws(() => simpleImputer({ strategy: "mean" }).fit(only(fitFrame, ["city"])), { code: "E_COLUMN_KIND" });
  });

  it("bad options are refused with the option named", () => {
    assert.throws(() => minMaxScaler({ featureRange: [1, 0] }), { code: "E_OPTIONS", message: /featureRange/ });
    assert.throws(() => oneHotEncoder({ minFrequency: 2.5 }), { code: "E_OPTIONS", message: /minFrequency/ });
  });

  it("damaged JSON is refused before anything is built", () => {
    const json = standardScaler().fit(only(fitFrame, ["a"])).toJSON();
    assert.throws(() => transformerFromJSON({ ...json, scale: [0] }), { code: "E_MODEL_JSON" });
    assert.throws(() => transformerFromJSON({ ...json, schemaVersion: 99 }), { code: "E_MODEL_JSON" });
    assert.throws(() => transformerFromJSON({ kind: "nope" }), { code: "E_UNKNOWN_KIND" });
  });

  it("fit never mutates its input", () => {
    const before = JSON.stringify(numericOutput(only(fitFrame, ["a", "b"])));
    simpleImputer().fit(only(fitFrame, ["a", "b"])).transform(fitFrame);
    standardScaler().fit(only(fitFrame, ["a", "b"])).transform(fitFrame);
    assert.equal(JSON.stringify(numericOutput(only(fitFrame, ["a", "b"]))), before);
  });
});
