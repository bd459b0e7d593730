/**
 * `patron uplift`: whom is a campaign worth sending to? Runs the uplift job on Hillstrom's e-mail
 * experiment (src/jobs/uplift/hillstrom-job.ts) — ingesting the bundled copy first when the
 * store lacks it — stores the run and every customer's score, registers the Womens E-Mail model
 * for the service's /v1/score, and optionally saves it as a model file.
 *
 * `patron uplift score --model M --input FILE.csv --output FILE.csv` scores a customer file with
 * a saved model: uplift, customer type and decision columns added, the file checked against the
 * model's inputs first (line, column and reason for every problem).
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import type { UpliftJobOutput } from "../../jobs/uplift/hillstrom-job.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";
import type { MainStep } from "./main.ts";

interface UpliftCliOptions {
  preset: string;
  db: string;
  target: string;
  folds: string;
  seed: string;
  costPerContact: string;
  marginPerConversion: string;
  bootstrap: string;
  saveModel?: string;
  register: boolean;
  json?: boolean;
}

interface ScoreCliOptions {
  model: string;
  input: string;
  output: string;
  json?: boolean;
}

function numberOption(name: string, text: string, check: (v: number) => boolean, expected: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || !check(value)) throw new PatronError("E_USAGE", `--${name} must be ${expected}; found "${text}".`);
  return value;
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "–");

function printRun(out: UpliftJobOutput, runId: string): void {
  const r = out.result;
  const w = (s: string) => process.stdout.write(s);
  w(`\nUplift on ${r.dataset} (target ${r.target}), run ${runId}. Holdout: ${r.holdoutRule}.\n`);
  for (const c of r.comparisons) {
    const h = c.holdout;
    w(`\n== ${c.arm} vs ${c.control}: ${c.nTrain.toLocaleString("en-US")} training rows, ${h.nRows.toLocaleString("en-US")} holdout rows, average effect ${f4(h.ate)}\n`);
    w(`learner chosen by ${c.selection.nFolds}-fold cross-validation on the training rows: ${c.chosen.name} (${c.chosen.label})\n`);
    printTable(c.selection.candidates.map((s) => ({
      learner: s.name, "cv uplift@30": s.upliftAt30.mean, "± sd": s.upliftAt30.sd, "cv Qini AUC": s.qiniAuc.mean, "± sd ": s.qiniAuc.sd,
      "holdout uplift@30": c.learnersOnHoldout.find((l) => l.name === s.name)?.upliftAt30 ?? NaN,
      "holdout Qini": c.learnersOnHoldout.find((l) => l.name === s.name)?.qiniAuc ?? NaN,
    })));
    w(`holdout, chosen learner (bootstrap sd; random scores over 200 seeds: mean / 97.5 %):\n`);
    printTable([
      ["uplift@30%", h.upliftAt30], ["uplift@30% by group", h.upliftAt30ByGroup], ["Qini AUC", h.qiniAuc], ["uplift AUC", h.upliftAuc],
    ].map(([name, f]) => {
      const fig = f as typeof h.qiniAuc;
      return { metric: name as string, value: fig.value, sd: fig.sd, "random mean": fig.random.mean, "random 97.5%": fig.random.p975 };
    }));
    const e = c.economics;
    w(`economics (cost ${e.config.costPerContact}/contact, margin ${e.config.marginPerConversion}/conversion, ${e.config.populationSize.toLocaleString("en-US")} customers): ` +
      `best ${e.best.percent}% → profit ${e.best.profit.toFixed(0)}; everybody ${e.everybody.profit.toFixed(0)}; nobody 0\n`);
    w(`customer types (θ = ${c.types.threshold.toFixed(4)}): ${Object.entries(c.types.counts).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ")}\n`);
    if (c.explanation) w(`uplift drivers (mean |SHAP|, ${c.explanation.explained}): ${c.explanation.features.slice(0, 4).map((f) => `${f.feature} ${f.meanAbs.toFixed(4)}`).join(", ")}\n`);
  }
  const p = r.policy;
  w(`\n== which e-mail, or none (IPW on the ${p.nRows.toLocaleString("en-US")} holdout customers, SNIPW with 95 % bootstrap interval)\n`);
  printTable(p.rows.map((row) => ({
    policy: row.policy, "profit/customer": row.profit.value, "95% CI": `${f4(row.profit.ci[0])} … ${f4(row.profit.ci[1])}`,
    "conversion/customer": row.conversion.value, shares: row.armShares.map((s) => s.toFixed(2)).join("/"),
  })));
  const v = p.versusBestSingle;
  w(`learned policy − ${v.baseline}: ${f4(v.difference)} per customer (95 % CI ${f4(v.ci[0])} … ${f4(v.ci[1])}; better in ${(100 * v.probabilityBetter).toFixed(0)} % of resamples)\n`);
}

/**
 * Stores a run (uplift_runs, uplift_scores), registers its Womens E-Mail model as the active
 * "uplift" model of the service's registry (for /v1/score) and, when asked, saves the model file
 * `patron uplift score` reads.
 */
