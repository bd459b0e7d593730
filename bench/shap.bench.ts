/**
 * `npm run bench -- shap [nRows] [repeats]`: Patron's TreeSHAP against XGBoost's pred_contribs
 * on the very same trees. scripts/reference/shap_bench.py trains 100 trees of depth 6 on
 * seeded synthetic data (10,000 × 30, 5 % NaN) and saves the model as JSON; Patron imports
 * that JSON and explains the same rows on two worker threads, XGBoost with nthread=2. After
 * one warm-up each, runs alternate (XGBoost, Patron, XGBoost, …) so both meet the same load
 * on a shared machine; each side's time is the median of `repeats` runs.
 * Last line: {"max_abs_diff_vs_xgboost", "time_ratio"} (Patron / XGBoost; target ≤ 2).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { matrix } from "../src/core/matrix.ts";
import { explainTreesParallel } from "../src/explain/tree-shap-parallel.ts";
import { importXGBoost } from "../src/explain/xgboost-import.ts";

const nRows = Number(process.argv[2] ?? 10_000);
const repeats = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), "patron-shap-bench-"));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const script = new URL("../scripts/reference/shap_bench.py", import.meta.url).pathname;
const python = spawn("/usr/bin/python3", [script, dir, String(nRows)], { stdio: ["pipe", "pipe", "inherit"] });
const lines = createInterface({ input: python.stdout! })[Symbol.asyncIterator]();
const nextJson = async () => {
  const line = await lines.next();
  if (line.done) throw new Error("the XGBoost side of the benchmark stopped early (see its stderr above)");
  return JSON.parse(line.value);
};

try {
  const reference = await nextJson();
  const model = importXGBoost(readFileSync(join(dir, "model.json"), "utf8"));
  const nFeatures = model.nFeatures;
  const rowMajor = new Float64Array(readFileSync(join(dir, "x.f64")).buffer.slice(0));
  const data = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) for (let j = 0; j < nFeatures; j++) data[j * nRows + i] = rowMajor[i * nFeatures + j];
  const x = matrix(data, nRows, model.featureNames);

  let shap = await explainTreesParallel(model, x, { nThreads: 2 }); // warm-up (starts the workers)
  const xgbTimes: number[] = [];
  const patronTimes: number[] = [];
  for (let r = 0; r < repeats; r++) {
    python.stdin!.write("run\n");
    xgbTimes.push((await nextJson()).seconds);
    const start = performance.now();
    shap = await explainTreesParallel(model, x, { nThreads: 2 });
    patronTimes.push((performance.now() - start) / 1000);
  }
  python.stdin!.end("quit\n");

  const contribs = new Float32Array(readFileSync(join(dir, "contribs.f32")).buffer.slice(0));
  let maxDiff = 0;
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nFeatures; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(shap.values[i * nFeatures + j] - contribs[i * (nFeatures + 1) + j]));
    }
    maxDiff = Math.max(maxDiff, Math.abs(shap.expectedValue[0] - contribs[i * (nFeatures + 1) + nFeatures]));
  }
  const format = (xs: number[]) => xs.map((t) => t.toFixed(3)).join(", ");
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`versions: node ${process.version}, xgboost ${reference.xgboost}, numpy ${reference.numpy}, python ${reference.python}`);
  console.log(`data: ${nRows} rows × ${nFeatures} features, ${model.trees.length} trees of depth ≤ 6`);
  console.log(`XGBoost pred_contribs (nthread=2): median ${median(xgbTimes).toFixed(3)} s of ${format(xgbTimes)}`);
  console.log(`Patron TreeSHAP (2 workers):       median ${median(patronTimes).toFixed(3)} s of ${format(patronTimes)}`);
  console.log(JSON.stringify({ max_abs_diff_vs_xgboost: maxDiff, time_ratio: median(patronTimes) / median(xgbTimes) }));
} finally {
  python.kill();
  rmSync(dir, { recursive: true, force: true });
}
