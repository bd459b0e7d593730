/**
 * The activity job's results in the store, where the service (src/serve/job-results.ts) and
 * the report read them — one row per run, per customer and per target:
 *
 *   activity_runs     run_id, dataset, created_at, the headline figures, summary JSON
 *                     (model comparison, drivers, profile), the final model's JSON
 *   activity_scores   run_id, dataset, customer_id, probability (cross-fitted), declined
 *                     (the label), in_holdout, in_segment, reasons JSON, scored_at
 *   activity_targets  run_id, dataset, rank, customer_id, probability, profit,
 *                     popular_category, reasons JSON
 *
 * Tables are created on first use with the same DDL on DuckDB and PostgreSQL (types through
 * the dialect's name); a run is written in one transaction, so a reader never sees half of it.
 */
import type { Store } from "../../store/store.ts";

type Type = "text" | "double" | "bigint" | "boolean" | "timestamp" | "json";

const TABLES: Record<string, { columns: [string, Type][]; key: string[] }> = {
  activity_runs: {
    columns: [
      ["run_id", "text"], ["dataset", "text"], ["created_at", "timestamp"], ["n_rows", "bigint"], ["n_holdout", "bigint"],
      ["dropped_zero_revenue", "bigint"], ["best_model", "text"], ["best_description", "text"], ["cv_roc_auc", "double"],
      ["holdout_roc_auc", "double"], ["repeated_cv_mean", "double"], ["repeated_cv_sd", "double"], ["threshold", "double"],
      ["threshold_rule", "text"], ["segment_size", "bigint"], ["target_list_size", "bigint"], ["summary", "json"], ["model", "json"],
    ],
    key: ["run_id"],
  },
  activity_scores: {
    columns: [
      ["run_id", "text"], ["dataset", "text"], ["customer_id", "text"], ["probability", "double"], ["declined", "double"],
      ["in_holdout", "boolean"], ["in_segment", "boolean"], ["reasons", "json"], ["scored_at", "timestamp"],
    ],
    key: ["run_id", "customer_id"],
  },
  activity_targets: {
    columns: [
      ["run_id", "text"], ["dataset", "text"], ["rank", "bigint"], ["customer_id", "text"], ["probability", "double"],
      ["profit", "double"], ["popular_category", "text"], ["reasons", "json"],
    ],
    key: ["run_id", "rank"],
  },
};

function sqlType(store: Store, type: Type): string {
  const pg = store.dialect.name === "postgres";
  switch (type) {
    case "text": return "TEXT";
    case "double": return pg ? "DOUBLE PRECISION" : "DOUBLE";
    case "bigint": return "BIGINT";
    case "boolean": return "BOOLEAN";
    case "timestamp": return "TIMESTAMP";
    case "json": return pg ? "JSONB" : "JSON";
  }
}

export async function ensureActivityTables(store: Store): Promise<void> {
  const d = store.dialect;
  for (const [table, { columns, key }] of Object.entries(TABLES)) {
    await store.exec(
      `CREATE TABLE IF NOT EXISTS ${d.ident(table)} (${columns.map(([name, type]) => `${d.ident(name)} ${sqlType(store, type)}`).join(", ")}, ` +
        `PRIMARY KEY (${key.map((k) => d.ident(k)).join(", ")}))`,
    );
  }
}

/** Inserts rows (values in the table's column order) in chunks of bound parameters. */
async function insertRows(store: Store, table: string, rows: readonly unknown[][]): Promise<void> {
  const d = store.dialect;
  const columns = TABLES[table].columns;
  const json = columns.map(([, type]) => type === "json");
  // JSON and timestamps go in as text; the casts make both engines parse them.
  const cast = columns.map(([, type]) => (type === "json" || type === "timestamp" ? sqlType(store, type) : undefined));
  const perChunk = Math.max(1, Math.floor(4000 / columns.length));
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const params: unknown[] = [];
    const tuples = chunk.map((row) =>
      `(${row.map((value, c) => {
        params.push(json[c] && value !== null ? JSON.stringify(value) : value);
        return cast[c] ? `CAST($${params.length} AS ${cast[c]})` : `$${params.length}`;
      }).join(", ")})`,
    );
    await store.exec(`INSERT INTO ${d.ident(table)} (${columns.map(([name]) => d.ident(name)).join(", ")}) VALUES ${tuples.join(", ")}`, params);
  }
}

export interface ActivityRunRows {
  run: Record<string, unknown>;
  scores: Record<string, unknown>[];
  targets: Record<string, unknown>[];
}

/** Writes one run (run, scores, targets keyed by column name) in one transaction. */
export async function saveActivityRun(store: Store, rows: ActivityRunRows): Promise<void> {
  await ensureActivityTables(store);
  const ordered = (table: string, row: Record<string, unknown>) => TABLES[table].columns.map(([name]) => row[name] ?? null);
  await store.transaction(async (tx) => {
    await insertRows(tx, "activity_runs", [ordered("activity_runs", rows.run)]);
    await insertRows(tx, "activity_scores", rows.scores.map((r) => ordered("activity_scores", r)));
    await insertRows(tx, "activity_targets", rows.targets.map((r) => ordered("activity_targets", r)));
  });
}


/** The newest run's summary JSON of a dataset (what the report section reads), or null when none is stored. */
export async function latestActivitySummary(store: Store, dataset: string): Promise<Record<string, unknown> | null> {
  if (!(await store.tableExists("activity_runs"))) return null;
  const [row] = await store.query<{ summary: unknown }>(
    "SELECT summary FROM activity_runs WHERE dataset = $1 ORDER BY created_at DESC, run_id DESC LIMIT 1",
    [dataset],
  );
  if (!row) return null;
  return (typeof row.summary === "string" ? JSON.parse(row.summary) : row.summary) as Record<string, unknown>;
}
