/**
 * The hot path's parts without HTTP (issue #8): the decision log's column buffer and batch JSON
 * (read back from DuckDB: every column as enqueued, the features text equal to featuresJSON),
 * its batching, capacity and retry; the body guard compiled from DecideBody, which must never
 * accept a body zod rejects; and the decider's shared scratch vector, which must not leak from
 * one logged decision into another.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { LiveCatalog } from "../../src/serve/catalog.ts";
import { DbHealth } from "../../src/serve/db-health.ts";
import { Decider } from "../../src/serve/decide.ts";
import { DecisionLog, featuresJSON, type DecisionRecord } from "../../src/serve/decision-log.ts";
import { compileGuard } from "../../src/serve/json-guard.ts";
import { ServiceMetrics } from "../../src/serve/metrics.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { OnlineFeatures, emptyState } from "../../src/serve/online-features.ts";
import { defaultPolicy } from "../../src/serve/policy.ts";
import { DecideBody } from "../../src/serve/schemas.ts";
import type { Store } from "../../src/store/store.ts";
import { SESSION_FEATURES } from "../../src/uplift/session-features.ts";
import { duckdbTestStore } from "../helpers/stores.ts";

const REASONS = Object.freeze(["DISCOUNT_PAYS", "RETURNING_BUYER"]);
const RESPONSES = Float64Array.of(0.1234567891, 0.2, 0.3);
const LOGGING = Float64Array.of(0.1 + 0.9 * (1 / 3), 0.6, 1 / 3);

function record(i: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    decisionId: `d-${i}`, decidedMs: Date.UTC(2024, 4, 1, 12, 0, i % 60, 7 * i), dataset: "sim", customerId: `c${i % 7}`,
    sessionId: i % 3 === 0 ? null : `s${i}`, productId: i % 4 === 0 ? null : `p${i}`, experiment: i % 2 ? "offers" : "spring.sale-2",
    holdout: i % 5 === 0, arm: i % 3, offer: i % 3 === 0 ? "none" : String(5 * (i % 3)), discount: 5 * (i % 3), policyArm: i % 3,
    policyOffer: i % 3 === 0 ? "none" : String(5 * (i % 3)), propensity: i % 5 === 0 ? 0.2 : 0.8, expectedProfit: i % 6 === 0 ? null : 1.5 * i - 3.25,
    reasonCodes: i % 2 ? REASONS : ["HOLDOUT", `R${i}`], featureValues: Float64Array.from(SESSION_FEATURES, (_, j) => (j === 6 ? (i % 4 === 1 ? NaN : 9.99 + i) : i + j)),
    responses: i % 3 === 2 ? undefined : RESPONSES, logging: i % 4 === 3 ? undefined : LOGGING, modelVersion: i % 2 ? "offers:v3" : "default-no-offer",
    keyId: i % 4 === 2 ? null : "0123456789ab", ...overrides,
  };
}

interface Row {
  decision_id: string; decided_at: Date; dataset: string; customer_id: string; session_id: string | null; product_id: string | null;
  experiment: string; holdout: boolean; arm: number; offer: string; discount: number; policy_arm: number; policy_offer: string;
  propensity: number; expected_profit: number | null; reason_codes: string; features: string; model_version: string; key_id: string | null;
}

async function logged(store: Store): Promise<Map<string, Row>> {
  const rows = await store.query<Row & Record<string, unknown>>("SELECT * FROM decisions");
  return new Map(rows.map((r) => [r.decision_id, r]));
}

function assertLogged(row: Row | undefined, r: DecisionRecord): void {
  assert.ok(row, `decision ${r.decisionId} is in the table`);
  assert.equal(row.decided_at.getTime(), Math.floor(r.decidedMs));
  assert.deepEqual(
    [row.dataset, row.customer_id, row.session_id, row.product_id, row.experiment, Boolean(row.holdout), Number(row.arm), row.offer, row.discount, Number(row.policy_arm), row.policy_offer, row.propensity, row.expected_profit, row.model_version, row.key_id],
    [r.dataset, r.customerId, r.sessionId, r.productId, r.experiment, r.holdout, r.arm, r.offer, r.discount, r.policyArm, r.policyOffer, r.propensity, r.expectedProfit, r.modelVersion, r.keyId],
  );
  assert.deepEqual(JSON.parse(row.reason_codes), [...r.reasonCodes]);
  // The text itself, not only its meaning: readers parse it, and the old writer produced exactly this.
  assert.equal(row.features, featuresJSON(r.featureValues, r.responses, r.logging));
}

/** A store whose writes fail `failures` times (as in an outage) before reaching the real one. */
function flaky(store: Store, failures: number): Store & { attempts: number } {
  const wrapped = Object.create(store) as Store & { attempts: number };
  wrapped.attempts = 0;
  wrapped.exec = async (sql, params) => {
    wrapped.attempts++;
    if (wrapped.attempts <= failures) throw new Error("syntax error at or near nothing (injected)");
    return store.exec(sql, params);
  };
  return wrapped;
}