export async function publishUpliftRun(
  store: import("../../store/store.ts").Store, output: UpliftJobOutput, options: { saveModel?: string; register?: boolean } = {},
): Promise<string> {
  const [{ HILLSTROM_SCORER_INPUTS }, { saveUpliftRun, newRunId }, { scorerFile }] = await Promise.all([
    import("../../jobs/uplift/hillstrom-job.ts"),
    import("../../jobs/uplift/persist.ts"),
    import("../../jobs/uplift/scorer.ts"),
  ]);
  const createdMs = Date.now();
  const runId = newRunId("uplift", createdMs);
  await saveUpliftRun(store, output, runId, createdMs);
  const r = output.result;
  const womens = r.comparisons[0];
  const config = { typeThreshold: womens.types.threshold, ...r.economicsConfig };
  // The scorer file (inputs + config + model): what `uplift score` reads and /v1/score accepts as a registry model.
  const file = scorerFile(output.model, HILLSTROM_SCORER_INPUTS, config, { dataset: r.dataset, target: r.target, createdAt: new Date(createdMs).toISOString() });
  if (options.register !== false) {
    const [{ migrate }, { registerModel }] = await Promise.all([import("../../serve/migrations.ts"), import("../../serve/registry-store.ts")]);
    await migrate(store);
    await registerModel(store, {
      purpose: "uplift",
      model: file,
      config,
      metrics: { ...r.summary, uplift_at_30_sd: womens.holdout.upliftAt30.sd, qini_auc_sd: womens.holdout.qiniAuc.sd, run_id: runId },
      trainingRange: { dataset: r.dataset, rows: womens.nTrain, holdout: r.holdoutRule },
      description: `${womens.arm} vs ${womens.control}, target ${r.target}: ${womens.chosen.label} (chosen by cross-validation)`,
      activate: true,
    });
  }
  if (options.saveModel) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(options.saveModel, `${JSON.stringify(file)}\n`);
  }
  return runId;
}

/** Runs the job against an open store (ingesting Hillstrom when missing), then publishes it; shared with `patron main`. */
export async function runUpliftCommand(
  store: import("../../store/store.ts").Store,
  options: { target?: "visit" | "conversion"; nFolds?: number; seed?: number; economics?: { costPerContact: number; marginPerConversion: number }; nBootstrap?: number; saveModel?: string; register?: boolean; progress?: import("../../core/progress.ts").Progress },
): Promise<{ output: UpliftJobOutput; runId: string }> {
  const [{ ensureDataset }, { runUpliftJob }] = await Promise.all([import("../../data/ensure.ts"), import("../../jobs/uplift/hillstrom-job.ts")]);
  await ensureDataset(store, "hillstrom", { progress: options.progress });
  const output = await runUpliftJob(store, {
    target: options.target, nFolds: options.nFolds, seed: options.seed, economics: options.economics, nBootstrap: options.nBootstrap, progress: options.progress,
  });
  const runId = await publishUpliftRun(store, output, options);
  return { output, runId };
}

/** `patron main`'s step. */
export const upliftMainStep: MainStep = {
  name: "uplift hillstrom",
  async run({ store, progress }) {
    const { output, runId } = await runUpliftCommand(store, { progress });
    const s = output.result.summary;
    return { run: runId, best_learner: s.best_learner, uplift_at_30: Number(s.uplift_at_30.toFixed(4)), qini_auc: Number(s.qini_auc.toFixed(4)) };
  },
};

