/**
 * `patron schedule "CRON" -- COMMAND…`: runs a patron command on a cron schedule (croner; five
 * fields, or six with seconds), e.g. `patron schedule "0 3 1 * *" -- segments run --as-of {today}`
 * — what the Insiders seed did with papermill and cron. Each run is a child process (a failing
 * run cannot take the scheduler down, and the child opens the store itself: DuckDB allows one
 * writer per file, so the scheduler holds no connection while a run works), never two at once
 * (croner's protect). Every run is logged to stdout and to the table schedule_runs of --db:
 * command, start, end, exit code and the last lines of its output. `{today}` in the command
 * becomes the run's UTC date.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { action } from "../run-command.ts";

interface ScheduleCliOptions {
  db: string;
  maxRuns?: string;
  timezone?: string;
  json?: boolean;
}

export interface ScheduledRun {
  scheduleId: string;
  runNo: number;
  command: string;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  output: string;
}

const LOG_COLUMNS = [
  { name: "schedule_id", type: "text" }, { name: "run_no", type: "integer" }, { name: "cron", type: "text" },
  { name: "command", type: "text" }, { name: "started_at", type: "timestamp" }, { name: "finished_at", type: "timestamp" },
  { name: "exit_code", type: "integer" }, { name: "output_tail", type: "text" },
] as const;

/** Runs `patron ARGS…` as a child process and collects its output. */
export function runPatron(args: readonly string[]): Promise<{ exitCode: number; output: string }> {
  const bin = new URL("../../../bin/patron.mjs", import.meta.url).pathname;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 20_000) output = output.slice(-10_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("close", (code) => resolve({ exitCode: code ?? 1, output }));
    child.on("error", (error) => resolve({ exitCode: 1, output: String(error) }));
  });
}

async function logRun(db: string, cron: string, run: ScheduledRun): Promise<void> {
  const [{ openStore }, rows] = await Promise.all([import("../../store/open.ts"), import("../../store/result-tables.ts")]);
  const store = await openStore(db);
  try {
    await rows.createResultTable(store, "schedule_runs", LOG_COLUMNS, ["schedule_id", "run_no"]);
    const tail = run.output.trim().split("\n").slice(-20).join("\n");
    await rows.insertColumns(store, "schedule_runs", LOG_COLUMNS, [[run.scheduleId], [run.runNo], [cron], [run.command], [run.startedAt], [run.finishedAt], [run.exitCode], [tail]]);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command("schedule")
    .description('Run a patron command on a cron schedule, logging each run: patron schedule "0 3 1 * *" -- segments run --as-of {today}')
    .argument("<cron>", "cron pattern (5 fields, or 6 with seconds first)")
    .argument("<command...>", "the patron command and its options, after --")
    .option("--db <path|url>", "store for the run log (table schedule_runs)", "./patron.duckdb")
    .option("--max-runs <n>", "stop after this many runs (default: run until stopped)")
    .option("--timezone <tz>", "time zone of the pattern (default: local)")
    .option("--json", "when --max-runs is reached, print the runs as the last line")
    .action(
      action(async (options: ScheduleCliOptions, cron: string, args: string[]) => {
        const { Cron } = await import("croner");
        const maxRuns = options.maxRuns === undefined ? Infinity : Number(options.maxRuns);
        if (!(maxRuns >= 1)) throw new PatronError("E_USAGE", `--max-runs must be a positive whole number; found "${options.maxRuns}"`);
        if (args[0] === "schedule") throw new PatronError("E_USAGE", "a schedule cannot run another schedule");
        const scheduleId = randomUUID();
        const runs: ScheduledRun[] = [];
        let job: InstanceType<typeof Cron>;
        try {
          job = new Cron(cron, { maxRuns, protect: true, timezone: options.timezone, paused: true });
        } catch (error) {
          throw new PatronError("E_USAGE", `"${cron}" is not a cron pattern (${(error as Error).message}); e.g. "0 3 1 * *" = 03:00 on the 1st of every month`);
        }
        process.stdout.write(`schedule ${scheduleId}: patron ${args.join(" ")} at "${cron}"; next run ${job.nextRun()?.toISOString() ?? "never"}\n`);
        await new Promise<void>((resolve) => {
          const tick = async () => {
            const startedAt = Date.now();
            const today = new Date(startedAt).toISOString().slice(0, 10);
            const runArgs = args.map((a) => a.replaceAll("{today}", today));
            process.stdout.write(`[${new Date(startedAt).toISOString()}] run ${runs.length + 1}: patron ${runArgs.join(" ")}\n`);
            const { exitCode, output } = await runPatron(runArgs);
            const run: ScheduledRun = { scheduleId, runNo: runs.length + 1, command: runArgs.join(" "), startedAt, finishedAt: Date.now(), exitCode, output };
            runs.push(run);
            await logRun(options.db, cron, run).catch((error) => process.stderr.write(`warning: could not log run ${run.runNo}: ${(error as Error).message}\n`));
            process.stdout.write(`[${new Date(run.finishedAt).toISOString()}] run ${run.runNo} finished with exit code ${exitCode} in ${((run.finishedAt - startedAt) / 1000).toFixed(1)} s${exitCode === 0 ? "" : `:\n${output.trim().split("\n").slice(-5).join("\n")}`}\n`);
            if (runs.length >= maxRuns) resolve();
          };
          job = new Cron(cron, { maxRuns, protect: true, timezone: options.timezone }, tick);
        });
        job!.stop();
        return { schedule_id: scheduleId, runs: runs.map((r) => ({ run_no: r.runNo, command: r.command, exit_code: r.exitCode, seconds: (r.finishedAt - r.startedAt) / 1000 })) };
      }),
    );
}
