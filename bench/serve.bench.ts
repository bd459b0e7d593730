/**
 * `npm run bench -- serve [--seconds 5] [--repeats 3] [--connections 64]`: throughput and tail
 * latency of POST /v1/decide against a bare node:http server answering a fixed JSON of the same
 * size, both driven by Debian's wrk (/usr/bin/wrk) in the same run, each server in its own
 * process.
 *
 * Setup: a simulated shop (200 customers, seeded) in a fresh DuckDB file — products, its events
 * posted through /v1/events so the online features are real — and a trained discount policy
 * (T-learner over the five discount arms, GBDT bases) registered and active, so every decision
 * runs the model. Requests cycle over 1,000 prepared bodies (different customers, sessions and
 * products), with an API key checked and rate-limited on each.
 *
 * Method:
 *   1. maximum throughput: wrk -t1 -c<connections> for <seconds>, alternating bare and decide,
 *      <repeats> times; the medians are bare_rps and decide_rps;
 *   2. tail latency at 70 % load: wrk has no constant-rate mode (that is wrk2), so each
 *      connection is paced with wrk's Lua delay(): c connections, each waiting 10 ms after every
 *      answer, give about c × 100 requests/s; c is chosen for 70 % of decide_rps and the achieved
 *      rate is printed beside the p99 (wrk --latency, median of <repeats> runs).
 * Last line: {"decide_rps":…,"bare_rps":…,"ratio":…,"p99_ms":…}. Targets: ratio ≥ 0.5, p99 < 5 ms.
 * Server CPU per request (utime + stime of every thread of the server process over the run, from
 * /proc, divided by the requests wrk completed) is printed for both servers: on a loaded machine
 * it is the figure that still means something, and bare/decide CPU is the ratio one free core
 * each would give.
 *
 * Options for finding what is left: `--perf` samples the service with Linux perf during the
 * maximum-throughput runs and prints where its CPU went, every thread and the kernel included
 * (bench/perf-profile.ts; the figure to trust on a shared machine); `--cpu-prof` starts the
 * service under `node --cpu-prof` and prints where its main thread's sampled wall time went
 * (bench/cpu-profile.ts);
 * `--decide-only` skips the bare server and the paced runs (quick iterations; no ratio line).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { formatSummary, summariseProfile } from "./cpu-profile.ts";
import { formatPerf, perfAvailable, startPerf, summarisePerf } from "./perf-profile.ts";
import { createKey } from "../src/serve/auth.ts";
import { migrate } from "../src/serve/migrations.ts";
import { registerModel } from "../src/serve/registry-store.ts";
import { openDuckDBStore } from "../src/store/duckdb-store.ts";
import { DISCOUNT_LEVELS } from "../src/uplift/simulator.ts";
import { loadProducts, SIM_DATASET, simFixture, trainDiscountModel } from "../test/serve/fixtures.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const seconds = Number(option("seconds", "5"));
const repeats = Number(option("repeats", "3"));
const connections = Number(option("connections", "64"));
const cpuProf = args.includes("--cpu-prof");
const decideOnly = args.includes("--decide-only");
const perf = args.includes("--perf");
/** Also run a second decide service with the fast lane off (PATRON_DECIDE_LANE=off), measured in the same alternation. */
const compareLane = args.includes("--compare-lane");
/** Extra node flags for the service, e.g. "--trace-gc" (its stdout is then shown). */
const nodeFlags = option("node-flags", "").split(/\s+/).filter((f) => f !== "");
/** Keep the decide server's perf.data here (and its /tmp/perf-PID.map), for `perf report -i`. */
const perfOut = args.includes("--perf-out") ? option("perf-out", "") : undefined;
const PACE_MS = 10;
/** CLOCK_MONOTONIC in µs: the clock V8 stamps profile samples with. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve(match[1] ?? match[0]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before it was ready:\n${seen}`)));
  });
}

interface WrkResult {
  rps: number;
  requests: number;
  /** The run's time span (monotonicUs), to cut it out of a CPU profile. */
  window: [number, number];
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time (all threads, user + system) per request, µs: robust to other load on the machine. */
  cpuUsPerRequest: number;
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds a process has used so far (utime + stime of all its threads, from /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // fields 14 and 15 of proc(5), after pid and comm
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "s" ? v * 1000 : unit === "m" ? v * 60_000 : v;
}

