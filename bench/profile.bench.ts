/**
 * `npm run bench -- profile [runs]`: profiles Online Retail (541,909 lines) in DuckDB and, in
 * the same run, times pandas' describe(include="all") + corr() (Pearson and Spearman) on the
 * same rows through Debian's /usr/bin/python3. Target: the profile in ≤ 3 s on this machine.
 *
 * Reported separately: reading the 305 gzip files (DuckDB read_csv vs pandas read_csv), and the
 * profile itself (every statistic, histogram, outlier, duplicate and pattern query). Medians of
 * `runs` (default 3). Prints the load average because the machine is shared. Last line: JSON.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { loadFile } from "../src/profile/file-source.ts";
import { DATA_DIR } from "../src/profile/presets.ts";
import { profileTables } from "../src/profile/profile.ts";
import { openDuckDBStore } from "../src/store/duckdb-store.ts";

const runs = Math.max(1, Number(process.argv[2] ?? 3));
const glob = `${DATA_DIR}online-retail/by-day/*.csv.gz`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const store = await openDuckDBStore(":memory:");
let started = performance.now();
const relation = await loadFile(store, { table: "online_retail", path: glob });
const loadMs = performance.now() - started;
const profileMs: number[] = [];
let steps: Record<string, number> = {};
let nWarnings = 0;
for (let r = 0; r < runs; r++) {
  started = performance.now();
  const report = await profileTables(store, [{ relation, source: glob }], {});
  profileMs.push(performance.now() - started);
  steps = report.profiles[0].timings ?? {};
  nWarnings = report.warnings.length;
}
const nRows = Number((await store.query<{ n: number }>("SELECT count(*) AS n FROM online_retail"))[0].n);
await store.close();

const python = `
import glob, json, sys, time
import pandas as pd
files = sorted(glob.glob(sys.argv[1]))
t = time.perf_counter()
df = pd.concat([pd.read_csv(f, parse_dates=["InvoiceDate"]) for f in files], ignore_index=True)
read_ms = (time.perf_counter() - t) * 1000
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    d = df.describe(include="all", datetime_is_numeric=True)
    num = df.select_dtypes("number")
    p = num.corr(method="pearson")
    s = num.corr(method="spearman")
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(json.dumps({"rows": len(df), "read_ms": read_ms, "describe_corr_ms": times[len(times) // 2], "pandas": pd.__version__}))
`;
let pandas: { rows: number; read_ms: number; describe_corr_ms: number; pandas: string } | undefined;
try {
  const out = execFileSync("/usr/bin/python3", ["-c", python, glob, String(runs)], { encoding: "utf8", maxBuffer: 1 << 20 });
  pandas = JSON.parse(out.trim().split("\n").pop()!);
} catch (error) {
  console.error(`pandas reference unavailable: ${(error as Error).message.split("\n")[0]}`);
}

const profile = median(profileMs);
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log(`rows: ${nRows.toLocaleString("en-US")}${pandas ? ` (pandas: ${pandas.rows.toLocaleString("en-US")})` : ""}`);
console.log(`read 305 gzip CSVs: patron/DuckDB ${loadMs.toFixed(0)} ms${pandas ? `, pandas ${pandas.read_ms.toFixed(0)} ms` : ""}`);
console.log(`profile (median of ${runs}): ${profile.toFixed(0)} ms — steps ${JSON.stringify(steps)}; ${nWarnings} warnings`);
if (pandas) console.log(`pandas describe(include="all") + corr(pearson, spearman): ${pandas.describe_corr_ms.toFixed(0)} ms`);
console.log(`target ≤ 3000 ms: ${profile <= 3000 ? "met" : "missed"}`);
console.log(
  JSON.stringify({
    bench: "profile",
    rows: nRows,
    runs,
    patron_load_ms: Math.round(loadMs),
    patron_profile_ms: Math.round(profile),
    pandas_read_ms: pandas ? Math.round(pandas.read_ms) : null,
    pandas_describe_corr_ms: pandas ? Math.round(pandas.describe_corr_ms) : null,
    profile_over_pandas: pandas ? Number((profile / pandas.describe_corr_ms).toFixed(2)) : null,
    load_over_pandas_read: pandas ? Number((loadMs / pandas.read_ms).toFixed(2)) : null,
    target_ms: 3000,
    target_met: profile <= 3000,
    load_average: loadavg()[0],
    versions: { node: process.version, pandas: pandas?.pandas ?? null },
  }),
);
