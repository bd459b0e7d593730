/**
 * What job commands call first: `ensureDataset(store, "online-retail")` ingests the bundled
 * copy of a preset when the store does not have that dataset yet, and does nothing when it
 * does — so `npx patron activity` works on a fresh clone. `listIngested` is what `patron
 * status` prints: the datasets in the store, their table row counts and their last ingests.
 */
import type { Progress } from "../core/progress.ts";
import type { Store } from "../store/store.ts";
import { ingest, type IngestOptions, type IngestResult } from "./ingest.ts";
import { getPreset, type PresetName } from "./presets/index.ts";
import { canonicalTableNames } from "./schema.ts";

/** Whether the store holds rows of this dataset from a completed ingest. */
export async function hasDataset(store: Store, dataset: string): Promise<boolean> {
  if (!(await store.tableExists("ingests"))) return false;
  const rows = await store.query("SELECT 1 AS found FROM ingests WHERE dataset = $1 AND loaded > 0 LIMIT 1", [dataset]);
  return rows.length > 0;
}

/**
 * Ingests the bundled copy of `preset` unless the store already has the dataset. Returns the
 * ingest's reconciliation, or undefined when there was nothing to do.
 */
export async function ensureDataset(
  store: Store,
  preset: PresetName,
  options: { progress?: Progress } & Pick<IngestOptions, "quarantineDir"> = {},
): Promise<IngestResult | undefined> {
  const { mapping, defaultPath } = getPreset(preset);
  if (await hasDataset(store, mapping.dataset)) return undefined;
  return ingest(store, mapping, defaultPath, { ...options, origin: `preset:${preset}` });
}

export interface IngestSummary extends Record<string, unknown> {
  ingest_id: string;
  origin: string;
  source_path: string;
  finished_at: Date;
  files_read: number;
  files_skipped: number;
  rows_read: number;
  loaded: number;
  rejected: number;
  filtered: Record<string, number>;
  customer_policy: string | null;
  quarantine_file: string | null;
}

export interface DatasetStatus {
  dataset: string;
  /** Rows per canonical table (tables with no rows of this dataset are left out). */
  tables: Record<string, number>;
  /** Most recent first. */
  ingests: IngestSummary[];
}

function parseJson(value: unknown): Record<string, number> {
  if (value === null || value === undefined) return {};
  return (typeof value === "string" ? JSON.parse(value) : value) as Record<string, number>;
}

/** Every dataset in the store with its table row counts and last `lastIngests` ingests. */
export async function listIngested(store: Store, lastIngests = 5): Promise<DatasetStatus[]> {
  if (!(await store.tableExists("ingests"))) return [];
  const d = store.dialect;
  const ingests = await store.query<IngestSummary & { dataset: string }>(
    `SELECT dataset, ingest_id, origin, source_path, finished_at, files_read, files_skipped, rows_read, loaded, rejected,
            filtered, customer_policy, quarantine_file FROM ingests ORDER BY finished_at DESC, ingest_id DESC`,
  );
  const counts = new Map<string, Record<string, number>>();
  for (const table of canonicalTableNames) {
    if (!(await store.tableExists(table))) continue;
    const rows = await store.query<{ dataset: string; n: number }>(`SELECT dataset, count(*) AS n FROM ${d.ident(table)} GROUP BY dataset`);
    for (const r of rows) {
      const entry = counts.get(r.dataset) ?? {};
      entry[table] = Number(r.n);
      counts.set(r.dataset, entry);
    }
  }
  const datasets = [...new Set([...ingests.map((i) => i.dataset), ...counts.keys()])].sort();
  return datasets.map((dataset) => ({
    dataset,
    tables: counts.get(dataset) ?? {},
    ingests: ingests
      .filter((i) => i.dataset === dataset)
      .slice(0, lastIngests)
      .map(({ dataset: _d, ...i }) => ({
        ...i,
        files_read: Number(i.files_read),
        files_skipped: Number(i.files_skipped),
        rows_read: Number(i.rows_read),
        loaded: Number(i.loaded),
        rejected: Number(i.rejected),
        filtered: parseJson(i.filtered),
      })),
  }));
}
