/**
 * The decision service end to end over real HTTP (listen on port 0, fetch), on DuckDB and on
 * PostgreSQL: events idempotency and durability, validation errors, auth and rate limits,
 * decisions with the default and a trained policy, the decision log, the model registry, the
 * customer view over job tables, segments and migrations, file scoring, metrics, and restoring
 * the online features after a restart.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fromColumns } from "../../src/core/matrix.ts";
import { assign } from "../../src/serve/holdout.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import { scorerFile } from "../../src/jobs/uplift/scorer.ts";
import { SESSION_FEATURES } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { storeKinds, type TestStore } from "../helpers/stores.ts";
import { loadProducts, recordIngest, SIM_DATASET, simFixture, trainDiscountModel, trainScoringModel } from "./fixtures.ts";
import { keysFor, run, type Running } from "./helpers.ts";

const fixture = simFixture(60, 7);
const discountModel = trainDiscountModel(fixture);
const scoringModel = trainScoringModel();
const POLICY_CONFIG = { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 };

for (const kind of storeKinds) {
  describe(`decision service on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    let api: Running;
    let keys: { writeKey: string; readKey: string };

    before(async () => {
      if (skip) return;
      ts = await kind.open();
      keys = await keysFor(ts.store);
      await loadProducts(ts.store, fixture);
      api = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.2 }, keys);
    });
    after(async () => {
      if (skip) return;
      await api?.service.close();
      await ts?.cleanup();
    });

    it("stores events once, reports repeats, and updates the online features", { skip }, async () => {
      const first = fixture.events.slice(0, 700);
      const second = fixture.events.slice(600);
      const a = await api.call("POST", "/v1/events", { body: { events: first } });
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(a.body, { accepted: 700, duplicates: [] });
      const b = await api.call("POST", "/v1/events", { body: { events: second } });
      assert.equal(b.status, 200, b.text);
      assert.equal(b.body.accepted, fixture.events.length - 700);
      assert.deepEqual(b.body.duplicates, fixture.events.slice(600, 700).map((e) => e.event_id));
      const repeatedInBatch = await api.call("POST", "/v1/events", { body: { events: [{ ...fixture.events[0], event_id: "fresh-1" }, { ...fixture.events[0], event_id: "fresh-1" }] } });
      assert.deepEqual(repeatedInBatch.body, { accepted: 1, duplicates: ["fresh-1"] });
      const [{ n }] = await ts.store.query<{ n: number }>("SELECT count(*) AS n FROM events WHERE dataset = $1 AND ingest_id = 'api:v1/events'", [SIM_DATASET]);
      assert.equal(Number(n), fixture.events.length + 1);
      const customers = new Set(fixture.events.map((e) => e.customer_id));
      const [{ c }] = await ts.store.query<{ c: number }>("SELECT count(*) AS c FROM online_feature_snapshots WHERE dataset = $1", [SIM_DATASET]);
      assert.equal(Number(c), customers.size);
      // The in-memory purchases of one customer equal the buy events stored for them (+1 for the fresh copy of event 0 if it was a buy).
      const who = String(fixture.events[5].customer_id);
      const buys = fixture.events.filter((e) => e.customer_id === who && e.event_type === "buy").length;
      const extra = fixture.events[0].customer_id === who && fixture.events[0].event_type === "buy" ? 1 : 0;
      assert.equal(api.service.features.vector(who, null, null).values[SESSION_FEATURES.indexOf("past_purchases")], buys + extra);
    });

    it("answers bad requests with 4xx JSON naming the problem", { skip }, async () => {
      const badTime = await api.call("POST", "/v1/events", { body: { events: [fixture.events[0], { ...fixture.events[1], occurred_at: "yesterday" }] } });
      assert.equal(badTime.status, 400);
      assert.equal(badTime.body.error.code, "E_VALIDATION");
      assert.match(badTime.body.error.message, /events\[1\]\.occurred_at/);
      const badType = await api.call("POST", "/v1/events", { body: { events: [{ ...fixture.events[0], event_type: "click" }] } });
      assert.match(badType.body.error.message, /events\[0\]\.event_type/);
      const unknownField = await api.call("POST", "/v1/decide", { body: { customer_id: "1", session_id: "s", email: "x@y.z" } });
      assert.equal(unknownField.status, 400);
      const tooMany = await api.call("POST", "/v1/events", { body: { events: Array.from({ length: 1001 }, (_, i) => ({ ...fixture.events[0], event_id: `m${i}` })) } });
      assert.equal(tooMany.status, 400);
      assert.match(tooMany.body.error.message, /at most 1000/);
      const tooLarge = await api.call("POST", "/v1/decide", { body: { customer_id: "x".repeat(300 * 1024), session_id: "s" } });
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.body.error.code, "E_BODY_TOO_LARGE");
      const malformed = await api.call("POST", "/v1/decide", { raw: "{not json", headers: { "content-type": "application/json" } });
      assert.equal(malformed.status, 400);
      const notFound = await api.call("GET", "/v2/nothing");
      assert.equal(notFound.status, 404);
      assert.equal(notFound.body.error.code, "E_NOT_FOUND");
    });

    it("requires keys on writes and customer reads, with scopes", { skip }, async () => {
      const none = await api.call("POST", "/v1/decide", { body: { customer_id: "1", session_id: "s" }, key: null });
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, "E_UNAUTHORIZED");
      const forged = await api.call("POST", "/v1/decide", { body: { customer_id: "1", session_id: "s" }, key: `${keys.writeKey.slice(0, -4)}AAAA` });
      assert.equal(forged.status, 401);
      const readOnly = await api.call("POST", "/v1/decide", { body: { customer_id: "1", session_id: "s" }, key: keys.readKey });
      assert.equal(readOnly.status, 403);
      assert.equal(readOnly.body.error.code, "E_FORBIDDEN");
      const bearer = await api.call("GET", "/v1/customers/1", { key: null, headers: { authorization: `Bearer ${keys.readKey}` } });
      assert.equal(bearer.status, 200);
      assert.equal((await api.call("GET", "/v1/customers/1", { key: null })).status, 401);
      const rows = await ts.store.query<{ key_hash: string }>("SELECT key_hash FROM api_keys");
      assert.ok(rows.every((r) => !keys.writeKey.includes(r.key_hash) && r.key_hash.length === 64), "only hashes are stored");
    });

    it("rate-limits per key with 429 and Retry-After", { skip }, async () => {
      const { createKey } = await import("../../src/serve/auth.ts");
      const slow = await createKey(ts.store, { name: "slow", scope: "read", ratePerSecond: 0.5, burst: 2 });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let k = 0; k < 3; k++) {
        const r = await api.call("GET", "/v1/customers/1", { key: slow.key });
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get("retry-after");
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      assert.equal(retryAfter, "2"); // one token at 0.5/s
      assert.equal((await api.call("GET", "/v1/customers/1", { key: keys.readKey })).status, 200, "other keys are not limited");
    });

    it("decides with the default policy and the deterministic holdout, and logs every decision", { skip }, async () => {
      const answers = [];
      for (let k = 0; k < 30; k++) {
        const r = await api.call("POST", "/v1/decide", { body: { customer_id: String(102 + k), session_id: `live-${k}` } });
        assert.equal(r.status, 200, r.text);
        answers.push(r.body);
        assert.equal(r.body.offer, "none");
        assert.equal(r.body.model_version, "default-no-offer");
        assert.equal(r.body.holdout, assign("offers", String(102 + k), 0.2).holdout);
        assert.deepEqual(r.body.reason_codes, r.body.holdout ? ["HOLDOUT", "NO_ACTIVE_POLICY"] : ["NO_ACTIVE_POLICY"]);
      }
      if (ts.store.kind === "postgres") {
        // The documented SQL recomputes every assignment (holdout.ts).
        const sql = await ts.store.query<{ customer_id: string; held: boolean }>(
          `SELECT customer_id, ('x' || substr(encode(sha256(convert_to(experiment || ':' || customer_id, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint / 2^52 < 0.2 AS held
           FROM (SELECT 'offers' AS experiment, CAST(102 + g AS TEXT) AS customer_id FROM generate_series(0, 29) AS g) AS c`,
        );
        assert.deepEqual(sql.map((r) => r.held), answers.map((a) => a.holdout));
      }
      await api.service.decisionLog.flush();
      const logged = await ts.store.query<{ decision_id: string; holdout: boolean; propensity: number; features: string; customer_id: string }>(
        "SELECT decision_id, holdout, propensity, features, customer_id FROM decisions WHERE model_version = 'default-no-offer'",
      );
      assert.equal(logged.length, 30);
      const byId = new Map(logged.map((r) => [r.decision_id, r]));
      for (const a of answers) {
        const row = byId.get(a.decision_id)!;
        assert.equal(Boolean(row.holdout), a.holdout);
        assert.equal(Number(row.propensity), 1);
        const f = JSON.parse(row.features);
        assert.equal(f.past_purchases, api.service.features.vector(row.customer_id, null, null).values[SESSION_FEATURES.indexOf("past_purchases")]);
      }
    });

    it("registers, activates and rolls back policies; decisions follow the active model", { skip }, async () => {
      const v1 = await registerModel(ts.store, { purpose: "offers", model: discountModel.toJSON(), config: POLICY_CONFIG, metrics: { policy_value: 1.5 }, trainingRange: { rows: 1000 } });
      const v2 = await registerModel(ts.store, { purpose: "offers", model: discountModel.toJSON(), config: { ...POLICY_CONFIG, marginRate: 0.1 } });
      const bad = await registerModel(ts.store, { purpose: "offers", model: discountModel.toJSON(), config: { discounts: [0, 10], marginRate: 0.3 } });
      const listed = await api.call("GET", "/v1/models");
      assert.deepEqual(listed.body.models.filter((m: { purpose: string }) => m.purpose === "offers").map((m: { version: number; active: boolean }) => [m.version, m.active]), [[3, false], [2, false], [1, false]]);
      assert.deepEqual(listed.body.models.find((m: { model_id: string }) => m.model_id === v1.modelId).metrics, { policy_value: 1.5 });
      const activated = await api.call("POST", `/v1/models/${v1.modelId}/activate`);
      assert.equal(activated.status, 200, activated.text);
      assert.equal(activated.body.active, true);
      const refused = await api.call("POST", `/v1/models/${bad.modelId}/activate`);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, "E_MODEL_CONFIG");
      assert.equal((await api.call("POST", "/v1/models/nope/activate")).status, 404);

      // A customer who is not held out, on a product they viewed: the answer is the policy's argmax.
      const customer = [...new Set(fixture.events.map((e) => String(e.customer_id)))].find((c) => !assign("offers", c, 0.2).holdout)!;
      const viewed = fixture.events.find((e) => e.customer_id === customer && e.event_type === "view")!;
      const r = await api.call("POST", "/v1/decide", { body: { customer_id: customer, session_id: "new-session", product_id: viewed.product_id } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.model_version, "offers:v1");
      const vector = api.service.features.vector(customer, "new-session", String(viewed.product_id));
      const responses = discountModel.predictResponses(fromColumns(Object.fromEntries(SESSION_FEATURES.map((name, j) => [name, [vector.values[j]]]))));
      const price = vector.values[SESSION_FEATURES.indexOf("price")];
      const profits = DISCOUNT_LEVELS.map((d, a) => responses[a] * price * (0.3 - d / 100));
      const best = profits.indexOf(Math.max(...profits));
      assert.equal(r.body.offer, best === 0 ? "none" : DISCOUNT_LEVELS[best]);
      assert.ok(Math.abs(r.body.expected_profit - profits[best]) < 1e-9);

      // Rollback: v2, then v1 again.
      assert.equal((await api.call("POST", `/v1/models/${v2.modelId}/activate`)).status, 200);
      assert.equal((await api.call("POST", "/v1/decide", { body: { customer_id: customer, session_id: "s2" } })).body.model_version, "offers:v2");
      assert.equal((await api.call("POST", `/v1/models/${v1.modelId}/activate`)).status, 200);
      const after = await api.call("GET", "/v1/models");
      assert.equal(after.body.active.offers, "offers:v1");
      assert.equal(after.body.models.filter((m: { active: boolean }) => m.active).length, 1);
      await api.service.decisionLog.flush();
      const [{ n }] = await ts.store.query<{ n: number }>("SELECT count(*) AS n FROM decisions WHERE model_version = 'offers:v2'");
      assert.equal(Number(n), 1);
    });

    it("shows a customer's features and what the jobs stored, naming what is missing", { skip }, async () => {
      const customer = String(fixture.events[0].customer_id);
      const before = await api.call("GET", `/v1/customers/${customer}`, { key: keys.readKey });
      assert.equal(before.status, 200);
      assert.deepEqual(before.body.missing, ["segment", "activity_risk", "clv", "uplift"]);
      assert.equal(before.body.activity_risk, null);
      assert.ok(before.body.features.events > 0);
      const text = ts.store.kind === "postgres" ? "TEXT" : "VARCHAR";
      await ts.store.exec(`CREATE TABLE activity_scores (dataset ${text}, run_id ${text}, customer_id ${text}, probability DOUBLE PRECISION, reasons ${text}, scored_at TIMESTAMP)`);
      await ts.store.exec(
        `INSERT INTO activity_scores VALUES ($1, 'r1', $2, 0.2, '["old"]', CAST('2024-01-01' AS TIMESTAMP)), ($1, 'r2', $2, 0.81, $3, CAST('2024-02-01' AS TIMESTAMP)), ('other', 'r2', $2, 0.5, '[]', CAST('2024-03-01' AS TIMESTAMP))`,
        [SIM_DATASET, customer, JSON.stringify([{ feature: "pages_per_visit", text: "pages per visit is low: +0.21" }])],
      );
      await ts.store.exec(`CREATE TABLE uplift_scores (customer_id ${text}, uplift DOUBLE PRECISION, customer_type ${text})`);
      await ts.store.exec("INSERT INTO uplift_scores VALUES ($1, 0.07, 'persuadable')", [customer]);
      const after = await api.call("GET", `/v1/customers/${customer}?dataset=${SIM_DATASET}`, { key: keys.readKey });
      assert.deepEqual(after.body.missing, ["segment", "clv"]);
      assert.equal(after.body.activity_risk.probability, 0.81);
      assert.equal(after.body.activity_risk.run_id, "r2");
      assert.deepEqual(after.body.activity_risk.reasons, [{ feature: "pages_per_visit", text: "pages per visit is low: +0.21" }]);
      assert.deepEqual(after.body.uplift, { uplift: 0.07, customer_type: "persuadable" });
      assert.ok(!JSON.stringify(after.body).includes("name\":"), "no personal attributes");
    });

    it("lists segments and the migration matrix between runs", { skip }, async () => {
      const empty = await api.call("GET", "/v1/segments");
      assert.deepEqual(empty.body.missing, ["segments"]);
      const text = ts.store.kind === "postgres" ? "TEXT" : "VARCHAR";
      await ts.store.exec(`CREATE TABLE segment_runs (run_id ${text}, as_of TIMESTAMP, dataset ${text})`);
      await ts.store.exec(`CREATE TABLE segment_assignments (run_id ${text}, customer_id ${text}, segment ${text})`);
      await ts.store.exec("INSERT INTO segment_runs VALUES ('2024-01', CAST('2024-01-31' AS TIMESTAMP), 'online-retail'), ('2024-02', CAST('2024-02-29' AS TIMESTAMP), 'online-retail')");
      // Jan: a,b,c Insiders; d,e Regular. Feb: a,b Insiders; c,d Regular; e gone; f new Insiders.
      await ts.store.exec(`INSERT INTO segment_assignments VALUES
        ('2024-01','a','Insiders'),('2024-01','b','Insiders'),('2024-01','c','Insiders'),('2024-01','d','Regular'),('2024-01','e','Regular'),
        ('2024-02','a','Insiders'),('2024-02','b','Insiders'),('2024-02','c','Regular'),('2024-02','d','Regular'),('2024-02','f','Insiders')`);
      const latest = await api.call("GET", "/v1/segments");
      assert.equal(latest.body.run.run_id, "2024-02");
      assert.deepEqual(latest.body.segments, [{ segment: "Insiders", customers: 3, share: 0.6 }, { segment: "Regular", customers: 2, share: 0.4 }]);
      const m = await api.call("GET", "/v1/runs/2024-02/migrations");
      assert.equal(m.status, 200, m.text);
      assert.equal(m.body.previous_run_id, "2024-01");
      assert.deepEqual(m.body.cells, [
        { from: "(new)", to: "Insiders", customers: 1 },
        { from: "Insiders", to: "Insiders", customers: 2 },
        { from: "Insiders", to: "Regular", customers: 1 },
        { from: "Regular", to: "(left)", customers: 1 },
        { from: "Regular", to: "Regular", customers: 1 },
      ]);
      assert.deepEqual([m.body.stayed, m.body.moved, m.body.entered, m.body.left], [3, 1, 1, 1]);
      assert.equal((await api.call("GET", "/v1/runs/2099-01/migrations")).status, 404);
    });

    it("scores an uploaded CSV with the active uplift model, and explains bad rows", { skip }, async () => {
      const csv = "customer,recency,history\nA,2,100\nB,11,40\nC,5,0\n";
      const none = await api.call("POST", "/v1/score", { raw: csv, headers: { "content-type": "text/csv" } });
      assert.equal(none.status, 409);
      assert.equal(none.body.error.code, "E_NO_MODEL");
      const config = { typeThreshold: 0.4, costPerContact: 1, marginPerConversion: 20 };
      const unconfigured = await registerModel(ts.store, { purpose: "uplift", model: scoringModel.toJSON() });
      assert.equal((await api.call("POST", `/v1/models/${unconfigured.modelId}/activate`)).status, 422);
      const entry = await registerModel(ts.store, { purpose: "uplift", model: scoringModel.toJSON(), config });
      assert.equal((await api.call("POST", `/v1/models/${entry.modelId}/activate`)).status, 200);
      const scored = await api.call("POST", "/v1/score", { raw: csv, headers: { "content-type": "text/csv" } });
      assert.equal(scored.status, 200, scored.text);
      assert.match(scored.headers.get("content-type") ?? "", /text\/csv/);
      assert.equal(scored.headers.get("x-patron-model-version"), "uplift:v2");
      const [header, ...lines] = scored.text.trim().split("\n").map((l) => l.split(","));
      assert.deepEqual(header, ["customer", "recency", "history", "p_control", "p_treated", "uplift", "customer_type", "decision"]);
      const responses = scoringModel.predictResponses(fromColumns({ recency: [2, 11, 5], history: [100, 40, 0] }));
      lines.forEach((line, i) => {
        const uplift = responses[2 * i + 1] - responses[2 * i];
        assert.ok(Math.abs(Number(line[3]) - responses[2 * i]) < 1e-6);
        assert.ok(Math.abs(Number(line[5]) - uplift) < 2e-6);
        assert.equal(line[7], uplift * 20 > 1 ? "contact" : "none");
      });
      const boundary = "b0undary";
      const form = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="shop.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`);
      const multipart = await api.call("POST", "/v1/score?format=json", { raw: form, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
      assert.equal(multipart.status, 200, multipart.text);
      assert.equal(multipart.body.summary.rows, 3);
      assert.equal(multipart.body.summary.model_version, "uplift:v2");
      assert.equal(multipart.body.rows[0][0], "A");
      const bad = await api.call("POST", "/v1/score", { raw: "customer,recency,history\nA,two,100\nB,3\nC,4,5\nD,,1\n", headers: { "content-type": "text/csv" } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "E_CSV_ROWS");
      assert.deepEqual(bad.body.error.details.errors.map((e: { line: number; column: string | null }) => [e.line, e.column]), [[2, "recency"], [3, null], [5, "recency"]]);
      assert.match(bad.body.error.details.errors[0].reason, /"two" is not a number/);
      const missingColumn = await api.call("POST", "/v1/score", { raw: "customer,recency\nA,1\n", headers: { "content-type": "text/csv" } });
      assert.equal(missingColumn.body.error.code, "E_CSV_COLUMNS");
      assert.match(missingColumn.body.error.message, /lacks "history"/);
      // The uplift job's saved scorer file (inputs + config + model) is accepted as it is.
      const file = scorerFile(scoringModel, [{ name: "recency", type: "number" }, { name: "history", type: "number" }], config, { dataset: "t", target: "visit", createdAt: "2024-01-01" });
      const saved = await registerModel(ts.store, { purpose: "uplift", model: file });
      assert.equal((await api.call("POST", `/v1/models/${saved.modelId}/activate`)).status, 200);
      const again = await api.call("POST", "/v1/score?format=json", { raw: csv, headers: { "content-type": "text/csv" } });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body.rows, multipart.body.rows);
    });

    it("reports health, metrics and the OpenAPI document", { skip }, async () => {
      const health = await api.call("GET", "/healthz", { key: null });
      assert.equal(health.status, 200);
      assert.equal(health.body.status, "ok");
      assert.equal(health.body.db.up, true);
      assert.equal(health.body.online_features.loaded, true);
      const metrics = await api.call("GET", "/metrics", { key: null });
      assert.match(metrics.text, /^patron_events_accepted_total \d+$/m);
      assert.match(metrics.text, /^patron_events_duplicates_total 10[12]$/m);
      assert.match(metrics.text, /^patron_decisions_total\{offer="none",group="(treated|holdout)"\} \d+$/m);
      assert.match(metrics.text, /^patron_http_requests_total\{route="\/v1\/decide",method="POST",status="200"\} \d+$/m);
      assert.match(metrics.text, /^patron_rate_limited_total\{key="[0-9a-f]{12}"\} 1$/m);
      const ui = await api.call("GET", "/docs/static/index.html", { key: null });
      assert.equal(ui.status, 200);
      assert.match(ui.text, /swagger/i);
      const docs = await api.call("GET", "/docs/json", { key: null });
      assert.equal(docs.status, 200);
      for (const path of ["/v1/events", "/v1/decide", "/v1/customers/{id}", "/v1/score", "/v1/segments", "/v1/runs/{id}/migrations", "/v1/models", "/v1/models/{id}/activate", "/healthz", "/metrics"]) {
        assert.ok(path in docs.body.paths, `${path} in OpenAPI`);
      }
    });

    it("restores the online features after a restart, from snapshots or rebuilt from events", { skip }, async () => {
      const customer = String(fixture.events[3].customer_id);
      const product = String(fixture.events[3].product_id);
      const beforeRestart = Array.from(api.service.features.vector(customer, null, product).values);
      await api.service.close();
      api = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.2 }, keys);
      assert.equal(api.service.restored?.source, "snapshots");
      assert.deepEqual(Array.from(api.service.features.vector(customer, null, product).values), beforeRestart);
      assert.equal(api.service.decider.policy.version, "offers:v1", "the active policy is loaded at start");
      await api.service.close();
      await recordIngest(ts.store, SIM_DATASET, "ingest-after");
      api = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.2 }, keys);
      assert.equal(api.service.restored?.source, "events");
      assert.deepEqual(Array.from(api.service.features.vector(customer, null, product).values), beforeRestart);
    });
  });
}
