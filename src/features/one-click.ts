/**
 * «В один клик» as one customer table, in SQL over the canonical tables (customers and
 * customer_metrics; docs/data-model.md), written once through store.dialect so it runs the same
 * on DuckDB and PostgreSQL. One row per customer: the market_file attributes, revenue per month
 * and minutes per month pivoted into columns, the average monthly profit, and a few features
 * engineered from the period pivots (the change from month to month, totals).
 *
 * Cleaning as the course task and seed 001 did it: the service type typo 'стандартт' becomes
 * 'стандарт' (the period typo 'предыдцщий_месяц' is already mapped at ingest, src/data/presets/
 * one-click.ts), and customers without revenue in each of the three months are dropped (3 in
 * the bundled data: they have no purchase history to predict from). The label is
 * purchase_activity = 'Снизилась' (declined).
 *
 * The id is numeric (215348…216647), which fixes issue #5's holdout: customers whose id is
 * divisible by 4, so any tool can be compared on exactly the same customers.
 */
import { PatronError } from "../core/errors.ts";
import type { Frame } from "../core/frame.ts";
import type { Store } from "../store/store.ts";

export const ONE_CLICK_DATASET = "one-click";
export const ONE_CLICK_DECLINED = "Снизилась";
export const HOLDOUT_MODULUS = 4;

/** Numeric attributes of customers.attributes, as the preset names them. */
export const ONE_CLICK_NUMERIC = Object.freeze([
  "marketing_activity_6_months",
  "marketing_activity_current_month",
  "tenure_days",
  "promo_purchase_share",
  "categories_per_visit",
  "unpaid_items_quarter",
  "service_errors",
  "pages_per_visit",
]);

export const ONE_CLICK_CATEGORICAL = Object.freeze(["service_type", "allow_messages", "popular_category"]);

/** metric → canonical periods pivoted into `${metric}_${period}` columns. */
export const ONE_CLICK_PERIODS = Object.freeze({
  revenue: ["month_minus_2", "month_minus_1", "current_month"],
  minutes: ["month_minus_1", "current_month"],
} as const);

export const ONE_CLICK_PIVOTS = Object.freeze(
  Object.entries(ONE_CLICK_PERIODS).flatMap(([metric, periods]) => periods.map((period) => `${metric}_${period}`)),
);

/**
 * Features computed from the pivots. A customer whose activity is declining shows it in the
 * direction of their own numbers more than in their level, which the models cannot form from
 * separate columns (kNN and SVC see distances, trees need many splits to form a difference).
 */
export const ONE_CLICK_ENGINEERED = Object.freeze({
  revenue_change: "revenue_current_month - revenue_month_minus_1",
  revenue_change_before: "revenue_month_minus_1 - revenue_month_minus_2",
  minutes_change: "minutes_current_month - minutes_month_minus_1",
  minutes_total: "minutes_current_month + minutes_month_minus_1",
  marketing_change: "marketing_activity_current_month - marketing_activity_6_months",
} as const);

/** The model's feature columns: as the seeds used them, optionally with the engineered ones. */
export function oneClickFeatures(engineered = true): string[] {
  return [
    ...ONE_CLICK_CATEGORICAL,
    ...ONE_CLICK_NUMERIC,
    ...ONE_CLICK_PIVOTS,
    ...(engineered ? Object.keys(ONE_CLICK_ENGINEERED) : []),
  ];
}

/**
 * The customer table before the zero-revenue filter: customer_id, id_number, declined (0/1),
 * profit, the attributes, the pivots and `complete` (1 when revenue is positive in all three
 * months). $1 = dataset.
 */
