/**
 * On-CPU profile of a server process with Linux perf (software cpu-clock event, so it works in a
 * VM without hardware counters): every thread, kernel included, JavaScript named through node's
 * --perf-basic-prof map. Unlike V8's sampler (bench/cpu-profile.ts), which stamps wall time,
 * a perf sample is taken only while the thread runs, so on a machine shared with other work the
 * shares are CPU shares — what "CPU per request" is made of. Used by
 * `npm run bench -- serve --perf`.
 *
 * Groups: kernel (network stack, scheduler), the HTTP parser and libuv (node binary), V8 and GC,
 * DuckDB (its shared library), and JavaScript by origin (Patron file, npm package, node:internal).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export function perfAvailable(): boolean {
  return spawnSync("perf", ["--version"], { encoding: "utf8" }).status === 0;
}

/** Starts sampling `pid` (all its threads) into `file`; stop() ends it and waits for the file. */
export function startPerf(pid: number, file: string, frequency = 999): { stop(): Promise<void> } {
  const child: ChildProcess = spawn("perf", ["record", "-q", "-e", "cpu-clock", "-F", String(frequency), "-g", "-p", String(pid), "-o", file], { stdio: "ignore" });
  return {
    stop: () => new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGINT");
    }),
  };
}

function group(sym: string, dso: string, mainThread: boolean): string {
  if (dso.includes("kernel")) return "kernel (network, scheduler, syscalls)";
  if (/duckdb/i.test(dso)) return "DuckDB";
  const js = /^(?:JS|LazyCompile|Function|Builtin):[*~^+]?\S*\s+(\S+)/.exec(sym);
  if (js) {
    const file = js[1];
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    if (pkg) return `js ${pkg[1]}`;
    const src = /\/(src\/[^/]+(?:\/[^/:]+)?|bench|test)[/:]/.exec(file);
    if (src) return `js patron ${src[1].replace(/:.*$/, "")}`;
    if (file.startsWith("node:")) return "js node:internal";
    return "js other";
  }
  if (/^Builtins_|^Builtin:/.test(sym)) return "V8 builtins (property access, calls, strings)";
  if (/Heap|Scavenge|MarkCompact|Sweep|Marking|GC|Evacuat|Concurrent/i.test(sym)) return "V8 garbage collector";
  if (/llhttp|Parser/.test(sym)) return "HTTP parser (llhttp)";
  if (/^uv_|^uv__/.test(sym)) return "libuv";
  if (dso.includes("libc")) return "libc";
  if (!mainThread) return "other threads (V8 platform, libuv pool)";
  return /v8::|node::/.test(sym) ? "V8/node runtime (C++)" : "other native";
}

export interface PerfSummary {
  samples: number;
  /** Sampled CPU seconds (samples / frequency). */
  cpuSeconds: number;
  groups: Array<[string, number]>;
  symbols: Array<[string, number]>;
  /** Inclusive samples of JavaScript functions (any frame), by name and file. */
  inclusive: Array<[string, number]>;
}

/** Reads `perf script` of `file`: self samples by group and symbol, inclusive by JS function. */
export function summarisePerf(file: string, pid: number, frequency = 999): PerfSummary {
  const script = spawnSync("perf", ["script", "-i", file, "-F", "tid,ip,sym,dso"], { encoding: "utf8", maxBuffer: 1 << 30 });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
  const groups = new Map<string, number>();
  const symbols = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let samples = 0;
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const block of script.stdout.split(/\n\s*\n/)) {
    const lines = block.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) continue;
    const tid = Number(lines[0].trim().split(/\s+/)[0]);
    const frames = lines.slice(1).map((l) => {
      const m = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(l);
      return m ? { sym: m[1].replace(/\+0x[0-9a-f]+$/, ""), dso: m[2] } : { sym: l.trim(), dso: "" };
    });
    samples++;
    const top = frames[0];
    add(groups, group(top.sym, top.dso, tid === pid));
    add(symbols, `${top.sym.slice(0, 110)}${top.dso.includes("kernel") ? " [k]" : ""}`);
    const seen = new Set<string>();
    for (const f of frames) {
      if (!/^(?:JS|LazyCompile|Function):/.test(f.sym)) continue;
      const name = f.sym.replace(/^(?:JS|LazyCompile|Function):[*~^+]?/, "").replace(/^(.*?)(\/work\/main\/|file:\/\/\/work\/main\/)/, "$1").slice(0, 110);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { samples, cpuSeconds: samples / frequency, groups: sorted(groups), symbols: sorted(symbols), inclusive: sorted(inclusive) };
}

export function formatPerf(summary: PerfSummary, requests: number, n = 25): string {
  const usPer = (count: number) => `${((count / summary.samples) * (summary.cpuSeconds * 1e6) / requests).toFixed(1).padStart(7)} µs/req`;
  const section = (title: string, rows: Array<[string, number]>) => [title, ...rows.slice(0, n).map(([k, c]) => `  ${usPer(c)}  ${k}`)].join("\n");
  return [
    `perf: ${summary.samples} samples, ${usPer(summary.samples)} of CPU over ${requests} requests (all threads, kernel included)`,
    section("by group (self):", summary.groups),
    section("by symbol (self):", summary.symbols),
    section("JavaScript functions (inclusive):", summary.inclusive),
  ].join("\n");
}
