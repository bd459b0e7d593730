/**
 * `patron status`: what the store holds — datasets, rows per canonical table, and the last
 * ingests with their reconciliation.
 */
import type { Command } from "commander";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface StatusCliOptions {
  db?: string;
  last?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("Show the datasets in the store, their tables' row counts and the last ingests with their reconciliation")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--last <n>", "ingests to show per dataset", "3")
    .option("--json", "print the status as one JSON object on the last line")
    .action(
      action(async (options: StatusCliOptions) => {
        const [{ listIngested }, { openStore }] = await Promise.all([import("../../data/ensure.ts"), import("../../store/open.ts")]);
        const store = await openStore(options.db);
        try {
          const datasets = await listIngested(store, Math.max(1, Number(options.last ?? 3)));
          if (!options.json) {
            process.stdout.write(`store: ${store.kind} ${store.location}\n`);
            if (datasets.length === 0) process.stdout.write("no datasets yet; run `patron ingest --preset NAME` or `npm start`.\n");
            for (const d of datasets) {
              process.stdout.write(`\n${d.dataset}: ${Object.entries(d.tables).map(([t, n]) => `${t} ${n.toLocaleString("en-US")}`).join(", ")}\n`);
              printTable(
                d.ingests.map((i) => ({
                  ingest: i.ingest_id,
                  finished: i.finished_at instanceof Date ? i.finished_at.toISOString().slice(0, 19).replace("T", " ") : String(i.finished_at),
                  files: `${i.files_read}+${i.files_skipped} skipped`,
                  rows_read: i.rows_read,
                  loaded: i.loaded,
                  rejected: i.rejected,
                  filtered: Object.values(i.filtered).reduce((a, b) => a + b, 0),
                  check: i.rows_read === i.loaded + i.rejected + Object.values(i.filtered).reduce((a, b) => a + b, 0) ? "ok" : "MISMATCH",
                })),
              );
            }
          }
          return { store: { kind: store.kind, location: store.location }, datasets };
        } finally {
          await store.close();
        }
      }),
    );
}
