/**
 * The service split into roles, as separate processes (`node bin/patron.mjs serve --role …`),
 * against one PostgreSQL schema and the real NATS server: the events role stores events and
 * publishes them, the decide and api roles keep their online features current from their durable
 * consumers, the jobs role runs its schedule. The decide role is killed (SIGKILL) while events
 * keep arriving and restarted under the same consumer name: it must resume from its durable
 * consumer (exactly the messages published while it was down are redelivered), and its decisions
 * must see every event — those sent while it was down and those sent after.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { connect } from "nats";
import { SESSION_FEATURES } from "../../src/uplift/session-features.ts";
import { postgresSkipReason, postgresTestStore, type TestStore } from "../helpers/stores.ts";
import { loadProducts, simFixture } from "../serve/fixtures.ts";
import { keysFor } from "../serve/helpers.ts";
import { deleteStream, NATS_URL, natsSkipReason, uniqueBusNames } from "./nats.ts";

const natsSkip = await natsSkipReason();
const pgSkip = await postgresSkipReason();
const skip = natsSkip ?? pgSkip;
const DATASET = "sim";
const BIN = new URL("../../bin/patron.mjs", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

interface RoleProcess {
  child: ChildProcess;
  url: string;
  output: string[];
}

/** Starts `patron serve --role <role>` in its own process group (so SIGKILL reaches the server, not only the bin wrapper). */
function startRole(db: string, role: string, extra: string[]): Promise<RoleProcess> {
  const child = spawn(process.execPath, [BIN, "serve", "--db", db, "--dataset", DATASET, "--port", "0", "--role", role, "--log-level", "warn", "--no-bootstrap-key", "--json", ...extra], {
    cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${role} role did not start in 90 s:\n${output.join("")}`)), 90_000);
    child.stderr!.on("data", (d) => output.push(String(d)));
    child.stdout!.on("data", (d) => {
      output.push(String(d));
      for (const line of String(d).split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const state = JSON.parse(line) as { url?: string };
          if (state.url) {
            clearTimeout(timer);
            resolve({ child, url: state.url, output });
          }
        } catch {
          // a log line cut in two; the state line comes whole
        }
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ${role} role exited (${code ?? signal}) before listening:\n${output.join("")}`));
    });
  });
}

function kill(p: RoleProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once("exit", () => resolve());
    try {
      process.kill(-p.child.pid!, signal); // the group: the bin wrapper and the server it started
    } catch {
      resolve();
    }
  });
}

