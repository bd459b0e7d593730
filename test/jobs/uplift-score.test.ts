/**
 * Scoring a customer file with a saved uplift model (src/jobs/uplift/scorer.ts and
 * `patron uplift score`): the scores equal the model's own predictions on the same rows, a file
 * with raw categories and one with the one-hot columns score alike, every problem of a bad file
 * is named by line, column and reason before anything is scored, and a damaged model file is
 * rejected before it is used.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fromColumns } from "../../src/core/matrix.ts";
import { rng } from "../../src/core/rng.ts";
import { loadScorer, scoreCsv, scorerFile, type ScorerInput } from "../../src/jobs/uplift/scorer.ts";
import { gbdt } from "../../src/models/tree/gbdt.ts";
import { parseCsv } from "../../src/serve/csv.ts";
import { customerType } from "../../src/uplift/customer-types.ts";
import { tLearner } from "../../src/uplift/t-learner.ts";
import { lastJson, runPatron } from "../ingest/cli-helpers.ts";
import { tempDir } from "../helpers/stores.ts";

const INPUTS: ScorerInput[] = [
  { name: "recency", type: "number" },
  { name: "zip_code", type: "category", levels: ["Urban", "Rural"], columns: ["zip_urban", "zip_rural"] },
];
const CONFIG = { typeThreshold: 0.3, costPerContact: 0.1, marginPerConversion: 2 };

/** A small experiment where urban customers respond to the treatment. */
function fittedModel() {
  const random = rng(5);
  const n = 600;
  const recency = new Float64Array(n);
  const urban = new Float64Array(n);
  const y = new Float64Array(n);
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    recency[i] = 1 + random.int(12);
    urban[i] = random.int(2);
    t[i] = random.int(2);
    const p = 0.15 + 0.02 * (12 - recency[i]) / 12 + (t[i] === 1 && urban[i] === 1 ? 0.25 : 0);
    y[i] = random.next() < p ? 1 : 0;
  }
  const x = fromColumns({ recency, zip_urban: urban, zip_rural: urban.map((u) => 1 - u) });
  return tLearner({ base: gbdt({ maxDepth: 2, nEstimators: 8 }) }).fit(x, y, t, { seed: 1, nThreads: 1 });
}

const model = fittedModel();
const fileJson = JSON.parse(JSON.stringify(scorerFile(model, INPUTS, CONFIG, { dataset: "test", target: "visit", createdAt: "2024-01-01T00:00:00Z" })));

test("scores equal the model's predictions; raw categories and one-hot columns score alike", async () => {
  const scorer = await loadScorer(fileJson, "model.json");
  const raw = parseCsv("id,recency,zip_code\n1,3,Urban\n2,11,Rural\n3,1,Urban\n", "raw.csv");
  const scored = scoreCsv(scorer, raw, "raw.csv");
  assert.deepEqual(scored.header, ["id", "recency", "zip_code", "p_control", "p_treated", "uplift", "customer_type", "decision"]);
  const x = fromColumns({ recency: [3, 11, 1], zip_urban: [1, 0, 1], zip_rural: [0, 1, 0] });
  const responses = model.predictResponses(x);
  scored.rows.forEach((row, i) => {
    const [p0, p1] = [responses[2 * i], responses[2 * i + 1]];
    assert.equal(row[0], String(i + 1), "input columns are kept");
    assert.ok(Math.abs(Number(row[3]) - p0) <= 5e-7);
    assert.ok(Math.abs(Number(row[4]) - p1) <= 5e-7);
    assert.ok(Math.abs(Number(row[5]) - (p1 - p0)) <= 1e-6);
    assert.equal(row[6], customerType(p0, p1, CONFIG.typeThreshold));
    assert.equal(row[7], (p1 - p0) * CONFIG.marginPerConversion > CONFIG.costPerContact ? "contact" : "none");
  });
  // The urban customers are the persuadable ones: their uplift is the larger.
  assert.ok(Number(scored.rows[0][5]) > Number(scored.rows[1][5]));
  const encoded = parseCsv("recency;zip_urban;zip_rural\n3;1;0\n11;0;1\n1;1;0\n", "encoded.csv");
  const again = scoreCsv(scorer, encoded, "encoded.csv");
  assert.deepEqual(again.rows.map((r) => r.slice(3)), scored.rows.map((r) => r.slice(3)));
  assert.equal(scored.summary.rows, 3);
});

