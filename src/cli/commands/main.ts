/**
 * `patron main` (what `npm start` runs): the whole job on the bundled data, as a list of
 * steps run in order against one store (default ./patron.duckdb, no server needed). At this
 * stage the steps ingest every bundled preset; later jobs append their own steps to
 * `mainSteps` — one entry each — and their summary rows join the same table.
 */
import type { Command } from "commander";
import type { Progress } from "../../core/progress.ts";
import type { Store } from "../../store/store.ts";
import { jobSteps, reportStep } from "../job-steps.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

export interface MainContext {
  store: Store;
  progress: Progress;
}

/** One row of the summary table. */
export type StepSummary = Record<string, string | number | null>;

export interface MainStep {
  readonly name: string;
  run(ctx: MainContext): Promise<StepSummary>;
}

function ingestStep(preset: "online-retail" | "one-click" | "hillstrom" | "ium" | "cdnow"): MainStep {
  return {
    name: `ingest ${preset}`,
    async run({ store, progress }) {
      const [{ ingest }, { getPreset }] = await Promise.all([import("../../data/ingest.ts"), import("../../data/presets/index.ts")]);
      const p = getPreset(preset);
      const r = await ingest(store, p.mapping, p.defaultPath, { origin: `preset:${preset}`, progress });
      return {
        rows_read: r.rows_read,
        loaded: r.loaded,
        rejected: r.rejected,
        filtered: Object.values(r.filtered).reduce((a, b) => a + b, 0),
        files: `${r.files_read} new, ${r.files_skipped} seen`,
      };
    },
  };
}

export const mainSteps: MainStep[] = [
  ingestStep("online-retail"),
  ingestStep("one-click"),
  ingestStep("hillstrom"),
  ingestStep("ium"),
  ingestStep("cdnow"),
  ...jobSteps,
];

interface MainCliOptions {
  db?: string;
  report: string;
  json?: boolean;
}

/** Prints the rows as consecutive tables of rows with the same columns (ingests, jobs, report). */
function printSummary(rows: readonly StepSummary[]): void {
  const signature = (r: StepSummary) => Object.keys(r).join("\u0000");
  for (let start = 0; start < rows.length; ) {
    let end = start + 1;
    while (end < rows.length && signature(rows[end]) === signature(rows[start])) end++;
    if (start > 0) process.stdout.write("\n");
    printTable(rows.slice(start, end));
    start = end;
  }
}

export function register(program: Command): void {
  program
    .command("main")
    .description("Run the whole job on the bundled data (what `npm start` does): ingest every bundled dataset, then the jobs")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--report <file>", "where to write the HTML report", "report.html")
    .option("--json", "print the step summaries as one JSON object on the last line")
    .action(
      action(async (options: MainCliOptions) => {
        const [{ openStore }, { terminalProgress }] = await Promise.all([import("../../store/open.ts"), import("../progress-bar.ts")]);
        const store = await openStore(options.db);
        const progress = terminalProgress();
        const rows: StepSummary[] = [];
        try {
          for (const step of [...mainSteps, reportStep(options.report)]) {
            const started = performance.now();
            if (!options.json) process.stderr.write(`== ${step.name}\n`);
            const summary = await step.run({ store, progress });
            rows.push({ step: step.name, ...summary, seconds: ((performance.now() - started) / 1000).toFixed(1) });
          }
        } finally {
          await store.close();
        }
        if (!options.json) {
          process.stdout.write(`\nPatron on the bundled data — store ${options.db}\n`);
          printSummary(rows);
          const report = rows.find((r) => r.report)?.report;
          if (report) process.stdout.write(`\nReport: ${report}\nServe the dashboard and the API on these results: npx patron serve --db ${options.db}\n`);
        }
        return { db: options.db, report: rows.find((r) => r.report)?.report ?? null, steps: rows };
      }),
    );
}
