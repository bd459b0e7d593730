/**
 * `npm run bench -- gbdt [--rows 100000,1000000] [--repeats 3]`: Patron's histogram GBDT
 * against XGBoost 1.7 hist (nthread = 2, through Debian's /usr/bin/python3) on the same seeded
 * synthetic binary data — 20 features, written once to temp files that both sides read — with
 * the same parameters: depth 6, learning rate 0.1, 100 rounds, 256 bins. Prints fit and
 * predict seconds (medians over repeats), ratios (Patron / XGBoost) and the holdout AUC
 * difference; the last line is {"fit_ratio_1m":…,"predict_ratio_1m":…,"auc_diff_1m":…}.
 * Fit CPU seconds (all threads) are printed too: on a machine shared with other work, wall
 * time measures the scheduler as much as the code, and OpenMP's spinning barriers suffer more
 * from lost cores than our sleeping ones.
 *
 * Data: x_j ~ N(0,1) for j < 12, U(0,1) for 12…15, integer 0…9 for 16…17, 10% missing for
 * 18…19 (N(0,1) otherwise); logit = 1.2 x0 − 0.9 x1 + 0.7 x2 x3 + sin(2 x4) + 0.8 [x12 > 0.7]
 * + 0.3 x16 − 1.2 + 0.5 x18 (missing x18 → +0.4); y ~ Bernoulli(σ(logit)). Values are
 * rounded to float32, which XGBoost uses internally, so both see identical numbers.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { matrix, type Matrix } from "../src/core/matrix.ts";
import { rng } from "../src/core/rng.ts";
import { rocAuc } from "../src/metrics/curves.ts";
import { gbdt } from "../src/models/tree/gbdt.ts";

const N_FEATURES = 20;
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const rowCounts = option("rows", "100000,1000000").split(",").map(Number);
const repeats = Number(option("repeats", "3"));

function generate(nRows: number, seed: number): { x: Matrix; y: Uint8Array } {
  const random = rng(seed);
  const data = new Float64Array(nRows * N_FEATURES);
  const y = new Uint8Array(nRows);
  const row = new Float64Array(N_FEATURES);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < N_FEATURES; j++) {
      let v: number;
      if (j >= 12 && j < 16) v = random.next();
      else if (j === 16 || j === 17) v = random.int(10);
      else if (j >= 18 && random.next() < 0.1) v = NaN;
      else v = random.normal();
      row[j] = Math.fround(v);
      data[j * nRows + i] = row[j];
    }
    const x18 = Number.isNaN(row[18]) ? 0.8 : row[18];
    const logit = 1.2 * row[0] - 0.9 * row[1] + 0.7 * row[2] * row[3] + Math.sin(2 * row[4]) +
      (row[12] > 0.7 ? 0.8 : 0) + 0.3 * row[16] - 1.2 + 0.5 * x18;
    y[i] = random.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { x: matrix(data, nRows, Array.from({ length: N_FEATURES }, (_, j) => `x${j}`)), y };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const dir = mkdtempSync(join(tmpdir(), "patron-gbdt-bench-"));
const results: Record<number, { fitRatio: number; predictRatio: number; aucDiff: number }> = {};
console.log(`machine: ${cpus()[0]?.model ?? "?"} × ${availableParallelism()}, node ${process.version}, load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
try {
  for (const nRows of rowCounts) {
    const train = generate(nRows, 1);
    const test = generate(nRows, 2);
    const prefix = join(dir, `n${nRows}`);
    for (const [part, set] of [["train", train], ["test", test]] as const) {
      writeFileSync(`${prefix}.${part}.f32`, new Float32Array(set.x.data));
      writeFileSync(`${prefix}.${part}.y`, set.y);
    }
    const reference = spawnSync(
      "/usr/bin/python3",
      [new URL("./reference/gbdt_xgboost.py", import.meta.url).pathname, prefix, String(nRows), String(nRows), String(N_FEATURES), String(repeats)],
      { encoding: "utf8", maxBuffer: 1 << 24 },
    );
    if (reference.status !== 0) throw new Error(`XGBoost reference failed:\n${reference.stderr}`);
    const xgb = JSON.parse(reference.stdout.trim().split("\n").pop()!);

    const estimator = gbdt({ maxDepth: 6, learningRate: 0.1, nEstimators: 100, maxBins: 256 });
    const yTrain = Float64Array.from(train.y);
    const fitS: number[] = [];
    const fitCpuS: number[] = [];
    const predictS: number[] = [];
    let auc = NaN;
    for (let r = 0; r < repeats; r++) {
      let start = performance.now();
      const cpu = process.cpuUsage();
      const model = estimator.fit(train.x, yTrain, { seed: 0 });
      fitS.push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpu);
      fitCpuS.push((used.user + used.system) / 1e6);
      start = performance.now();
      const p = model.predictProba(test.x);
      predictS.push((performance.now() - start) / 1000);
      auc = rocAuc(test.y, p);
    }
    const fitRatio = median(fitS) / median(xgb.fit_s);
    const predictRatio = median(predictS) / median(xgb.predict_s);
    const aucDiff = auc - xgb.auc;
    results[nRows] = { fitRatio, predictRatio, aucDiff };
    const fmt = (v: number) => v.toFixed(3);
    console.log(`rows ${nRows} × ${N_FEATURES}, depth 6, eta 0.1, 100 rounds, 256 bins (xgboost ${xgb.versions.xgboost}, nthread 2)`);
    console.log(`  fit      patron ${fmt(median(fitS))} s [${fitS.map(fmt).join(", ")}]  xgboost ${fmt(median(xgb.fit_s))} s [${xgb.fit_s.map(fmt).join(", ")}]  ratio ${fmt(fitRatio)}`);
    console.log(`  fit CPU  patron ${fmt(median(fitCpuS))} s  xgboost ${fmt(median(xgb.fit_cpu_s))} s  ratio ${fmt(median(fitCpuS) / median(xgb.fit_cpu_s))}`);
    console.log(`  predict  patron ${fmt(median(predictS))} s [${predictS.map(fmt).join(", ")}]  xgboost ${fmt(median(xgb.predict_s))} s [${xgb.predict_s.map(fmt).join(", ")}]  ratio ${fmt(predictRatio)}`);
    console.log(`  holdout AUC  patron ${auc.toFixed(5)}  xgboost ${xgb.auc.toFixed(5)}  diff ${aucDiff.toExponential(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const big = results[1_000_000];
console.log(JSON.stringify({
  fit_ratio_1m: big ? Number(big.fitRatio.toFixed(4)) : null,
  predict_ratio_1m: big ? Number(big.predictRatio.toFixed(4)) : null,
  auc_diff_1m: big ? Number(big.aucDiff.toExponential(3)) : null,
}));
