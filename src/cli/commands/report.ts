/**
 * `patron report`: one self-contained HTML file with every job's latest stored result — an
 * overview, the data profile, and each job's section with its charts drawn to inline SVG. A job
 * that has not run gets a short "not run yet" section naming its command. Parse → read the
 * store (src/serve/dashboard/report-input.ts) → render (src/report/report.ts) → write.
 */
import type { Command } from "commander";
import { action } from "../run-command.ts";

interface ReportCliOptions {
  db: string;
  out: string;
  dataset: string;
  title?: string;
  json?: boolean;
}

export interface ReportOutcome {
  path: string;
  bytes: number;
  charts: number;
  jobs: Record<string, string>;
  chart_failures: number;
}

/** Reads the store, renders and writes the report; shared with `patron main`. */
export async function writeReport(options: { db?: string; store?: import("../../store/store.ts").Store; out: string; dataset?: string; title?: string }): Promise<ReportOutcome> {
  const [{ openStore }, { collectReportInput }, { renderReport }, { mkdirSync, writeFileSync }, { dirname, resolve }, { warn }] = await Promise.all([
    import("../../store/open.ts"),
    import("../../serve/dashboard/report-input.ts"),
    import("../../report/report.ts"),
    import("node:fs"),
    import("node:path"),
    import("../../core/warn.ts"),
  ]);
  const store = options.store ?? (await openStore(options.db));
  try {
    const input = await collectReportInput(store, { generatedAt: new Date().toISOString(), decisionsDataset: options.dataset, title: options.title });
    const { html, failures, charts } = await renderReport(input);
    for (const f of failures) warn("W_REPORT_CHART", `chart ${f.id} could not be drawn (${f.message}); the report says so in its place.`);
    const path = resolve(options.out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, html);
    return {
      path,
      bytes: Buffer.byteLength(html),
      charts,
      jobs: Object.fromEntries(input.jobs.map((j) => [j.id, j.status])),
      chart_failures: failures.length,
    };
  } finally {
    if (!options.store) await store.close();
  }
}

export function register(program: Command): void {
  program
    .command("report")
    .description("Write one self-contained HTML report (charts as inline SVG, no network needed) with every job's latest stored result")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--out <file>", "where to write the report", "report.html")
    .option("--dataset <name>", "dataset of the live decisions section", "ium")
    .option("--title <text>", "the report's title")
    .option("--json", "print {path, bytes, charts, jobs} as one JSON object on the last line")
    .action(
      action(async (options: ReportCliOptions) => {
        const { existsSync } = await import("node:fs");
        const { isPostgresUrl } = await import("../../store/open.ts");
        if (!isPostgresUrl(options.db) && !existsSync(options.db)) {
          const { PatronError } = await import("../../core/errors.ts");
          throw new PatronError("E_STORE_OPEN", `no store at ${options.db}: the report reads stored job results. Run \`npm start\` (or \`npx patron ingest\` and the jobs) first, or point --db at your store.`);
        }
        const outcome = await writeReport({ db: options.db, out: options.out, dataset: options.dataset, title: options.title });
        if (!options.json) {
          const notRun = Object.entries(outcome.jobs).filter(([, s]) => s !== "done").map(([id]) => id);
          process.stdout.write(`report written to ${outcome.path} (${(outcome.bytes / 1024).toFixed(0)} KB, ${outcome.charts} charts)\n`);
          if (notRun.length) process.stdout.write(`not run yet: ${notRun.join(", ")} — their sections say which command to run\n`);
        }
        return outcome;
      }),
    );
}
