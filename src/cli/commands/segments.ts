/**
 * `patron segments`: customer segmentation and the Insiders (issue #7). Parse → call
 * src/jobs/segments → print.
 *   patron segments [--preset online-retail] [--as-of DATE]   the full analysis, stored as a run
 *   patron segments run --as-of DATE                          a scheduled run of the chosen configuration
 *   patron segments history                                   stored runs
 *   patron segments migrations [RUN_ID]                       migration matrix and Insiders changes
 * With --json the last stdout line is the contract object (see `segmentsContract`).
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import type { SegmentResult } from "../../jobs/segments/analysis.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface SegmentsCliOptions {
  preset?: string;
  dataset?: string;
  db: string;
  asOf?: string;
  quick?: boolean;
  spaces?: string;
  algorithms?: string;
  k?: string;
  oot?: boolean;
  cutoff?: string;
  seed?: string;
  maxInsidersShare?: string;
  threads?: string;
  json?: boolean;
}

/** `--json` of `patron segments`: exactly the keys issue #7 names. */
export function segmentsContract(r: SegmentResult) {
  return {
    customers: r.customers,
    k: r.profiles.filter((p) => p.segment >= 0).length,
    algorithm: r.config.algorithm,
    space: r.config.space,
    silhouette: r.silhouette,
    insiders: r.insiders.customers,
    insiders_revenue_share: r.insiders.shareRevenue,
    oot_insiders_future_share: r.oot?.insidersFutureShare ?? null,
    oot_baseline_future_share: r.oot?.baselineFutureShare ?? null,
  };
}

/** The reduced sweep of --quick (and of tests): two spaces, k-means and Ward, k = 2…6. */
export const QUICK_SWEEP = { spaces: ["features", "pca"], algorithms: ["kmeans", "ward"], kValues: [2, 3, 4, 5, 6] } as const;

function list(value: string | undefined, what: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new PatronError("E_USAGE", `${what} needs a comma-separated list; found "${value}"`);
  return items;
}

