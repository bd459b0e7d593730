/**
 * `patron offers`: the smallest sufficient discount (the IUM seed). On the bundled IUM logs
 * (ingested first when the store lacks them) or, with --simulate, on a simulated shop of
 * 20,000 customers with a known response to discounts (written in the IUM format and ingested
 * through the same preset, under a dataset name of its own): learn, evaluate every policy
 * offline, and say plainly whether any discount is worth offering (src/jobs/offers/).
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import type { Progress } from "../../core/progress.ts";
import type { OffersJobOutput } from "../../jobs/offers/offers-job.ts";
import type { Store } from "../../store/store.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";
import type { MainStep } from "./main.ts";

interface OffersCliOptions {
  preset: string;
  simulate?: boolean;
  customers: string;
  simSeed: string;
  db: string;
  margin: string;
  threshold: string;
  seed: string;
  bootstrap: string;
  register: boolean;
  json?: boolean;
}

function numberOption(name: string, text: string, check: (v: number) => boolean, expected: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new PatronError("E_USAGE", `--${name} must be ${expected}; found "${text}".`);
  return value;
}

const f4 = (v: number | null) => (v === null || !Number.isFinite(v) ? "–" : v.toFixed(4));

function printOffers(out: OffersJobOutput, policyId: string): void {
  const r = out.result;
  const w = (s: string) => process.stdout.write(s);
  w(`\nOffers on ${r.dataset}${r.simulated ? " (simulated shop)" : ""}, ${r.nSessions.toLocaleString("en-US")} sessions; margin ${(100 * r.marginRate).toFixed(0)} % of the price; policy ${policyId}\n`);
  w(`purchase rate by discount (χ² = ${r.chiSquare.statistic.toFixed(2)}, df ${r.chiSquare.dof}, p = ${r.chiSquare.pValue.toFixed(3)}):\n`);
  printTable(r.purchaseRates.map((l) => ({ discount: `${l.level}%`, sessions: l.sessions, bought: l.bought, rate: l.rate, "95% CI": `${f4(l.ci[0])} … ${f4(l.ci[1])}` })));
  w(`\nsessions by time: ${r.split.nTrain.toLocaleString("en-US")} to fit, ${r.split.nValidation.toLocaleString("en-US")} to validate, ${r.split.nTest.toLocaleString("en-US")} to test (from ${new Date(r.split.testFromMs).toISOString().slice(0, 10)})\n`);
  w(`chosen on validation: ${r.chosen.label}, rule ${r.chosen.rule}; purchase-prediction ROC-AUC on test ${r.rocAuc.toFixed(3)}\n\n`);
  printTable(r.policies.map((p) => ({
    policy: p.policy, "profit/session": p.value, "95% CI": `${f4(p.ci[0])} … ${f4(p.ci[1])}`,
    "vs offering nothing": p.versusNothing ? `${f4(p.versusNothing.difference)} [${f4(p.versusNothing.ci[0])}, ${f4(p.versusNothing.ci[1])}]` : "",
    "purchase rate": p.purchaseRate, offers: Math.round(p.offers), "offers/Σdiscount": p.offersPerDiscountSum ?? "–",
  })));
  if (r.oracle) {
    w(`\nagainst the simulator's oracle (exact expected profit per test session; oracle ${f4(r.oracle.value)}):\n`);
    printTable(r.oracle.policies.map((p) => ({ policy: p.policy, "exact profit/session": p.value, "share of oracle": p.ratio })));
    printTable(r.oracle.ranking.map((k) => ({ discount: `${k.level}% vs 0%`, "uplift@30": k.upliftAt30, "oracle uplift@30": k.oracleUpliftAt30, Qini: k.qiniAuc, "oracle Qini": k.oracleQiniAuc })));
  }
  w(`\nverdict: ${r.decision.verdict}\n`);
}

/**
 * Stores an evaluation (offer_policies) and registers its model and policy config as an "offers"
 * model of the service's registry — active only when the policy clears offering nothing on real
 * data; a simulated shop's policy, or one without evidence, is kept inactive (the service then
 * keeps its safe default, no offer).
 */
export async function publishOffersRun(store: Store, output: OffersJobOutput, options: { register?: boolean } = {}): Promise<string> {
  const [{ saveOfferPolicy }, { newRunId }] = await Promise.all([import("../../jobs/offers/persist.ts"), import("../../jobs/uplift/persist.ts")]);
  const createdMs = Date.now();
  const policyId = newRunId("offers", createdMs);
  await saveOfferPolicy(store, output, policyId, createdMs);
  if (options.register !== false) {
    const [{ migrate }, { registerModel }] = await Promise.all([import("../../serve/migrations.ts"), import("../../serve/registry-store.ts")]);
    await migrate(store);
    const r = output.result;
    const activate = r.decision.deployed && !r.simulated;
    await registerModel(store, {
      purpose: "offers",
      model: output.model.toJSON(),
      config: output.config,
      metrics: { ...r.contract, roc_auc: r.rocAuc, chi_square_p: r.chiSquare.pValue, policy_id: policyId },
      trainingRange: { dataset: r.dataset, sessions: r.split.nTrain + r.split.nValidation, test_from: new Date(r.split.testFromMs).toISOString() },
      description: activate
        ? `${r.chosen.rule} on ${r.chosen.learner}: clears offering nothing on the test sessions`
        : `not activated — ${r.simulated ? "learned on a simulated shop" : "no evidence that a discount pays; the service keeps offering nothing"} (${r.chosen.rule} on ${r.chosen.learner})`,
      activate,
    });
  }
  return policyId;
}

