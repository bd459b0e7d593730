/**
 * `patron activity`: the purchase-activity decline job on the bundled «В один клик» data
 * (issue #5) — ingests the preset when the store lacks it, selects the model by CV, scores and
 * explains every customer, writes the target list CSV (and with --html the report section),
 * saves the run in the store and prints the comparison. Parse → call src/jobs/activity → print.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface ActivityCliOptions {
  db?: string;
  out?: string;
  html?: string;
  threshold?: string;
  topCategories?: string;
  grid?: string;
  families?: string;
  engineered?: boolean;
  repeats?: string;
  seed?: string;
  threads?: string;
  save?: boolean;
  explainSample?: string;
  explainMax?: string;
  json?: boolean;
}

/** A number option in a range, or a PatronError naming the option. */
export function numberOption(value: string | undefined, name: string, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new PatronError("E_OPTIONS", `--${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}; found ${JSON.stringify(value)}.`);
  }
  return n;
}

/** --grid: "full" or "small"; "auto" (or nothing) leaves the choice to the job. */
export function gridOption(value: string | undefined): "full" | "small" | undefined {
  if (value === undefined || value === "auto") return undefined;
  if (value === "full" || value === "small") return value;
  throw new PatronError("E_OPTIONS", `--grid must be "full", "small" or "auto"; found ${JSON.stringify(value)}.`);
}

export function register(program: Command): void {
  program
    .command("activity")
    .description("Purchase-activity decline on «В один клик»: model selection by CV, fixed holdout, SHAP reasons, segment, target list and recommendations")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--out <file>", "where to write the target list CSV", DEFAULT_OUT)
    .option("--html <file>", "also write the report section as a standalone HTML page")
    .option("--threshold <p>", "segment threshold on the decline probability (default: the F1-optimal one)")
    .option("--top-categories <n>", "restrict the target list to the segment's n most frequent favourite categories (0 = all)", "3")
    .option("--grid <size>", "search grid: full or small", "full")
    .option("--families <list>", "comma-separated model families (knn, tree, logistic, svc, forest, boosting); default all")
    .option("--no-engineered", "use only the seeds' features, not those engineered from the period pivots")
    .option("--repeats <n>", "repetitions of the repeated 5-fold CV of the chosen model", "3")
    .option("--seed <n>", "seed for every random choice", "0")
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("--no-save", "do not save the run in the store")
    .option("--explain-sample <n>", "permutation SHAP: customers sampled for the global ranking (besides the segment)", "200")
    .option("--explain-max <n>", "permutation SHAP: most customers explained in all", "900")
    .option("--json", "print the contract JSON on the last line")
    .action(
      action(async (options: ActivityCliOptions) => {
        const [{ openStore }, { terminalProgress }, { activityContract }] = await Promise.all([
          import("../../store/open.ts"),
          import("../progress-bar.ts"),
          import("../../jobs/activity/run.ts"),
        ]);
        const store = await openStore(options.db);
        try {
          const { result, summary, out } = await runActivityCommand(store, {
            grid: gridOption(options.grid),
            families: options.families?.split(",").map((s) => s.trim()).filter(Boolean),
            engineered: options.engineered,
            threshold: numberOption(options.threshold, "threshold", 0, 1),
            topCategories: numberOption(options.topCategories, "top-categories", 0, 1000, true),
            nRepeats: numberOption(options.repeats, "repeats", 0, 100, true),
            seed: numberOption(options.seed, "seed", 0, 2 ** 32 - 1, true),
            nThreads: numberOption(options.threads, "threads", 1, 256, true),
            progress: terminalProgress(),
            save: options.save,
            globalSample: numberOption(options.explainSample, "explain-sample", 1, 1_000_000, true),
            maxExplained: numberOption(options.explainMax, "explain-max", 1, 1_000_000, true),
          }, options.out ?? DEFAULT_OUT, options.html);
          if (!options.json) printActivity(summary, out, options.html, options.save === false ? undefined : result.runId);
          return activityContract(result);
        } finally {
          await store.close();
        }
      }),
    );
}

const DEFAULT_OUT = "./out/activity-targets.csv";

