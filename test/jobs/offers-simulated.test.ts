/**
 * The proof that the discount engine works, on a shop whose truth is known: a simulated shop
 * (src/uplift/simulator.ts) written as IUM files and ingested through the ium preset's mapping —
 * the same path as the course data — then the offers job, judged by the simulator's oracle.
 *
 * `patron offers --simulate` runs 20,000 customers (learned policy ≥ 95 % of the oracle's exact
 * profit; measured 0.970, always-0 % 0.690, always-20 % 0.340). This test runs 3,000 customers to
 * stay fast, so each discount level has about 3,000 training sessions instead of 20,000, and its
 * tolerances are wider accordingly:
 * - the learned policy earns ≥ 90 % of the oracle policy's exact expected profit, and at least 15
 *   points of it more than the better of always-0 % and always-20 %;
 * - per discount level, the learned uplift ranking's uplift@30 % is within 0.06 of the true
 *   ranking's on the same sessions (about 2.5 bootstrap sd at this size);
 * - the job recommends the learned policy (its interval clears offering nothing), and the CLI's
 *   --json line carries exactly the contract's keys plus oracle_value.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { ensureSimulatedShop } from "../../src/jobs/offers/simulated-shop.ts";
import { IUM_LEVELS, runOffersJob } from "../../src/jobs/offers/offers-job.ts";
import { offersSection } from "../../src/report/offers-section.ts";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { lastJson, runPatron } from "../ingest/cli-helpers.ts";
import { tempDir } from "../helpers/stores.ts";
import { checkSection } from "./helpers/sections.ts";

test("simulated shop: the learned discount policy is close to the oracle and far above always-0 % and always-20 %", async () => {
  const work = tempDir();
  const db = join(work.dir, "shop.duckdb");
  const testStore = await openDuckDBStore(db);
  let closed = false;
  try {
    const { shop, dataset } = await ensureSimulatedShop(testStore, { customers: 3000, seed: 2, workDir: work.dir });
    const { result } = await runOffersJob(testStore, { dataset, shop, propensity: IUM_LEVELS.map(() => 0.2), nBootstrap: 100, seed: 1 });
    const oracle = result.oracle!;
    const exact = (name: string) => oracle.policies.find((p) => p.policy === name)!.ratio;
    const learned = exact(result.chosen.rule);
    console.log(`# 3,000 customers: learned ${learned.toFixed(3)} of the oracle, always-0 ${exact("always-0").toFixed(3)}, always-20 ${exact("always-20").toFixed(3)}`);
    assert.ok(learned >= 0.9, `learned policy at ${learned} of the oracle`);
    assert.ok(learned - Math.max(exact("always-0"), exact("always-20")) >= 0.15);
    for (const k of oracle.ranking) {
      console.log(`# ${k.level}% vs 0%: uplift@30 ${k.upliftAt30.toFixed(3)} (oracle ${k.oracleUpliftAt30.toFixed(3)})`);
      assert.ok(Math.abs(k.upliftAt30 - k.oracleUpliftAt30) <= 0.06, `${k.level}%: ${k.upliftAt30} vs ${k.oracleUpliftAt30}`);
    }
    assert.equal(result.decision.deployed, true);
    assert.equal(result.contract.policy, result.chosen.rule);
    assert.match(result.decision.verdict, /^Offer discounts by the /);
    assert.ok(result.chiSquare.pValue < 1e-6, "in this shop the discount does change buying");
    assert.equal(result.contract.oracle_value, oracle.value);
    const section = offersSection(result);
    await checkSection(section);
    assert.ok(section.html.includes("Against the simulator's oracle"));

    // The CLI on the same store: the shop is already ingested, so it is read, not simulated again.
    await testStore.close();
    closed = true;
    const run = await runPatron(["offers", "--simulate", "--customers", "3000", "--sim-seed", "2", "--bootstrap", "50", "--db", db, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const json = lastJson(run.stdout);
    assert.deepEqual(Object.keys(json), ["policy", "policy_value", "ci", "baselines", "offers_per_discount_sum", "oracle_value"]);
    assert.deepEqual(Object.keys(json.baselines as object), ["always_0", "always_20", "random"]);
    assert.ok((json.policy_value as number) > (json.baselines as { always_0: number }).always_0);
    const store = await openDuckDBStore(db);
    const [{ n }] = await store.query<{ n: number }>("SELECT count(*) AS n FROM ingests WHERE dataset = $1", [dataset]);
    await store.close();
    assert.equal(Number(n), 1, "ingested once");
  } finally {
    if (!closed) await testStore.close();
    work.cleanup();
  }
});