/** Runs the job against an open store (ingesting IUM or the simulated shop when missing), then publishes it; shared with `patron main`. */
export async function runOffersCommand(
  store: Store,
  options: { simulate?: boolean; customers?: number; simSeed?: number; marginRate?: number; threshold?: number; seed?: number; nBootstrap?: number; register?: boolean; progress?: Progress },
): Promise<{ output: OffersJobOutput; policyId: string }> {
  const [{ ensureDataset }, { runOffersJob, IUM_LEVELS }, { tmpdir }] = await Promise.all([
    import("../../data/ensure.ts"),
    import("../../jobs/offers/offers-job.ts"),
    import("node:os"),
  ]);
  let dataset = "ium";
  let shop;
  let propensity: number[] | undefined;
  if (options.simulate) {
    const { ensureSimulatedShop } = await import("../../jobs/offers/simulated-shop.ts");
    const sim = await ensureSimulatedShop(store, { customers: options.customers ?? 20000, seed: options.simSeed ?? 1, workDir: tmpdir(), progress: options.progress });
    dataset = sim.dataset;
    shop = sim.shop;
    // The simulator randomises the discount uniformly: the design's propensities are known.
    propensity = IUM_LEVELS.map(() => 1 / IUM_LEVELS.length);
  } else {
    await ensureDataset(store, "ium", { progress: options.progress });
  }
  const output = await runOffersJob(store, {
    dataset, shop, propensity, marginRate: options.marginRate, threshold: options.threshold, seed: options.seed, nBootstrap: options.nBootstrap, progress: options.progress,
  });
  return { output, policyId: await publishOffersRun(store, output, options) };
}

export const offersMainStep: MainStep = {
  name: "offers ium",
  async run({ store, progress }) {
    const { output, policyId } = await runOffersCommand(store, { progress });
    const c = output.result.contract;
    return { run: policyId, policy: c.policy, policy_value: Number(c.policy_value.toFixed(4)), always_20: Number(c.baselines.always_20.toFixed(4)) };
  },
};

export function register(program: Command): void {
  program
    .command("offers")
    .description("The smallest sufficient discount: learn who a discount persuades, evaluate the policies offline (IPW with intervals) and say whether any discount pays")
    .option("--preset <name>", "the event logs (only ium is bundled)", "ium")
    .option("--simulate", "use a simulated shop with a known discount response instead (judged against its oracle)")
    .option("--customers <n>", "with --simulate: customers in the shop", "20000")
    .option("--sim-seed <n>", "with --simulate: the shop's seed", "1")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--margin <fraction>", "gross margin as a fraction of the price, before any discount", "0.3")
    .option("--threshold <p>", "the smallest-sufficient rule's purchase probability", "0.5")
    .option("--seed <n>", "random seed (models and bootstrap)", "0")
    .option("--bootstrap <n>", "bootstrap resamples for the intervals", "1000")
    .option("--no-register", "do not register the policy in the service's model registry")
    .option("--json", "print {policy, policy_value, ci, baselines, offers_per_discount_sum[, oracle_value]} as the last line")
    .action(
      action(async (options: OffersCliOptions) => {
        if (options.preset !== "ium") throw new PatronError("E_USAGE", `--preset must be ium (the bundled logs with randomised discounts); found "${options.preset}".`);
        const customers = numberOption("customers", options.customers, (v) => Number.isInteger(v) && v >= 100, "a whole number ≥ 100");
        const simSeed = numberOption("sim-seed", options.simSeed, (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
        const marginRate = numberOption("margin", options.margin, (v) => v > 0 && v <= 1, "a fraction in (0, 1]");
        const threshold = numberOption("threshold", options.threshold, (v) => v >= 0 && v <= 1, "a probability in [0, 1]");
        const seed = numberOption("seed", options.seed, (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
        const nBootstrap = numberOption("bootstrap", options.bootstrap, (v) => Number.isInteger(v) && v >= 10, "a whole number ≥ 10");
        const [{ openStore }, { terminalProgress }] = await Promise.all([import("../../store/open.ts"), import("../progress-bar.ts")]);
        const store = await openStore(options.db);
        try {
          const { output, policyId } = await runOffersCommand(store, {
            simulate: options.simulate, customers, simSeed, marginRate, threshold, seed, nBootstrap, register: options.register, progress: terminalProgress(),
          });
          if (!options.json) printOffers(output, policyId);
          return output.result.contract;
        } finally {
          await store.close();
        }
      }),
    );
}
