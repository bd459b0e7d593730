/**
 * The jobs role's scheduled work, on croner (cron expressions in UTC; a run still going when the
 * next is due is skipped, not stacked — croner's `protect`). One job today: retraining the
 * offers policy from the decision log (src/loop/retrain.ts). A promotion is announced on the bus
 * so the decide and api roles load the new model at once instead of at their next refresh.
 *
 * A failed run is logged and kept as the last result; the schedule goes on (the next run may
 * have the data this one lacked).
 */
import { Cron } from "croner";
import { PatronError, isPatronError } from "../../core/errors.ts";
import { RetrainOptions as RetrainOptionsSchema, type RetrainOptions } from "../../loop/challenger.ts";
import type { Store } from "../../store/store.ts";

export interface JobRun {
  job: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  summary: Record<string, unknown>;
}

export interface SchedulerDeps {
  store: Store;
  dataset: string;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Called after a promotion (tell the other roles, reload this process's models). */
  onPromoted(): Promise<void>;
}

export class Scheduler {
  readonly #jobs: Array<{ name: string; cron: Cron }> = [];
  readonly runs: JobRun[] = [];
  running = 0;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Schedules retraining; throws E_OPTION for an expression croner cannot read. */
  scheduleRetrain(cron: string, options: RetrainOptions): void {
    // Bad retraining options fail the start, not the first run hours later.
    const parsed = RetrainOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PatronError("E_OPTION", `the scheduled retraining's option ${issue.path.join(".") || "(root)"} is invalid: ${issue.message}.`);
    }
    let job: Cron;
    try {
      // No croner `name`: names are global to the process, and tests run several services in one.
      job = new Cron(cron, { timezone: "UTC", protect: true, unref: true }, () => this.retrainNow(options).then(() => undefined));
    } catch (error) {
      throw new PatronError("E_OPTION", `the retrain schedule ${JSON.stringify(cron)} is not a cron expression (${(error as Error).message}); e.g. "0 3 * * *" for 03:00 UTC daily.`);
    }
    this.#jobs.push({ name: `retrain (${cron})`, cron: job });
  }

  next(): Array<{ job: string; next: string | null }> {
    return this.#jobs.map((j) => ({ job: j.name, next: j.cron.nextRun()?.toISOString() ?? null }));
  }

  async retrainNow(options: RetrainOptions): Promise<JobRun> {
    const startedAt = new Date().toISOString();
    this.running++;
    let run: JobRun;
    try {
      const { retrain } = await import("../../loop/retrain.ts");
      const result = await retrain(this.deps.store, { dataset: this.deps.dataset, options });
      run = {
        job: "retrain", startedAt, finishedAt: new Date().toISOString(), ok: true,
        summary: { champion: result.champion, challenger: `offers:v${result.challenger.version}`, promoted: result.promoted, reason: result.reason },
      };
      this.deps.log.info(run.summary, "scheduled retraining finished");
      if (result.promoted) await this.deps.onPromoted();
    } catch (error) {
      run = {
        job: "retrain", startedAt, finishedAt: new Date().toISOString(), ok: false,
        summary: { error: isPatronError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.message ?? error) },
      };
      this.deps.log.error(run.summary, "scheduled retraining failed");
    } finally {
      this.running--;
    }
    this.runs.push(run);
    if (this.runs.length > 20) this.runs.shift();
    return run;
  }

  stop(): void {
    for (const job of this.#jobs) job.cron.stop();
  }
}
