/**
 * The service's parts without HTTP: online features (equal to the offers job's training table
 * on a simulated shop), holdout assignment, token buckets, CSV, log redaction, metrics text,
 * the policy's arithmetic and the validation-path wording.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { matrix } from "../../src/core/matrix.ts";
import { multipartFile, parseCsv, writeCsv } from "../../src/serve/csv.ts";
import { serializeDecision, type DecideOutput } from "../../src/serve/decide.ts";
import { clickhouse } from "../../src/store/dialect.ts";
import { fieldPath } from "../../src/serve/errors.ts";
import { assign, assignmentUnit } from "../../src/serve/holdout.ts";
import { redact, redactText } from "../../src/serve/log-redact.ts";
import { ServiceMetrics } from "../../src/serve/metrics.ts";
import { applyEvent, emptyState, OnlineFeatures, stateFromJSON, stateToJSON, type OnlineEvent } from "../../src/serve/online-features.ts";
import { LiveCatalog } from "../../src/serve/catalog.ts";
import { defaultPolicy, discountPolicy } from "../../src/serve/policy.ts";
import { RateLimiter } from "../../src/serve/rate-limit.ts";
import { SESSION_FEATURES, sessionTable } from "../../src/uplift/session-features.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { simFixture, trainDiscountModel } from "./fixtures.ts";
import Fastify from "fastify";
import { logSerializers, redactingLogMethod } from "../../src/serve/log-redact.ts";

function catalogOf(fixture: ReturnType<typeof simFixture>): LiveCatalog {
  const catalog = new LiveCatalog();
  catalog.replace(new Map([...fixture.catalog].map(([id, entry]) => [String(id), entry])));
  return catalog;
}

describe("online features", () => {
  it("equal the offers job's session table at every decision point of a simulated shop", () => {
    const fixture = simFixture(80, 11);
    const table = sessionTable(fixture.shop.events, fixture.catalog, DISCOUNT_LEVELS);
    const features = new OnlineFeatures(catalogOf(fixture));
    const e = fixture.shop.events;
    const order = Array.from({ length: e.sessionId.length }, (_, i) => i).sort((a, b) => e.timestampMs[a] - e.timestampMs[b] || a - b);
    const sessions = Array.from({ length: table.sessionId.length }, (_, r) => r).sort((a, b) => table.decisionMs[a] - table.decisionMs[b] || a - b);
    const types = ["view", "buy", "return"] as const;
    let next = 0;
    let compared = 0;
    for (const r of sessions) {
      // Everything strictly before this session's decision point, as the training table counts.
      const batch: OnlineEvent[] = [];
      for (; next < order.length && e.timestampMs[order[next]] < table.decisionMs[r]; next++) {
        const i = order[next];
        batch.push({
          customerId: String(e.userId[i]), sessionId: String(e.sessionId[i]), productId: String(e.productId[i]), eventType: types[e.eventType[i]],
          offeredDiscount: Number.isNaN(e.offeredDiscount[i]) ? null : e.offeredDiscount[i], occurredMs: e.timestampMs[i],
        });
      }
      features.commit(features.stage(batch));
      const live = features.vector(String(table.userId[r]), String(table.sessionId[r]), String(table.productId[r]));
      for (let j = 0; j < SESSION_FEATURES.length; j++) {
        assert.equal(live.values[j], table.features.data[j * table.features.nRows + r], `session ${table.sessionId[r]}, ${SESSION_FEATURES[j]}`);
      }
      compared++;
    }
    assert.equal(compared, table.sessionId.length);
    assert.ok(compared > 200, `only ${compared} sessions compared`);
  });

  it("do not depend on the order events arrive in, and round-trip through their JSON", () => {
    const fixture = simFixture(20, 5);
    const catalog = catalogOf(fixture);
    const types = ["view", "buy", "return"] as const;
    const e = fixture.shop.events;
    const all: OnlineEvent[] = Array.from({ length: e.sessionId.length }, (_, i) => ({
      customerId: String(e.userId[i]), sessionId: String(e.sessionId[i]), productId: String(e.productId[i]), eventType: types[e.eventType[i]],
      offeredDiscount: Number.isNaN(e.offeredDiscount[i]) ? null : e.offeredDiscount[i], occurredMs: e.timestampMs[i],
    }));
    const forward = emptyState();
    const backward = emptyState();
    const user = all[0].customerId;
    const mine = all.filter((ev) => ev.customerId === user);
    for (const ev of mine) applyEvent(forward, ev, catalog);
    for (const ev of [...mine].reverse()) applyEvent(backward, ev, catalog);
    assert.deepEqual(stateToJSON(backward).pv, stateToJSON(forward).pv);
    assert.deepEqual(stateToJSON(backward).cv, stateToJSON(forward).cv);
    assert.deepEqual(stateToJSON(backward).cp, stateToJSON(forward).cp);
    assert.equal(backward.purchases, forward.purchases);
    assert.deepEqual(stateToJSON(stateFromJSON(JSON.parse(JSON.stringify(stateToJSON(forward))))), stateToJSON(forward));
  });

  it("stage leaves the live state alone until commit", () => {
    const catalog = new LiveCatalog();
    catalog.replace(new Map([["p1", { category: "a;b", price: 10 }]]));
    const features = new OnlineFeatures(catalog);
    const staged = features.stage([{ customerId: "c", sessionId: "s", productId: "p1", eventType: "view", offeredDiscount: 0, occurredMs: 1 }]);
    assert.equal(features.vector("c", "s", "p1").knownCustomer, false);
    features.commit(staged);
    const v = features.vector("c", "s", "p1");
    assert.equal(v.values[SESSION_FEATURES.indexOf("product_views")], 1);
    assert.equal(v.values[SESSION_FEATURES.indexOf("session_category_views")], 1);
    assert.equal(v.values[SESSION_FEATURES.indexOf("price")], 10);
    // Without a product the session's last viewed one is used.
    assert.equal(features.vector("c", "s", null).productId, "p1");
  });
});

describe("holdout assignment", () => {
  it("is deterministic, in [0, 1), and holds out about the control share", () => {
    assert.equal(assignmentUnit("exp", "42"), assignmentUnit("exp", "42"));
    assert.notEqual(assignmentUnit("exp", "42"), assignmentUnit("exp2", "42"));
    let held = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const { holdout, unit } = assign("offers", `c${i}`, 0.2);
      assert.ok(unit >= 0 && unit < 1);
      if (holdout) held++;
    }
    // Binomial sd = sqrt(0.2 · 0.8 / 20000) ≈ 0.0028; 5 sd is a bound that a correct hash never misses.
    assert.ok(Math.abs(held / n - 0.2) < 0.015, `held out ${held / n}`);
  });

  it("is the documented SHA-256 prefix", async () => {
    const { createHash } = await import("node:crypto");
    const hex = createHash("sha256").update("offers:c1").digest("hex").slice(0, 13);
    assert.equal(assignmentUnit("offers", "c1"), parseInt(hex, 16) / 2 ** 52);
  });
});

describe("rate limiter", () => {
  it("allows the burst, then the refill rate, and says how long to wait", () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3 }, () => now);
    assert.equal(limiter.take("k"), 0);
    assert.equal(limiter.take("k"), 0);
    assert.equal(limiter.take("k"), 0);
    assert.equal(limiter.take("k"), 0.5); // one token at 2/s takes 0.5 s
    now = 250;
    assert.equal(limiter.take("k"), 0.25);
    now = 500;
    assert.equal(limiter.take("k"), 0);
    assert.equal(limiter.take("other"), 0, "buckets are per key");
    assert.throws(() => limiter.enforce("k"), { code: "E_RATE_LIMITED" });
    assert.equal(limiter.limited, 3);
  });
});

describe("csv", () => {
  it("reads quotes, separators inside quotes, CRLF, a BOM and keeps line numbers", () => {
    const table = parseCsv('\ufeffid;name;x\r\n1;"a;b";2,5\r\n2;"multi\nline";3\r\n\r\n3;c;4\r\n');
    assert.equal(table.separator, ";");
    assert.deepEqual(table.header, ["id", "name", "x"]);
    assert.deepEqual(table.rows, [["1", "a;b", "2,5"], ["2", "multi\nline", "3"], ["3", "c", "4"]]);
    assert.deepEqual(table.lines, [2, 3, 6]);
    assert.equal(writeCsv(["a", "b"], [["x,y", 'q"t']]), 'a,b\n"x,y","q""t"\n');
  });

  it("rejects an unclosed quote and duplicate columns with the line", () => {
    assert.throws(() => parseCsv('a,b\n1,"open\n'), { code: "E_CSV", message: /line 2: a quoted field is never closed/ });
    assert.throws(() => parseCsv("a,a\n1,2\n"), { code: "E_CSV", message: /column "a" appears twice/ });
  });

  it("takes the file part of a multipart form", () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n' +
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\nContent-Type: text/csv\r\n\r\na,b\n1,2\n\r\n--XyZ--\r\n',
    );
    assert.deepEqual(multipartFile(body, "multipart/form-data; boundary=XyZ"), { filename: "c.csv", text: "a,b\n1,2\n" });
  });
});

describe("log redaction", () => {
  it("removes names, addresses, e-mails, keys and passwords", () => {
    const out = redact({
      customer: { name: "Anna Nowak", street: "ul. Polna 3", city: "Kraków", email: "anna@example.com", customer_id: "102" },
      msg: "mail anna@example.com or +48 601 234 567, key pat_0123456789ab_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ",
      db: "postgres://app:s3cret@db:5432/shop",
      dataset: "ium",
    }) as Record<string, Record<string, unknown> | string>;
    const text = JSON.stringify(out);
    for (const secret of ["Anna", "Polna", "Kraków", "anna@example.com", "601 234", "abcdefghijklmnop", "s3cret"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal((out.customer as Record<string, unknown>).customer_id, "102");
    assert.equal(out.dataset, "ium");
    assert.equal(redactText("order 12345 of 2024-05-01"), "order 12345 of 2024-05-01");
  });

  it("is wired into the Fastify logger", async () => {
    const lines: string[] = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const app = Fastify({ logger: { level: "info", stream, serializers: logSerializers, hooks: { logMethod: redactingLogMethod } } });
    app.log.info({ user: { name: "Jan Kowal", address: "ul. Leśna 1" } }, "signup from jan@example.org");
    app.log.error(new Error("lookup of zofia@example.pl failed"));
    await app.close();
    const text = lines.join("");
    assert.ok(text.includes("[email]"), text);
    for (const secret of ["Jan Kowal", "Leśna", "jan@example.org", "zofia@example.pl"]) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  });
});

describe("metrics text", () => {
  it("renders counters and cumulative histogram buckets", () => {
    const metrics = new ServiceMetrics();
    metrics.record("/v1/decide", "POST", 200, 0.0007);
    metrics.record("/v1/decide", "POST", 200, 0.003);
    metrics.decisions.inc({ offer: "10", group: "treated" });
    const text = metrics.render();
    assert.match(text, /^patron_http_requests_total\{route="\/v1\/decide",method="POST",status="200"\} 2$/m);
    assert.match(text, /^patron_http_request_duration_seconds_bucket\{route="\/v1\/decide",le="0.0005"\} 0$/m);
    assert.match(text, /^patron_http_request_duration_seconds_bucket\{route="\/v1\/decide",le="0.001"\} 1$/m);
    assert.match(text, /^patron_http_request_duration_seconds_bucket\{route="\/v1\/decide",le="0.005"\} 2$/m);
    assert.match(text, /^patron_http_request_duration_seconds_bucket\{route="\/v1\/decide",le="\+Inf"\} 2$/m);
    assert.match(text, /^patron_decisions_total\{offer="10",group="treated"\} 1$/m);
  });
});

describe("policy", () => {
  it("default: no offer, no profit estimate", () => {
    const choice = defaultPolicy.decide({ values: new Float64Array(7), productId: null, knownCustomer: false, knownProduct: false });
    assert.deepEqual(choice, { arm: 0, expectedProfit: null, reasons: ["NO_ACTIVE_POLICY"] });
  });

  it("max expected profit = argmax P(buy | a) × price × (margin − d_a), computed from the model's own responses", async () => {
    const model = trainDiscountModel(simFixture(60, 7));
    const policy = await discountPolicy("offers:v1", model.toJSON(), { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 });
    const values = Float64Array.from([2, 5, 1, 3, 1, 2, 120]);
    const choice = policy.decide({ values, productId: "p", knownCustomer: true, knownProduct: true });
    const responses = model.predictResponses(matrix(values, 1, model.featureNames));
    const profits = DISCOUNT_LEVELS.map((d, a) => responses[a] * 120 * (0.3 - d / 100));
    const best = profits.indexOf(Math.max(...profits));
    assert.equal(choice.arm, best);
    assert.ok(Math.abs(choice.expectedProfit! - profits[best]) < 1e-12);
    const sufficient = await discountPolicy("offers:v2", model.toJSON(), { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3, rule: "smallest-sufficient", threshold: 0.5 });
    const expected = Array.from(responses).findIndex((p) => p >= 0.5);
    assert.equal(sufficient.decide({ values, productId: "p", knownCustomer: true, knownProduct: true }).arm, Math.max(0, expected));
  });

  it("refuses a config that does not fit the model", async () => {
    const json = trainDiscountModel(simFixture(30, 2)).toJSON();
    await assert.rejects(discountPolicy("x", json, { discounts: [0, 10], marginRate: 0.3 }), { code: "E_MODEL_CONFIG", message: /5 arms/ });
    await assert.rejects(discountPolicy("x", json, { discounts: [5, 10, 15, 20, 25], marginRate: 0.3 }), { code: "E_MODEL_CONFIG", message: /no offer/ });
    await assert.rejects(discountPolicy("x", json, { discounts: [...DISCOUNT_LEVELS], marginRate: 2 }), { code: "E_MODEL_CONFIG", message: /marginRate/ });
  });
});

describe("decide answer serializer", () => {
  it("writes exactly what JSON.stringify writes, for every shape of answer", () => {
    const answers: DecideOutput[] = [
      { decision_id: "d-1", offer: "none", expected_profit: null, reason_codes: ["HOLDOUT", "NO_ACTIVE_POLICY"], model_version: "default-no-offer", holdout: true, experiment: "offers" },
      { decision_id: "d-2", offer: 15, expected_profit: 3.0000000000000004, reason_codes: [], model_version: "offers:v12", holdout: false, experiment: "spring.sale-2" },
      { decision_id: 'quote" and \\ and \u2028', offer: 5, expected_profit: -0.5, reason_codes: ["Ł\n"], model_version: "m", holdout: false, experiment: "x" },
    ];
    for (const a of answers) assert.deepEqual(JSON.parse(serializeDecision(a)), JSON.parse(JSON.stringify(a)));
    for (const a of answers) assert.equal(serializeDecision(a), JSON.stringify(a));
  });
});

describe("jsonRecords on ClickHouse", () => {
  it("extracts typed tuples from the JSON parameter (golden text; there is no ClickHouse server here)", () => {
    assert.equal(
      clickhouse.jsonRecords("{rows:String}", [{ name: "id", type: "text" }, { name: "n", type: "double" }]),
      "(SELECT tupleElement(r, 1) AS `id`, tupleElement(r, 2) AS `n` FROM (SELECT arrayJoin(JSONExtract({rows:String}, 'Array(Tuple(id Nullable(String), n Nullable(Float64)))')) AS r)) AS json_records",
    );
  });
});

describe("validation paths", () => {
  it("name the event index and field", () => {
    assert.equal(fieldPath("/events/3/occurred_at"), "events[3].occurred_at");
    assert.equal(fieldPath("/customer_id"), "customer_id");
    assert.equal(fieldPath(""), "");
  });
});
