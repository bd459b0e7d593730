/**
 * Stored data profiles, so the report and the dashboard can show the profile section without
 * profiling again: `npm start` profiles each bundled dataset's raw files (src/profile, the same
 * call as `patron profile --preset NAME`) and keeps the result here, one row per run, the
 * newest per scope winning.
 *
 *   profile_runs  run_id, scope (the preset or file set profiled), created_at (UTC), report (JSON)
 */
import { randomUUID } from "node:crypto";
import type { ProfileReport } from "../../profile/types.ts";
import type { Store } from "../../store/store.ts";
import { sqlTimestampText } from "../../store/result-tables.ts";

export interface ProfileRun {
  runId: string;
  scope: string;
  createdAt: string;
  report: ProfileReport;
}

export async function ensureProfileRuns(store: Store): Promise<void> {
  const text = store.kind === "postgres" ? "TEXT" : "VARCHAR";
  await store.exec(
    `CREATE TABLE IF NOT EXISTS profile_runs (run_id ${text} PRIMARY KEY, scope ${text} NOT NULL, created_at TIMESTAMP NOT NULL, report ${text} NOT NULL)`,
  );
}

/** Stores one profile; returns its run id. `now` is the creation time in epoch ms (tests pin it). */
export async function saveProfileRun(store: Store, scope: string, report: ProfileReport, now = Date.now()): Promise<string> {
  await ensureProfileRuns(store);
  const runId = randomUUID();
  const createdAt = sqlTimestampText(now);
  await store.exec(`INSERT INTO profile_runs (run_id, scope, created_at, report) VALUES ($1, $2, CAST($3 AS TIMESTAMP), $4)`, [
    runId,
    scope,
    createdAt,
    JSON.stringify(report),
  ]);
  return runId;
}

/** The newest profile of every scope, ordered by scope; empty when nothing was profiled. */
export async function latestProfileRuns(store: Store): Promise<ProfileRun[]> {
  if (!(await store.tableExists("profile_runs"))) return [];
  const rows = await store.query<{ run_id: string; scope: string; created_at: Date; report: string }>(
    `SELECT run_id, scope, created_at, report FROM (
       SELECT run_id, scope, created_at, report, row_number() OVER (PARTITION BY scope ORDER BY created_at DESC, run_id DESC) AS rank
       FROM profile_runs) AS ranked
     WHERE rank = 1 ORDER BY scope`,
  );
  return rows.map((r) => ({
    runId: r.run_id,
    scope: r.scope,
    createdAt: toIso(r.created_at),
    report: JSON.parse(r.report) as ProfileReport,
  }));
}

/** Timestamps come back as Date (read as UTC) on both stores; text as a fallback. */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return /[zZ]$/.test(text) ? text : `${text.replace(" ", "T")}Z`;
}
