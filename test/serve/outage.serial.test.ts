/**
 * A real PostgreSQL outage under load: the test stops the server (pg_ctlcluster, fast mode)
 * while clients post event batches and ask for decisions, starts it again a few seconds later,
 * and checks that
 *   - every event id acknowledged with 2xx is in the events table afterwards,
 *   - during the outage writes get 503 E_DB_UNAVAILABLE (never a 500) and decisions keep
 *     coming (they read memory only), and every decision given is in the decisions table,
 *   - the same service answers 2xx again after the restart, with no restart of its own.
 *
 * It stops the PostgreSQL server other tests use, so it is short (≈3 s outage), restarts the
 * server in a `finally`, and lives alone in this file so the lead can run it serialised.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { postgresSkipReason, postgresTestStore, type TestStore } from "../helpers/stores.ts";
import { run, type Running } from "./helpers.ts";

const OUTAGE_MS = 3000;

function clusterVersion(): string | undefined {
  try {
    return readdirSync("/etc/postgresql").find((v) => /^\d+$/.test(v));
  } catch {
    return undefined;
  }
}

function pgctl(action: "start" | "stop", version: string): void {
  execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", action], { stdio: "pipe", timeout: 60_000 });
}

async function waitReady(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync("pg_isready", ["-h", "127.0.0.1", "-p", "5432", "-q"], { stdio: "pipe" });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error("PostgreSQL did not come back within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PostgreSQL outage during a load of event posts", async () => {
  const version = clusterVersion();
  const skip = (await postgresSkipReason()) ?? (version === undefined ? "no local PostgreSQL cluster to stop (/etc/postgresql)" : process.getuid?.() !== 0 ? "stopping PostgreSQL needs root" : undefined);
  let ts: TestStore;
  let api: Running;

  before(async () => {
    if (skip) return;
    ts = await postgresTestStore();
    api = await run(ts.store, { dataset: "outage" });
  });
  after(async () => {
    if (skip) return;
    await api?.service.close();
    await ts?.cleanup();
  });

  it("loses no acknowledged event, answers 503 while down and recovers by itself", { skip, timeout: 120_000 }, async (t) => {
    const acked = new Set<string>();
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    const decisions: string[] = [];
    let decideFailures = 0;
    let okAfterRestart = 0;
    let restarted = false;
    let stop = false;
    let next = 0;
    const poster = async (worker: number) => {
      while (!stop) {
        const ids = Array.from({ length: 20 }, () => `w${worker}-${next++}`);
        const events = ids.map((id, k) => ({
          event_id: id, session_id: `s${worker}`, customer_id: `c${k % 5}`, product_id: "p1", event_type: "view", occurred_at: new Date().toISOString(), offered_discount: 0,
        }));
        try {
          const r = await api.call("POST", "/v1/events", { body: { events } });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 200) {
            for (const id of ids) acked.add(id);
            if (restarted) okAfterRestart++;
          } else if (r.body?.error?.code) codes.add(r.body.error.code);
        } catch {
          statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
        }
        await sleep(5);
      }
    };
    const decider = async () => {
      let k = 0;
      while (!stop) {
        const r = await api.call("POST", "/v1/decide", { body: { customer_id: `c${k++ % 5}`, session_id: "live" } });
        if (r.status === 200) decisions.push(r.body.decision_id);
        else decideFailures++;
        await sleep(20);
      }
    };
    const load = [poster(0), poster(1), poster(2), decider()];
    let stoppedAt = 0;
    try {
      // Load first: stop the server only once posts are flowing (bounded wait).
      const loadStart = Date.now();
      while ((statuses.get(200) ?? 0) < 30 && Date.now() - loadStart < 8000) await sleep(50);
      pgctl("stop", version!);
      stoppedAt = Date.now();
      await sleep(OUTAGE_MS);
    } finally {
      // Whatever happened above, the shared server comes back.
      pgctl("start", version!);
      await waitReady();
    }
    restarted = true;
    const deadline = Date.now() + 20_000;
    while (okAfterRestart < 5 && Date.now() < deadline) await sleep(100);
    stop = true;
    await Promise.all(load);

    t.diagnostic(`acknowledged ${acked.size} events in ${statuses.get(200) ?? 0} posts; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${okAfterRestart} posts ok after the restart; ${decisions.length} decisions, ${decideFailures} failed`);
    assert.ok(stoppedAt > 0);
    assert.ok((statuses.get(503) ?? 0) > 0, `some posts met the outage: ${JSON.stringify([...statuses])}`);
    assert.deepEqual([...codes], ["E_DB_UNAVAILABLE"]);
    assert.equal(statuses.get(500) ?? 0, 0, "never a 500");
    assert.ok(okAfterRestart >= 5, `the service recovered by itself (${okAfterRestart} posts acknowledged after the restart)`);
    assert.equal(decideFailures, 0, "decisions never touch the database");
    const health = await api.call("GET", "/healthz", { key: null });
    assert.equal(health.status, 200);
    assert.ok(health.body.db.outages >= 1);

    // Every acknowledged id is stored, read with a fresh connection.
    const stored = new Set((await ts.store.query<{ event_id: string }>("SELECT event_id FROM events WHERE dataset = 'outage'")).map((r) => r.event_id));
    const lost = [...acked].filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged events are missing`);
    // Decisions given during the outage were queued and written once the database was back.
    await api.service.decisionLog.flush();
    const logged = new Set((await ts.store.query<{ decision_id: string }>("SELECT decision_id FROM decisions")).map((r) => r.decision_id));
    assert.deepEqual(decisions.filter((id) => !logged.has(id)), []);
  });
});
