/**
 * Everything `patron report` and the dashboard's overview read from a store, in the shape the
 * pure report code takes (src/report/report.ts): the datasets with their last ingest, every
 * job's latest result, and the versions of the program and the libraries behind the figures.
 */
import { readFileSync } from "node:fs";
import { listIngested } from "../../data/ensure.ts";
import type { DatasetSummary } from "../../report/report-overview.ts";
import type { ReportInput } from "../../report/report.ts";
import type { Store } from "../../store/store.ts";
import { loadJobs } from "./jobs.ts";

export async function datasetSummaries(store: Store): Promise<DatasetSummary[]> {
  const datasets = await listIngested(store, 1);
  return datasets.map((d) => {
    const last = d.ingests[0];
    return {
      dataset: d.dataset,
      tables: d.tables,
      ...(last
        ? {
            lastIngest: {
              finishedAt: last.finished_at instanceof Date ? last.finished_at.toISOString() : (last.finished_at ?? null),
              origin: last.origin,
              rowsRead: last.rows_read,
              loaded: last.loaded,
              rejected: last.rejected,
              filtered: Object.values(last.filtered).reduce((a, b) => a + Number(b), 0),
            },
          }
        : {}),
    };
  });
}

function packageVersion(name: string): string | undefined {
  try {
    // Read from the install, not through `exports` (vega does not export its package.json).
    const path = new URL(name === "patron" ? "../../../package.json" : `../../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Patron's version and those of the runtime and the libraries the figures depend on. */
export function versions(store?: Store): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["patron", "vega", "vega-lite", "@duckdb/node-api", "pg"]) {
    const version = packageVersion(name);
    if (version) out[name] = version;
  }
  out.node = process.version;
  if (store) out.store = store.kind;
  return out;
}

export async function collectReportInput(store: Store, options: { generatedAt: string; decisionsDataset?: string; title?: string }): Promise<ReportInput> {
  return {
    title: options.title,
    generatedAt: options.generatedAt,
    store: store.location,
    versions: versions(store),
    datasets: await datasetSummaries(store),
    jobs: await loadJobs({ store, decisionsDataset: options.decisionsDataset ?? "ium" }),
  };
}
