/**
 * `patron classify --table FILE --label COL`: the activity job's selection, holdout, SHAP and
 * target list on any customer-level CSV or Parquet file with a binary label. Parse → call
 * src/jobs/classify → print; the target list goes to --out, the report section to --html.
 */
import type { Command } from "commander";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";
import { gridOption, numberOption } from "./activity.ts";

interface ClassifyCliOptions {
  table: string;
  label: string;
  id?: string;
  positive?: string;
  drop?: string;
  value?: string;
  category?: string;
  topCategories?: string;
  threshold?: string;
  out?: string;
  html?: string;
  grid?: string;
  families?: string;
  repeats?: string;
  seed?: string;
  threads?: string;
  explainSample?: string;
  explainMax?: string;
  json?: boolean;
}

const list = (value: string | undefined) => value?.split(",").map((s) => s.trim()).filter(Boolean);

export function register(program: Command): void {
  program
    .command("classify")
    .description("Binary classification of any customer table (CSV/Parquet): model selection by CV, holdout, SHAP reasons, segment and target list")
    .requiredOption("--table <file>", "the customer table: CSV, TSV or Parquet (gzip ok), one row per customer")
    .requiredOption("--label <column>", "the binary label column")
    .option("--id <column>", "the customer id column (default: a unique id-named column, else the row number)")
    .option("--positive <value>", "the label value to predict (default 1/true/yes when present, else the rarer value)")
    .option("--drop <columns>", "comma-separated columns to leave out (leaks, free text)")
    .option("--value <column>", "a numeric column (profit, revenue) that orders the target list; not used as a feature")
    .option("--category <column>", "a categorical column whose top values in the segment narrow the target list")
    .option("--top-categories <n>", "with --category: how many top values to keep", "3")
    .option("--threshold <p>", "segment threshold on the predicted probability (default: the F1-optimal one)")
    .option("--out <file>", "where to write the target list CSV", "./out/classify-targets.csv")
    .option("--html <file>", "also write the report section as a standalone HTML page")
    .option("--grid <size>", "search grid: full, small, or auto (full up to 20,000 training rows)", "auto")
    .option("--families <list>", "comma-separated model families (knn, tree, logistic, svc, forest, boosting); default all that suit the table's size")
    .option("--repeats <n>", "repetitions of the repeated 5-fold CV of the chosen model", "3")
    .option("--seed <n>", "seed for every random choice", "0")
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("--explain-sample <n>", "permutation SHAP: customers sampled for the global ranking (besides the segment)", "200")
    .option("--explain-max <n>", "permutation SHAP: most customers explained in all", "900")
    .option("--json", "print the contract JSON on the last line")
    .action(
      action(async (options: ClassifyCliOptions) => {
        const [{ terminalProgress }, { runClassify, classifyContract, classifySummary }, { targetsCsv }] = await Promise.all([
          import("../progress-bar.ts"),
          import("../../jobs/classify/run.ts"),
          import("../../jobs/classify/segment.ts"),
        ]);
        const result = await runClassify({
          table: options.table,
          label: options.label,
          id: options.id,
          positive: options.positive,
          drop: list(options.drop),
          value: options.value,
          category: options.category,
          topCategories: numberOption(options.topCategories, "top-categories", 0, 1000, true),
          threshold: numberOption(options.threshold, "threshold", 0, 1),
          grid: gridOption(options.grid),
          families: list(options.families),
          nRepeats: numberOption(options.repeats, "repeats", 0, 100, true),
          seed: numberOption(options.seed, "seed", 0, 2 ** 32 - 1, true),
          nThreads: numberOption(options.threads, "threads", 1, 256, true),
          progress: terminalProgress(),
          globalSample: numberOption(options.explainSample, "explain-sample", 1, 1_000_000, true),
          maxExplained: numberOption(options.explainMax, "explain-max", 1, 1_000_000, true),
        });
        const { mkdirSync, writeFileSync } = await import("node:fs");
        const { dirname } = await import("node:path");
        const out = options.out ?? "./out/classify-targets.csv";
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, targetsCsv(result.targets, { value: result.valueName, category: result.categoryName }));
        const summary = classifySummary(result);
        if (options.html) {
          const { modelJobSection, renderPage } = await import("../../report/activity-section.ts");
          mkdirSync(dirname(options.html), { recursive: true });
          writeFileSync(options.html, await renderPage(modelJobSection(summary, `${options.label}: who, why, and whom to contact`), `Patron: classify ${options.table}`));
        }
        if (!options.json) printClassify(summary, out, options.html);
        return classifyContract(result);
      }),
    );
}

function printClassify(s: ReturnType<typeof import("../../jobs/classify/run.ts").classifySummary>, out: string, html: string | undefined): void {
  const w = (text: string) => process.stdout.write(`${text}\n`);
  w(`\n${s.source}: ${s.rows} rows, label ${s.label.column} = ${JSON.stringify(s.label.positive)} for ${s.label.nPositive} (vs ${JSON.stringify(s.label.negative)} ${s.label.nNegative}); id: ${s.idColumn ?? "row number"}`);
  printTable(s.columns.map((c) => ({ column: c.name, type: c.type, treated_as: c.treatment, note: c.note ?? "", missing: c.missing })));
  w("");
  printTable(s.candidates.map((c) => ({
    model: c.name === s.chosen.name ? `${c.label} *` : c.label,
    cv_roc_auc: c.cvRocAuc, cv_sd: c.cvSd, holdout_roc_auc: c.holdoutRocAuc, points: c.nCandidates, best: c.description.slice(0, 90),
  })));
  w(`\nchosen by CV: ${s.chosen.description}; CV ROC-AUC ${s.chosen.cvRocAuc.toFixed(4)}, holdout ${s.chosen.holdoutRocAuc.toFixed(4)}` +
    (s.repeatedCv ? `, repeated CV ${s.repeatedCv.mean.toFixed(4)} ± ${s.repeatedCv.sd.toFixed(4)}` : ""));
  w(`threshold ${s.threshold.threshold.toFixed(3)} (${s.threshold.rule}): segment ${s.segmentSize}, precision ${s.threshold.precision.toFixed(3)}, recall ${s.threshold.recall.toFixed(3)}`);
  w(`SHAP (${s.explanation.method}, ${s.explanation.units}): ${s.explanation.importance.slice(0, 6).map((f) => `${f.feature} ${f.meanAbs.toFixed(3)}`).join(", ")}`);
  for (const d of s.drivers) w(`  - ${d.text}`);
  w(`target list: ${s.targetListSize} rows → ${out}${html ? `; report → ${html}` : ""}`);
}
