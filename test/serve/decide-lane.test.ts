/**
 * The fast lane of POST /v1/decide (src/serve/decide-lane.ts) against Fastify's own route: two
 * services on one DuckDB store with the same trained policy, one with the lane and one without
 * (PATRON_DECIDE_LANE=off), asked the same things over HTTP. Plain requests must get the same
 * decisions and headers (and be answered by the lane); everything else — bad bodies, keys,
 * media types, sizes, rate limits — the same status and error body, each request counted once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createKey } from "../../src/serve/auth.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { duckdbTestStore, type TestStore } from "../helpers/stores.ts";
import { loadProducts, SIM_DATASET, simFixture, trainDiscountModel } from "./fixtures.ts";
import { keysFor, run, type Running } from "./helpers.ts";

const fixture = simFixture(60, 7);

function laneCount(metrics: string): number {
  return Number(/^patron_decide_fast_lane_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
}

describe("the decide fast lane", () => {
  let ts: TestStore;
  let lane: Running;
  let plain: Running;
  let keys: { writeKey: string; readKey: string };
  const customers = [...new Set(fixture.events.map((e) => String(e.customer_id)))];
  const views = fixture.events.filter((e) => e.event_type === "view");

  before(async () => {
    ts = await duckdbTestStore();
    keys = await keysFor(ts.store);
    await loadProducts(ts.store, fixture);
    await registerModel(ts.store, { purpose: "offers", model: trainDiscountModel(fixture).toJSON(), config: { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 }, activate: true });
    lane = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.2 }, keys);
    for (let start = 0; start < fixture.events.length; start += 1000) {
      const posted = await lane.call("POST", "/v1/events", { body: { events: fixture.events.slice(start, start + 1000) } });
      assert.equal(posted.status, 200, posted.text);
    }
    const saved = process.env.PATRON_DECIDE_LANE;
    process.env.PATRON_DECIDE_LANE = "off";
    try {
      plain = await run(ts.store, { dataset: SIM_DATASET, controlShare: 0.2 }, keys); // restores the features the events wrote
    } finally {
      if (saved === undefined) delete process.env.PATRON_DECIDE_LANE;
      else process.env.PATRON_DECIDE_LANE = saved;
    }
    await plain.call("GET", "/v1/customers/1", { key: keys.writeKey }); // both rings know the write key now
  });
  after(async () => {
    await lane?.service.close();
    await plain?.service.close();
    await ts?.cleanup();
  });

  it("answers plain requests itself, with Fastify's decisions and headers", async () => {
    const before = laneCount((await lane.call("GET", "/metrics")).text);
    let modelled = 0;
    for (let i = 0; i < 25; i++) {
      const body = { customer_id: customers[i % customers.length], session_id: `lane-${i}`, ...(i % 3 ? { product_id: String(views[(i * 37) % views.length].product_id) } : {}), ...(i % 4 === 0 ? { experiment: "spring" } : {}) };
      const [a, b] = [await lane.call("POST", "/v1/decide", { body }), await plain.call("POST", "/v1/decide", { body })];
      assert.equal(a.status, 200, a.text);
      assert.equal(b.status, 200, b.text);
      for (const header of ["content-type", "content-length"]) {
        if (header === "content-length") assert.equal(Number(a.headers.get(header)), Buffer.byteLength(a.text));
        else assert.equal(a.headers.get(header), b.headers.get(header));
      }
      const { decision_id: idA, ...restA } = a.body;
      const { decision_id: idB, ...restB } = b.body;
      assert.match(idA, /^[0-9a-f-]{36}$/);
      assert.notEqual(idA, idB);
      assert.deepEqual(restA, restB);
      assert.equal(restA.model_version, "offers:v1");
      if (restA.expected_profit !== null) modelled++;
    }
    assert.ok(modelled > 10, `the policy's model priced most decisions (${modelled} of 25)`);
    assert.equal(laneCount((await lane.call("GET", "/metrics")).text) - before, 25, "every plain request was the lane's");
    assert.equal(laneCount((await plain.call("GET", "/metrics")).text), 0);
    await lane.service.decisionLog.flush();
    const [{ n }] = await ts.store.query<{ n: number }>("SELECT count(*) AS n FROM decisions WHERE session_id LIKE 'lane-%'");
    assert.equal(Number(n), 50, "both services logged every decision");
  });

  it("leaves everything else to Fastify, which answers exactly as without the lane", async () => {
    const before = laneCount((await lane.call("GET", "/metrics")).text);
    const cases: Array<[string, Parameters<Running["call"]>[2]]> = [
      ["unknown field", { body: { customer_id: "1", session_id: "s", email: "x@y.z" } }],
      ["empty id", { body: { customer_id: "", session_id: "s" } }],
      ["wrong type", { body: { customer_id: 1, session_id: "s" } }],
      ["bad experiment", { body: { customer_id: "1", session_id: "s", experiment: "a:b" } }],
      ["malformed JSON", { raw: "{not json", headers: { "content-type": "application/json" } }],
      ["prototype key", { raw: '{"customer_id":"1","session_id":"s","__proto__":{"x":1}}', headers: { "content-type": "application/json" } }],
      ["text body", { raw: "customer_id=1", headers: { "content-type": "text/plain" } }],
      ["too large", { body: { customer_id: "x".repeat(300 * 1024), session_id: "s" } }],
      ["no key", { body: { customer_id: "1", session_id: "s" }, key: null }],
      ["read key", { body: { customer_id: "1", session_id: "s" }, key: keys.readKey }],
      ["forged key", { body: { customer_id: "1", session_id: "s" }, key: `${keys.writeKey.slice(0, -4)}AAAA` }],
    ];
    for (const [what, options] of cases) {
      const [a, b] = [await lane.call("POST", "/v1/decide", options), await plain.call("POST", "/v1/decide", options)];
      assert.equal(a.status, b.status, `${what}: ${a.text} vs ${b.text}`);
      assert.ok(a.status >= 400, `${what} is refused (${a.status})`);
      assert.deepEqual(a.body, b.body, what);
      assert.equal(a.headers.get("content-type"), b.headers.get("content-type"), what);
    }
    const query = await lane.call("POST", "/v1/decide?trace=1", { body: { customer_id: "1", session_id: "s" } });
    assert.equal(query.status, 200, "a query string goes to Fastify's route, which decides as usual");
    assert.equal(laneCount((await lane.call("GET", "/metrics")).text), before, "the lane answered none of these itself");
  });

  it("takes one rate-limit token per request, replayed or not", async () => {
    const statuses = async (api: Running) => {
      const slow = await createKey(ts.store, { name: "slow", scope: "write", ratePerSecond: 0.001, burst: 3 });
      const valid = { body: { customer_id: "1", session_id: "rl" }, key: slow.key };
      const invalid = { body: { customer_id: "1", session_id: "rl", extra: 1 }, key: slow.key };
      const out: number[] = [];
      for (const options of [valid, invalid, valid, valid, valid]) out.push((await api.call("POST", "/v1/decide", options)).status);
      return out;
    };
    assert.deepEqual(await statuses(plain), [200, 400, 200, 429, 429]);
    assert.deepEqual(await statuses(lane), [200, 400, 200, 429, 429]);
    const limited = /^patron_rate_limited_total\{key="[0-9a-f]{12}"\} (\d+)$/m.exec((await lane.call("GET", "/metrics")).text);
    assert.equal(Number(limited?.[1]), 2, "each refusal counted once");
  });
});