function kRange(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(value.trim());
  if (!m) throw new PatronError("E_USAGE", `--k expects N or FROM-TO (e.g. 2-10); found "${value}"`);
  const from = Number(m[1]);
  const to = Number(m[2] ?? m[1]);
  if (from < 2 || to < from) throw new PatronError("E_USAGE", `--k needs 2 ≤ FROM ≤ TO; found ${value}`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function openWithData(options: SegmentsCliOptions) {
  const [{ openStore }, { ensureDataset }, { terminalProgress }] = await Promise.all([
    import("../../store/open.ts"), import("../../data/ensure.ts"), import("../progress-bar.ts"),
  ]);
  const preset = options.preset ?? (options.dataset ? undefined : "online-retail");
  const store = await openStore(options.db);
  const progress = terminalProgress();
  if (preset) {
    if (preset !== "online-retail") throw new PatronError("E_USAGE", `segments works on order lines; the bundled preset for it is online-retail (found --preset ${preset}). For your own data ingest it with a mapping and pass --dataset NAME.`);
    await ensureDataset(store, preset, { progress });
  }
  return { store, progress, dataset: options.dataset ?? preset! };
}

function sweepOptions(options: SegmentsCliOptions) {
  const quick = options.quick ? QUICK_SWEEP : undefined;
  return {
    spaces: (list(options.spaces, "--spaces") ?? quick?.spaces) as never,
    algorithms: (list(options.algorithms, "--algorithms") ?? quick?.algorithms) as never,
    kValues: kRange(options.k) ?? (quick ? [...quick.kValues] : undefined),
    seed: options.seed === undefined ? undefined : Number(options.seed),
    maxInsidersShare: options.maxInsidersShare === undefined ? undefined : Number(options.maxInsidersShare),
  };
}

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : `${(100 * v).toFixed(1)}%`);

export function printResult(r: SegmentResult, out: NodeJS.WritableStream = process.stdout): void {
  out.write(`segments of ${r.dataset} as of ${r.asOf} (${r.mode}, run ${r.runId}): ${r.customers.toLocaleString("en-US")} customers\n`);
  if (r.sweep) {
    out.write(`\nsweep: ${r.sweep.rows.length} candidates; rule: ${r.sweep.rule}\n`);
    const best = r.sweep.rows.filter((x) => x.eligible).sort((a, b) => b.referenceSilhouette - a.referenceSilhouette).slice(0, 8);
    printTable(best.map((x) => ({ space: x.space, algorithm: x.algorithm, parameter: x.parameter, clusters: x.nClusters, silhouette_features: x.referenceSilhouette, silhouette_own: x.silhouette })), out);
  }
  out.write(`\nwinner: ${r.config.algorithm} in ${r.config.space} space${r.config.k ? `, k = ${r.config.k}` : ""}; silhouette ${r.silhouette.toFixed(3)}\n\n`);
  printTable(r.profiles.map((p) => ({ id: p.segment, segment: p.name, customers: p.customers, customers_share: pct(p.shareCustomers), revenue_share: pct(p.shareRevenue), median_revenue: Math.round(p.medianNetRevenue), median_clv: Math.round(p.medianExpectedRevenue) })), out);
  const i = r.insiders;
  out.write(`\nInsiders (${r.insiderCriterion}): ${i.customers} customers (${pct(i.shareCustomers)}), ${pct(i.shareRevenue)} of revenue; median revenue ${Math.round(i.medianRevenue)} vs ${Math.round(i.medianRevenueRest)}; 95% bootstrap interval of the difference ${Math.round(i.medianDifference.low)} … ${Math.round(i.medianDifference.high)}; Mann-Whitney p ${i.mannWhitney.pGreater.toPrecision(2)}\n`);
  out.write(`entry rules (tree accuracy ${pct(r.rules.accuracy)}):\n${r.rules.entry.map((e) => `  - ${e.text} (${e.members}/${e.customers})`).join("\n")}\n`);
  if (r.oot) {
    const o = r.oot;
    out.write(`\nout of time: chosen before ${o.cutoff} (${o.config.algorithm}/${o.config.space}, ${o.insiders} Insiders); their share of revenue ${o.cutoff} … ${o.end}: ${pct(o.insidersFutureShare)} vs ${pct(o.baselineFutureShare)} for the top ${o.insiders} past spenders — ${o.beatsBaseline ? "beats" : "does not beat"} the baseline, ${o.atLeastHalf ? "≥" : "<"} 50%\n`);
  }
  if (r.migration) {
    const m = r.migration;
    out.write(`\nsince run ${m.previousRunId} (as of ${m.previousAsOf}): ${m.stillInsiders} of ${m.previousInsiders} Insiders stayed (${pct(m.retention)}), ${m.entered} entered, ${m.left} left\n`);
  }
  out.write(`\n${r.questions.map((q) => `${q.number}. ${q.question}\n   ${q.answer}`).join("\n")}\n`);
}

export function register(program: Command): void {
  const segments = program
    .command("segments")
    .description("Segment customers (features in SQL, clustering sweep), pick the Insiders, prove it out of time, store the run")
    // Options after a subcommand's name belong to the subcommand (segments run --db …).
    .enablePositionalOptions()
    .option("--preset <name>", "bundled dataset to ingest when missing (online-retail)")
    .option("--dataset <name>", "an ingested dataset with order lines (instead of --preset)")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--as-of <date>", "use history strictly before this date (default: the day after the last order)")
    .option("--quick", "reduced sweep: features and PCA spaces, k-means and Ward, k = 2…6")
    .option("--spaces <list>", "spaces to sweep: features,pca,umap,tsne,tree")
    .option("--algorithms <list>", "algorithms to sweep: kmeans,gmm,ward,dbscan,hdbscan")
    .option("--k <range>", "cluster counts, e.g. 2-10")
    .option("--max-insiders-share <share>", "largest share of customers the Insiders cluster may hold for a segmentation to be eligible (default 0.2; 1 = no limit)")
    .option("--no-oot", "skip the out-of-time proof")
    .option("--cutoff <date>", "cut-off of the out-of-time proof (default for online-retail: 2011-09-01)")
    .option("--seed <n>", "seed of every random choice", "0")
    .option("--threads <n>", "worker threads for the two sweeps (default: cores)")
    .option("--json", "print the summary object as the last line")
    .action(
      action(async (options: SegmentsCliOptions) => {
        const { analyseSegments } = await import("../../jobs/segments/analysis.ts");
        const { store, progress, dataset } = await openWithData(options);
        try {
          const result = await analyseSegments(store, {
            dataset, asOf: options.asOf, ...sweepOptions(options),
            ootCutoff: options.oot === false ? null : options.cutoff,
            nThreads: options.threads === undefined ? undefined : Number(options.threads),
          }, progress);
          printResult(result);
          return segmentsContract(result);
        } finally {
          await store.close();
        }
      }),
    );

  segments
    .command("run")
    .description("A scheduled run: refit the chosen configuration as of a date, keep identities, store migrations")
    .requiredOption("--as-of <date>", "use history strictly before this date")
    .option("--preset <name>", "bundled dataset to ingest when missing (online-retail)")
    .option("--dataset <name>", "an ingested dataset with order lines")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the summary object as the last line")
    .action(
      action(async (options: SegmentsCliOptions) => {
        const { runScheduledSegments } = await import("../../jobs/segments/run.ts");
        const { store, progress, dataset } = await openWithData(options);
        try {
          const result = await runScheduledSegments(store, { dataset, asOf: options.asOf! }, progress);
          printResult(result);
          return {
            run_id: result.runId, as_of: result.asOf, ...segmentsContract(result),
            previous_run_id: result.migration?.previousRunId ?? null,
            insiders_retention: result.migration?.retention ?? null,
            entered: result.migration?.entered ?? null, left: result.migration?.left ?? null,
          };
        } finally {
          await store.close();
        }
      }),
    );

  segments
    .command("history")
    .description("Stored segmentation runs, newest first")
    .option("--dataset <name>", "dataset", "online-retail")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the runs as the last line")
    .action(
      action(async (options: SegmentsCliOptions) => {
        const [{ openStore }, { listRuns }] = await Promise.all([import("../../store/open.ts"), import("../../jobs/segments/runs.ts")]);
        const store = await openStore(options.db);
        try {
          const runs = await listRuns(store, options.dataset!);
          if (runs.length === 0) process.stdout.write("no segmentation runs stored yet; run `patron segments` first\n");
          else printTable(runs.map((r) => ({ run_id: r.run_id, as_of: r.as_of, mode: r.mode, algorithm: r.algorithm, space: r.space, k: r.k, customers: r.customers, insiders: r.insiders, revenue_share: pct(Number(r.insiders_revenue_share)) })));
          return { runs };
        } finally {
          await store.close();
        }
      }),
    );

  segments
    .command("migrations")
    .description("Customers moving between segments from the previous run to RUN_ID (default: the latest run)")
    .argument("[run]", "run id")
    .option("--dataset <name>", "dataset", "online-retail")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the matrix and changes as the last line")
    .action(
      action(async (options: SegmentsCliOptions, runId?: string) => {
        const [{ openStore }, { listRuns, storedMigrations }] = await Promise.all([import("../../store/open.ts"), import("../../jobs/segments/runs.ts")]);
        const store = await openStore(options.db);
        try {
          const runs = await listRuns(store, options.dataset!);
          const run = runId ? runs.find((r) => r.run_id === runId) : runs[0];
          if (!run) throw new PatronError("E_NOT_FOUND", runId ? `no segmentation run ${runId}; see \`patron segments history\`` : "no segmentation runs stored yet; run `patron segments` first");
          if (!run.previous_run_id) {
            process.stdout.write(`run ${run.run_id} (as of ${run.as_of}) has no earlier run to compare with; run \`patron segments run --as-of DATE\` with a later date\n`);
            return { run_id: run.run_id, previous_run_id: null, matrix: [], changes: [] };
          }
          const { matrix, changes } = await storedMigrations(store, String(run.run_id));
          process.stdout.write(`from run ${run.previous_run_id} to run ${run.run_id} (as of ${run.as_of})\n`);
          printTable(matrix);
          const counts = { entered: changes.filter((c) => c.change === "entered").length, left: changes.filter((c) => c.change === "left").length };
          process.stdout.write(`\nInsiders: ${counts.entered} entered, ${counts.left} left\n`);
          printTable(changes.slice(0, 20));
          return { run_id: run.run_id, previous_run_id: run.previous_run_id, matrix, changes };
        } finally {
          await store.close();
        }
      }),
    );
}

/** The step `patron main` (npm start) can run: the full analysis on the bundled Online Retail data. */
export const segmentsStep: import("./main.ts").MainStep = {
  name: "segments",
  async run({ store, progress }) {
    const [{ ensureDataset }, { analyseSegments }] = await Promise.all([import("../../data/ensure.ts"), import("../../jobs/segments/analysis.ts")]);
    await ensureDataset(store, "online-retail", { progress });
    const r = await analyseSegments(store, { dataset: "online-retail" }, progress);
    return {
      result: `${r.config.algorithm}/${r.config.space} k=${r.profiles.filter((p) => p.segment >= 0).length}; ${r.insiders.customers} Insiders, ${pct(r.insiders.shareRevenue)} of revenue` +
        (r.oot ? `; out of time ${pct(r.oot.insidersFutureShare)} vs baseline ${pct(r.oot.baselineFutureShare)}` : ""),
    };
  },
};