/** Runs the job, writes the target list CSV (and the HTML section); shared with `patron main`. */
async function runActivityCommand(
  store: import("../../store/store.ts").Store,
  options: import("../../jobs/activity/run.ts").ActivityOptions,
  out: string,
  html?: string,
) {
  const [{ runActivity, activitySummary }, { targetsCsv }, { mkdirSync, writeFileSync }, { dirname }] = await Promise.all([
    import("../../jobs/activity/run.ts"),
    import("../../jobs/classify/segment.ts"),
    import("node:fs"),
    import("node:path"),
  ]);
  const result = await runActivity(store, options);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, targetsCsv(result.targets, { value: "profit", category: "popular_category" }));
  const summary = activitySummary(result);
  if (html) {
    const { activitySection, renderPage } = await import("../../report/activity-section.ts");
    mkdirSync(dirname(html), { recursive: true });
    writeFileSync(html, await renderPage(activitySection(summary), "Patron: purchase activity"));
  }
  return { result, summary, out };
}

/** The step `patron main` (npm start) runs: the full job on the bundled data, the CSV to ./out. */
export const activityMainStep: import("./main.ts").MainStep = {
  name: "activity one-click",
  async run({ store, progress }) {
    const { result } = await runActivityCommand(store, { progress }, DEFAULT_OUT);
    return {
      run: result.runId,
      best_model: result.chosen.name,
      cv_roc_auc: Number(result.chosen.cvRocAuc.toFixed(4)),
      holdout_roc_auc: Number(result.chosen.holdoutRocAuc.toFixed(4)),
      target_list: result.targets.length,
    };
  },
};

type Summary = ReturnType<typeof import("../../jobs/activity/run.ts").activitySummary>;

function printActivity(s: Summary, out: string, html: string | undefined, runId: string | undefined): void {
  const w = (text: string) => process.stdout.write(`${text}\n`);
  w(`\n«В один клик»: ${s.rows} customers (${s.droppedZeroRevenue} dropped for zero revenue in a month), ${s.positives} declined; ` +
    `training ${s.nTrain}, holdout ${s.nHoldout} (${s.holdoutRule}); features: ${s.features.length}${s.engineered ? " incl. engineered" : ""}.`);
  printTable(s.candidates.map((c) => ({
    model: c.name === s.chosen.name ? `${c.label} *` : c.label,
    cv_roc_auc: c.cvRocAuc, cv_sd: c.cvSd, holdout_roc_auc: c.holdoutRocAuc, points: c.nCandidates, best: c.description.slice(0, 90),
  })));
  w(`\nchosen by CV: ${s.chosen.description}`);
  w(`CV ROC-AUC ${s.chosen.cvRocAuc.toFixed(4)}, holdout ROC-AUC ${s.chosen.holdoutRocAuc.toFixed(4)}` +
    (s.repeatedCv ? `, repeated ${s.repeatedCv.nRepeats}×${s.repeatedCv.nSplits}-fold CV on all customers ${s.repeatedCv.mean.toFixed(4)} ± ${s.repeatedCv.sd.toFixed(4)}` : ""));
  w(`threshold ${s.threshold.threshold.toFixed(3)} (${s.threshold.rule}): segment ${s.segmentSize} customers, precision ${s.threshold.precision.toFixed(3)}, recall ${s.threshold.recall.toFixed(3)}`);
  if (s.topCategories.length > 0) w(`top categories in the segment: ${s.topCategories.map((t) => `${t.category} (${t.customers})`).join(", ")}`);
  w(`\nSHAP (${s.explanation.method}, ${s.explanation.units}): ${s.explanation.importance.slice(0, 6).map((f) => `${f.feature} ${f.meanAbs.toFixed(3)}`).join(", ")}`);
  w(`\nrecommendations:`);
  for (const d of s.drivers) w(`  - ${d.text}`);
  w(`\nseconds: ${Object.entries(s.seconds).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")}`);
  w(`target list: ${s.targetListSize} customers → ${out}${html ? `; report → ${html}` : ""}${runId ? `; saved as run ${runId}` : ""}`);
}