async function call(p: RoleProcess, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${p.url}${path}`, {
    method, headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return JSON.parse(text);
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("roles as separate processes over NATS JetStream", { skip }, () => {
  const names = uniqueBusNames("roles");
  const fixture = simFixture(10, 5);
  const products = fixture.shop.products.slice(0, 6).map((p) => String(p.product_id));
  let ts: TestStore;
  let keys: { writeKey: string; readKey: string };
  let events: RoleProcess;
  let decide: RoleProcess | undefined;
  let api: RoleProcess;
  let jobs: RoleProcess;
  const bus = (consumer?: string) => ["--nats-url", NATS_URL, "--nats-stream", names.stream, "--nats-prefix", names.prefix, ...(consumer ? ["--nats-consumer", consumer] : [])];

  /** Views sent so far per customer and product (what the features must count). */
  const views = new Map<string, number>();
  let eventNo = 0;
  function viewBatch(customers: string[], perCustomer: number) {
    return customers.flatMap((c) => Array.from({ length: perCustomer }, (_, k) => {
      const product = products[(eventNo + k) % products.length];
      views.set(`${c}|${product}`, (views.get(`${c}|${product}`) ?? 0) + 1);
      return { event_id: `e${++eventNo}`, session_id: `${c}-s`, customer_id: c, product_id: product, event_type: "view", occurred_at: new Date(Date.now() + eventNo).toISOString() };
    }));
  }

  async function pending(): Promise<{ pending: number; ackPending: number }> {
    const nc = await connect({ servers: NATS_URL });
    try {
      const info = await (await nc.jetstreamManager()).consumers.info(names.stream, names.consumer("decide"));
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    } finally {
      await nc.close();
    }
  }

  /** The features a decision of `decider` saw for (customer, product), read back from the decision log. */
  async function decidedFeatures(decider: RoleProcess, customer: string, product: string): Promise<Record<string, number | null>> {
    const d = await call(decider, keys.writeKey, "POST", "/v1/decide", { customer_id: customer, session_id: `${customer}-s`, product_id: product });
    return until(async () => {
      const [row] = await ts.store.query<{ features: string }>("SELECT features FROM decisions WHERE decision_id = $1", [d.decision_id]);
      return row ? (JSON.parse(row.features) as Record<string, number | null>) : undefined;
    }, `decision ${d.decision_id} in the log`);
  }

  async function assertSeesEveryView(decider: RoleProcess, customers: string[]) {
    for (const c of customers) {
      const product = products[0];
      const features = await decidedFeatures(decider, c, product);
      assert.equal(features.product_views, views.get(`${c}|${product}`) ?? 0, `${c}: product views`);
      assert.ok(SESSION_FEATURES.every((name) => name in features));
    }
  }

  before(async () => {
    ts = await postgresTestStore();
    keys = await keysFor(ts.store);
    await loadProducts(ts.store, fixture, DATASET);
    [events, decide, api, jobs] = await Promise.all([
      startRole(ts.db, "events", bus()),
      startRole(ts.db, "decide", bus(names.consumer("decide"))),
      startRole(ts.db, "api", bus(names.consumer("api"))),
      // Every second (croner's six-field form): a retrain with no log to learn from, recorded as a failed run.
      startRole(ts.db, "jobs", [...bus(), "--retrain-cron", "* * * * * *"]),
    ]);
  });

  after(async () => {
    await Promise.all([kill(events, "SIGTERM"), kill(decide, "SIGTERM"), kill(api, "SIGTERM"), kill(jobs, "SIGTERM")]);
    await deleteStream(names.stream).catch(() => undefined);
    await ts?.cleanup();
  });

  it("serves each role's routes only", async () => {
    const missing = await fetch(`${events.url}/v1/decide`, { method: "POST", headers: { "x-api-key": keys.writeKey, "content-type": "application/json" }, body: "{}" });
    assert.equal(missing.status, 404);
    const roles = await call(decide!, keys.readKey, "GET", "/v1/roles");
    assert.deepEqual(roles.roles, ["decide"]);
    assert.equal(roles.consumer.name, names.consumer("decide"));
  });

  it("keeps the decide and api roles' features current from the stream", async () => {
    const first = viewBatch(["c1", "c2", "c3"], 8);
    assert.deepEqual(await call(events, keys.writeKey, "POST", "/v1/events", { events: first }), { accepted: first.length, duplicates: [] });
    await until(async () => ((await call(decide!, keys.readKey, "GET", "/v1/roles")).consumer.applied === first.length ? true : undefined), "the decide role to apply the first batch");
    await assertSeesEveryView(decide!, ["c1", "c2", "c3"]);
    const customer = await until(async () => {
      const c = await call(api, keys.readKey, "GET", `/v1/customers/c1?dataset=${DATASET}`);
      return c.features?.events === 8 ? c : undefined;
    }, "the api role to see c1's events");
    assert.equal(customer.features.views, 8);
  });

  it("loses no event when the decide role is killed and restarted: it resumes from its durable consumer", async () => {
    await kill(decide, "SIGKILL");
    const whileDown = viewBatch(["c1", "c2", "c4"], 6);
    await call(events, keys.writeKey, "POST", "/v1/events", { events: whileDown });
    // Unacknowledged: waiting, or handed to the killed process's last pull request (redelivered after ack_wait).
    const waiting = await pending();
    assert.equal(waiting.pending + waiting.ackPending, whileDown.length, "the events sent while down wait in the durable consumer");

    decide = await startRole(ts.db, "decide", bus(names.consumer("decide")));
    await until(async () => {
      const p = await pending();
      return p.pending === 0 && p.ackPending === 0 ? true : undefined;
    }, "the restarted decide role to drain its consumer");
    const resumed = (await call(decide, keys.readKey, "GET", "/v1/roles")).consumer;
    // Exactly the missed messages were redelivered; they were already in the snapshots it restored.
    assert.equal(resumed.received, whileDown.length);
    assert.equal(resumed.applied + resumed.skipped, whileDown.length);
    await assertSeesEveryView(decide, ["c1", "c2", "c3", "c4"]);

    const afterRestart = viewBatch(["c2", "c5"], 4);
    await call(events, keys.writeKey, "POST", "/v1/events", { events: afterRestart });
    await until(async () => ((await call(decide!, keys.readKey, "GET", "/v1/roles")).consumer.applied >= afterRestart.length ? true : undefined), "the new batch");
    await assertSeesEveryView(decide, ["c1", "c2", "c3", "c4", "c5"]);
  });

  it("runs the jobs role's schedule and records each run", async () => {
    const run = await until(async () => {
      const status = await call(jobs, keys.readKey, "GET", "/v1/roles");
      return status.schedule.runs.length > 0 ? status.schedule.runs[0] : undefined;
    }, "a scheduled retrain run", 20_000);
    assert.equal(run.job, "retrain");
    assert.equal(run.ok, false);
    assert.match(run.summary.error, /^E_(RETRAIN_DATA|OPTION): /);
  });
});
