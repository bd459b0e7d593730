/**
 * The steps `patron main` (`npm start`) runs after the ingests: profile the bundled data, run
 * every job through its own entry point (src/jobs/**), then write report.html from what they
 * stored. Each step returns one short summary row; heavy modules load inside the step so
 * `patron --help` stays fast.
 */
import type { MainStep, StepSummary } from "./commands/main.ts";

/**
 * The presets whose raw files are profiled. IUM is left out on purpose: its users file holds
 * (synthetic) names and street addresses, and a profile lists the most frequent values — a
 * report must not print personal data.
 */
export const PROFILED_PRESETS = ["one-click", "online-retail", "hillstrom", "cdnow"] as const;

export const profileStep: MainStep = {
  name: "profile",
  async run({ store }): Promise<StepSummary> {
    const [{ runProfile }, { saveProfileRun }] = await Promise.all([import("../profile/run.ts"), import("../serve/dashboard/profile-runs.ts")]);
    let warnings = 0;
    let tables = 0;
    for (const preset of PROFILED_PRESETS) {
      // The raw files are read by an in-memory DuckDB (what `patron profile --preset` does);
      // only the result goes into the store.
      const report = await runProfile({ preset });
      await saveProfileRun(store, preset, report);
      warnings += report.warnings.length;
      tables += report.tables;
    }
    return { result: `${PROFILED_PRESETS.length} datasets, ${tables} tables, ${warnings} warnings` };
  },
};

export function reportStep(out: string): MainStep {
  return {
    name: "report",
    async run({ store }): Promise<StepSummary> {
      const { writeReport } = await import("./commands/report.ts");
      const outcome = await writeReport({ store, out });
      // Live decisions and their measured effect come from the running service, not from a step.
      const { JOBS } = await import("../serve/dashboard/jobs.ts");
      const live = new Set(JOBS.filter((j) => j.live).map((j) => j.id));
      const missing = Object.entries(outcome.jobs).filter(([id, s]) => s !== "done" && !live.has(id)).map(([id]) => id);
      return {
        result: `${outcome.charts} charts, ${(outcome.bytes / 1024).toFixed(0)} KB${missing.length ? `; not run: ${missing.join(", ")}` : ""}`,
        report: outcome.path,
      };
    },
  };
}

/** "k v, k v" — a job's own summary row as one cell, so every job fits one table. */
export function compactSummary(summary: StepSummary): string {
  // Run ids are in the report; in a one-line summary they only take room.
  return Object.entries(summary)
    .filter(([k, v]) => k !== "run" && v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k.replaceAll("_", " ")} ${typeof v === "number" && !Number.isInteger(v) ? Number(v.toFixed(4)) : v}`)
    .join(", ");
}

/**
 * A job's own main step (exported by its command module, which also stores and registers its
 * result), loaded when it runs; its summary row is compacted into one `result` cell.
 */
function jobStep(name: string, load: () => Promise<MainStep>): MainStep {
  return {
    name,
    async run(ctx): Promise<StepSummary> {
      const step = await load();
      return { result: compactSummary(await step.run(ctx)) };
    },
  };
}

/**
 * `patron segments --preset online-retail`: the segments job's own analysis (sweep, Insiders,
 * out-of-time proof, stored run), summarised by its own --json contract.
 */
export const segmentsStep: MainStep = {
  name: "segments online-retail",
  async run({ store, progress }): Promise<StepSummary> {
    const [{ ensureDataset }, { analyseSegments, OOT_CUTOFF }, { segmentsContract }] = await Promise.all([
      import("../data/ensure.ts"),
      import("../jobs/segments/analysis.ts"),
      import("./commands/segments.ts"),
    ]);
    await ensureDataset(store, "online-retail", { progress });
    const result = await analyseSegments(store, { dataset: "online-retail", ootCutoff: OOT_CUTOFF }, progress);
    return { result: compactSummary({ run: result.runId, ...segmentsContract(result) }) };
  },
};

/**
 * `patron clv --preset cdnow` (the reference check against lifetimes' published parameters) and
 * `patron clv --preset online-retail` (after the segments step, so forecasts are per segment).
 */
export function clvStep(preset: "cdnow" | "online-retail"): MainStep {
  return {
    name: `clv ${preset}`,
    async run({ store, progress }): Promise<StepSummary> {
      const [{ ensureDataset }, job] = await Promise.all([import("../data/ensure.ts"), import("../jobs/clv/clv-job.ts")]);
      await ensureDataset(store, preset, { progress });
      const cdnow = preset === "cdnow";
      const result = await job.runClv(store, await job.storeTransactions(store, preset), {
        dataset: preset,
        asOf: cdnow ? job.CDNOW_DEFAULTS.asOf : undefined,
        decimals: cdnow ? job.CDNOW_DEFAULTS.decimals : undefined,
      });
      const { bgnbd, gamma_gamma } = result.parameters;
      return {
        result: compactSummary({
          run: result.runId,
          customers: result.customers,
          r: bgnbd.r, alpha: bgnbd.alpha, a: bgnbd.a, b: bgnbd.b, p: gamma_gamma.p, q: gamma_gamma.q, v: gamma_gamma.v,
          expected_revenue: Math.round(result.totals.expectedRevenue),
        }),
      };
    },
  };
}

/** Every job, in the order the report shows them. */
export const jobSteps: MainStep[] = [
  profileStep,
  jobStep("activity one-click", async () => (await import("./commands/activity.ts")).activityMainStep),
  jobStep("uplift hillstrom", async () => (await import("./commands/uplift.ts")).upliftMainStep),
  jobStep("offers ium", async () => (await import("./commands/offers.ts")).offersMainStep),
  segmentsStep,
  clvStep("cdnow"),
  clvStep("online-retail"),
];