function wrk(url: string, script: string, threads: number, conns: number, durationS: number, serverPid: number): WrkResult {
  const cpuBefore = cpuSeconds(serverPid);
  const startUs = monotonicUs();
  const result = spawnSync("/usr/bin/wrk", [`-t${threads}`, `-c${conns}`, `-d${durationS}s`, "--latency", "-s", script, url], { encoding: "utf8" });
  const window: [number, number] = [startUs, monotonicUs()];
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.stdout}`);
  const out = result.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`${non2xx[1]} non-2xx responses from ${url}:\n${out}`);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  return { rps, requests, window, p50Ms: pct("50"), p99Ms: pct("99"), cpuUsPerRequest: ((cpuSeconds(serverPid) - cpuBefore) * 1e6) / requests };
}

function luaScript(path: string, bodies: string[], key: string, paceMs?: number): void {
  const quoted = bodies.map((b) => `[==[${b}]==]`).join(",\n");
  writeFileSync(path, `
local bodies = {${quoted}}
local requests = {}
local next = 1
function init(args)
  for i, body in ipairs(bodies) do
    requests[i] = wrk.format("POST", nil, { ["content-type"] = "application/json", ["x-api-key"] = "${key}" }, body)
  end
end
function request()
  local r = requests[next]
  next = next % #requests + 1
  return r
