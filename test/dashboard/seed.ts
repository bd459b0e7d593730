/**
 * Job outputs made by the jobs' own code for the dashboard and report tests. Live decisions: a running service (test/
 * serve/helpers.ts) gets the simulated shop's events, a trained discount policy is registered and
 * activated, then fresh sessions are decided through POST /v1/decide and some of them buy
 * afterwards through POST /v1/events. Returns what each decision said and which ones converted,
 * so a test can compute the expected counts itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ingest } from "../../src/data/ingest.ts";
import { parseMapping } from "../../src/data/mapping.ts";
import { getPreset } from "../../src/data/presets/index.ts";
import { ensureSimulatedShop } from "../../src/jobs/offers/simulated-shop.ts";
import { IUM_LEVELS, runOffersJob } from "../../src/jobs/offers/offers-job.ts";
import { saveOfferPolicy } from "../../src/jobs/offers/persist.ts";
import { runUpliftJob } from "../../src/jobs/uplift/hillstrom-job.ts";
import { newRunId, saveUpliftRun } from "../../src/jobs/uplift/persist.ts";
import { registerModel } from "../../src/serve/registry-store.ts";
import type { Store } from "../../src/store/store.ts";
import { DISCOUNT_LEVELS } from "../../src/uplift/simulator.ts";
import { trainDiscountModel, type SimFixture } from "../serve/fixtures.ts";
import type { Running } from "../serve/helpers.ts";

export interface LiveDecision {
  decisionId: string;
  customerId: string;
  sessionId: string;
  productId: string;
  offer: number | "none";
  holdout: boolean;
  /** A buy of the same product in the same session was posted after the decision. */
  converted: boolean;
}

async function ok(api: Running, method: string, path: string, body: unknown) {
  const r = await api.call(method, path, { body });
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${r.text}`);
  return r.body;
}

/**
 * Decides `nDecisions` fresh sessions of the fixture's customers; every third one then buys the
 * product it was offered, and every fifth (not converted) buys something else or bought before
 * the decision — neither may count as a conversion.
 */
export async function seedLiveDecisions(api: Running, fixture: SimFixture, nDecisions = 40): Promise<LiveDecision[]> {
  for (let start = 0; start < fixture.events.length; start += 1000) {
    await ok(api, "POST", "/v1/events", { events: fixture.events.slice(start, start + 1000) });
  }
  const model = trainDiscountModel(fixture);
  const entry = await registerModel(api.service.store, {
    purpose: "offers",
    model: model.toJSON(),
    config: { discounts: [...DISCOUNT_LEVELS], marginRate: 0.3 },
    metrics: { policy_value: 1 },
  });
  await ok(api, "POST", `/v1/models/${entry.modelId}/activate`, undefined);

  const customers = [...new Set(fixture.events.map((e) => String(e.customer_id)))];
  const products = fixture.shop.products.map((p) => String(p.product_id));
  const out: LiveDecision[] = [];
  for (let k = 0; k < nDecisions; k++) {
    const customerId = customers[k % customers.length];
    const sessionId = `live-${k}`;
    const productId = products[(k * 7) % products.length];
    const viewedAt = new Date(Date.now() - 1000).toISOString();
    await ok(api, "POST", "/v1/events", {
      events: [{ event_id: `live-${k}-view`, session_id: sessionId, customer_id: customerId, product_id: productId, event_type: "view", occurred_at: viewedAt, offered_discount: null }],
    });
    const decision = await ok(api, "POST", "/v1/decide", { customer_id: customerId, session_id: sessionId, product_id: productId });
    const converted = k % 3 === 0;
    if (converted) {
      await ok(api, "POST", "/v1/events", {
        events: [{ event_id: `live-${k}-buy`, session_id: sessionId, customer_id: customerId, product_id: productId, event_type: "buy", occurred_at: new Date().toISOString(), offered_discount: decision.offer === "none" ? 0 : decision.offer, purchase_id: `p-${k}` }],
      });
    } else if (k % 5 === 0) {
      // Another product after the decision, or this product a minute before it: not conversions.
      const other = k % 2 === 0;
      await ok(api, "POST", "/v1/events", {
        events: [{
          event_id: `live-${k}-buy`, session_id: sessionId, customer_id: customerId,
          product_id: other ? products[(k * 7 + 1) % products.length] : productId, event_type: "buy",
          occurred_at: new Date(other ? Date.now() : Date.now() - 60_000).toISOString(), offered_discount: 0, purchase_id: `p-${k}`,
        }],
      });
    }
    out.push({ decisionId: decision.decision_id, customerId, sessionId, productId, offer: decision.offer, holdout: decision.holdout, converted });
  }
  await api.service.decisionLog.flush();
  return out;
}

/**
 * The uplift job (src/jobs/uplift) on the first 4,000 rows of the bundled Hillstrom file —
 * ingested with the preset's own mapping under the dataset "hillstrom-sample" — with one
 * learner, 2 folds and small bootstraps, stored as `patron uplift` stores it.
 */
export async function seedUpliftSample(store: Store, workDir: string, rows = 4000): Promise<void> {
  const preset = getPreset("hillstrom");
  const lines = gunzipSync(readFileSync(join(preset.defaultPath, "hillstrom.csv.gz"))).toString("utf8").split("\n");
  const dir = join(workDir, "hillstrom-sample");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "hillstrom.csv"), `${lines.slice(0, rows + 1).join("\n")}\n`);
  await ingest(store, parseMapping({ ...preset.mapping, dataset: "hillstrom-sample" }, "the test's Hillstrom sample"), dir, { origin: "test:hillstrom-sample" });
  const output = await runUpliftJob(store, { dataset: "hillstrom-sample", candidates: ["t-gbdt"], nFolds: 2, nBootstrap: 20, nRandomSeeds: 20, nPolicyBootstrap: 20, seed: 3, nThreads: 1 });
  const now = Date.now();
  await saveUpliftRun(store, output, newRunId("uplift", now), now);
}

/** The offers job (src/jobs/offers) on a small simulated shop, stored as `patron offers --simulate` stores it. */
export async function seedOffersSimulated(store: Store, workDir: string, customers = 300): Promise<void> {
  const shop = await ensureSimulatedShop(store, { customers, seed: 2, workDir });
  const output = await runOffersJob(store, { dataset: shop.dataset, shop: shop.shop, propensity: IUM_LEVELS.map(() => 0.2), nBootstrap: 50, seed: 1 });
  await saveOfferPolicy(store, output, `offers-test-${Date.now()}`, Date.now());
}
