/**
 * Reads what the jobs stored, for GET /v1/customers/:id, GET /v1/segments and
 * GET /v1/runs/:id/migrations. The service never computes a job's result; it reads the job's
 * tables, and a part whose job has not run (no table, or no row for the customer) comes back
 * as null and is named in `missing` — not an error.
 *
 * The tables (written by the jobs; a job may add columns, which are passed through):
 *   segment_runs        run_id, as_of | created_at, …        one row per `patron segments run`
 *   segment_assignments run_id, customer_id, segment, …      one row per customer and run
 *   activity_scores     customer_id, probability, reasons, … the activity job's decline risk
 *   clv_predictions     customer_id, expected_revenue, p_alive, …
 *   uplift_scores       customer_id, uplift, customer_type, …
 * Each may carry `dataset`; when it does, rows are filtered on it. When a table holds several
 * runs, the newest row wins (by run time when the table has one, else by run id).
 * Column names are discovered once per table (information_schema, both engines) and cached.
 */
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";

export const CUSTOMER_PARTS = {
  segment: "segment_assignments",
  activity_risk: "activity_scores",
  clv: "clv_predictions",
  uplift: "uplift_scores",
} as const;
export type CustomerPart = keyof typeof CUSTOMER_PARTS;

const TIME_COLUMNS = ["as_of", "scored_at", "created_at", "run_at", "started_at", "finished_at"];
const SEGMENT_COLUMNS = ["segment", "segment_name", "segment_id", "cluster"];
const CACHE_MS = 30_000;

export class JobResults {
  readonly #columns = new Map<string, { at: number; columns: string[] }>();

  constructor(private readonly store: Store) {}

