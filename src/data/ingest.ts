/**
 * One ingest: find the files, skip those already ingested (content hash), stage and validate
 * everything in DuckDB, then load canonical rows, quarantine and bookkeeping into the store
 * in ONE transaction — a failure or a kill -9 at any point leaves the store as it was.
 * The reconciliation is exact by construction and checked: for every source,
 * rows read = loaded + rejected + Σ filtered (per rule, including rows whose natural key was
 * already in the store).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PatronError } from "../core/errors.ts";
import { silentProgress, type Progress } from "../core/progress.ts";
import { warn } from "../core/warn.ts";
import { duckdb } from "../store/dialect.ts";
import { openDuckDBStore } from "../store/duckdb-store.ts";
import type { Store } from "../store/store.ts";
import { failpoint } from "./failpoint.ts";
import { ensureSchema, insertRows, insertStaged } from "./load.ts";
import type { CustomerPolicy, Mapping, SourceSpec } from "./mapping.ts";
import { prepareSource, type FileInput } from "./prepare.ts";
import { describeRule } from "./rules.ts";
import { bookkeepingTables, canonicalTables, type CanonicalTableName } from "./schema.ts";
import { deriveTables, mapSource, payloadColumns, BUILT_IN_RULES, type StagedTarget } from "./stage-map.ts";
import { createStageTables, readRaw, typeRaw, type StageNames } from "./stage-read.ts";
import { listFiles, selectFiles, sha256, type SourceFile } from "./sources.ts";

export interface IngestOptions {
  progress?: Progress;
  /** Rows without customer id: keep as anonymous (NULL), drop them, or generate an id per order. */
  customerPolicy?: CustomerPolicy;
  /** Folder for the quarantine CSV; default ./quarantine, or quarantine/ beside a DuckDB file. */
  quarantineDir?: string;
  /** Recorded as the ingest's origin, e.g. "preset:online-retail" or "mapping:shop.yaml". */
  origin?: string;
  /** Called after staging, just before the load transaction (tests use it to time a kill). */
  beforeLoad?: () => Promise<void> | void;
}

export interface SourceReconciliation {
  source: string;
  files_read: number;
  files_skipped: number;
  rows_read: number;
  loaded: number;
  rejected: number;
  filtered: Record<string, number>;
}

/** The reconciliation of one ingest; the first four keys are the CLI's --json contract. */
export interface IngestResult {
  rows_read: number;
  loaded: number;
  rejected: number;
  filtered: Record<string, number>;
  ingest_id: string;
  dataset: string;
  origin: string;
  source_path: string;
  files_read: number;
  files_skipped: number;
  customer_policy: CustomerPolicy | null;
  tables: Record<string, number>;
  quarantine_file: string | null;
  sources: SourceReconciliation[];
  seconds: number;
}

interface PlannedSource {
  spec: SourceSpec;
  inputs: (FileInput & { hash: string; rows?: number })[];
  skipped: number;
}

function ingestIdFor(dataset: string, started: Date, hashes: string[]): string {
  const stamp = started.toISOString().replace(/[-:]/g, "").replace(".", "");
  return `${dataset}-${stamp}-${sha256(Buffer.from(hashes.join(","))).slice(0, 8)}`;
}

export function defaultQuarantineDir(store: Store): string {
  return store.kind === "duckdb" && store.location !== ":memory:" ? join(dirname(resolve(store.location)), "quarantine") : resolve("quarantine");
}

async function knownHashes(store: Store, dataset: string): Promise<Set<string>> {
  if (!(await store.tableExists("ingest_files"))) return new Set();
  const rows = await store.query<{ source: string; content_hash: string }>(
    "SELECT source, content_hash FROM ingest_files WHERE dataset = $1",
    [dataset],
  );
  return new Set(rows.map((r) => `${r.source}\u0000${r.content_hash}`));
}

function plan(mapping: Mapping, path: string, files: SourceFile[], known: Set<string>, progress: Progress): PlannedSource[] {
  const single = files.length === 1 && mapping.sources.length === 1;
  return mapping.sources.map((spec) => {
    const chosen: SourceFile[] = single ? files : selectFiles(files, spec.files);
    if (chosen.length === 0) {
      throw new PatronError(
        "E_NO_FILES",
        `${path}: no file for source "${spec.name}" (expected files matching ${spec.files ?? "*"}); found ${files
          .slice(0, 5)
          .map((f) => f.relativePath)
          .join(", ")}${files.length > 5 ? ", …" : ""}.`,
      );
    }
    const inputs: PlannedSource["inputs"] = [];
    let skipped = 0;
    const seen = new Set<string>();
    for (const file of chosen) {
      const bytes = file.read();
      const hash = sha256(bytes);
      if (known.has(`${spec.name}\u0000${hash}`) || seen.has(hash)) skipped++;
      else inputs.push({ path: file.path, bytes, hash });
      seen.add(hash);
      progress.tick();
    }
    return { spec, inputs, skipped };
  });
}

