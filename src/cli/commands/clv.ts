/**
 * `patron clv`: customer lifetime value with BG/NBD and Gamma-Gamma (issue #7). Parse → call
 * src/jobs/clv → print.
 *   patron clv --preset cdnow                      the bundled CDNOW sample (lifetimes' setup)
 *   patron clv --dataset NAME [--as-of DATE]       an ingested dataset's purchases
 *   patron clv --table FILE --id C --date C --amount C [--as-of DATE] [--unit weeks|days]
 * With --json the last stdout line is {"bgnbd":{r,alpha,a,b},"gamma_gamma":{p,q,v}}.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import type { ClvJobResult } from "../../jobs/clv/clv-job.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface ClvCliOptions {
  preset?: string;
  dataset?: string;
  table?: string;
  id?: string;
  date?: string;
  amount?: string;
  asOf?: string;
  unit?: string;
  horizon: string;
  discount: string;
  db: string;
  json?: boolean;
}

export function printClv(r: ClvJobResult, out: NodeJS.WritableStream = process.stdout): void {
  const p = r.parameters;
  out.write(`CLV of ${r.dataset}: fitted on purchases up to ${r.asOf} (last data ${r.lastDay}), time in ${r.unit}; ${r.customers.toLocaleString("en-US")} customers, ${r.repeatCustomers.toLocaleString("en-US")} with repeat purchases\n`);
  out.write(`BG/NBD      r = ${p.bgnbd.r.toFixed(6)}, alpha = ${p.bgnbd.alpha.toFixed(6)}, a = ${p.bgnbd.a.toFixed(6)}, b = ${p.bgnbd.b.toFixed(6)}\n`);
  out.write(`Gamma-Gamma p = ${p.gamma_gamma.p.toFixed(4)}, q = ${p.gamma_gamma.q.toFixed(4)}, v = ${p.gamma_gamma.v.toFixed(4)}${r.excludedFromSpendModel ? ` (${r.excludedFromSpendModel} customers with repeat spend ≤ 0 left out)` : ""}\n`);
  if (Math.abs(r.frequencySpendCorrelation) > 0.3) out.write(`note: frequency and spend correlate (ρ = ${r.frequencySpendCorrelation.toFixed(2)}); Gamma-Gamma assumes they do not, so read the revenue forecast with care\n`);
  out.write(`\nnext ${r.horizonMonths} months: ${r.totals.expectedPurchases.toFixed(0)} purchases, revenue ${r.totals.expectedRevenue.toFixed(0)}; mean P(alive) ${r.totals.meanProbabilityAlive.toFixed(3)}\n\nby segment (${r.segmentBasis}):\n`);
  printTable(r.segments.map((s) => ({ segment: s.segment, customers: s.customers, expected_purchases: s.expectedPurchases, expected_revenue: s.expectedRevenue, revenue_share: s.revenueShare, mean_p_alive: s.meanProbabilityAlive })), out);
  if (r.holdout) {
    const h = r.holdout;
    out.write(`\nholdout ${h.calibrationEnd} … ${h.observationEnd}: predicted ${h.predictedPurchases.toFixed(0)} vs actual ${h.actualPurchases.toFixed(0)} repeat purchases; MAE per customer ${h.meanAbsoluteError.toFixed(3)}, correlation ${h.correlation.toFixed(3)}\n`);
    printTable(h.byFrequency.map((b) => ({ calibration_repeat_purchases: b.frequency, customers: b.customers, actual_mean: b.actual, predicted_mean: b.predicted })), out);
  }
}

export function register(program: Command): void {
  program
    .command("clv")
    .description("Customer lifetime value: BG/NBD + Gamma-Gamma by maximum likelihood, P(alive), forecasts per customer and segment, holdout check")
    .option("--preset <name>", "bundled dataset (cdnow), ingested when the store lacks it")
    .option("--dataset <name>", "an ingested dataset with order lines")
    .option("--table <file>", "a CSV (any separator) or Parquet file of transactions")
    .option("--id <column>", "with --table: the customer id column")
    .option("--date <column>", "with --table: the date column")
    .option("--amount <column>", "with --table: the amount column")
    .option("--as-of <date>", "fit on transactions up to this day, inclusive (default: the last date; cdnow: 1997-09-30)")
    .option("--unit <unit>", "time unit of recency and T: weeks or days (default weeks)")
    .option("--horizon <months>", "forecast horizon in months", "12")
    .option("--discount <rate>", "monthly discount rate of the revenue forecast", "0")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the parameters as the last line")
    .action(
      action(async (options: ClvCliOptions) => {
        const sources = [options.preset, options.dataset, options.table].filter(Boolean).length;
        if (sources !== 1) throw new PatronError("E_USAGE", "give exactly one of --preset NAME, --dataset NAME or --table FILE (see patron clv --help)");
        if (options.unit !== undefined && options.unit !== "weeks" && options.unit !== "days") throw new PatronError("E_USAGE", `--unit must be weeks or days; found "${options.unit}"`);
        const horizonMonths = Number(options.horizon);
        if (!(horizonMonths > 0)) throw new PatronError("E_USAGE", `--horizon must be a positive number of months; found "${options.horizon}"`);
        const [{ openStore }, job] = await Promise.all([import("../../store/open.ts"), import("../../jobs/clv/clv-job.ts")]);
        const store = await openStore(options.db);
        try {
          let result: ClvJobResult;
          const common = { unit: options.unit as "weeks" | "days" | undefined, horizonMonths, discountRate: Number(options.discount) };
          if (options.table) {
            if (!options.id || !options.date || !options.amount) throw new PatronError("E_USAGE", "--table needs --id, --date and --amount column names");
            const { readTransactionsFile } = await import("../../jobs/clv/table.ts");
            const tx = await readTransactionsFile(options.table, { id: options.id, date: options.date, amount: options.amount });
            const { basename } = await import("node:path");
            result = await job.runClv(store, tx, { dataset: `file:${basename(options.table)}`, asOf: options.asOf, ...common });
          } else {
            const dataset = options.preset ?? options.dataset!;
            if (options.preset) {
              if (options.preset !== "cdnow" && options.preset !== "online-retail") throw new PatronError("E_USAGE", `clv presets: cdnow, online-retail; found "${options.preset}"`);
              const [{ ensureDataset }, { terminalProgress }] = await Promise.all([import("../../data/ensure.ts"), import("../progress-bar.ts")]);
              await ensureDataset(store, options.preset, { progress: terminalProgress() });
            }
            const cdnow = dataset === "cdnow";
            const tx = await job.storeTransactions(store, dataset);
            result = await job.runClv(store, tx, {
              dataset,
              asOf: options.asOf ?? (cdnow ? job.CDNOW_DEFAULTS.asOf : undefined),
              decimals: cdnow ? job.CDNOW_DEFAULTS.decimals : undefined,
              ...common,
            });
          }
          printClv(result);
          return result.parameters;
        } finally {
          await store.close();
        }
      }),
    );
}

/** The step `patron main` (npm start) can run: CLV on the bundled CDNOW sample, lifetimes' setup. */
export const clvStep: import("./main.ts").MainStep = {
  name: "clv",
  async run({ store, progress }) {
    const [{ ensureDataset }, job] = await Promise.all([import("../../data/ensure.ts"), import("../../jobs/clv/clv-job.ts")]);
    await ensureDataset(store, "cdnow", { progress });
    const r = await job.runClv(store, await job.storeTransactions(store, "cdnow"), { dataset: "cdnow", ...job.CDNOW_DEFAULTS });
    const p = r.parameters;
    return { result: `cdnow r=${p.bgnbd.r.toFixed(4)} α=${p.bgnbd.alpha.toFixed(3)} a=${p.bgnbd.a.toFixed(4)} b=${p.bgnbd.b.toFixed(3)}; p=${p.gamma_gamma.p.toFixed(2)} q=${p.gamma_gamma.q.toFixed(2)} v=${p.gamma_gamma.v.toFixed(2)}` };
  },
};
