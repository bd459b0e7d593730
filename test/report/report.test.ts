/**
 * The HTML report's assembly (src/report/report.ts): a golden file of the normalised HTML for a
 * small literal input, the self-contained contract (inline CSS, every chart an inline SVG with
 * marks, no script, nothing fetched), the table of contents, the "not run yet" and failed
 * sections, chart-id prefixing; the decisions statistics against closed forms; the formatters.
 *
 * Regenerate the golden file after an intended change with
 *   PATRON_UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/report/report
 * and read the diff before committing it.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decisionsSection, rateDifference, wilson, type DecisionsSummary } from "../../src/report/report-decisions.ts";
import { formatDateTime, formatFigure, formatNumber, formatPercent } from "../../src/report/report-format.ts";
import { buildReport, prefixCharts, renderReport, type ReportInput } from "../../src/report/report.ts";
import { inlineCharts, roundGeometry } from "../../src/report/report-svg.ts";
import { normalizeHtml } from "./normalize.ts";

const GOLDEN = new URL("./golden/report.html", import.meta.url);

const decisions: DecisionsSummary = {
  dataset: "ium",
  from: "2024-05-01T10:00:00.000Z",
  to: "2024-05-01T12:30:00.000Z",
  conversionRule: "Converted: a buy in the same session after the decision.",
  treated: { decisions: 90, conversions: 45 },
  holdout: { decisions: 10, conversions: 3 },
  byPolicyOffer: [
    { policyOffer: "none", treated: { decisions: 40, conversions: 20 }, holdout: { decisions: 4, conversions: 2 } },
    { policyOffer: "10", treated: { decisions: 50, conversions: 25 }, holdout: { decisions: 6, conversions: 1 } },
  ],
  byOffer: [
    { offer: "none", group: "holdout", decisions: 10, expectedProfit: 12.5 },
    { offer: "none", group: "treated", decisions: 40, expectedProfit: 40 },
    { offer: "10", group: "treated", decisions: 50, expectedProfit: 75.25 },
  ],
  byModel: [{ modelVersion: "offers@v1", experiment: "offers", decisions: 100 }],
};

/** A small, fully literal input: two datasets, a done job with one chart, live decisions, a job not run, a failed one. */
function smallInput(): ReportInput {
  return {
    title: "Patron report",
    generatedAt: "2024-05-02T08:00:00.000Z",
    store: "./patron.duckdb",
    versions: { patron: "0.1.0", vega: "6.4.0", "vega-lite": "6.4.3", node: "v20.0.0", store: "duckdb" },
    datasets: [
      {
        dataset: "one-click",
        tables: { customers: 1300, customer_metrics: 7800 },
        lastIngest: { finishedAt: "2024-05-02T07:50:00.000Z", origin: "preset:one-click", rowsRead: 9100, loaded: 9100, rejected: 0, filtered: 0 },
      },
      { dataset: "cdnow", tables: { customers: 2357, orders: 6919 } },
    ],
    jobs: [
      {
        id: "activity",
        title: "Purchase-activity decline",
        command: "npx patron activity",
        status: "done",
        ranAt: "2024-05-02T07:55:00.000Z",
        facts: [["run", "a1"]],
        figures: [
          { label: "holdout ROC-AUC", value: 0.93712, format: "score" },
          { label: "customers at risk", value: 412, format: "integer", note: "of 1,297" },
        ],
        section: {
          html: `<section class="activity"><h2>Purchase-activity decline</h2><h3>Models</h3><p>Best: SVC &amp; friends.</p><div class="charts"><div class="chart" data-spec="auc"></div></div><h3>Target list</h3><p>412 customers.</p></section>`,
          specs: {
            auc: {
              $schema: "https://vega.github.io/schema/vega-lite/v5.json",
              title: "Holdout ROC-AUC by family",
              width: 200,
              height: 80,
              data: { values: [{ family: "svc", auc: 0.93 }, { family: "knn", auc: 0.936 }, { family: "tree", auc: 0.869 }] },
              mark: "bar",
              encoding: { y: { field: "family", type: "nominal" }, x: { field: "auc", type: "quantitative", scale: { domain: [0, 1] } } },
            },
          },
        },
      },
      { id: "decisions", title: "Live decisions", command: "npx patron serve", status: "done", ranAt: decisions.to, figures: [], section: decisionsSection(decisions) },
      { id: "uplift", title: "Uplift targeting", command: "npx patron uplift --preset hillstrom", status: "not-run", figures: [] },
      { id: "clv", title: "Customer lifetime value", command: "npx patron clv --preset cdnow", status: "failed", figures: [], error: "unexpected JSON in clv_runs.summary" },
    ],
  };
}

