/**
 * `patron profile`: exploratory statistics and actionable warnings for a file, an ingested
 * table or a bundled preset, computed in the store. Parse → call src/profile → print.
 */
import type { Command } from "commander";
import type { ProfileReport } from "../../profile/types.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface ProfileCliOptions {
  preset?: string;
  ingested?: boolean;
  table: string[];
  db?: string;
  label?: string;
  positive?: string;
  key: string[];
  compare?: string;
  splitDate?: string;
  dateColumn?: string;
  bins?: string;
  html?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  program
    .command("profile")
    .description("Profile tables: types, missing values, distributions, outliers, duplicates, correlations, label leakage and drift, with warnings")
    .argument("[files...]", "CSV / TSV / Parquet / JSON Lines files (gzip ok), folders of them, or globs")
    .option("--preset <name>", "profile the raw files of a bundled dataset (one-click, online-retail, hillstrom, cdnow, ium)")
    .option("--ingested", "with --preset: profile the canonical tables ingest made of it in --db (ingesting it first if needed)")
    .option("--table <name>", "profile a table of the store (repeatable)", collect, [])
    .option("--db <path|url>", "the store for --table: a DuckDB file or a postgres:// URL (default ./patron.duckdb)")
    .option("--label <column>", "a label column: per-feature ROC-AUC / mutual information and leakage warnings")
    .option("--positive <value>", "the positive class of a binary label (default: the larger value)")
    .option("--key <column>", "a column that must be unique (repeatable)", collect, [])
    .option("--compare <file|table>", "a second snapshot: population stability index per column against it")
    .option("--split-date <date>", "compare the periods before and from this date (with --date-column)")
    .option("--date-column <column>", "the date column for --split-date")
    .option("--bins <n>", "histogram bins", "20")
    .option("--html <path>", "also write an HTML report with Vega-Lite charts")
    .option("--json", "print the profile as JSON on the last line")
    .action(
      action(async (options: ProfileCliOptions, files: string[]) => {
        const { runProfile } = await import("../../profile/run.ts");
        const { terminalProgress } = await import("../progress-bar.ts");
        const report = await runProfile({
          files,
          preset: options.preset,
          ingested: options.ingested,
          tables: options.table,
          db: options.db,
          label: options.label,
          positive: options.positive,
          keyColumns: options.key,
          compare: options.compare,
          splitDate: options.splitDate,
          dateColumn: options.dateColumn,
          bins: Number(options.bins ?? 20),
          progress: options.json ? undefined : terminalProgress(),
        });
        if (options.html) await writeProfileHtml(report, options.html);
        if (!options.json) printProfile(report);
        return report;
      }),
    );
}

const cell = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? ""
    : v.toLocaleString("en-US", Number.isInteger(v) ? {} : { maximumSignificantDigits: Math.max(4, Math.ceil(Math.log10(Math.abs(v) + 1))) });

/** The human summary: one block per table, then every warning. */
export function printProfile(report: ProfileReport, out: NodeJS.WritableStream = process.stdout): void {
  for (const p of report.profiles) {
    out.write(`\n== ${p.table}  (${p.nRows.toLocaleString("en-US")} rows, ${p.columns.length} columns; ${p.source})\n`);
    printTable(
      p.columns.map((c) => ({
        column: c.name,
        kind: c.idLike ? `${c.kind} (id)` : c.kind,
        missing: c.nMissing,
        distinct: c.nDistinct,
        min: c.numeric ? cell(c.numeric.min) : (c.temporal?.min ?? ""),
        median: c.numeric ? cell(c.numeric.quantiles["0.5"]) : "",
        mean: c.numeric ? cell(c.numeric.mean) : "",
        max: c.numeric ? cell(c.numeric.max) : (c.temporal?.max ?? ""),
        top: c.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(", ").slice(0, 60),
      })),
      out,
    );
    if (p.duplicates.nDuplicateRows > 0) out.write(`duplicate rows: ${p.duplicates.nDuplicateRows.toLocaleString("en-US")}\n`);
    const pairs = p.correlation.topPairs.slice(0, 3);
    if (pairs.length > 0) {
      out.write(`most correlated: ${pairs.map((q) => `${q.a} ~ ${q.b} (Spearman ${cell(q.spearman)}, Pearson ${cell(q.pearson)})`).join("; ")}\n`);
    }
    if (p.label) {
      const ranked = [...p.label.features].sort((a, b) => b.normalizedMutualInfo - a.normalizedMutualInfo).slice(0, 8);
      out.write(`\nassociation with ${p.label.column} (${p.label.task}${p.label.positive ? `, positive = ${p.label.positive}` : ""}):\n`);
      printTable(ranked.map((f) => ({ feature: f.column, auc: f.auc ?? "", mutual_info: f.mutualInfo, normalized: f.normalizedMutualInfo })), out);
    }
  }
  for (const d of report.drift) {
    out.write(`\n== drift ${d.table}: ${d.baseline} (${d.nBaseline}) → ${d.current} (${d.nCurrent})\n`);
    printTable([...d.columns].sort((a, b) => b.psi - a.psi).map((c) => ({ column: c.column, psi: c.psi, level: c.level })), out);
  }
  out.write(`\n${report.warnings.length} warning${report.warnings.length === 1 ? "" : "s"}:\n`);
  for (const w of report.warnings) out.write(`  [${w.code}] ${w.message}\n`);
}

/** A standalone page: the report section with its charts rendered to SVG by Vega (no scripts). */
async function writeProfileHtml(report: ProfileReport, path: string): Promise<void> {
  const { profileSection } = await import("../../report/profile-section.ts");
  const { writeFileSync } = await import("node:fs");
  const vega = await import("vega");
  const { compile } = await import("vega-lite");
  const section = profileSection(report);
  let html = section.html;
  // The section marks each chart with <div data-spec="id">; put the rendered SVG inside.
  for (const [id, spec] of Object.entries(section.specs)) {
    const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    html = html.replace(`<div class="chart" data-spec="${id}"></div>`, `<div class="chart" data-spec="${id}">${svg}</div>`);
  }
  writeFileSync(
    path,
    `<!doctype html><html><head><meta charset="utf-8"><title>Patron profile</title>` +
      `<style>body{font-family:sans-serif;margin:1.5em}.charts{display:flex;flex-wrap:wrap;gap:1em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}</style>` +
      `</head><body>${html}</body></html>\n`,
  );
}
