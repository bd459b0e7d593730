/**
 * The uplift job against scikit-learn / XGBoost on the same Hillstrom holdout
 * (scripts/reference/uplift_job_hillstrom.py → test/reference/uplift_job_hillstrom.json.gz):
 * - the holdout is the same customers (row number ≡ 0, 1, 2 mod 10, per comparison);
 * - Patron's metrics on the reference's best learner's stored scores equal the reference's
 *   port of scikit-uplift to 1e-12 (the same definitions; only summation order may differ);
 * - the noise figures agree in distribution: the random-score band's mean (200 seeds on each
 *   side; different generators) within 4 standard errors, the bootstrap sd of uplift@30 % within
 *   25 % (the Monte Carlo error of an sd from 200 resamples is about 5 %).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { isHoldoutRow } from "../../src/features/hillstrom.ts";
import { upliftAt30 } from "../../src/jobs/uplift/evaluate.ts";
import { upliftAtK } from "../../src/metrics/uplift-at-k.ts";
import { qiniAucScore, upliftAucScore } from "../../src/metrics/uplift-curves.ts";
import { bootstrapUpliftMetric, randomScoreBand } from "../../src/metrics/uplift-uncertainty.ts";
import { loadHillstrom } from "../uplift/helpers/hillstrom.ts";

const reference = JSON.parse(gunzipSync(readFileSync(new URL("../reference/uplift_job_hillstrom.json.gz", import.meta.url))).toString("utf8"));
const hillstrom = loadHillstrom();

for (const comparison of reference.comparisons) {
  test(`${comparison.arm} vs No E-Mail: same holdout, same metrics as the scikit-learn reference`, () => {
    const rows = hillstrom.segment.map((_, i) => i).filter((i) => isHoldoutRow(i) && (hillstrom.segment[i] === comparison.arm || hillstrom.segment[i] === "No E-Mail"));
    assert.deepEqual(rows, comparison.holdout_rows);
    const y = Float64Array.from(rows, (i) => hillstrom.visit[i]);
    const t = Float64Array.from(rows, (i) => (hillstrom.segment[i] === comparison.arm ? 1 : 0));
    const u = Float64Array.from(comparison.best_scores as number[]);
    const m = comparison.best_scores_metrics;
    assert.ok(Math.abs(upliftAtK(y, u, t, { k: 0.3 }) - m.uplift_at_30) < 1e-12);
    assert.ok(Math.abs(upliftAtK(y, u, t, { k: 0.3, strategy: "by_group" }) - m.uplift_at_30_by_group) < 1e-12);
    assert.ok(Math.abs(qiniAucScore(y, u, t) - m.qini_auc) < 1e-12);
    assert.ok(Math.abs(upliftAucScore(y, u, t) - m.uplift_auc) < 1e-12);
    const rate = (arm: number) => y.filter((_, r) => t[r] === arm).reduce((a, b) => a + b, 0) / t.filter((v) => v === arm).length;
    assert.ok(Math.abs(rate(1) - rate(0) - comparison.ate_holdout) < 1e-12);

    const band = randomScoreBand(upliftAt30, y, t, { nSeeds: 200, seed: 1 });
    const ref = comparison.random_uplift_at_30;
    const se = Math.hypot(band.sd, ref.sd) / Math.sqrt(200);
    assert.ok(Math.abs(band.mean - ref.mean) < 4 * se, `random band mean ${band.mean} vs ${ref.mean}`);
    const spread = bootstrapUpliftMetric(upliftAt30, y, u, t, { nBootstrap: 200, seed: 1 });
    const refSd = comparison.best_uplift_at_30_bootstrap_sd;
    assert.ok(Math.abs(spread.sd - refSd) < 0.25 * refSd, `bootstrap sd ${spread.sd} vs ${refSd}`);
  });
}