/** Ingests PATH with a mapping into the store and returns the reconciliation. */
export async function ingest(store: Store, mapping: Mapping, path: string, options: IngestOptions = {}): Promise<IngestResult> {
  const started = new Date();
  const progress = options.progress ?? silentProgress;
  const policy: CustomerPolicy = options.customerPolicy ?? mapping.customerPolicy ?? "anonymous";
  const usesCustomers = mapping.sources.some((s) =>
    s.targets.some((t) => payloadColumns(t.table as CanonicalTableName).some((c) => c.name === "customer_id" && c.nullable)),
  );
  const known = await knownHashes(store, mapping.dataset);
  const files = listFiles(path);
  progress.start(`read ${mapping.dataset}`, files.length);
  const planned = plan(mapping, path, files, known, progress);
  progress.stop();
  const allHashes = planned.flatMap((p) => p.inputs.map((i) => i.hash));
  const ingestId = ingestIdFor(mapping.dataset, started, allHashes);
  const stager = store.kind === "duckdb" ? store : await openDuckDBStore(":memory:");
  const dir = mkdtempSync(join(tmpdir(), "patron-ingest-"));
  const prefix = `patron_stage_${ingestId.replace(/[^a-z0-9]/gi, "_").slice(-24)}`;
  const names: StageNames = { prefix, quarantine: `${prefix}_quarantine`, files: `${prefix}_files` };
  const quarantineDir = options.quarantineDir ?? defaultQuarantineDir(store);
  let quarantineFile: string | null = null;
  try {
    await createStageTables(stager, names);
    const staged: StagedTarget[] = [];
    const perSource: (SourceReconciliation & { primary?: StagedTarget; kept: number })[] = [];
    progress.start(`stage ${mapping.dataset}`, planned.length);
    for (const p of planned) {
      const rec = {
        source: p.spec.name,
        files_read: p.inputs.length,
        files_skipped: p.skipped,
        rows_read: 0,
        loaded: 0,
        rejected: 0,
        filtered: {} as Record<string, number>,
        kept: 0,
        primary: undefined as StagedTarget | undefined,
      };
      if (p.inputs.length > 0) {
        const groups = prepareSource(p.spec, p.inputs, dir, prefix);
        const raw = await readRaw(stager, p.spec, groups, names, dir);
        for (const g of groups) for (const f of g.files) p.inputs[f.index].rows = f.nRecords;
        const typed = await typeRaw(stager, p.spec, raw, names);
        const mapped = await mapSource(stager, mapping, p.spec, typed, names, policy);
        const [{ n }] = await stager.query<{ n: number }>(`SELECT count(*) AS n FROM ${names.quarantine} WHERE source = ${duckdb.literal(p.spec.name)}`);
        rec.rows_read = raw.rowsRead;
        rec.rejected = Number(n);
        rec.filtered = mapped.filtered;
        rec.kept = mapped.kept;
        rec.primary = mapped.targets[0];
        staged.push(...mapped.targets);
        const sum = rec.rejected + rec.kept + Object.values(rec.filtered).reduce((a, b) => a + b, 0);
        if (sum !== rec.rows_read) {
          throw new PatronError(
            "E_RECONCILE",
            `internal error: source ${p.spec.name} read ${rec.rows_read} records but accounted for ${sum}; please report this with the input file.`,
          );
        }
      }
      perSource.push(rec);
      progress.tick();
    }
    progress.stop();
    const derived = planned.some((p) => p.inputs.length > 0) ? await deriveTables(stager, mapping, staged, names) : [];
    const [{ nq }] = await stager.query<{ nq: number }>(`SELECT count(*) AS nq FROM ${names.quarantine}`);
    if (Number(nq) > 0) {
      mkdirSync(quarantineDir, { recursive: true });
      quarantineFile = join(quarantineDir, `${ingestId}.csv`);
      await stager.exec(
        `COPY (SELECT source, file, line, column_name, reason, raw FROM ${names.quarantine} ORDER BY source, file, line) TO ${duckdb.literal(quarantineFile)} (HEADER, DELIMITER ',')`,
      );
    }
    await options.beforeLoad?.();
    const tables: Record<string, number> = {};
    const constants = { dataset: mapping.dataset, ingest_id: ingestId };
    await store.transaction(async (tx) => {
      await ensureSchema(tx);
      const reader = tx.kind === "duckdb" ? tx : stager;
      progress.start(`load ${mapping.dataset}`, staged.length + derived.length);
      for (const target of [...staged, ...derived]) {
        const def = canonicalTables[target.table];
        const inserted = await insertStaged(tx, reader, def, payloadColumns(target.table), `SELECT * FROM ${target.staged}`, constants);
        tables[target.table] = (tables[target.table] ?? 0) + inserted;
        await failpoint("ingest-load");
        for (const rec of perSource) {
          if (rec.primary === target) {
            rec.loaded = inserted;
            rec.filtered.already_loaded = rec.kept - inserted;
          }
        }
        progress.tick();
      }
      progress.stop();
      const q = bookkeepingTables.quarantine;
      await insertStaged(tx, reader, q, q.columns.filter((c) => c.name !== "ingest_id" && c.name !== "dataset"), `SELECT source, file, line, column_name, reason, raw FROM ${names.quarantine}`, constants);
      await insertRows(
        tx,
        bookkeepingTables.ingest_files,
        planned.flatMap((p) =>
          p.inputs.map((input) => ({
            dataset: mapping.dataset,
            source: p.spec.name,
            file: input.path,
            content_hash: input.hash,
            bytes: input.bytes.length,
            rows_read: input.rows ?? 0,
            ingest_id: ingestId,
          })),
        ),
      );
      const ruleRows = perSource.flatMap((rec) => {
        const spec = planned.find((p) => p.spec.name === rec.source)!.spec;
        const describe = (rule: string) =>
          spec.rules.find((r) => r.name === rule) ? describeRule(spec.rules.find((r) => r.name === rule)!) : (BUILT_IN_RULES as Record<string, string>)[rule] ?? null;
        return [
          { rule: "rows_read", rows: rec.rows_read, description: "records read" },
          { rule: "loaded", rows: rec.loaded, description: "records loaded" },
          { rule: "rejected", rows: rec.rejected, description: "records quarantined" },
          ...Object.entries(rec.filtered).map(([rule, rows]) => ({ rule, rows, description: describe(rule) })),
        ].map((r) => ({ ingest_id: ingestId, source: rec.source, ...r }));
      });
      await insertRows(tx, bookkeepingTables.ingest_rules, ruleRows);
      const result = summarize();
      await insertRows(tx, bookkeepingTables.ingests, [
        {
          ingest_id: ingestId,
          dataset: mapping.dataset,
          origin: result.origin,
          source_path: path,
          started_at: started,
          finished_at: new Date(),
          files_read: result.files_read,
          files_skipped: result.files_skipped,
          rows_read: result.rows_read,
          loaded: result.loaded,
          rejected: result.rejected,
          filtered: result.filtered,
          tables: result.tables,
          customer_policy: result.customer_policy,
          quarantine_file: quarantineFile,
        },
      ]);
    });
    return summarize();

    function summarize(): IngestResult {
      const filtered: Record<string, number> = {};
      for (const rec of perSource) for (const [rule, n] of Object.entries(rec.filtered)) filtered[rule] = (filtered[rule] ?? 0) + n;
      return {
        rows_read: perSource.reduce((s, r) => s + r.rows_read, 0),
        loaded: perSource.reduce((s, r) => s + r.loaded, 0),
        rejected: perSource.reduce((s, r) => s + r.rejected, 0),
        filtered,
        ingest_id: ingestId,
        dataset: mapping.dataset,
        origin: options.origin ?? `mapping:${mapping.dataset}`,
        source_path: path,
        files_read: perSource.reduce((s, r) => s + r.files_read, 0),
        files_skipped: perSource.reduce((s, r) => s + r.files_skipped, 0),
        customer_policy: usesCustomers ? policy : null,
        tables,
        quarantine_file: quarantineFile,
        sources: perSource.map(({ primary: _p, kept: _k, ...rest }) => rest),
        seconds: (Date.now() - started.getTime()) / 1000,
      };
    }
  } catch (error) {
    if (quarantineFile) rmSync(quarantineFile, { force: true });
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (stager !== store) await stager.close();
    else await dropStageTables(store, prefix);
    if (planned.every((p) => p.inputs.length === 0) && planned.length > 0) warn("W_NOTHING_NEW", `${path}: every file was ingested before; nothing new to load.`);
  }
}

async function dropStageTables(store: Store, prefix: string): Promise<void> {
  const rows = await store.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE $1",
    [`${prefix}%`],
  );
  for (const r of rows) await store.exec(`DROP TABLE IF EXISTS ${duckdb.ident(r.table_name)}`);
}