  /**
   * Column names of a table, or null when it does not exist. Known tables are cached for a
   * while; a missing one is looked up again every time, so a job's first run shows at once.
   */
  async columns(table: string): Promise<string[] | null> {
    const cached = this.#columns.get(table);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.columns;
    const rows = await this.store.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
      [table],
    );
    if (rows.length === 0) return null;
    const columns = rows.map((r) => r.column_name);
    this.#columns.set(table, { at: Date.now(), columns });
    return columns;
  }

  #orderBy(columns: readonly string[]): string {
    const d = this.store.dialect;
    const time = TIME_COLUMNS.find((c) => columns.includes(c));
    const keys = [time, columns.includes("run_id") ? "run_id" : undefined].filter((c): c is string => c !== undefined);
    return keys.length ? `ORDER BY ${keys.map((c) => `${d.ident(c)} DESC`).join(", ")}` : "";
  }

  /** The newest row of `table` for a customer, without its key columns; null when none. */
  async customerRow(table: string, customerId: string, dataset: string): Promise<Record<string, unknown> | null> {
    const columns = await this.columns(table);
    if (!columns || !columns.includes("customer_id")) return null;
    const params: unknown[] = [customerId];
    let where = "customer_id = $1";
    if (columns.includes("dataset")) {
      params.push(dataset);
      where += " AND dataset = $2";
    }
    const [row] = await this.store.query(
      `SELECT * FROM ${this.store.dialect.ident(table)} WHERE ${where} ${this.#orderBy(columns)} LIMIT 1`,
      params,
    );
    if (!row) return null;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) if (key !== "customer_id" && key !== "dataset") out[key] = plain(value);
    return out;
  }

  /** Every part for a customer, with the names of those no job has stored. */
  async customer(customerId: string, dataset: string): Promise<{ parts: Record<CustomerPart, Record<string, unknown> | null>; missing: CustomerPart[] }> {
    const parts = {} as Record<CustomerPart, Record<string, unknown> | null>;
    const missing: CustomerPart[] = [];
    for (const part of Object.keys(CUSTOMER_PARTS) as CustomerPart[]) {
      parts[part] = await this.customerRow(CUSTOMER_PARTS[part], customerId, dataset);
      if (parts[part] === null) missing.push(part);
    }
    return { parts, missing };
  }

  async #segmentColumn(): Promise<string | null> {
    const columns = await this.columns("segment_assignments");
    if (!columns || !columns.includes("run_id") || !columns.includes("customer_id")) return null;
    return SEGMENT_COLUMNS.find((c) => columns.includes(c)) ?? null;
  }

  /** Run ids, newest first. */
  async segmentRuns(dataset: string): Promise<Array<Record<string, unknown>>> {
    const d = this.store.dialect;
    const runColumns = await this.columns("segment_runs");
    if (runColumns?.includes("run_id")) {
      const byDataset = runColumns.includes("dataset");
      return (await this.store.query(
        `SELECT * FROM segment_runs ${byDataset ? "WHERE dataset = $1" : ""} ${this.#orderBy(runColumns)}`,
        byDataset ? [dataset] : [],
      )).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
    }
    const columns = await this.columns("segment_assignments");
    if (!columns || (await this.#segmentColumn()) === null) return [];
    const byDataset = columns.includes("dataset");
    return this.store.query(
      `SELECT ${d.ident("run_id")} AS run_id, count(*) AS customers FROM segment_assignments ${byDataset ? "WHERE dataset = $1" : ""} GROUP BY run_id ORDER BY run_id DESC`,
      byDataset ? [dataset] : [],
    );
  }

  /** The latest run's segments with their sizes; null when no segments run is stored. */
  async segments(dataset: string): Promise<{ run: Record<string, unknown>; segments: Array<{ segment: string; customers: number; share: number }> } | null> {
    const segment = await this.#segmentColumn();
    if (segment === null) return null;
    const [run] = await this.segmentRuns(dataset);
    if (!run) return null;
    const rows = await this.store.query<{ segment: unknown; customers: number }>(
      `SELECT CAST(${this.store.dialect.ident(segment)} AS VARCHAR) AS segment, count(*) AS customers
       FROM segment_assignments WHERE CAST(run_id AS VARCHAR) = $1 GROUP BY 1 ORDER BY 2 DESC, 1`,
      [String(run.run_id)],
    );
    const total = rows.reduce((sum, r) => sum + Number(r.customers), 0);
    return {
      run,
      segments: rows.map((r) => ({ segment: String(r.segment), customers: Number(r.customers), share: total ? Number(r.customers) / total : 0 })),
    };
  }

  /**
   * Customers moving between segments from the run before `runId` (or `fromRunId`) to `runId`:
   * one cell per (from, to) pair; customers new in the run come from "(new)", those gone go to "(left)".
   */
  async migrations(runId: string, dataset: string, fromRunId?: string) {
    const segment = await this.#segmentColumn();
    if (segment === null) throw new PatronError("E_NOT_FOUND", "no segments run is stored yet; run `patron segments run` first.");
    const runs = (await this.segmentRuns(dataset)).map((r) => String(r.run_id));
    const at = runs.indexOf(runId);
    if (at < 0) throw new PatronError("E_NOT_FOUND", `no segments run ${JSON.stringify(runId)}; known runs: ${runs.slice(0, 10).join(", ") || "none"}.`);
    const previous = fromRunId ?? runs[at + 1];
    if (previous === undefined) {
      return { run_id: runId, previous_run_id: null, cells: [], stayed: 0, moved: 0, entered: 0, left: 0 };
    }
    if (!runs.includes(previous)) throw new PatronError("E_NOT_FOUND", `no segments run ${JSON.stringify(previous)} to compare with.`);
    const s = this.store.dialect.ident(segment);
    const rows = await this.store.query<{ from_segment: string; to_segment: string; customers: number }>(
      `WITH a AS (SELECT customer_id, CAST(${s} AS VARCHAR) AS seg FROM segment_assignments WHERE CAST(run_id AS VARCHAR) = $1),
            b AS (SELECT customer_id, CAST(${s} AS VARCHAR) AS seg FROM segment_assignments WHERE CAST(run_id AS VARCHAR) = $2)
       SELECT COALESCE(a.seg, '(new)') AS from_segment, COALESCE(b.seg, '(left)') AS to_segment, count(*) AS customers
       FROM a FULL OUTER JOIN b ON a.customer_id = b.customer_id
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [previous, runId],
    );
    const cells = rows.map((r) => ({ from: String(r.from_segment), to: String(r.to_segment), customers: Number(r.customers) }));
    const sum = (keep: (c: (typeof cells)[number]) => boolean) => cells.filter(keep).reduce((n, c) => n + c.customers, 0);
    return {
      run_id: runId,
      previous_run_id: previous,
      cells,
      stayed: sum((c) => c.from === c.to),
      moved: sum((c) => c.from !== c.to && c.from !== "(new)" && c.to !== "(left)"),
      entered: sum((c) => c.from === "(new)"),
      left: sum((c) => c.to === "(left)"),
    };
  }
}

/** JSON-safe values: dates as ISO text, JSON text parsed, non-finite numbers as null. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && /^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}
