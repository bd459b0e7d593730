/**
 * The shop simulator: deterministic under a seed, events that obey the IUM log's rules,
 * purchases drawn from the oracle's probabilities, customer types that respond as designed,
 * files that the `ium` ingest preset reads, and session features that never see the future.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { DISCOUNT_LEVELS, SIMULATED_TYPES, simulateShop, thresholdFor, type Shop } from "../../src/uplift/simulator.ts";
import { formatTimestamp, sessionLines } from "../../src/uplift/simulator-format.ts";
import { EVENT_BUY, EVENT_VIEW, sessionTable, type EventColumns } from "../../src/uplift/session-features.ts";
import { tempDir } from "../helpers/stores.ts";

function digest(shop: Shop): string {
  const hash = createHash("sha256");
  for (const column of Object.values(shop.events)) hash.update(new Uint8Array(column.buffer));
  hash.update(new Uint8Array(shop.oracle.probability.buffer));
  return hash.digest("hex");
}

const shop = simulateShop({ customers: 2000, seed: 7 });

test("same seed, same shop; another seed, another shop", () => {
  assert.equal(digest(simulateShop({ customers: 2000, seed: 7 })), digest(shop));
  assert.notEqual(digest(simulateShop({ customers: 2000, seed: 8 })), digest(shop));
  // A customer's history comes from its own stream: the first 500 customers are the same shop.
  const small = simulateShop({ customers: 500, seed: 7 });
  const n = small.events.sessionId.length;
  assert.deepEqual(small.events.timestampMs, shop.events.timestampMs.subarray(0, n));
  assert.throws(() => simulateShop({ customers: 0 }), { code: "E_OPTION" });
  assert.throws(() => simulateShop({ customers: 10, typeShares: [0, 0, 0, 0] }), { code: "E_OPTION" });
});

test("events obey the IUM log's rules", () => {
  const e = shop.events;
  const sessions = new Map<number, { views: number[]; buys: number[]; discount: Set<number> }>();
  for (let i = 0; i < e.sessionId.length; i++) {
    const s = sessions.get(e.sessionId[i]) ?? { views: [], buys: [], discount: new Set() };
    (e.eventType[i] === EVENT_VIEW ? s.views : s.buys).push(i);
    s.discount.add(e.offeredDiscount[i]);
    sessions.set(e.sessionId[i], s);
    if (i > 0 && e.sessionId[i] === e.sessionId[i - 1]) assert.ok(e.timestampMs[i] > e.timestampMs[i - 1], `time order at event ${i}`);
    assert.equal(e.purchaseId[i] >= 0, e.eventType[i] === EVENT_BUY);
  }
  assert.equal(sessions.size, shop.oracle.sessionId.length);
  const purchaseIds = new Set<number>();
  for (const [id, s] of sessions) {
    assert.ok(s.views.length >= 1, `session ${id} has a view`);
    assert.ok(s.buys.length <= 1, `session ${id} buys at most once`);
    assert.equal(s.discount.size, 1, `session ${id} has one discount`);
    assert.ok(DISCOUNT_LEVELS.includes([...s.discount][0]));
    if (s.buys.length === 1) {
      const lastView = s.views[s.views.length - 1];
      assert.equal(e.productId[s.buys[0]], e.productId[lastView], `session ${id} buys its last-viewed product`);
      assert.ok(e.timestampMs[s.buys[0]] > e.timestampMs[lastView]);
      purchaseIds.add(e.purchaseId[s.buys[0]]);
    }
  }
  assert.deepEqual([...purchaseIds].sort((a, b) => a - b), Array.from(shop.deliveries.purchaseId));
  // Known propensity: each level is offered with probability 1/5 (4 binomial sd either way).
  const nSessions = sessions.size;
  const sd = Math.sqrt((0.2 * 0.8) / nSessions);
  for (const level of DISCOUNT_LEVELS) {
    const share = [...sessions.values()].filter((s) => s.discount.has(level)).length / nSessions;
    assert.ok(Math.abs(share - 0.2) <= 4 * sd, `level ${level}: share ${share}`);
  }
});

test("purchases are drawn from the oracle's probabilities (per level and type, within 4 standard errors)", () => {
  const table = sessionTable(shop.events, catalogOf(shop), DISCOUNT_LEVELS);
  const rowOf = new Map<number, number>();
  shop.oracle.sessionId.forEach((id, r) => rowOf.set(id, r));
  for (let type = 0; type < SIMULATED_TYPES.length; type++) {
    for (let a = 0; a < DISCOUNT_LEVELS.length; a++) {
      let n = 0;
      let bought = 0;
      let expected = 0;
      let variance = 0;
      for (let i = 0; i < table.sessionId.length; i++) {
        const r = rowOf.get(table.sessionId[i])!;
        if (table.arm[i] !== a || shop.oracle.customerType[r] !== type) continue;
        const p = shop.oracle.probability[r * DISCOUNT_LEVELS.length + a];
        n++;
        bought += table.bought[i];
        expected += p;
        variance += p * (1 - p);
      }
      assert.ok(n > 50);
      assert.ok(Math.abs(bought - expected) <= 4 * Math.sqrt(variance), `${SIMULATED_TYPES[type]} at ${DISCOUNT_LEVELS[a]}%: ${bought} vs ${expected.toFixed(1)}`);
    }
  }
});

test("customer types respond to discounts as designed (in log-odds, where the effects add)", () => {
  const o = shop.oracle;
  const logit = (r: number, level: number) => {
    const p = o.probability[r * 5 + DISCOUNT_LEVELS.indexOf(level)];
    return Math.log(p / (1 - p));
  };
  for (let r = 0; r < o.sessionId.length; r++) {
    const type = SIMULATED_TYPES[o.customerType[r]];
    if (type === "persuadable" && Number.isFinite(o.threshold[r])) {
      const theta = o.threshold[r];
      // The lift (3.5 ± 0.3 log-odds) arrives at θ: nearly all of it there, little one level below.
      assert.ok(logit(r, theta) - logit(r, 0) > 2, `persuadable session ${o.sessionId[r]} gains at θ = ${theta}`);
      if (theta > 5) assert.ok(logit(r, theta) - logit(r, theta - 5) > 1.5, "θ is the smallest sufficient discount");
    } else if (type === "persuadable") {
      assert.ok(Math.abs(logit(r, 20) - logit(r, 0)) < 1e-9, "no level persuades on a cheap product");
    } else if (type === "sure thing" || type === "lost cause") {
      assert.ok(Math.abs(logit(r, 20) - logit(r, 0) - 0.2) < 1e-9, `${type} barely reacts`);
    } else {
      assert.ok(logit(r, 20) - logit(r, 0) < -2.5, "a discount puts a do-not-disturb off");
    }
  }
  // θ follows the price: a saving of 60 PLN is 5% of 1200 and 20% of 300.
  assert.equal(thresholdFor(60, 1500), 5);
  assert.equal(thresholdFor(60, 400), 15);
  assert.equal(thresholdFor(60, 200), Infinity);
});

function catalogOf(s: Shop) {
  return new Map(s.products.map((p) => [p.product_id, { category: p.category_path, price: p.price }]));
}

test("session features by hand, and a session's features never see its future", () => {
  // User 1: session 10 views A twice then B (category X), buys B at 10%; session 11 views B, A.
  // Products A, B in X; C in Y.
  const catalog = new Map([[1, { category: "X", price: 100 }], [2, { category: "X", price: 50 }], [3, { category: "Y", price: 10 }]]);
  const ev = (sessionId: number, t: number, productId: number, type: number, discount: number, purchase = -1) => ({ sessionId, t, productId, type, discount, purchase });
  const log = [
    ev(10, 1, 1, EVENT_VIEW, 10), ev(10, 2, 1, EVENT_VIEW, 10), ev(10, 3, 2, EVENT_VIEW, 10), ev(10, 4, 2, EVENT_BUY, 10, 500),
    ev(11, 10, 3, EVENT_VIEW, 0), ev(11, 11, 2, EVENT_VIEW, 0), ev(11, 12, 1, EVENT_VIEW, 0),
  ];
  const events: EventColumns = {
    sessionId: Int32Array.from(log, (e) => e.sessionId), timestampMs: Float64Array.from(log, (e) => e.t), userId: new Int32Array(log.length).fill(1),
    productId: Int32Array.from(log, (e) => e.productId), eventType: Uint8Array.from(log, (e) => e.type),
    offeredDiscount: Float64Array.from(log, (e) => e.discount), purchaseId: Int32Array.from(log, (e) => e.purchase),
  };
  const table = sessionTable(events, catalog, DISCOUNT_LEVELS);
  const row = (name: string) => Array.from(table.features.data.subarray(table.features.columns.indexOf(name) * 2, table.features.columns.indexOf(name) * 2 + 2));
  assert.deepEqual(Array.from(table.productId), [2, 1]);
  assert.deepEqual(Array.from(table.arm), [2, 0]);
  assert.deepEqual(Array.from(table.bought), [1, 0]);
  assert.deepEqual(row("product_views"), [0, 2]);
  assert.deepEqual(row("category_views"), [2, 4]);
  assert.deepEqual(row("session_category_views"), [2, 1]);
  assert.deepEqual(row("past_purchases"), [0, 1]);
  assert.deepEqual(row("past_discount_purchases"), [0, 1]);
  assert.deepEqual(row("category_purchases"), [0, 1]);
  assert.deepEqual(row("price"), [50, 100]);

  // On the simulated shop: cutting the log at any time leaves the features of every session
  // decided before the cut unchanged — so no feature reads an event at or after its decision.
  const full = sessionTable(shop.events, catalogOf(shop), DISCOUNT_LEVELS);
  const sorted = Float64Array.from(full.decisionMs).sort();
  for (const q of [0.3, 0.7]) {
    const cut = sorted[Math.floor(sorted.length * q)];
    const keep = Array.from(shop.events.timestampMs.keys()).filter((i) => shop.events.timestampMs[i] < cut);
    const take = <T extends Int32Array | Float64Array | Uint8Array>(a: T) => a.constructor === Int32Array
      ? Int32Array.from(keep, (i) => a[i]) : a.constructor === Uint8Array ? Uint8Array.from(keep, (i) => a[i]) : Float64Array.from(keep, (i) => a[i]);
    const e = shop.events;
    const truncated = sessionTable({
      sessionId: take(e.sessionId) as Int32Array, timestampMs: take(e.timestampMs) as Float64Array, userId: take(e.userId) as Int32Array,
      productId: take(e.productId) as Int32Array, eventType: take(e.eventType) as Uint8Array, offeredDiscount: take(e.offeredDiscount) as Float64Array,
      purchaseId: take(e.purchaseId) as Int32Array,
    }, catalogOf(shop), DISCOUNT_LEVELS);
    const rowOf = new Map<number, number>();
    truncated.sessionId.forEach((id, r) => rowOf.set(id, r));
    let compared = 0;
    for (let i = 0; i < full.sessionId.length; i++) {
      if (full.decisionMs[i] >= cut) continue;
      const r = rowOf.get(full.sessionId[i])!;
      // A session cut before its buy still has the same decision point and features.
      assert.equal(truncated.decisionMs[r], full.decisionMs[i]);
      for (let j = 0; j < full.features.nCols; j++) {
        assert.equal(truncated.features.data[j * truncated.features.nRows + r], full.features.data[j * full.features.nRows + i]);
      }
      compared++;
    }
    assert.ok(compared > 1000);
  }
});

test("the files: IUM lines round-trip, and `patron simulate` + `patron ingest --preset ium` load them", () => {
  assert.equal(formatTimestamp(Date.parse("2022-04-03T05:57:41Z")), "2022-04-03T05:57:41");
  const small = simulateShop({ customers: 40, seed: 3 });
  const parsed = [...sessionLines(small)].map((l) => JSON.parse(l));
  assert.equal(parsed.length, small.events.sessionId.length);
  parsed.forEach((p, i) => {
    assert.equal(p.session_id, small.events.sessionId[i]);
    assert.equal(Date.parse(`${p.timestamp}Z`), small.events.timestampMs[i]);
    assert.equal(p.event_type === "BUY_PRODUCT", small.events.eventType[i] === EVENT_BUY);
    assert.equal(p.purchase_id, small.events.purchaseId[i] < 0 ? null : small.events.purchaseId[i]);
  });

  const { dir, cleanup } = tempDir("patron-sim-");
  try {
    const bin = new URL("../../bin/patron.mjs", import.meta.url).pathname;
    const run = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [bin, ...args, "--json"], { encoding: "utf8" }).trim().split("\n").at(-1)!);
    const summary = run("simulate", "--customers", "300", "--seed", "5", "--out", join(dir, "shop"), "--gzip");
    assert.equal(summary.customers, 300);
    const lines = gunzipSync(readFileSync(join(dir, "shop", "sessions.jsonl.gz"))).toString("utf8").trim().split("\n");
    assert.equal(lines.length, summary.events);
    const ingest = run("ingest", "--preset", "ium", join(dir, "shop"), "--db", join(dir, "shop.duckdb"));
    assert.equal(ingest.rejected, 0);
    assert.equal(ingest.tables.events, summary.events);
    assert.equal(ingest.tables.customers, 300);
    assert.equal(ingest.tables.deliveries, summary.purchases);
  } finally {
    cleanup();
  }
});
