/**
 * `patron models list | rollback | activate`: the model registry's versions, and rollback in one
 * call — re-activate the version that was active before the current one (src/loop/rollback.ts).
 * The service's equivalent is POST /v1/models/:id/activate. A running service picks the change
 * up within its refresh period.
 */
import type { Command } from "commander";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface ModelsCliOptions {
  db: string;
  purpose: string;
  json?: boolean;
}

async function withStore<T>(db: string, work: (store: import("../../store/store.ts").Store) => Promise<T>): Promise<T> {
  const [{ openStore }, { migrate }] = await Promise.all([import("../../store/open.ts"), import("../../serve/migrations.ts")]);
  const store = await openStore(db);
  try {
    await migrate(store);
    return await work(store);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const models = program.command("models").description("The model registry: versions with metrics and training range, rollback");
  models
    .command("list")
    .description("Every registered version, newest first, with its metrics and the active one")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--purpose <purpose>", "offers or uplift (default: all)")
    .option("--json", "print the versions as JSON on the last line")
    .action(
      action(async (options: Partial<ModelsCliOptions> & { db: string }) => {
        const { listModels, checkPurpose } = await import("../../serve/registry-store.ts");
        const entries = await withStore(options.db, (store) => listModels(store, options.purpose ? checkPurpose(options.purpose) : undefined));
        if (!options.json) {
          printTable(entries.map((e) => {
            const m = e.metrics as { challenger?: { snipw?: number }; promoted?: boolean };
            const t = e.trainingRange as { from?: string; to?: string; decisions?: number } | null;
            return {
              model_id: e.modelId, version: `${e.purpose}:v${e.version}`, active: e.active ? "yes" : "", created: e.createdAt,
              trained_on: t?.from ? `${t.from} – ${t.to} (${t.decisions ?? "?"} decisions)` : "",
              value: typeof m.challenger?.snipw === "number" ? m.challenger.snipw : "", promoted: m.promoted === undefined ? "" : String(m.promoted),
            };
          }));
        }
        return { models: entries };
      }),
    );
  models
    .command("rollback")
    .description("Re-activate the version that was active before the current one")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--purpose <purpose>", "offers or uplift", "offers")
    .option("--json", "print {from, to} as JSON on the last line")
    .action(
      action(async (options: ModelsCliOptions) => {
        const { rollback } = await import("../../loop/rollback.ts");
        const result = await withStore(options.db, (store) => rollback(store, options.purpose));
        if (!options.json) process.stdout.write(`rolled back ${options.purpose}: ${result.from ?? "none"} → ${result.to.purpose}:v${result.to.version} (${result.to.modelId})\n`);
        return { from: result.from, to: { model_id: result.to.modelId, version: result.to.version, purpose: result.to.purpose } };
      }),
    );
  models
    .command("activate <modelId>")
    .description("Make a version the active one of its purpose")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the activated version as JSON on the last line")
    .action(
      action(async (options: { db: string; json?: boolean }, modelId: string) => {
        const [{ activateModel, getEntry, versionLabel }, { discountPolicy }, { buildScorer }] = await Promise.all([
          import("../../serve/registry-store.ts"), import("../../serve/policy.ts"), import("../../serve/score.ts"),
        ]);
        const activated = await withStore(options.db, async (store) => {
          const entry = await getEntry(store, modelId);
          // Validate by building, as the service does, before anything changes.
          if (entry?.purpose === "offers") await discountPolicy(versionLabel(entry), entry.model, entry.config);
          else if (entry) await buildScorer(versionLabel(entry), entry.model, entry.config);
          return activateModel(store, modelId);
        });
        if (!options.json) process.stdout.write(`active ${activated.purpose}: v${activated.version} (${activated.modelId})\n`);
        return { model_id: activated.modelId, version: activated.version, purpose: activated.purpose };
      }),
    );
}
