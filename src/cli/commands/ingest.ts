/**
 * `patron ingest`: load files into the store through a built-in preset or a mapping file,
 * then print the reconciliation (rows read = loaded + rejected + filtered per rule).
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import type { IngestResult } from "../../data/ingest.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface IngestCliOptions {
  preset?: string;
  mapping?: string;
  db?: string;
  customers?: string;
  quarantineDir?: string;
  json?: boolean;
}

const POLICY_TEXT: Record<string, string> = {
  anonymous: "kept as anonymous customers (customer_id NULL)",
  drop: "dropped (rule missing_customer_id)",
  generate: "given a generated id per order (anon-<order id>)",
};

/** The human-readable reconciliation; the JSON form is the result object itself. */
export function printIngestResult(result: IngestResult, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`ingest ${result.ingest_id} (${result.origin}) from ${result.source_path}\n`);
  out.write(`files: ${result.files_read} read, ${result.files_skipped} skipped (same content already ingested)\n`);
  const rows: Record<string, unknown>[] = [
    { measure: "rows read", rows: result.rows_read },
    { measure: "loaded", rows: result.loaded },
    { measure: "rejected (quarantine)", rows: result.rejected },
    ...Object.entries(result.filtered).map(([rule, n]) => ({ measure: `filtered: ${rule}`, rows: n })),
  ];
  printTable(rows, out);
  const tables = Object.entries(result.tables).map(([table, n]) => `${table} +${n.toLocaleString("en-US")}`);
  if (tables.length > 0) out.write(`rows written: ${tables.join(", ")}\n`);
  if (result.customer_policy) {
    out.write(`rows without customer id: ${POLICY_TEXT[result.customer_policy]} — policy "${result.customer_policy}" (--customers anonymous|drop|generate)\n`);
  }
  if (result.quarantine_file) out.write(`quarantine: ${result.rejected} record(s) in table quarantine and ${result.quarantine_file}\n`);
}

export function register(program: Command): void {
  program
    .command("ingest")
    .description("Load CSV / JSONL / Parquet files (a file, folder, glob or .zip) into the store, with cleaning rules and quarantine")
    .argument("[path]", "what to ingest; with --preset defaults to the bundled copy in data/")
    .option("--preset <name>", "a built-in mapping: online-retail, one-click, hillstrom, ium, cdnow")
    .option("--mapping <file>", "a mapping file (JSON or YAML) from your columns to the canonical model; see docs/data-model.md")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--customers <policy>", "rows without customer id: anonymous (keep, NULL id), drop, or generate (an id per order)")
    .option("--quarantine-dir <dir>", "where to write the quarantine CSV (default: quarantine/ beside the DuckDB file, or ./quarantine)")
    .option("--json", "print the reconciliation as one JSON object on the last line")
    .action(
      action(async (options: IngestCliOptions, path?: string) => {
        if (Boolean(options.preset) === Boolean(options.mapping)) {
          throw new PatronError("E_USAGE", "give exactly one of --preset NAME or --mapping FILE (see patron ingest --help).");
        }
        if (options.customers && !["anonymous", "drop", "generate"].includes(options.customers)) {
          throw new PatronError("E_USAGE", `--customers must be anonymous, drop or generate; found "${options.customers}".`);
        }
        const [{ ingest }, { getPreset }, { loadMapping }, { openStore }, { terminalProgress }] = await Promise.all([
          import("../../data/ingest.ts"),
          import("../../data/presets/index.ts"),
          import("../../data/mapping.ts"),
          import("../../store/open.ts"),
          import("../progress-bar.ts"),
        ]);
        let mapping;
        let source: string;
        let origin: string;
        if (options.preset) {
          const preset = getPreset(options.preset);
          mapping = preset.mapping;
          source = path ?? preset.defaultPath;
          origin = `preset:${preset.name}`;
        } else {
          if (!path) throw new PatronError("E_USAGE", "--mapping needs a PATH to ingest: patron ingest --mapping FILE PATH.");
          mapping = loadMapping(options.mapping!);
          source = path;
          origin = `mapping:${options.mapping}`;
        }
        const store = await openStore(options.db);
        try {
          const result = await ingest(store, mapping, source, {
            origin,
            customerPolicy: options.customers as "anonymous" | "drop" | "generate" | undefined,
            quarantineDir: options.quarantineDir,
            progress: terminalProgress(),
          });
          if (!options.json) printIngestResult(result);
          return result;
        } finally {
          await store.close();
        }
      }),
    );
}
