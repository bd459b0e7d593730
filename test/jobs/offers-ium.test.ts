/**
 * The offers job on the real IUM logs, against an independent pandas / SciPy / XGBoost
 * computation (scripts/reference/offers_ium.py → test/reference/offers_ium.json.gz):
 * - the SQL session table equals the pandas one, session by session and feature by feature;
 * - purchase rates per discount and the χ² test equal SciPy's (to 1e-9: the same counts, the same
 *   formula; only the incomplete gamma function is ours);
 * - the job finds no discount worth offering and says so: the recommended policy is always-0,
 *   the verdict starts "Offer nothing", the purchase-prediction ROC-AUC is at chance like
 *   XGBoost's on the same split (within 0.05: different models on 6,286 test sessions, whose
 *   AUC sd is about 0.008);
 * - the evaluation is stored (its report section renders), and registered for the service
 *   inactive — which still builds as a /v1/decide policy.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { publishOffersRun } from "../../src/cli/commands/offers.ts";
import { ensureDataset } from "../../src/data/ensure.ts";
import { sessionRows, SESSION_FEATURE_COLUMNS } from "../../src/features/sessions.ts";
import { chiSquareIndependence, gammaQ } from "../../src/jobs/offers/chi-square.ts";
import { IUM_LEVELS, runOffersJob } from "../../src/jobs/offers/offers-job.ts";
import { latestOfferPolicy } from "../../src/jobs/offers/persist.ts";
import { offersSection } from "../../src/report/offers-section.ts";
import { discountPolicy } from "../../src/serve/policy.ts";
import { listModels, getEntry } from "../../src/serve/registry-store.ts";
import { duckdbTestStore } from "../helpers/stores.ts";
import { checkSection } from "./helpers/sections.ts";

const reference = JSON.parse(gunzipSync(readFileSync(new URL("../reference/offers_ium.json.gz", import.meta.url))).toString("utf8"));

test("χ² survival function: closed forms for even degrees of freedom", () => {
  // Q(k/2, x/2) for k = 2 is e^{−x/2}; for k = 4 it is e^{−x/2}(1 + x/2).
  for (const x of [0.1, 1, 4.3, 12, 40]) {
    assert.ok(Math.abs(gammaQ(1, x / 2) - Math.exp(-x / 2)) < 1e-14);
    assert.ok(Math.abs(gammaQ(2, x / 2) - Math.exp(-x / 2) * (1 + x / 2)) < 1e-14);
  }
  assert.equal(gammaQ(2, 0), 1);
  assert.throws(() => chiSquareIndependence([1, 2, 3], 1, 3), { code: "E_SHAPE" });
});

test("IUM: the session table equals pandas', the facts equal SciPy's, and the verdict is to offer nothing", async () => {
  const ts = await duckdbTestStore();
  try {
    await ensureDataset(ts.store, "ium");
    const rows = await sessionRows(ts.store, "ium", IUM_LEVELS);
    const s = reference.sessions;
    assert.equal(rows.sessionId.length, reference.n_sessions);
    assert.deepEqual(rows.sessionId, s.session_id);
    assert.deepEqual(Array.from(rows.discount), s.discount);
    assert.deepEqual(Array.from(rows.bought), s.bought);
    for (const [j, name] of SESSION_FEATURE_COLUMNS.entries()) {
      assert.deepEqual(Array.from(rows.features.data.subarray(j * rows.features.nRows, (j + 1) * rows.features.nRows)), s[name], name);
    }

    const { result, model, config } = await runOffersJob(ts.store, { dataset: "ium", nBootstrap: 200, seed: 1 });
    result.purchaseRates.forEach((r, k) => {
      assert.equal(r.sessions, reference.rates[k].sessions);
      assert.equal(r.bought, reference.rates[k].bought);
    });
    assert.ok(Math.abs(result.chiSquare.statistic - reference.chi_square.statistic) < 1e-9);
    assert.ok(Math.abs(result.chiSquare.pValue - reference.chi_square.p_value) < 1e-9);
    assert.equal(result.chiSquare.dof, reference.chi_square.dof);
    assert.equal(result.split.nTrain + result.split.nValidation, reference.split.n_learn);
    assert.equal(result.split.nTest, reference.split.n_test);

    assert.ok(Math.abs(result.rocAuc - 0.5) < 0.05, `ROC-AUC ${result.rocAuc}`);
    assert.ok(Math.abs(result.rocAuc - reference.roc_auc.xgboost) < 0.05, `ROC-AUC ${result.rocAuc} vs XGBoost ${reference.roc_auc.xgboost}`);
    assert.equal(result.decision.deployed, false);
    assert.equal(result.contract.policy, "always-0");
    assert.match(result.decision.verdict, /^Offer nothing\. /);
    assert.match(result.decision.verdict, /pays for itself at a 30\.0 % margin only if it adds \+14\.\d pp/);
    const c = result.contract;
    assert.deepEqual(Object.keys(c), ["policy", "policy_value", "ci", "baselines", "offers_per_discount_sum"]);
    assert.equal(c.policy_value, c.baselines.always_0);
    assert.ok(c.ci[0] < c.policy_value && c.policy_value < c.ci[1]);
    assert.ok(c.baselines.always_20 < c.baselines.random && c.baselines.random < c.baselines.always_0, "every discount costs money here");
    assert.equal(c.offers_per_discount_sum, null, "offering nothing has no offers to divide");
    // The largest discount lowers profit and its interval says so.
    const always20 = result.policies.find((p) => p.policy === "always-20")!;
    assert.ok(always20.versusNothing!.ci[1] < 0);
    assert.equal(always20.offersPerDiscountSum, 1 / 20);

    // Stored and registered, inactive; the registry entry builds as the service's discount policy.
    const policyId = await publishOffersRun(ts.store, { result, model, config });
    const stored = await latestOfferPolicy(ts.store);
    assert.equal(stored?.policyId, policyId);
    const section = offersSection(stored!.result);
    await checkSection(section);
    assert.ok(section.html.includes("<b>Verdict.</b> Offer nothing."));
    const [entry] = await listModels(ts.store, "offers");
    assert.equal(entry.active, false);
    assert.match(entry.description ?? "", /not activated — no evidence that a discount pays/);
    const full = await getEntry(ts.store, entry.modelId);
    const policy = await discountPolicy("offers:v1", full!.model, full!.config);
    assert.deepEqual([...policy.discounts], IUM_LEVELS);
  } finally {
    await ts.cleanup();
  }
});
