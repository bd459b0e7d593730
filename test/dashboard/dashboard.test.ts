/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * service listening on port 0, on a DuckDB store prepared with job outputs made by the jobs' own
 * code on small inputs: a stored profile, the activity job on «В один клик» with a small grid,
 * two segmentation runs a month apart on the segments tests' small shop, CLV on CDNOW, uplift
 * on a 4,000-row Hillstrom sample, offers on a small simulated shop, live decisions through the
 * service itself. Every page
 * loads with no console error, every chart container holds a drawn SVG with marks, the filters
 * change the tables, the pages ask for a key when none is set. Screenshots go to
 * artifacts/screenshots/ (gitignored) for a human to look at.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureDataset } from "../../src/data/ensure.ts";
import { runActivity } from "../../src/jobs/activity/run.ts";
import { CDNOW_DEFAULTS, runClv, storeTransactions } from "../../src/jobs/clv/clv-job.ts";
import { analyseSegments } from "../../src/jobs/segments/analysis.ts";
import { runScheduledSegments } from "../../src/jobs/segments/run.ts";
import type { SegmentResult } from "../../src/jobs/segments/analysis.ts";
import { DATASET as SHOP, insertOrders, syntheticShop } from "../jobs/segments-data.ts";
import { runProfile } from "../../src/profile/run.ts";
import { renderReport } from "../../src/report/report.ts";
import { PAGES } from "../../src/serve/dashboard/pages.ts";
import { collectReportInput } from "../../src/serve/dashboard/report-input.ts";
import { saveProfileRun } from "../../src/serve/dashboard/profile-runs.ts";
import { duckdbTestStore, tempDir, type TestStore } from "../helpers/stores.ts";
import { loadProducts, SIM_DATASET, simFixture } from "../serve/fixtures.ts";
import { keysFor, run, type Running } from "../serve/helpers.ts";
import { launch, SCREENSHOTS, watchedPage, type Browser } from "./browser.ts";
import { seedLiveDecisions, seedOffersSimulated, seedUpliftSample, type LiveDecision } from "./seed.ts";

const fixture = simFixture(30, 5);

