/**
 * The pure pieces of the profiler, with answers computed by hand: spelling comparison, key-like
 * names, histogram ranges and edges, PSI, file naming.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crossColumnSpellings, editDistance, nearDuplicateValues, normalizeCategory, similarSpelling } from "../../src/profile/categories.ts";
import { psi, psiLevel } from "../../src/profile/drift.ts";
import { formatOf, tableNameOf } from "../../src/profile/file-source.ts";
import { binEdges, chooseRange } from "../../src/profile/histogram.ts";
import { isCodeLike } from "../../src/profile/patterns.ts";
import { isIdLikeName, kindOfType } from "../../src/profile/relation.ts";

describe("spelling comparison", () => {
  it("computes Levenshtein distances", () => {
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("стандартт", "стандарт"), 1);
    assert.equal(editDistance("предыдцщий_месяц", "предыдущий_месяц"), 1);
    assert.equal(editDistance("", "abc"), 3);
    // Early exit reports "more than max" as max + 1.
    assert.equal(editDistance("abcdef", "uvwxyz", 1), 2);
  });

  it("normalises case, ё, punctuation and spaces", () => {
    assert.equal(normalizeCategory("  Ёлка_Новая-год "), "елка новая год");
  });

  it("matches typos but not short codes or numbered variants", () => {
    assert.equal(similarSpelling("стандартт", "стандарт"), true);
    assert.equal(similarSpelling("Urban", "urban "), true);
    assert.equal(similarSpelling("e-mail", "email"), true);
    assert.equal(similarSpelling("M", "F"), false);
    assert.equal(similarSpelling("size 10", "size 12"), false);
    assert.equal(similarSpelling("Austria", "Australia"), false);
    assert.equal(similarSpelling("препредыдущий_месяц", "предыдущий_месяц"), false);
  });

  it("orders a pair rare-first and finds cross-column spellings only when the columns share a value", () => {
    const pairs = nearDuplicateValues([
      { value: "стандарт", count: 914 },
      { value: "премиум", count: 376 },
      { value: "стандартт", count: 10 },
    ]);
    assert.deepEqual(pairs, [{ rare: { value: "стандартт", count: 10 }, common: { value: "стандарт", count: 914 } }]);
    const time = [{ value: "текущий_месяц", count: 2 }, { value: "предыдцщий_месяц", count: 2 }];
    const money = [{ value: "текущий_месяц", count: 3 }, { value: "предыдущий_месяц", count: 3 }, { value: "препредыдущий_месяц", count: 3 }];
    assert.deepEqual(crossColumnSpellings(time, money).map((p) => [p.rare.value, p.common.value]), [["предыдцщий_месяц", "предыдущий_месяц"]]);
    assert.deepEqual(crossColumnSpellings([{ value: "предыдцщий_месяц", count: 1 }], money), []);
  });
});

describe("column roles", () => {
  it("recognises key-like names", () => {
    for (const name of ["id", "user_id", "CustomerID", "InvoiceNo", "StockCode", "session key"]) assert.equal(isIdLikeName(name), true, name);
    for (const name of ["paid", "Quantity", "video", "android", "Выручка"]) assert.equal(isIdLikeName(name), false, name);
  });

  it("maps engine types to kinds", () => {
    assert.deepEqual(["BIGINT", "double precision", "DECIMAL(18,3)", "TIMESTAMP", "date", "VARCHAR", "BOOLEAN"].map(kindOfType),
      ["numeric", "numeric", "numeric", "temporal", "temporal", "categorical", "categorical"]);
  });

  it("treats digit-led codes with a minority of exceptions as codes, but not free text", () => {
    assert.equal(isCodeLike({ nonNull: 1000, nDistinct: 500, leading: { digit: 990, spaced: 5 } }), "digit");
    assert.equal(isCodeLike({ nonNull: 1000, nDistinct: 500, leading: { digit: 1000, spaced: 0 } }), false);
    assert.equal(isCodeLike({ nonNull: 1000, nDistinct: 500, leading: { digit: 990, spaced: 400 } }), false);
    assert.equal(isCodeLike({ nonNull: 1000, nDistinct: 5, leading: { digit: 990, spaced: 0 } }), false);
  });
});

describe("histogram ranges", () => {
  it("uses unit bins for small integer ranges and numpy's ±0.5 for a constant", () => {
    assert.deepEqual(chooseRange({ min: 1, max: 5, integerValued: true }), { lo: 0.5, hi: 5.5, nBins: 5 });
    assert.deepEqual(chooseRange({ min: 7, max: 7, integerValued: false }), { lo: 6.5, hi: 7.5, nBins: 1 });
  });

  it("clips a heavy tail to Tukey's far-out fences", () => {
    // IQR 2: range 1000 > 25 × 2, so [max(0, 1 − 6), min(1000, 3 + 6)] = [0, 9].
    assert.deepEqual(chooseRange({ min: 0, max: 1000, q25: 1, q75: 3, integerValued: false }), { lo: 0, hi: 9, nBins: 20 });
    assert.deepEqual(chooseRange({ min: 0, max: 10, q25: 2, q75: 8, integerValued: false }), { lo: 0, hi: 10, nBins: 20 });
  });

  it("spaces edges like numpy.linspace with the last edge exact", () => {
    assert.deepEqual(binEdges({ lo: 0, hi: 1, nBins: 4 }), [0, 0.25, 0.5, 0.75, 1]);
    assert.equal(binEdges({ lo: 0.1, hi: 0.7, nBins: 3 })[3], 0.7);
  });
});

describe("population stability index", () => {
  it("is Σ (a − e) ln(a / e), zero for identical shares, with empty buckets floored at 1e-4", () => {
    assert.equal(psi([0.5, 0.5], [0.5, 0.5]), 0);
    const expected = (0.6 - 0.5) * Math.log(0.6 / 0.5) + (0.4 - 0.5) * Math.log(0.4 / 0.5);
    assert.ok(Math.abs(psi([0.5, 0.5], [0.6, 0.4]) - expected) < 1e-15);
    assert.ok(Math.abs(psi([1, 0], [0.5, 0.5]) - ((0.5 - 1) * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4))) < 1e-12);
    assert.deepEqual([0.05, 0.1, 0.2, 0.25, 1].map(psiLevel), ["stable", "moderate", "moderate", "significant", "significant"]);
  });
});

describe("file names", () => {
  it("names tables after files and knows formats", () => {
    assert.equal(tableNameOf("data/one-click/market_money.csv.gz"), "market_money");
    assert.equal(tableNameOf("data/online-retail/by-day/*.csv.gz"), "by_day");
    assert.deepEqual(["a.csv", "a.tsv.gz", "a.parquet", "a.jsonl.gz"].map(formatOf), ["csv", "csv", "parquet", "json"]);
  });
});