describe("report assembly", () => {
  it("matches the golden file (normalised: numbers rounded to 2 decimals)", async () => {
    const { html, failures, charts } = await renderReport(smallInput());
    assert.deepEqual(failures, []);
    assert.equal(charts, 4); // overview rows, activity auc, decisions conversion and offers
    const normalized = normalizeHtml(html);
    if (process.env.PATRON_UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, normalized);
    assert.equal(normalized, readFileSync(GOLDEN, "utf8"));
  });

  it("is self-contained: inline style, every chart an inline SVG with marks, no script and nothing to fetch", async () => {
    const { html } = await renderReport(smallInput());
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<style>[^<]*article\.job/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<link[^>]+stylesheet/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    const charts = [...html.matchAll(/<div class="chart" data-spec="([^"]+)">([\s\S]*?)<\/svg><\/div>/g)];
    assert.deepEqual(charts.map((c) => c[1]).sort(), ["activity-auc", "decisions-conversion", "decisions-offers", "overview-rows"]);
    for (const [, id, svg] of charts) {
      assert.match(svg, /^<svg/, id);
      // Vega draws marks as paths in groups classed by mark type.
      assert.match(svg, /class="mark-(rect|rule|symbol|line|area)[^"]*"[\s\S]*<path/, id);
    }
  });

  it("has a table of contents with every job and its subsections, and anchors that exist", () => {
    const { html } = buildReport(smallInput());
    const toc = /<nav class="toc">([\s\S]*?)<\/nav>/.exec(html)![1];
    const links = [...toc.matchAll(/href="#([^"]+)">([^<]*)</g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(links.map((l) => l[1]), [
      "Overview", "Purchase-activity decline", "Jobs", "Data",
      "Purchase-activity decline", "Models", "Target list",
      "Live decisions", "Treated vs holdout conversion", "Models and experiments",
      "Uplift targeting", "Customer lifetime value",
    ]);
    for (const [id] of links) assert.match(html, new RegExp(`id="${id}"`), id);
  });

  it("names the command for a job that has not run and the reason for one that failed", () => {
    const { html } = buildReport(smallInput());
    const uplift = /<article id="job-uplift"[\s\S]*?<\/article>/.exec(html)![0];
    assert.match(uplift, /Not run yet: run <code>npx patron uplift --preset hillstrom<\/code>/);
    const clv = /<article id="job-clv"[\s\S]*?<\/article>/.exec(html)![0];
    assert.match(clv, /could not be read: unexpected JSON in clv_runs\.summary/);
    assert.match(clv, /<code>npx patron clv --preset cdnow<\/code>/);
  });

  it("puts the run facts under the section's own heading and the key figures in the overview", () => {
    const { html } = buildReport(smallInput());
    assert.match(html, /<h2>Purchase-activity decline<\/h2><p class="run-facts">latest result 2024-05-02 07:55 UTC · run a1<\/p>/);
    assert.match(html, /<div class="figure-value">0\.937<\/div><div class="figure-label">holdout ROC-AUC<\/div>/);
    assert.match(html, /<div class="figure-value">412<\/div><div class="figure-label">customers at risk<\/div><div class="figure-note">of 1,297<\/div>/);
  });

  it("prefixes chart ids per section so two sections may both call a chart 'roc'", () => {
    const section = { html: `<div class="chart" data-spec="roc"></div><span data-spec="other"></span>`, specs: { roc: { mark: "bar" } } };
    const out = prefixCharts(section, "uplift");
    assert.equal(out.html, `<div class="chart" data-spec="uplift-roc"></div><span data-spec="other"></span>`);
    assert.deepEqual(Object.keys(out.specs), ["uplift-roc"]);
  });

  it("rounds SVG geometry to a hundredth of a pixel and leaves text alone", () => {
    const svg = `<path transform="translate(296.9624018055651,12.5)" d="M1.871,0A1.8715,1.8715,0,1,1,-1.8715,0"/><text x="3.14159">0.93712</text>`;
    assert.equal(roundGeometry(svg), `<path transform="translate(296.96,12.5)" d="M1.87,0A1.87,1.87,0,1,1,-1.87,0"/><text x="3.14">0.93712</text>`);
  });

  it("reports a chart that cannot be drawn in its place instead of failing the report", async () => {
    const { html, failures } = await inlineCharts(`<div class="chart" data-spec="bad"></div>`, { bad: { mark: "bar", encoding: { x: { field: "a", type: "no-such-type" } } } });
    assert.equal(failures.length, 1);
    assert.equal(failures[0].id, "bad");
    assert.match(html, /<p class="chart-error">This chart could not be drawn: /);
  });
});