describe("dashboard in Chromium", () => {
  let ts: TestStore;
  let api: Running;
  let browser: Browser;
  let live: LiveDecision[];
  let segmentRuns: SegmentResult[];
  const tmp = tempDir("patron-dashboard-");

  before(async () => {
    ts = await duckdbTestStore();
    const keys = await keysFor(ts.store);
    await loadProducts(ts.store, fixture);
    await ensureDataset(ts.store, "cdnow");
    const csv = join(tmp.dir, "visits.csv");
    writeFileSync(csv, `customer,visits,channel\n${Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 13},${i % 3 ? "web" : "app"}`).join("\n")}\n`);
    await saveProfileRun(ts.store, "visits", await runProfile({ files: [csv] }));
    // The activity job itself, kept small: one family, the small grid, a small SHAP budget.
    await runActivity(ts.store, { grid: "small", families: ["logistic"], nRepeats: 0, nThreads: 1, globalSample: 40, maxExplained: 80 });
    // Segments: a reduced sweep, then a scheduled run a month later (migrations between them).
    await insertOrders(ts.store, syntheticShop(80));
    const first = await analyseSegments(ts.store, { dataset: SHOP, spaces: ["features"], algorithms: ["kmeans"], kValues: [2, 3, 4], nThreads: 1, bootstrapResamples: 100, asOf: "2020-11-01", ootCutoff: "2020-08-01" });
    segmentRuns = [first, await runScheduledSegments(ts.store, { dataset: SHOP, asOf: "2020-12-01", bootstrapResamples: 100 })];
    await runClv(ts.store, await storeTransactions(ts.store, "cdnow"), { dataset: "cdnow", ...CDNOW_DEFAULTS });
    await seedUpliftSample(ts.store, tmp.dir);
    await seedOffersSimulated(ts.store, tmp.dir);
    api = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.3 }, keys);
    live = await seedLiveDecisions(api, fixture, 24);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await api?.service.close();
    await ts?.cleanup();
    tmp.cleanup();
  });

  for (const page of PAGES) {
    it(`${page.title} (${page.path}) loads with no console error and draws every chart`, async () => {
      const { page: tab, errors } = await watchedPage(browser.context, api.readKey);
      try {
        await tab.goto(`${api.url}${page.path}`);
        await tab.waitForSelector("body[data-ready='1']", { timeout: 30_000 });
        const charts = await tab.$$eval(".chart[data-spec]", (nodes) =>
          nodes.map((n) => ({
            id: n.getAttribute("data-spec"),
            rendered: n.getAttribute("data-rendered") === "1",
            // vega-embed's SVG renderer: one <svg>, marks in groups classed "mark-…".
            marks: n.querySelectorAll("svg [class*='mark-'] path, svg [class*='mark-'] line, svg [class*='mark-'] rect").length,
          })),
        );
        for (const chart of charts) {
          assert.ok(chart.rendered, `${page.path}: chart ${chart.id} was not drawn`);
          assert.ok(chart.marks > 0, `${page.path}: chart ${chart.id} has no marks`);
        }
        assert.equal(await tab.locator(".job-error").count(), 0, `${page.path}: a section failed to load`);
        await tab.screenshot({ path: join(SCREENSHOTS, `${page.id}.png`), fullPage: true });
        assert.deepEqual(errors, [], `${page.path}: ${errors.join("\n")}`);
        if (page.id === "overview") assert.ok(charts.length >= 1, "the overview draws the rows chart");
        if (page.id === "profile") assert.ok(charts.length >= 4, `the profile draws its histograms (${charts.length})`);
        if (page.id === "offers") assert.ok(charts.length >= 4, `the offers and decisions sections draw their charts (${charts.length})`);
        if (page.id === "uplift") assert.ok(charts.length >= 4, `the uplift section draws its charts (${charts.length})`);
        if (page.id === "segments") assert.ok(charts.length >= 3, `the segments and CLV sections draw their charts (${charts.length})`);
        if (page.id === "activity") assert.ok(charts.length >= 4, `the activity section draws its charts (${charts.length})`);
      } finally {
        await tab.close();
      }
    });
  }

  it("the overview links every job to its page and states which have run", async () => {
    const { page: tab, errors } = await watchedPage(browser.context, api.readKey);
    try {
      await tab.goto(`${api.url}/`);
      await tab.waitForSelector("body[data-ready='1']");
      const rows = await tab.$$eval("table.jobs tbody tr", (trs) => trs.map((tr) => ({
        job: tr.getAttribute("data-job"),
        href: tr.querySelector("a")?.getAttribute("href"),
        status: tr.children[1].textContent,
      })));
      const byJob = Object.fromEntries(rows.map((r) => [r.job, r]));
      assert.equal(byJob.decisions.status, "done");
      assert.equal(byJob.decisions.href, "/offers");
      assert.equal(byJob.profile.status, "done");
      assert.equal(byJob.profile.href, "/profile");
      for (const job of ["activity", "uplift", "offers", "segments", "clv"]) assert.equal(byJob[job].status, "done", job);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  it("the offers page lists the latest decisions and the treated vs holdout counts the service logged", async () => {
    const { page: tab, errors } = await watchedPage(browser.context, api.readKey);
    try {
      await tab.goto(`${api.url}/offers`);
      await tab.waitForSelector("body[data-ready='1']");
      assert.equal(await tab.locator("table.recent-decisions tbody tr").count(), live.length);
      const all = await tab.$$eval("table.decision-groups tbody tr:first-child td", (tds) => tds.map((td) => td.textContent));
      assert.equal(all[0], "all");
      assert.equal(Number(all[1]), live.filter((d) => !d.holdout).length);
      assert.equal(Number(all[2]), live.filter((d) => !d.holdout && d.converted).length);
      assert.equal(Number(all[4]), live.filter((d) => d.holdout).length);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  it("the activity-risk filters change the table: threshold and favourite category", async () => {
    const { page: tab, errors } = await watchedPage(browser.context, api.readKey);
    // The expected counts, straight from the job's table: showing the top 500, the lowest
    // threshold on the slider's 0.05 grid that leaves fewer customers than 50 % does.
    const probabilities = (await ts.store.query<{ p: number }>("SELECT probability AS p FROM activity_scores")).map((r) => Number(r.p));
    const total = probabilities.length;
    const atOrAbove = (t: number) => probabilities.filter((p) => p >= t).length;
    const shownAt50 = Math.min(500, atOrAbove(0.5));
    const threshold = [...Array(21).keys()].map((k) => k / 20).find((t) => t > 0.5 && atOrAbove(t) > 0 && atOrAbove(t) < shownAt50);
    assert.ok(threshold !== undefined, "some threshold leaves fewer rows");
    const expected = atOrAbove(threshold);
    try {
      await tab.goto(`${api.url}/activity`);
      await tab.waitForSelector("body[data-ready='1']");
      const rowsAt = async () => tab.$$eval("table.risk-list tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? "")));
      const initial = await rowsAt();
      assert.ok(initial.length > 0);
      assert.match(await tab.locator("#risk-count").innerText(), / at or above 50 %/);
      assert.equal(initial.length, Math.min(100, atOrAbove(0.5)));

      const changed = async (act: () => Promise<void>) => {
        const before = await tab.locator("#risk-count").innerText();
        await act();
        await tab.waitForFunction((text) => {
          const count = document.getElementById("risk-count");
          return count !== null && count.textContent !== text && !document.querySelector("[data-widget='risk-list'][data-loading]");
        }, before);
      };
      await changed(() => tab.selectOption("#risk-limit", "500").then(() => undefined));
      assert.equal((await rowsAt()).length, shownAt50);
      await changed(() => tab.$eval("#risk-threshold", (input: HTMLInputElement, value: number) => {
        input.value = String(value);
        input.dispatchEvent(new Event("change"));
      }, threshold));
      const high = await rowsAt();
      const percent = Math.round(threshold * 100);
      assert.match(await tab.locator("#risk-count").innerText(), new RegExp(`^${expected.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} customers at or above ${percent} %`));
      assert.equal(high.length, expected);
      assert.ok(high.length < shownAt50);
      for (const row of high) assert.ok(Number.parseFloat(row[1]) >= percent, row[1]);

      const options = await tab.$$eval("#risk-category option", (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
      assert.ok(options.length >= 2, options.join(", "));
      const category = options[0];
      await changed(() => tab.selectOption("#risk-category", category).then(() => undefined));
      const filtered = await rowsAt();
      assert.ok(filtered.length < high.length || high.every((r) => r[2] === category));
      for (const row of filtered) assert.equal(row[2], category);
      await tab.screenshot({ path: join(SCREENSHOTS, "activity-filtered.png"), fullPage: false });
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  it("the segments page shows the migration matrix between the two stored runs", async () => {
    const { page: tab, errors } = await watchedPage(browser.context, api.readKey);
    try {
      await tab.goto(`${api.url}/segments`);
      await tab.waitForSelector("body[data-ready='1']");
      const [first, second] = segmentRuns;
      const m = second.migration!;
      assert.equal(m.previousRunId, first.runId);
      const summary = await tab.locator("[data-widget='migrations'] .count").innerText();
      assert.match(summary, new RegExp(`From ${first.runId} to ${second.runId}: \\d+ stayed`));
      const cells = await tab.$$eval("table.migrations tbody td.num", (tds) => tds.map((td) => Number((td.textContent ?? "").replaceAll(",", ""))));
      // A later as-of keeps every earlier customer, so the matrix covers exactly the second run's customers.
      assert.equal(cells.reduce((a, b) => a + b, 0), second.customers);
      assert.equal(await tab.locator("article[data-job='segments'][data-status='done']").count(), 1);
      assert.equal(await tab.locator("article[data-job='clv'][data-status='done']").count(), 1);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });

  it("the report from the same store has every job's section and draws every chart as SVG", async () => {
    const input = await collectReportInput(ts.store, { generatedAt: new Date().toISOString(), decisionsDataset: SIM_DATASET });
    const status = Object.fromEntries(input.jobs.map((j) => [j.id, j.status]));
    for (const job of ["profile", "activity", "uplift", "offers", "decisions", "segments", "clv"]) assert.equal(status[job], "done", job);
    const { html, failures, charts } = await renderReport(input);
    assert.deepEqual(failures, []);
    assert.equal((html.match(/<div class="chart" data-spec="[^"]+"><svg/g) ?? []).length, charts);
    writeFileSync(join(SCREENSHOTS, "report.html"), html);
  });

  it("asks for an API key when none is stored, without a failed request", async () => {
    const { page: tab, errors } = await watchedPage(browser.context, null);
    try {
      await tab.goto(`${api.url}/activity`);
      await tab.waitForSelector("body[data-ready='1']");
      assert.equal(await tab.locator("#key-form").isVisible(), true);
      assert.match(await tab.locator("#key-form .key-message").innerText(), /read scope/);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});