describe("decision log", () => {
  it("writes every column as enqueued, across blocks, with the features text featuresJSON gives", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      const health = new DbHealth(ts.store);
      const log = new DecisionLog(ts.store, health, { batchSize: 4 });
      const records = Array.from({ length: 23 }, (_, i) => record(i));
      records.push(record(23, { customerId: 'quote " backslash \\ line\u2028sep ł', sessionId: "{\"json\": true}", reasonCodes: ["Ł\n", "\"x\""], expectedProfit: Infinity }));
      for (const r of records.slice(0, 10)) log.enqueue(r);
      assert.equal(log.queued, 10);
      await log.flush();
      for (const r of records.slice(10)) log.enqueue(r);
      assert.equal(await log.close(), 0, "close writes what is queued");
      assert.equal(log.written, records.length);
      const rows = await logged(ts.store);
      assert.equal(rows.size, records.length);
      for (const r of records.slice(0, 23)) assertLogged(rows.get(r.decisionId), r);
      const odd = rows.get("d-23")!;
      assert.equal(odd.customer_id, records[23].customerId);
      assert.equal(odd.session_id, records[23].sessionId);
      assert.deepEqual(JSON.parse(odd.reason_codes), ["Ł\n", "\"x\""]);
      assert.equal(odd.expected_profit, null, "a non-finite profit is logged as null");
      health.close();
    } finally {
      await ts.cleanup();
    }
  });

  it("refuses decisions beyond its capacity, and keeps a failed batch until a retry writes it", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      const store = flaky(ts.store, 2);
      const health = new DbHealth(store);
      const log = new DecisionLog(store, health, { capacity: 5, batchSize: 3 });
      for (let i = 0; i < 5; i++) log.enqueue(record(i));
      assert.throws(() => log.enqueue(record(5)), /E_DECISION_LOG_FULL|waiting to be logged/);
      assert.equal(log.accepting, false);
      await assert.rejects(log.flush(), /injected/);
      await assert.rejects(log.flush(), /injected/);
      assert.equal(log.failedFlushes, 2);
      assert.equal(log.queued, 5, "nothing is dropped by a failed write");
      await log.flush();
      assert.equal(log.queued, 0);
      assert.equal(log.accepting, true);
      const rows = await logged(ts.store);
      assert.deepEqual([...rows.keys()].sort(), ["d-0", "d-1", "d-2", "d-3", "d-4"]);
      for (let i = 0; i < 5; i++) assertLogged(rows.get(`d-${i}`), record(i));
      await log.close();
      assert.throws(() => log.enqueue(record(9)), /shutting down/);
      health.close();
    } finally {
      await ts.cleanup();
    }
  });

  it("logs each decision's own features although the decider reuses one vector", async () => {
    const ts = await duckdbTestStore();
    try {
      await migrate(ts.store);
      const health = new DbHealth(ts.store);
      const log = new DecisionLog(ts.store, health);
      const features = new OnlineFeatures(new LiveCatalog());
      for (const [id, purchases] of [["a", 2], ["b", 5], ["c", 0]] as const) {
        const state = emptyState();
        state.purchases = purchases;
        features.set(id, state);
      }
      const decider = new Decider(features, log, new ServiceMetrics(), { dataset: "sim", experiment: "offers", controlShare: 0.5 }, defaultPolicy);
      const answers = ["a", "b", "c", "a"].map((c) => ({ c, d: decider.decide({ customer_id: c, session_id: "s" }, null) }));
      await log.close();
      const rows = await logged(ts.store);
      const j = SESSION_FEATURES.indexOf("past_purchases");
      for (const { c, d } of answers) {
        const row = rows.get(d.decision_id)!;
        assert.equal(JSON.parse(row.features).past_purchases, features.vector(c, null, null).values[j]);
        assert.deepEqual(JSON.parse(row.reason_codes), d.reason_codes);
        assert.equal(row.propensity, 1, "the default policy never offers: no offer has probability 1 in either group");
      }
      health.close();
    } finally {
      await ts.cleanup();
    }
  });
});

describe("the decide body guard", () => {
  const accepts = compileGuard(DecideBody);
  const emoji = "😀";
  const bodies: unknown[] = [
    { customer_id: "1", session_id: "s" },
    { customer_id: "1", session_id: "s", product_id: "p", experiment: "spring.sale-2" },
    { customer_id: "x".repeat(200), session_id: "s" },
    { customer_id: "x".repeat(201), session_id: "s" },
    { customer_id: emoji.repeat(100), session_id: "s" },
    { customer_id: emoji.repeat(101), session_id: "s" },
    { customer_id: "", session_id: "s" },
    { customer_id: "1" },
    { customer_id: "1", session_id: "s", email: "x@y.z" },
    { customer_id: 1, session_id: "s" },
    { customer_id: "1", session_id: null },
    { customer_id: "1", session_id: "s", product_id: undefined },
    { customer_id: "1", session_id: "s", experiment: "a:b" },
    { customer_id: "1", session_id: "s", experiment: "x".repeat(65) },
    { customer_id: "1", session_id: "s", experiment: "ünïcode" },
    JSON.parse('{"customer_id":"1","session_id":"s","__proto__":{"x":1}}'),
    Object.assign(Object.create({ product_id: "inherited" }), { customer_id: "1", session_id: "s" }),
    null, [], "text", 42,
  ];

  it("never accepts a body zod rejects, and accepts the plain valid ones", () => {
    for (const body of bodies) {
      const zodOk = DecideBody.safeParse(body).success;
      if (accepts(body)) assert.ok(zodOk, `guard accepted what zod rejects: ${JSON.stringify(body)}`);
    }
    assert.equal(accepts(bodies[0]), true);
    assert.equal(accepts(bodies[1]), true);
    assert.equal(accepts(bodies[2]), true);
    // 100 emoji are 200 UTF-16 units (zod's count): valid; 101 are not, though only 101 code points.
    assert.equal(accepts(bodies[4]), true);
    assert.equal(accepts(bodies[5]), false);
  });

  it("refuses to compile a schema it cannot check exactly", () => {
    assert.throws(() => compileGuard(z.strictObject({ n: z.number() })), /only strings/);
    assert.throws(() => compileGuard(z.object({ s: z.string() })), /additionalProperties/);
    assert.throws(() => compileGuard(z.strictObject({ s: z.email() })), /format/);
  });
});
