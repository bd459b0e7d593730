/**
 * `patron retrain`: trains a challenger offers policy from the service's decision log and the
 * reported outcomes, evaluates it against the active champion offline (self-normalised IPW with
 * the logged propensities, 95 % paired-bootstrap interval), registers it as a new version with
 * its metrics and training range, and activates it only when it is better by the stated margin.
 * A running service picks up a promoted model within its refresh period (or at once over NATS
 * with roles). See src/loop/retrain.ts.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { action } from "../run-command.ts";

interface RetrainCliOptions {
  db: string;
  dataset: string;
  from?: string;
  to?: string;
  evalShare: string;
  minImprovement: string;
  minDecisions: string;
  minSupport: string;
  bootstrap: string;
  seed: string;
  learner: string;
  discounts?: string;
  marginRate?: string;
  dryRun?: boolean;
  json?: boolean;
}

function number(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new PatronError("E_OPTION", `${flag} must be a number; found ${JSON.stringify(value)}.`);
  return parsed;
}

function time(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new PatronError("E_OPTION", `${flag} must be an ISO date or time such as 2024-05-01; found ${JSON.stringify(value)}.`);
  return new Date(value).toISOString();
}

export function register(program: Command): void {
  program
    .command("retrain")
    .description("Train a challenger offers policy from logged decisions and outcomes; promote it only if it beats the champion offline by the margin")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--dataset <name>", "dataset of the logged decisions", "ium")
    .option("--from <time>", "use decisions from this time (ISO)")
    .option("--to <time>", "use decisions before this time (ISO)")
    .option("--eval-share <share>", "newest share of decisions held out for the offline evaluation", "0.3")
    .option("--min-improvement <fraction>", "the challenger's gain must exceed this fraction of the champion's value with 95 % confidence", "0.02")
    .option("--min-decisions <n>", "fewest logged decisions to retrain on", "500")
    .option("--min-support <share>", "fewest evaluation decisions (share) where the challenger's arm had a logging chance", "0.95")
    .option("--bootstrap <n>", "bootstrap resamples for the intervals", "1000")
    .option("--seed <n>", "seed of the fit and the bootstrap", "0")
    .option("--learner <name>", "champion (its recipe), t-learner or s-learner", "champion")
    .option("--discounts <list>", "discount levels in percent, control first, when no offers model is active (e.g. 0,5,10,15,20)")
    .option("--margin-rate <rate>", "gross margin as a fraction of the price, when no offers model is active", undefined)
    .option("--dry-run", "evaluate and register, but never activate")
    .option("--json", "print the result as one JSON object on the last line")
    .action(
      action(async (options: RetrainCliOptions) => {
        const [{ openStore }, { migrate }, { retrain }] = await Promise.all([
          import("../../store/open.ts"), import("../../serve/migrations.ts"), import("../../loop/retrain.ts"),
        ]);
        const config = options.discounts !== undefined || options.marginRate !== undefined
          ? {
            discounts: (options.discounts ?? "").split(",").filter((s) => s.trim() !== "").map((s) => number(s, "--discounts")),
            marginRate: options.marginRate === undefined ? undefined : number(options.marginRate, "--margin-rate"),
          }
          : undefined;
        const store = await openStore(options.db);
        try {
          await migrate(store);
          const result = await retrain(store, {
            dataset: options.dataset,
            from: time(options.from, "--from"),
            to: time(options.to, "--to"),
            config,
            dryRun: Boolean(options.dryRun),
            options: {
              evalShare: number(options.evalShare, "--eval-share"),
              minImprovement: number(options.minImprovement, "--min-improvement"),
              minDecisions: number(options.minDecisions, "--min-decisions"),
              minSupport: number(options.minSupport, "--min-support"),
              nBootstrap: number(options.bootstrap, "--bootstrap"),
              seed: number(options.seed, "--seed"),
              learner: options.learner as "champion",
            },
          });
          const e = result.evaluation;
          const money = (v: number) => v.toFixed(4);
          if (!options.json) {
            process.stdout.write(
              `champion ${result.champion}: ${money(e.champion.snipw)} profit per decision (95 % ${money(e.champion.snipwCi[0])} – ${money(e.champion.snipwCi[1])})\n` +
              `challenger offers:v${result.challenger.version}: ${money(e.challenger.snipw)} (95 % ${money(e.challenger.snipwCi[0])} – ${money(e.challenger.snipwCi[1])}), ` +
              `trained on ${result.trainingRange.decisions} decisions, evaluated on ${e.rows}; recipe ${result.recipe}\n${result.reason}\n`,
            );
          }
          return {
            champion: result.champion,
            challenger: { model_id: result.challenger.modelId, version: result.challenger.version, active: result.challenger.active },
            promoted: result.promoted,
            reason: result.reason,
            evaluation: e,
            training_range: result.trainingRange,
          };
        } finally {
          await store.close();
        }
      }),
    );
}
