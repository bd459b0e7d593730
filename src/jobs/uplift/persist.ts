/**
 * Where the uplift job leaves its results for the service, the dashboard and the report:
 *
 *   uplift_runs    run_id, dataset, created_at, target, best_learner, uplift_at_30, qini_auc,
 *                  uplift_auc, result (the whole UpliftJobResult as JSON — what the report's
 *                  uplift section is drawn from)
 *   uplift_scores  run_id, dataset, customer_id, scored_at, uplift, p_control, p_treated,
 *                  customer_type, decision, best_email — one row per customer, the latest run
 *                  only (GET /v1/customers/:id reads it; src/serve/job-results.ts)
 *
 * A run is written in one transaction: its run row and the replacement of the dataset's scores.
 */
import type { Store } from "../../store/store.ts";
import type { UpliftJobOutput, UpliftJobResult } from "./hillstrom-job.ts";
import { createResultTable, insertColumns, resultJson, type ResultColumn } from "../../store/result-tables.ts";

const RUN_COLUMNS: ResultColumn[] = [
  { name: "run_id", type: "text" },
  { name: "dataset", type: "text" },
  { name: "created_at", type: "timestamp" },
  { name: "target", type: "text" },
  { name: "best_learner", type: "text" },
  { name: "uplift_at_30", type: "double" },
  { name: "qini_auc", type: "double" },
  { name: "uplift_auc", type: "double" },
  { name: "result", type: "text" },
];

const SCORE_COLUMNS: ResultColumn[] = [
  { name: "run_id", type: "text" },
  { name: "dataset", type: "text" },
  { name: "customer_id", type: "text" },
  { name: "scored_at", type: "timestamp" },
  { name: "uplift", type: "double" },
  { name: "p_control", type: "double" },
  { name: "p_treated", type: "double" },
  { name: "customer_type", type: "text" },
  { name: "decision", type: "text" },
  { name: "best_email", type: "text" },
];

export async function ensureUpliftTables(store: Store): Promise<void> {
  await createResultTable(store, "uplift_runs", RUN_COLUMNS, ["run_id"]);
  await createResultTable(store, "uplift_scores", SCORE_COLUMNS, ["run_id", "customer_id"]);
}

export function newRunId(prefix: string, createdMs: number): string {
  return `${prefix}-${new Date(createdMs).toISOString().replace(/[-:.TZ]/g, "").slice(0, 17)}`;
}

export async function saveUpliftRun(store: Store, output: UpliftJobOutput, runId: string, createdMs: number): Promise<void> {
  await ensureUpliftTables(store);
  const r = output.result;
  const s = output.scores;
  const n = s.customerId.length;
  await store.transaction(async (tx) => {
    await insertColumns(tx, "uplift_runs", RUN_COLUMNS, [
      [runId], [r.dataset], [createdMs], [r.target], [r.summary.best_learner], [r.summary.uplift_at_30], [r.summary.qini_auc],
      [r.summary.uplift_auc], [resultJson(r)],
    ]);
    await tx.exec("DELETE FROM uplift_scores WHERE dataset = $1", [r.dataset]);
    await insertColumns(tx, "uplift_scores", SCORE_COLUMNS, [
      new Array(n).fill(runId), new Array(n).fill(r.dataset), s.customerId, new Array(n).fill(createdMs), s.uplift, s.pControl, s.pTreated,
      s.customerType, s.decision, s.bestEmail,
    ]);
  });
}

/** The latest stored run of a dataset (for the report), or undefined when none is stored. */
export async function latestUpliftRun(store: Store, dataset = "hillstrom"): Promise<{ runId: string; createdAt: string; result: UpliftJobResult } | undefined> {
  if (!(await store.tableExists("uplift_runs"))) return undefined;
  const [row] = await store.query<{ run_id: string; created_at: unknown; result: string }>(
    "SELECT run_id, CAST(created_at AS VARCHAR) AS created_at, result FROM uplift_runs WHERE dataset = $1 ORDER BY created_at DESC, run_id DESC LIMIT 1",
    [dataset],
  );
  return row ? { runId: row.run_id, createdAt: String(row.created_at), result: JSON.parse(row.result) as UpliftJobResult } : undefined;
}
