/**
 * What `patron profile` (and the service) asks for, in one call: resolve the inputs — files,
 * a bundled preset, tables of a store — into relations, profile them, and add drift against a
 * second snapshot or between two periods. Files are read by an in-memory DuckDB unless a
 * DuckDB store is given; tables come from the store named by `db`.
 */
import { existsSync } from "node:fs";
import { PatronError } from "../core/errors.ts";
import type { Progress } from "../core/progress.ts";
import { openDuckDBStore } from "../store/duckdb-store.ts";
import { isPostgresUrl, openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import { expandPath, loadFile, tableNameOf } from "./file-source.ts";
import { presetFiles } from "./presets.ts";
import { driftBetween, driftByDate, profileTables } from "./profile.ts";
import { describeTable, restrictRelation, type Relation } from "./relation.ts";
import type { ProfileReport } from "./types.ts";

export interface RunProfileOptions {
  files?: string[];
  preset?: string;
  tables?: string[];
  db?: string;
  label?: string;
  positive?: string;
  keyColumns?: string[];
  compare?: string;
  splitDate?: string;
  dateColumn?: string;
  bins?: number;
  /** With `preset`: profile the canonical tables ingest made of it (in `db`), not the raw files. */
  ingested?: boolean;
  progress?: Progress;
}

export async function runProfile(options: RunProfileOptions): Promise<ProfileReport> {
  const files = options.files ?? [];
  const tables = options.tables ?? [];
  if (files.length === 0 && tables.length === 0 && !options.preset) {
    throw new PatronError("E_PROFILE_INPUT", "nothing to profile: give a file, --table NAME or --preset NAME (e.g. `patron profile --preset one-click`).");
  }
  if ((options.splitDate === undefined) !== (options.dateColumn === undefined)) {
    throw new PatronError("E_PROFILE_INPUT", "--split-date and --date-column go together: give both (e.g. --split-date 2011-06-01 --date-column InvoiceDate).");
  }
  if (tables.length > 0 && options.db && !isPostgresUrl(options.db) && !existsSync(options.db)) {
    throw new PatronError("E_STORE_OPEN", `DuckDB file ${options.db} does not exist; ingest data first or check --db.`);
  }
  if (options.ingested && !options.preset) {
    throw new PatronError("E_PROFILE_INPUT", "--ingested profiles a preset's canonical tables; give --preset NAME too.");
  }
  // Tables live in the given store; files need DuckDB — the given one, or one in memory.
  const inStore = tables.length > 0 || options.ingested || (options.db && !isPostgresUrl(options.db));
  const store: Store = inStore ? await openStore(options.db) : await openDuckDBStore(":memory:");
  try {
    const inputs: Array<{ relation: Relation; source: string }> = [];
    if (options.preset && options.ingested) inputs.push(...(await ingestedTables(store, options.preset, options.progress)));
    for (const source of options.preset && !options.ingested ? presetFiles(options.preset) : []) {
      inputs.push({ relation: await loadFile(store, source), source: source.path });
    }
    for (const path of files) {
      const source = { table: uniqueName(tableNameOf(expandPath(path)), inputs), path };
      inputs.push({ relation: await loadFile(store, source), source: path });
    }
    for (const table of tables) inputs.push({ relation: await describeTable(store, table), source: `${store.location}#${table}` });

    const report = await profileTables(
      store,
      inputs,
      { keyColumns: options.keyColumns ?? [], bins: options.bins ?? 20, label: options.label, positive: options.positive },
      options.progress,
    );

    if (options.compare !== undefined || options.splitDate !== undefined) {
      if (inputs.length !== 1) {
        throw new PatronError("E_PROFILE_INPUT", `drift compares one table; found ${inputs.length} (${inputs.map((t) => t.relation.name).join(", ")}). Profile a single file or --table.`);
      }
      const relation = inputs[0].relation;
      const result = options.compare !== undefined
        ? await driftBetween(store, relation.name, relation, await compareRelation(store, options.compare, relation.name))
        : await driftByDate(store, relation, options.dateColumn!, options.splitDate!);
      report.drift.push(result.report);
      report.warnings.push(...result.warnings);
    }
    return report;
  } finally {
    await store.close();
  }
}

/**
 * The canonical tables (docs/data-model.md) holding rows of a preset's dataset, each restricted
 * to that dataset; the preset is ingested first when the store lacks it (src/data/ensure.ts).
 */
async function ingestedTables(store: Store, preset: string, progress?: Progress): Promise<Array<{ relation: Relation; source: string }>> {
  const { ensureDataset } = await import("../data/ensure.ts");
  const { getPreset } = await import("../data/presets/index.ts");
  const { canonicalTableNames } = await import("../data/schema.ts");
  const dataset = getPreset(preset).mapping.dataset;
  await ensureDataset(store, preset as Parameters<typeof ensureDataset>[1], { progress });
  const out: Array<{ relation: Relation; source: string }> = [];
  for (const table of canonicalTableNames) {
    if (!(await store.tableExists(table))) continue;
    const base = await describeTable(store, table);
    if (!base.columns.some((c) => c.name === "dataset")) continue;
    const where = `dataset = ${store.dialect.literal(dataset)}`;
    const [row] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM ${base.from} WHERE ${where}`);
    if (Number(row.n) === 0) continue;
    const relation = restrictRelation(base, table, where, `${table}_of_dataset`);
    // The dataset and ingest bookkeeping columns are constant by construction; leave them out.
    relation.columns = relation.columns.filter((c) => c.name !== "dataset" && c.name !== "ingest_id");
    out.push({ relation, source: `${store.location}#${table} (dataset ${dataset})` });
  }
  return out;
}

async function compareRelation(store: Store, compare: string, table: string): Promise<Relation> {
  if (existsSync(compare) || compare.includes("*")) return loadFile(store, { table: `${table}__compare`, path: compare });
  if (await store.tableExists(compare)) return describeTable(store, compare);
  throw new PatronError("E_FILE", `--compare ${compare} is neither a file nor a table of the store; give the path of the second snapshot.`);
}

function uniqueName(name: string, taken: ReadonlyArray<{ relation: Relation }>): string {
  let candidate = name;
  for (let k = 2; taken.some((t) => t.relation.name === candidate); k++) candidate = `${name}_${k}`;
  return candidate;
}
