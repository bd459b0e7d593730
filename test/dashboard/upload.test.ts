/**
 * The upload page in Chromium (playwright-core, Debian's /usr/bin/chromium) against a real
 * service with an active uplift model: a good file comes back as the scored table — uplift,
 * customer type, decision and reasons in words — and downloads as a CSV holding exactly the
 * service's scores; a bad file gets every problem per row in plain words and no table.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseCsv } from "../../src/serve/csv.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import { duckdbTestStore, tempDir, type TestStore } from "../helpers/stores.ts";
import { trainScoringModel } from "../serve/fixtures.ts";
import { keysFor, run, type Running } from "../serve/helpers.ts";
import { launch, SCREENSHOTS, watchedPage, type Browser } from "./browser.ts";

const GOOD = "customer,recency,history,city\nA,2,100,Gdańsk\nB,11,40,Łódź\nC,5,0,Kraków\nD,1,480,Warszawa\nE,9,250,Poznań\nF,3,10,\"Zielona Góra, PL\"\n";
const BAD = "customer,recency,history\nA,2,100\nB,abc,40\nC,5,\nD,7\n";
const TYPES = ["persuadable", "sure thing", "lost cause", "do-not-disturb"];

describe("upload page in Chromium", () => {
  let ts: TestStore;
  let api: Running;
  let browser: Browser;
  const tmp = tempDir("patron-upload-");

  before(async () => {
    ts = await duckdbTestStore();
    const keys = await keysFor(ts.store);
    await registerModel(ts.store, {
      purpose: "uplift", model: trainScoringModel().toJSON() as never,
      config: { typeThreshold: 0.4, costPerContact: 1, marginPerConversion: 20 }, activate: true,
    });
    api = await run(ts.store, {}, keys);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await api?.service.close();
    await ts?.cleanup();
    tmp.cleanup();
  });

  async function upload(name: string, content: string) {
    const path = join(tmp.dir, name);
    writeFileSync(path, content);
    const { page, errors } = await watchedPage(browser.context, api.readKey);
    await page.goto(`${api.url}/upload`);
    await page.waitForSelector("[data-widget='upload'][data-state='ready']");
    await page.setInputFiles("#upload-file", path);
    await page.click("#upload-submit");
    await page.waitForSelector("[data-widget='upload'][data-state='scored'], [data-widget='upload'][data-state='errors'], [data-widget='upload'][data-state='failed']", { timeout: 30_000 });
    return { page, errors };
  }

  it("scores a good file: uplift, type, decision and reasons, and downloads the scored CSV", async () => {
    const { page, errors } = await upload("customers.csv", GOOD);
    try {
      assert.equal(await page.getAttribute("[data-widget='upload']", "data-state"), "scored", await page.textContent("#upload-status") ?? "");
      const head = await page.$$eval("#upload-result thead th", (cells) => cells.map((c) => c.textContent));
      assert.deepEqual(head, ["customer", "uplift", "customer_type", "decision", "reasons"]);
      const rows = await page.$$eval("#upload-result tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
      assert.deepEqual(rows.map((r) => r[0]), ["A", "B", "C", "D", "E", "F"]);
      // The service's own scores for the same file.
      const direct = await api.call("POST", "/v1/score?format=json", { raw: GOOD, headers: { "content-type": "text/csv" } });
      assert.equal(direct.status, 200, direct.text);
      const col = (name: string) => direct.body.columns.indexOf(name);
      rows.forEach((r, i) => {
        assert.equal(r[1], direct.body.rows[i][col("uplift")]);
        assert.equal(r[2], direct.body.rows[i][col("customer_type")]);
        assert.equal(r[3], direct.body.rows[i][col("decision")]);
        assert.ok(TYPES.includes(r[2]));
        // Uplift SHAP of the T-learner's trees, in words: "recency is low (2): +0.123 to uplift".
        assert.match(r[4], /^(recency|history) is (very low|low|typical|high|very high) \([\d.]+\): [+-]\d\.\d{3} to uplift/);
      });
      await page.screenshot({ path: join(SCREENSHOTS, "upload-scored.png"), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#upload-download")]);
      assert.equal(download.suggestedFilename(), "customers-scored.csv");
      const saved = parseCsv(readFileSync((await download.path())!, "utf8"));
      assert.deepEqual(saved.header, [...direct.body.columns, "reasons"]);
      assert.deepEqual(saved.rows.map((r) => r.slice(0, -1)), direct.body.rows);
      assert.equal(saved.rows[5][3], "Zielona Góra, PL", "a quoted field with the separator survives the round trip");
      assert.deepEqual(saved.rows.map((r) => r.at(-1)), rows.map((r) => r[4]));
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it("lists every problem of a bad file per row in plain words, and scores nothing", async () => {
    const { page, errors } = await upload("bad.csv", BAD);
    try {
      assert.equal(await page.getAttribute("[data-widget='upload']", "data-state"), "errors");
      const problems = await page.$$eval("#upload-errors li", (items) => items.map((li) => li.textContent));
      assert.deepEqual(problems, [
        'Line 3, column “recency”: "abc" is not a number; "recency" needs a number such as 12 or 3.5.',
        'Line 4, column “history”: "history" is empty; the model needs a number such as 12 or 3.5 in every row.',
        "Line 5: the row has 2 fields but the header has 3; check for a missing or extra separator.",
      ]);
      assert.match(await page.textContent("#upload-status") ?? "", /^3 problems found; nothing was scored/);
      assert.equal(await page.locator("#upload-result").count(), 0);
      await page.screenshot({ path: join(SCREENSHOTS, "upload-errors.png"), fullPage: true });
      // The 400 answer itself is expected; nothing else may go wrong on the page.
      assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
    } finally {
      await page.close();
    }
  });
});
