/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and summarises where a window of it went: self
 * time by function and by origin (Patron source, each npm package, Node internals, GC), and
 * inclusive time of Patron's own functions. Used by `npm run bench -- serve --cpu-prof` to show
 * what a request costs beyond the bare server. Hand-written because the summary is ~80 lines and
 * the usual viewers (Chrome DevTools, speedscope) are interactive.
 *
 * The window: V8 stamps samples with CLOCK_MONOTONIC microseconds, the same clock as
 * process.hrtime() in any process on the machine, so the benchmark can pass the time span of
 * its wrk run and setup work (loading events, the warm-up) is left out.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled milliseconds inside the window, idle excluded. */
  busyMs: number;
  /** [label, ms] by self time, largest first. */
  functions: Array<[string, number]>;
  /** [origin, ms]: "patron src/serve", "fastify", "(garbage collector)", "node:internal", … */
  origins: Array<[string, number]>;
  /** [label, ms] inclusive time of functions under src/ (what each of ours costs with its callees). */
  inclusive: Array<[string, number]>;
}

function origin(frame: CallFrame): string {
  const url = frame.url;
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const src = /\/(src\/[^/]+|bench|test)\//.exec(url);
  if (src) return `patron ${src[1]}`;
  if (url.startsWith("node:")) return "node:internal";
  return url;
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(src|bench|test)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${file}${file ? `:${frame.lineNumber + 1}` : ""}`;
}

/** Summarises the samples taken inside the windows [fromUs, toUs] (CLOCK_MONOTONIC µs; default all). */
export function summariseProfile(path: string, windows: ReadonlyArray<readonly [number, number]> = [[-Infinity, Infinity]]): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let s = 0; s < profile.samples.length; s++) {
    t += profile.timeDeltas[s];
    // A sample's time is the gap to the next one; the delta before it is a fair stand-in.
    const dt = profile.timeDeltas[s + 1] ?? 0;
    if (!windows.some(([fromUs, toUs]) => t >= fromUs && t <= toUs)) continue;
    selfUs.set(profile.samples[s], (selfUs.get(profile.samples[s]) ?? 0) + dt);
  }
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    busyUs += us;
    const name = label(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const o = origin(frame);
    origins.set(o, (origins.get(o) ?? 0) + us);
    // Inclusive: every distinct Patron function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!origin(f).startsWith("patron ")) continue;
      const l = label(f);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].map(([k, us]) => [k, us / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { busyMs: busyUs / 1000, functions: sorted(functions), origins: sorted(origins), inclusive: sorted(inclusive) };
}

/** The summary as text: top `n` of each list, with µs per request when `requests` is given. */
export function formatSummary(summary: ProfileSummary, requests: number, n = 25): string {
  const per = (ms: number) => `${((ms * 1000) / requests).toFixed(1).padStart(7)} µs/req`;
  const section = (title: string, rows: Array<[string, number]>) =>
    [title, ...rows.slice(0, n).map(([k, ms]) => `  ${per(ms)}  ${k}`)].join("\n");
  return [
    `profiled ${requests} requests: ${per(summary.busyMs)} of main-thread CPU (sampled; other threads not included)`,
    section("by origin (self time):", summary.origins),
    section("by function (self time):", summary.functions),
    section("Patron functions (inclusive):", summary.inclusive),
  ].join("\n");
}
