/**
 * The activity-risk list behind the dashboard's filters: the customers of the activity job's
 * latest run (activity_scores, src/jobs/activity/persist.ts), highest decline probability first,
 * with their top reasons, their favourite category and profit (from the canonical customers and
 * customer_metrics tables of the run's dataset — the job keeps them only for its target list),
 * and their rank on the target list when they are on it. Filtered by a probability threshold
 * and by favourite category in SQL with bound parameters; the page never downloads the list.
 */
import { z } from "zod";
import type { Store } from "../../store/store.ts";
import { toIso } from "./profile-runs.ts";

export const RiskQuery = z.object({
  min_probability: z.coerce.number().min(0).max(1).default(0),
  category: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type RiskQuery = z.infer<typeof RiskQuery>;

export const RISK_COLUMNS = ["customer_id", "probability", "popular_category", "profit", "target_rank", "declined", "reasons"] as const;

/** Column headings as the page shows them. */
export const RISK_HEADINGS: Readonly<Record<(typeof RISK_COLUMNS)[number], string>> = {
  customer_id: "customer",
  probability: "decline probability",
  popular_category: "favourite category",
  profit: "profit (avg. per month, last 3)",
  target_rank: "target list rank",
  declined: "already declined (label)",
  reasons: "top reasons",
};

export interface RiskList {
  status: "done" | "not-run";
  command: string;
  runId: string | null;
  columns: readonly string[];
  headings: Readonly<Record<string, string>>;
  rows: Array<Record<string, unknown>>;
  /** Customers passing the filters (before the limit), and in the whole run. */
  matching: number;
  total: number;
  categories: string[];
}

export async function activityRisk(store: Store, query: RiskQuery): Promise<RiskList> {
  const notRun: RiskList = { status: "not-run", command: "npx patron activity", runId: null, columns: RISK_COLUMNS, headings: RISK_HEADINGS, rows: [], matching: 0, total: 0, categories: [] };
  if (!(await store.tableExists("activity_runs")) || !(await store.tableExists("activity_scores"))) return notRun;
  const [latest] = await store.query<{ run_id: string }>(`SELECT run_id FROM activity_runs ORDER BY created_at DESC, run_id DESC LIMIT 1`);
  if (!latest) return notRun;
  const [hasCustomers, hasMetrics, hasTargets] = await Promise.all([
    store.tableExists("customers"),
    store.tableExists("customer_metrics"),
    store.tableExists("activity_targets"),
  ]);
  const scored = `
    SELECT s.customer_id, s.probability, s.declined, s.reasons,
           ${hasCustomers ? "CAST(c.attributes->>'popular_category' AS VARCHAR)" : "CAST(NULL AS VARCHAR)"} AS popular_category,
           ${hasMetrics ? "m.profit" : "CAST(NULL AS DOUBLE PRECISION)"} AS profit,
           ${hasTargets ? "t.rank" : "CAST(NULL AS BIGINT)"} AS target_rank
    FROM activity_scores s
    ${hasCustomers ? "LEFT JOIN customers c ON c.dataset = s.dataset AND c.customer_id = s.customer_id" : ""}
    ${hasMetrics ? `LEFT JOIN (SELECT dataset, customer_id, avg(value) AS profit FROM customer_metrics
                               WHERE source = 'money' AND metric = 'profit' GROUP BY dataset, customer_id) m
                     ON m.dataset = s.dataset AND m.customer_id = s.customer_id` : ""}
    ${hasTargets ? "LEFT JOIN activity_targets t ON t.run_id = s.run_id AND t.customer_id = s.customer_id" : ""}
    WHERE s.run_id = $1`;
  const params: unknown[] = [latest.run_id, query.min_probability];
  let where = "probability >= $2";
  if (query.category !== undefined) {
    params.push(query.category);
    where += " AND popular_category = $3";
  }
  const [{ total }] = await store.query<{ total: number }>(`SELECT count(*) AS total FROM activity_scores WHERE run_id = $1`, [latest.run_id]);
  const [{ matching }] = await store.query<{ matching: number }>(`SELECT count(*) AS matching FROM (${scored}) AS scored WHERE ${where}`, params);
  const rows = await store.query(
    `SELECT ${RISK_COLUMNS.join(", ")} FROM (${scored}) AS scored WHERE ${where} ORDER BY probability DESC, customer_id LIMIT ${query.limit}`,
    params,
  );
  const categories = (await store.query<{ value: string }>(
    `SELECT DISTINCT popular_category AS value FROM (${scored}) AS scored WHERE popular_category IS NOT NULL ORDER BY 1`,
    [latest.run_id],
  )).map((r) => r.value);
  return {
    status: "done",
    command: notRun.command,
    runId: latest.run_id,
    columns: RISK_COLUMNS,
    headings: RISK_HEADINGS,
    rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === "declined" && v !== null ? Number(v) === 1 : plain(v)]))),
    matching: Number(matching),
    total: Number(total),
    categories,
  };
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return toIso(value);
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}
