/**
 * The warnings fire on the bundled data, on the problems the data's provenance documents:
 * «В один клик» — the revenue outlier 106,862.2, 'стандартт' beside 'стандарт', the period
 * spelled two ways across the revenue and time files, decimal commas in money.csv; Online
 * Retail — 135,080 lines without a customer, negative quantities on 'C' invoices, non-product
 * stock codes, the unit-price outlier 38,970, 5,268 duplicate lines, 113,452 padded
 * descriptions.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runProfile } from "../../src/profile/run.ts";
import type { ProfileReport, ProfileWarning } from "../../src/profile/types.ts";

function only(report: ProfileReport, table: string, column: string, code: string): ProfileWarning {
  const found = report.warnings.filter((w) => w.table === table && w.column === column && w.code === code);
  assert.equal(found.length, 1, `one ${code} on ${table}.${column}; warnings: ${report.warnings.map((w) => `${w.code} ${w.table}.${w.column}`).join("; ")}`);
  return found[0];
}

describe("profile --preset one-click", () => {
  let report: ProfileReport;
  before(async () => {
    report = await runProfile({ preset: "one-click", label: "Покупательская активность" });
  });

  it("profiles the four raw files, reading money.csv's decimal commas as numbers", () => {
    assert.deepEqual(report.profiles.map((p) => [p.table, p.nRows]), [["market_file", 1300], ["market_money", 3900], ["market_time", 2600], ["money", 1300]]);
    const profit = report.profiles[3].columns.find((c) => c.name === "Прибыль")!;
    assert.equal(profit.kind, "numeric");
    assert.equal(profit.numeric!.min, 0.86);
    assert.equal(profit.numeric!.max, 7.43);
  });

  it("flags the revenue outlier 106,862.2 of customer 215380", () => {
    const w = only(report, "market_money", "Выручка", "OUTLIERS");
    assert.equal((w.details!.extremes as number[])[0], 106862.2);
    assert.match(w.message, /106,862\.2 \(id 215380\)/);
  });

  it("flags 'стандартт' as a misspelling of 'стандарт'", () => {
    const w = only(report, "market_file", "Тип сервиса", "NEAR_DUPLICATE_CATEGORY");
    assert.deepEqual([w.details!.rare, w.details!.common], ["стандартт", "стандарт"]);
    assert.match(w.message, /'стандартт' \(10 rows\).*'стандарт' \(914 rows\)/);
  });

  it("flags the period spelled 'предыдцщий_месяц' in market_time but 'предыдущий_месяц' in market_money", () => {
    const w = only(report, "market_time", "Период", "CROSS_TABLE_SPELLING");
    assert.deepEqual(
      [w.details!.value, w.details!.otherTable, w.details!.otherColumn, w.details!.otherValue],
      ["предыдцщий_месяц", "market_money", "Период", "предыдущий_месяц"],
    );
  });

  it("finds that the customer id encodes the label (the file is sorted by it) and no false alarms", () => {
    const w = only(report, "market_file", "id", "ID_PREDICTS_LABEL");
    assert.ok((w.details!.auc as number) < 0.05);
    assert.equal(report.profiles[0].label!.positive, "Снизилась");
    // A 3-level integer column (mostly 4s) is not an outlier column.
    assert.ok(!report.warnings.some((w) => w.code === "OUTLIERS" && w.column === "Маркет_актив_тек_мес"));
    assert.deepEqual(report.warnings.map((w) => w.code).sort(), ["CROSS_TABLE_SPELLING", "ID_PREDICTS_LABEL", "NEAR_DUPLICATE_CATEGORY", "OUTLIERS"]);
  });
});

describe("profile --preset online-retail", () => {
  let report: ProfileReport;
  before(async () => {
    report = await runProfile({ preset: "online-retail" });
  });

  it("counts the 541,909 lines and the 135,080 without a customer", () => {
    assert.equal(report.profiles[0].nRows, 541909);
    const w = only(report, "online_retail", "CustomerID", "MISSING_VALUES");
    assert.equal(w.details!.nMissing, 135080);
    assert.match(w.message, /135,080 of 541,909 rows/);
  });

  it("ties the negative quantities to 'C' (cancellation) invoices", () => {
    const w = only(report, "online_retail", "Quantity", "NEGATIVE_VALUES");
    assert.deepEqual([w.details!.nNegative, w.details!.codeColumn, w.details!.prefix, w.details!.nNegativeWithPrefix], [10624, "InvoiceNo", "C", 9288]);
  });

  it("lists the non-product stock codes", () => {
    const w = only(report, "online_retail", "StockCode", "OFF_PATTERN_CODES");
    const values = w.details!.values as string[];
    for (const code of ["POST", "D", "M", "BANK CHARGES", "AMAZONFEE", "DOT"]) assert.ok(values.includes(code), code);
  });

  it("flags the unit price 38,970 as the most extreme outlier", () => {
    const w = only(report, "online_retail", "UnitPrice", "OUTLIERS");
    assert.equal((w.details!.extremes as number[])[0], 38970);
    assert.match(w.message, /the most extreme: 38,970/);
  });

  it("counts duplicate lines and padded descriptions as the provenance notes", () => {
    assert.equal(only(report, "online_retail", "", "DUPLICATE_ROWS").details!.nDuplicateRows, 5268);
    assert.equal(only(report, "online_retail", "Description", "PADDED_STRINGS").details!.nPadded, 113452);
  });
});