end
${paceMs ? `function delay() return ${paceMs} end` : ""}
`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "patron-bench-serve-"));
  const children: ChildProcess[] = [];
  try {
    // ---- setup: store, policy, key ----------------------------------------------------------
    const db = join(dir, "bench.duckdb");
    const fixture = simFixture(200, 42);
    const model = trainDiscountModel(fixture);
    const store = await openDuckDBStore(db);
    await migrate(store);
    await loadProducts(store, fixture);
    await registerModel(store, { purpose: "offers", model: model.toJSON(), config: { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 }, activate: true });
    const { key } = await createKey(store, { name: "bench", scope: "write", ratePerSecond: 1e9, burst: 1e9 });
    await store.close();

    const node = process.execPath;
    const root = new URL("..", import.meta.url).pathname;
    const profileDir = join(dir, "profile");
    if (perf && !perfAvailable()) throw new Error("--perf needs Linux perf (apt-get install linux-perf)");
    const profiling = [...(cpuProf ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []), ...(perf ? ["--perf-basic-prof"] : []), ...nodeFlags];
    const startDecide = async (file: string, env: NodeJS.ProcessEnv, flags: string[]) => {
      const child = spawn(node, [...flags, "--import", "tsx", "src/cli/main.ts", "serve", "--db", file, "--dataset", SIM_DATASET, "--port", "0", "--log-level", "warn", "--no-bootstrap-key"], { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      const base = await waitForLine(child, /on (http:\/\/[\d.]+:\d+)/);
      if (nodeFlags.length > 0) child.stdout?.on("data", (chunk: Buffer) => process.stdout.write(chunk));
      for (let start = 0; start < fixture.events.length; start += 1000) {
        const r = await fetch(`${base}/v1/events`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: JSON.stringify({ events: fixture.events.slice(start, start + 1000) }) });
        if (!r.ok) throw new Error(`loading events failed: ${r.status} ${await r.text()}`);
      }
      return { child, base };
    };
    const noLaneDb = join(dir, "bench-no-lane.duckdb");
    if (compareLane) copyFileSync(db, noLaneDb);
    const { child: service, base: decideBase } = await startDecide(db, process.env, profiling);
    const noLane = compareLane ? await startDecide(noLaneDb, { ...process.env, PATRON_DECIDE_LANE: "off" }, nodeFlags) : undefined;
    const customers = [...new Set(fixture.events.map((e) => String(e.customer_id)))];
    const views = fixture.events.filter((e) => e.event_type === "view");
    const bodies = Array.from({ length: 1000 }, (_, i) => {
      const view = views[(i * 7919) % views.length];
      return JSON.stringify({ customer_id: customers[i % customers.length], session_id: `bench-${i}`, product_id: String(view.product_id) });
    });
    const sample = await (await fetch(`${decideBase}/v1/decide`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body: bodies[0] })).text();
    const offered = (await Promise.all(bodies.slice(0, 200).map(async (body) =>
      (await (await fetch(`${decideBase}/v1/decide`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": key }, body })).json()) as { offer: unknown; model_version: string },
    )));
    const withOffer = offered.filter((o) => o.offer !== "none").length;

    // ---- the bare reference: node:http, same response size, reads the body like Fastify does --
    const bareSource = `const http = require("node:http"); const body = ${JSON.stringify(sample)};
      http.createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) }); res.end(body); }); })
        .listen(0, "127.0.0.1", function () { console.log("bare on http://127.0.0.1:" + this.address().port); });`;
    const bare = decideOnly ? undefined : spawn(node, [...(perf ? ["--perf-basic-prof"] : []), "-e", bareSource], { stdio: ["ignore", "pipe", "inherit"] });
    if (bare) children.push(bare);
    const bareBase = bare ? await waitForLine(bare, /on (http:\/\/[\d.]+:\d+)/) : "";

    const script = join(dir, "decide.lua");
    luaScript(script, bodies, key);
    // Warm both (JIT, connection setup).
    if (bare) wrk(`${bareBase}/`, script, 1, connections, 2, bare.pid!);
    wrk(`${decideBase}/v1/decide`, script, 1, connections, 2, service.pid!);
    if (noLane) wrk(`${noLane.base}/v1/decide`, script, 1, connections, 2, noLane.child.pid!);

    // ---- 1. maximum throughput, alternating --------------------------------------------------
    const bareRuns: WrkResult[] = [];
    const decideRuns: WrkResult[] = [];
    const noLaneRuns: WrkResult[] = [];
    const figures = (r: WrkResult) => `${r.rps.toFixed(0)} req/s (p99 ${r.p99Ms.toFixed(2)} ms, ${r.cpuUsPerRequest.toFixed(0)} µs CPU/req)`;
    const perfFile = join(dir, "perf.data");
    const barePerfFile = join(dir, "perf-bare.data");
    const sampling = perf ? [startPerf(service.pid!, perfFile), ...(bare ? [startPerf(bare.pid!, barePerfFile)] : [])] : [];
    for (let r = 0; r < repeats; r++) {
      if (bare) bareRuns.push(wrk(`${bareBase}/`, script, 1, connections, seconds, bare.pid!));
      decideRuns.push(wrk(`${decideBase}/v1/decide`, script, 1, connections, seconds, service.pid!));
      if (noLane) noLaneRuns.push(wrk(`${noLane.base}/v1/decide`, script, 1, connections, seconds, noLane.child.pid!));
      console.log(`run ${r + 1}: ${bare ? `bare ${figures(bareRuns[r])}, ` : ""}decide ${figures(decideRuns[r])}${noLane ? `, decide without the fast lane ${figures(noLaneRuns[r])}` : ""}`);
    }
    await Promise.all(sampling.map((s) => s.stop()));
    if (perf) {
      const requests = (runs: WrkResult[]) => runs.reduce((sum, r) => sum + r.requests, 0);
      if (bare) console.log(`\nbare server: ${formatPerf(summarisePerf(barePerfFile, bare.pid!), requests(bareRuns), 12)}`);
      console.log(`\ndecide: ${formatPerf(summarisePerf(perfFile, service.pid!), requests(decideRuns), 40)}\n`);
      if (perfOut) {
        copyFileSync(perfFile, perfOut);
        console.log(`perf data: ${perfOut} (JIT names: /tmp/perf-${service.pid}.map, kept)`);
      }
    }
    const decideRps = median(decideRuns.map((r) => r.rps));
    const decideCpu = median(decideRuns.map((r) => r.cpuUsPerRequest));
    if (noLane) {
      const cpu = median(noLaneRuns.map((r) => r.cpuUsPerRequest));
      console.log(`decide without the fast lane (every request through Fastify): ${median(noLaneRuns.map((r) => r.rps)).toFixed(0)} req/s, server CPU per request ${cpu.toFixed(0)} µs; with it ${median(decideRuns.map((r) => r.cpuUsPerRequest)).toFixed(0)} µs`);
    }
    const machine = `machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; node ${process.version}; wrk ${spawnSync("/usr/bin/wrk", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}`;
    const policy = `policy: ${offered[0]?.model_version} (T-learner, 5 arms × GBDT 20 trees); ${withOffer} of 200 sample decisions offer a discount`;

    if (cpuProf) {
      // The profile is written when the service exits; keep only the maximum-throughput runs.
      const exited = new Promise((resolve) => service.once("exit", resolve));
      service.kill("SIGTERM");
      await exited;
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`node --cpu-prof wrote no profile into ${profileDir}`);
      const requests = decideRuns.reduce((sum, r) => sum + r.requests, 0);
      console.log(`\n${formatSummary(summariseProfile(join(profileDir, file), decideRuns.map((r) => r.window)), requests)}\n`);
    }
    if (!bare) {
      console.log(`\n${machine}\n${policy}`);
      console.log(`decide (wrk -t1 -c${connections}, ${seconds} s, median of ${repeats}): ${decideRps.toFixed(0)} req/s, server CPU per request ${decideCpu.toFixed(0)} µs${cpuProf ? " (under the profiler)" : ""}`);
      console.log(JSON.stringify({ decide_rps: Math.round(decideRps), decide_cpu_us: Math.round(decideCpu) }));
      return;
    }
    const bareRps = median(bareRuns.map((r) => r.rps));
    const bareCpu = median(bareRuns.map((r) => r.cpuUsPerRequest));

    // ---- 2. p99 at 70 % of decide's own maximum, paced connections ---------------------------
    let p99 = NaN;
    let pacedLine = "at 70 % load: not measured (--cpu-prof stops the service after the throughput runs)";
    if (!cpuProf) {
      const target = 0.7 * decideRps;
      const paced = join(dir, "paced.lua");
      luaScript(paced, bodies, key, PACE_MS);
      const pacedConnections = Math.max(1, Math.round((target * PACE_MS) / 1000));
      const pacedRuns: WrkResult[] = [];
      for (let r = 0; r < repeats; r++) pacedRuns.push(wrk(`${decideBase}/v1/decide`, paced, 1, pacedConnections, seconds, service.pid!));
      p99 = median(pacedRuns.map((r) => r.p99Ms));
      const achieved = median(pacedRuns.map((r) => r.rps));
      const c = Math.max(1, Math.round((0.7 * bareRps * PACE_MS) / 1000));
      const bareAt70 = wrk(`${bareBase}/`, paced, 1, c, seconds, bare.pid!);
      pacedLine = `at 70 % load (${pacedConnections} connections paced ${PACE_MS} ms, target ${target.toFixed(0)} req/s, achieved ${achieved.toFixed(0)}): decide p50 ${median(pacedRuns.map((r) => r.p50Ms)).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; bare at its 70 % (${bareAt70.rps.toFixed(0)} req/s) p99 ${bareAt70.p99Ms.toFixed(2)} ms`;
    }

    console.log(`\n${machine}\n${policy}`);
    console.log(`max throughput (wrk -t1 -c${connections}, ${seconds} s, median of ${repeats}): bare ${bareRps.toFixed(0)} req/s, decide ${decideRps.toFixed(0)} req/s, ratio ${(decideRps / bareRps).toFixed(3)}`);
    console.log(`server CPU per request (all threads): bare ${bareCpu.toFixed(0)} µs, decide ${decideCpu.toFixed(0)} µs — the throughput ratio one free core each would give: ${(bareCpu / decideCpu).toFixed(3)}`);
    console.log(`p99 at max load: bare ${median(bareRuns.map((r) => r.p99Ms)).toFixed(2)} ms, decide ${median(decideRuns.map((r) => r.p99Ms)).toFixed(2)} ms`);
    console.log(pacedLine);
    console.log(JSON.stringify({ decide_rps: Math.round(decideRps), bare_rps: Math.round(bareRps), ratio: Number((decideRps / bareRps).toFixed(3)), p99_ms: Number.isNaN(p99) ? null : Number(p99.toFixed(3)) }));
  } finally {
    for (const child of children) child.kill("SIGTERM");
    if (perf) for (const child of children) if (!(perfOut && child === children[0])) rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
