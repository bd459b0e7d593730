/**
 * The activity report section (src/report/activity-section.ts) for a small literal summary: a
 * golden file of its normalised HTML, the chart specs (every one compiles; the data each
 * carries), the standardised profile differences and Hanley & McNeil's standard error against
 * a hand computation.
 *
 * Regenerate the golden file after an intended change with
 *   PATRON_UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/jobs/activity-section
 * and read the diff before committing it.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { activitySection, holdoutStandardError, profileChart, renderPage, rocChart, type ModelJobSummary } from "../../src/report/activity-section.ts";
import { normalizeHtml } from "../report/normalize.ts";

const GOLDEN = new URL("./golden/activity-section.html", import.meta.url);

const summary: ModelJobSummary = {
  rows: 1297, nTrain: 973, nHoldout: 324, positives: 495, droppedZeroRevenue: 3,
  holdoutRule: "customer id divisible by 4", labelName: "purchase activity declined",
  candidates: [
    { name: "knn", label: "kNN", description: "kNN (nNeighbors 21, weights distance) · one-hot · robust", cvRocAuc: 0.9151, cvSd: 0.018, holdoutRocAuc: 0.9405, nCandidates: 72, holdoutRoc: { fpr: [0, 0.1, 1], tpr: [0, 0.8, 1] } },
    { name: "vote-2", label: "soft vote of the 2 best", description: "soft vote of SVC + kNN", cvRocAuc: 0.9238, cvSd: 0.015, holdoutRocAuc: 0.9434, nCandidates: 1, holdoutRoc: { fpr: [0, 0.05, 0.2, 1], tpr: [0, 0.7, 0.9, 1] } },
  ],
  chosen: { name: "vote-2", label: "soft vote of the 2 best", description: "soft vote of SVC + kNN", cvRocAuc: 0.9238, holdoutRocAuc: 0.9434 },
  repeatedCv: { nSplits: 5, nRepeats: 5, mean: 0.9244, sd: 0.0144 },
  threshold: { threshold: 0.47, rule: "maximum F1 on cross-fitted probabilities", precision: 0.93, recall: 0.81, f1: 0.866 },
  segmentSize: 431,
  explanation: {
    method: "permutation", units: "probability", nExplained: 600, backgroundSize: 12, nPairs: 2,
    importance: [{ feature: "pages_per_visit", meanAbs: 0.08, mean: 0.001 }, { feature: "popular_category", meanAbs: 0.01, mean: 0 }],
    sample: { featureNames: ["pages_per_visit", "popular_category"], nRows: 3, shap: [0.2, 0.01, -0.1, 0, 0.05, -0.02], values: [2, 9, 5, NaN, NaN, NaN] },
  },
  profile: [
    { feature: "pages_per_visit", kind: "numeric", segment: 4.75, rest: 9.9, everyone: 8.19, sd: 3.98 },
    { feature: "popular_category", kind: "categorical", category: "Товары для детей", segment: 0.3, rest: 0.23, everyone: 0.25, sd: NaN },
    { feature: "probability", kind: "numeric", segment: 0.86, rest: 0.13, everyone: 0.37, sd: 0.35 },
  ],
  topCategories: [{ category: "Товары для детей", customers: 130 }, { category: "Домашний текстиль", customers: 81 }],
  targetListSize: 2,
  targetHead: [
    { rank: 1, customerId: "215401", probability: 0.967, value: 7.43, category: "Товары для детей", reasons: ["pages per visit is low (4): +0.25 to decline risk"] },
    { rank: 2, customerId: "215563", probability: 0.88, value: 6.88, category: "Домашний текстиль", reasons: [] },
  ],
  drivers: [{ text: "Among customers at risk, pages per visit averages 4.75 vs 9.90 for the rest; <it's> the strongest driver." }],
  labels: { pages_per_visit: "pages per visit", popular_category: "favourite category" },
  valueName: "profit",
  categoryName: "popular_category",
};

describe("activity report section", () => {
  const section = activitySection(summary);

  it("matches the golden file (normalised: numbers rounded to 2 decimals)", () => {
    const html = normalizeHtml(section.html);
    if (process.env.PATRON_UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, html);
    assert.equal(html, readFileSync(GOLDEN, "utf8"));
  });

  it("escapes what it prints and marks the chosen model", () => {
    assert.match(section.html, /&lt;it&#39;s&gt;/);
    assert.match(section.html, /<strong>soft vote of the 2 best \(chosen\)<\/strong>/);
  });

  it("has one spec per chart placeholder, each compiling to Vega", async () => {
    const ids = [...section.html.matchAll(/data-spec="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids, ["comparison", "roc", "shap-bar", "shap-beeswarm", "profile"]);
    assert.deepEqual(Object.keys(section.specs).sort(), [...ids].sort());
    const { compile } = await import("vega-lite");
    for (const id of ids) assert.doesNotThrow(() => compile(section.specs[id] as never), id);
  });

  it("draws one ROC line per candidate with its holdout points", () => {
    const data = ((rocChart(summary).layer as { data: { values: { model: string }[] } }[])[0]).data.values;
    assert.equal(data.filter((d) => d.model === "kNN (0.941)").length, 3);
    assert.equal(data.filter((d) => d.model === "soft vote of the 2 best (0.943)").length, 4);
  });

  it("profiles numeric features as standardised differences, leaving out categories and the score", () => {
    const values = (profileChart(summary).data as { values: { feature: string; difference: number }[] }).values;
    assert.deepEqual(values.map((v) => v.feature), ["pages per visit"]);
    assert.ok(Math.abs(values[0].difference - (4.75 - 9.9) / 3.98) < 1e-12);
  });

  it("gives Hanley & McNeil's standard error (hand computation)", () => {
    // AUC 0.9, 120 positives, 200 negatives: Q1 = 0.9/1.1, Q2 = 1.62/1.9,
    // var = (0.09 + 119 (Q1 − 0.81) + 199 (Q2 − 0.81)) / 24000 = 0.00039780…
    const se = holdoutStandardError(0.9, { nHoldout: 320, positives: 120, rows: 320 });
    assert.ok(Math.abs(se - Math.sqrt((0.09 + 119 * (0.9 / 1.1 - 0.81) + 199 * (1.62 / 1.9 - 0.81)) / 24000)) < 1e-15);
    assert.ok(Math.abs(se - 0.019945) < 1e-5);
  });

  it("renders a standalone page with every chart as inline SVG", async () => {
    const page = await renderPage(section, "Patron: purchase activity");
    assert.equal((page.match(/<svg/g) ?? []).length, 5);
    assert.doesNotMatch(page, /<script/);
  });
});