function baseSql(store: Pick<Store, "dialect">): string {
  const d = store.dialect;
  const attr = (name: string) => `(c.attributes->>${d.literal(name)})`;
  const pivots = Object.entries(ONE_CLICK_PERIODS).flatMap(([metric, periods]) =>
    periods.map(
      (period) =>
        `max(CASE WHEN m.metric = ${d.literal(metric)} AND m.period = ${d.literal(period)} THEN m.value END) AS ${d.ident(`${metric}_${period}`)}`,
    ),
  );
  const revenue = ONE_CLICK_PERIODS.revenue.map((period) => `COALESCE(p.${d.ident(`revenue_${period}`)}, 0) > 0`);
  return `WITH p AS (
  SELECT m.customer_id,
    ${pivots.join(",\n    ")},
    max(CASE WHEN m.metric = 'profit' THEN m.value END) AS profit
  FROM customer_metrics m WHERE m.dataset = $1 GROUP BY m.customer_id
)
SELECT c.customer_id,
  ${d.toDouble("c.customer_id")} AS id_number,
  CASE WHEN ${attr("purchase_activity")} = ${d.literal(ONE_CLICK_DECLINED)} THEN 1.0 ELSE 0.0 END AS declined,
  p.profit,
  CASE WHEN ${attr("service_type")} = 'стандартт' THEN 'стандарт' ELSE ${attr("service_type")} END AS service_type,
  ${attr("allow_messages")} AS allow_messages,
  ${attr("popular_category")} AS popular_category,
  ${ONE_CLICK_NUMERIC.map((name) => `${d.toDouble(attr(name))} AS ${d.ident(name)}`).join(",\n  ")},
  ${ONE_CLICK_PIVOTS.map((name) => `p.${d.ident(name)}`).join(", ")},
  CASE WHEN ${revenue.join(" AND ")} THEN 1 ELSE 0 END AS complete
FROM customers c
LEFT JOIN p ON p.customer_id = c.customer_id
WHERE c.dataset = $1`;
}

/** The SQL of the cleaned table (exposed for tests and for users who want to read it). $1 = dataset. */
export function oneClickSql(store: Pick<Store, "dialect">): string {
  const d = store.dialect;
  const engineered = Object.entries(ONE_CLICK_ENGINEERED).map(([name, expr]) => `${expr} AS ${d.ident(name)}`);
  return `WITH base AS (
${baseSql(store)}
)
SELECT base.*, ${engineered.join(", ")}
FROM base WHERE complete = 1
ORDER BY id_number`;
}

export interface OneClickTable {
  /** Every column of oneClickSql, customers ordered by id. */
  frame: Frame;
  customerId: string[];
  /** 1 = purchase activity declined. */
  declined: Float64Array;
  /** Average monthly profit over the last three months (not a model feature: it ranks the target list). */
  profit: Float64Array;
  /** Issue #5's holdout: id divisible by 4. */
  holdout: Uint8Array;
  /** Customers dropped for zero (or no) revenue in one of the three months. */
  nDroppedZeroRevenue: number;
}

/** Reads the table from the store; the dataset must have been ingested (ensureDataset). */
export async function oneClickTable(store: Store, dataset = ONE_CLICK_DATASET): Promise<OneClickTable> {
  const [counts] = await store.query<{ total: number | bigint; incomplete: number | bigint }>(
    `WITH base AS (${baseSql(store)}) SELECT count(*) AS total, sum(1 - complete) AS incomplete FROM base`,
    [dataset],
  );
  if (Number(counts?.total ?? 0) === 0) {
    throw new PatronError(
      "E_NO_DATA",
      `the store has no customers of dataset "${dataset}"; run \`patron ingest --preset one-click\` first (or \`patron activity\`, which ingests the bundled copy).`,
    );
  }
  const f = await store.frame(oneClickSql(store), [dataset]);
  const numeric = (name: string): Float64Array => {
    const column = f.columns.find((c) => c.name === name);
    if (!column || column.kind !== "numeric") throw new PatronError("E_DATA", `the one-click feature query returned no numeric column "${name}".`);
    return column.values;
  };
  const idColumn = f.columns.find((c) => c.name === "customer_id")!;
  const customerId = idColumn.kind === "categorical" ? idColumn.values.map((v) => v ?? "") : Array.from(idColumn.values, String);
  const idNumber = numeric("id_number");
  const badId = idNumber.findIndex((v) => !Number.isInteger(v));
  if (badId >= 0) {
    throw new PatronError("E_DATA", `one-click customer id "${customerId[badId]}" is not an integer; the holdout (id divisible by ${HOLDOUT_MODULUS}) needs numeric ids. Re-ingest with the one-click preset.`);
  }
  const profit = numeric("profit");
  for (const name of [...ONE_CLICK_NUMERIC, ...ONE_CLICK_PIVOTS]) {
    const values = numeric(name);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new PatronError("E_DATA", `one-click customer ${customerId[bad]} has no numeric "${name}"; re-ingest with the one-click preset.`);
  }
  return {
    frame: f,
    customerId,
    declined: numeric("declined"),
    profit,
    holdout: Uint8Array.from(idNumber, (v) => (v % HOLDOUT_MODULUS === 0 ? 1 : 0)),
    nDroppedZeroRevenue: Number(counts.incomplete ?? 0),
  };
}