test("a bad file is rejected with every problem's line, column and reason", async () => {
  const scorer = await loadScorer(fileJson, "model.json");
  assert.throws(() => scoreCsv(scorer, parseCsv("id,recency\n1,3\n", "f.csv"), "f.csv"), (error: Error & { code?: string }) => {
    assert.equal(error.code, "E_CSV_COLUMNS");
    assert.match(error.message, /f\.csv line 1: the header lacks "zip_code" \(or its one-hot columns zip_urban, zip_rural\)/);
    return true;
  });
  const bad = parseCsv("recency,zip_code\n3,Urban\nthree,Urban\n4,Suburb\n,Rural\n5,Urban,extra\n", "bad.csv");
  assert.throws(() => scoreCsv(scorer, bad, "bad.csv"), (error: Error & { code?: string; details?: { errors: { line: number; column: string | null; reason: string }[]; totalErrors: number } }) => {
    assert.equal(error.code, "E_CSV_ROWS");
    const errors = error.details!.errors;
    assert.equal(error.details!.totalErrors, 4);
    assert.deepEqual(errors.map((e) => [e.line, e.column]), [[3, "recency"], [4, "zip_code"], [5, "recency"], [6, null]]);
    assert.match(errors[0].reason, /"three" is not a number; "recency" needs a number/);
    assert.match(errors[1].reason, /"Suburb" is not a known zip_code; expected one of Urban, Rural/);
    assert.match(errors[2].reason, /"recency" is empty/);
    assert.match(errors[3].reason, /3 fields but the header has 2/);
    assert.match(error.message, /^bad\.csv: 4 problems; nothing was scored\. First: line 3, column "recency"/);
    return true;
  });
  const notOneHot = parseCsv("recency,zip_urban,zip_rural\n3,2,0\n", "e.csv");
  assert.throws(() => scoreCsv(scorer, notOneHot, "e.csv"), /line 2, column "zip_urban": 2 is not 0 or 1/);
});

test("a damaged model file is rejected before anything is built", async () => {
  await assert.rejects(loadScorer({ ...fileJson, inputs: [] }, "m.json"), { code: "E_MODEL_FILE" });
  await assert.rejects(loadScorer({ ...fileJson, kind: "something-else" }, "m.json"), /m\.json is not a Patron uplift model file: at kind/);
  // The model reads zip_urban / zip_rural, which a file without the category input cannot produce.
  await assert.rejects(loadScorer({ ...fileJson, inputs: [INPUTS[0]] }, "m.json"), /reads zip_urban, zip_rural, which no input/);
  await assert.rejects(loadScorer({ ...fileJson, model: { kind: "t-learner" } }, "m.json"), { code: "E_MODEL_JSON" });
});

test("patron uplift score: writes the scored file, and exits 2 naming the line and column of a bad value; patron uplift rejects a bad preset", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const modelPath = join(dir, "model.json");
    writeFileSync(modelPath, JSON.stringify(fileJson));
    writeFileSync(join(dir, "in.csv"), "customer,recency,zip_code\nA,2,Urban\nB,9,Rural\n");
    const ok = await runPatron(["uplift", "score", "--model", modelPath, "--input", join(dir, "in.csv"), "--output", join(dir, "out.csv"), "--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(lastJson(ok.stdout).rows, 2);
    const out = readFileSync(join(dir, "out.csv"), "utf8").trim().split("\n");
    assert.equal(out[0], "customer,recency,zip_code,p_control,p_treated,uplift,customer_type,decision");
    assert.equal(out.length, 3);
    writeFileSync(join(dir, "bad.csv"), "customer,recency,zip_code\nA,2,Urban\nB,soon,Rural\n");
    const bad = await runPatron(["uplift", "score", "--model", modelPath, "--input", join(dir, "bad.csv"), "--output", join(dir, "out2.csv")]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error \[E_CSV_ROWS\]: .*bad\.csv: 1 problem; nothing was scored\. First: line 3, column "recency": "soon" is not a number/);
    // The job command refuses what it cannot run, before opening any store, with a JSON error last.
    const usage = await runPatron(["uplift", "--preset", "ium", "--db", join(dir, "none.duckdb"), "--json"]);
    assert.equal(usage.code, 2);
    assert.equal((lastJson(usage.stdout).error as { code: string }).code, "E_USAGE");
  } finally {
    cleanup();
  }
});