export function register(program: Command): void {
  const uplift = program
    .command("uplift")
    .description("Uplift targeting on an experiment (Hillstrom's e-mails): learner chosen by cross-validation, holdout metrics with their noise, economics, customer types, which e-mail to send")
    .option("--preset <name>", "the experiment (only hillstrom is bundled)", "hillstrom")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--target <metric>", "outcome: visit or conversion", "visit")
    .option("--folds <n>", "cross-validation folds on the training rows", "5")
    .option("--seed <n>", "random seed", "0")
    .option("--cost-per-contact <money>", "cost of one contact", "0.1")
    .option("--margin-per-conversion <money>", "margin earned per conversion of the target", "2.5")
    .option("--bootstrap <n>", "bootstrap resamples for the sd of each figure", "200")
    .option("--save-model <file>", "also write the Womens E-Mail model to this file (for `patron uplift score`)")
    .option("--no-register", "do not register the model in the service's model registry")
    .option("--json", "print {uplift_at_30, qini_auc, uplift_auc, best_learner} as the last line")
    .action(
      action(async (options: UpliftCliOptions) => {
        if (options.preset !== "hillstrom") {
          throw new PatronError("E_USAGE", `--preset must be hillstrom (the bundled experiment with randomised arms); found "${options.preset}".`);
        }
        if (options.target !== "visit" && options.target !== "conversion") {
          throw new PatronError("E_USAGE", `--target must be visit or conversion; found "${options.target}".`);
        }
        const nFolds = numberOption("folds", options.folds, (v) => Number.isInteger(v) && v >= 2 && v <= 20, "a whole number from 2 to 20");
        const seed = numberOption("seed", options.seed, (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
        const nBootstrap = numberOption("bootstrap", options.bootstrap, (v) => Number.isInteger(v) && v >= 10, "a whole number ≥ 10");
        const economics = {
          costPerContact: numberOption("cost-per-contact", options.costPerContact, (v) => v >= 0, "a number ≥ 0"),
          marginPerConversion: numberOption("margin-per-conversion", options.marginPerConversion, (v) => v >= 0, "a number ≥ 0"),
        };
        const [{ openStore }, { terminalProgress }] = await Promise.all([import("../../store/open.ts"), import("../progress-bar.ts")]);
        const store = await openStore(options.db);
        try {
          const { output, runId } = await runUpliftCommand(store, {
            target: options.target, nFolds, seed, economics, nBootstrap, saveModel: options.saveModel, register: options.register, progress: terminalProgress(),
          });
          if (!options.json) {
            printRun(output, runId);
            if (options.saveModel) process.stdout.write(`\nmodel saved to ${options.saveModel}; score a file with: patron uplift score --model ${options.saveModel} --input FILE.csv --output scored.csv\n`);
          }
          return { ...output.result.summary };
        } finally {
          await store.close();
        }
      }),
    );

  uplift
    .command("score")
    .description("Score a customer CSV with a saved uplift model: adds p_control, p_treated, uplift, customer_type and decision columns")
    .requiredOption("--model <file>", "model file written by `patron uplift --save-model`")
    .requiredOption("--input <file>", "CSV to score (.gz ok), with the model's input columns")
    .requiredOption("--output <file>", "where to write the scored CSV (- for stdout)")
    .option("--json", "print a summary as one JSON object on the last line")
    .action(
      action(async (options: ScoreCliOptions) => {
        const [{ readFileSync, writeFileSync, existsSync }, { gunzipSync }, { loadScorer, scoreCsv }, { parseCsv, writeCsv }] = await Promise.all([
          import("node:fs"), import("node:zlib"), import("../../jobs/uplift/scorer.ts"), import("../../serve/csv.ts"),
        ]);
        if (!existsSync(options.model)) throw new PatronError("E_MODEL_FILE", `no model file at ${options.model}; write one with \`patron uplift --save-model ${options.model}\`.`);
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(options.model, "utf8"));
        } catch (error) {
          throw new PatronError("E_MODEL_FILE", `${options.model} is not JSON (${(error as Error).message}); write the model file with \`patron uplift --save-model\`.`);
        }
        const scorer = await loadScorer(json, options.model);
        if (!existsSync(options.input)) throw new PatronError("E_INPUT", `no input file at ${options.input}; pass the CSV to score with --input.`);
        const raw = readFileSync(options.input);
        const text = (options.input.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
        const csv = parseCsv(text, options.input);
        const scored = scoreCsv(scorer, csv, options.input);
        const body = writeCsv(scored.header, scored.rows, csv.separator);
        if (options.output === "-") process.stdout.write(body);
        else writeFileSync(options.output, body);
        if (!options.json && options.output !== "-") {
          process.stdout.write(`scored ${scored.summary.rows.toLocaleString("en-US")} rows into ${options.output}\n`);
          process.stdout.write(`types: ${Object.entries(scored.summary.types).map(([k, v]) => `${k} ${v}`).join(", ")}; decisions: ${Object.entries(scored.summary.decisions).map(([k, v]) => `${k} ${v}`).join(", ")}\n`);
        }
        return { output: options.output, ...scored.summary };
      }),
    );
}