describe("decision statistics", () => {
  it("Wilson interval equals its closed form at 0 of n and at n/2 of n", () => {
    const z = 1.959963984540054;
    const zero = wilson(0, 10);
    assert.equal(zero.low, 0);
    assert.ok(Math.abs(zero.high - (z * z) / (10 + z * z)) < 1e-12, String(zero.high));
    // p = 1/2: centre 1/2, half-width z·sqrt(n/4 + z²/4)/(n + z²).
    const half = wilson(50, 100);
    const w = (z * Math.sqrt(100 / 4 + (z * z) / 4)) / (100 + z * z);
    assert.ok(Math.abs(half.low - (0.5 - w)) < 1e-12);
    assert.ok(Math.abs(half.high - (0.5 + w)) < 1e-12);
    assert.ok(Number.isNaN(wilson(0, 0).rate));
  });

  it("the difference of two rates has the Wald standard error", () => {
    const d = rateDifference({ decisions: 90, conversions: 45 }, { decisions: 10, conversions: 3 });
    const se = Math.sqrt((0.5 * 0.5) / 90 + (0.3 * 0.7) / 10);
    assert.ok(Math.abs(d.rate - 0.2) < 1e-12);
    assert.ok(Math.abs(d.high - d.low - 2 * 1.959963984540054 * se) < 1e-12);
    assert.ok(Number.isNaN(rateDifference({ decisions: 5, conversions: 1 }, { decisions: 0, conversions: 0 }).rate));
  });
});

describe("formatting", () => {
  it("writes counts, shares, scores and times the same way everywhere", () => {
    assert.equal(formatNumber(1297), "1,297");
    assert.equal(formatNumber(0.123456), "0.1235");
    assert.equal(formatNumber(123456.789), "123,457");
    assert.equal(formatNumber(Number.NaN), "–");
    assert.equal(formatPercent(0.1234), "12.3 %");
    assert.equal(formatFigure({ value: 0.93712, format: "score" }), "0.937");
    assert.equal(formatFigure({ value: 1234.5, format: "money" }), "1,234.50");
    assert.equal(formatFigure({ value: null }), "–");
    assert.equal(formatDateTime("2011-12-09"), "2011-12-09");
    assert.equal(formatDateTime("2011-12-09 12:50:00"), "2011-12-09 12:50 UTC");
    assert.equal(formatDateTime(new Date(Date.UTC(2024, 4, 2, 8, 0))), "2024-05-02 08:00 UTC");
  });
});
