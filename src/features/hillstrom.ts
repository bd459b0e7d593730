/**
 * The Hillstrom e-mail experiment as one feature table, in SQL over the canonical tables
 * (customers, exposures, outcomes; docs/data-model.md), written once through store.dialect so it
 * runs the same on DuckDB and PostgreSQL: one row per customer with the arm they were randomised
 * to, the outcomes (visit, conversion, spend) and the pre-campaign features, the categorical ones
 * one-hot encoded.
 *
 * `row_number` is the customer's 0-based row in the original 64,000-row file (the preset makes it
 * the customer id), which fixes issue #6's holdout: rows ≡ 0, 1 or 2 (mod 10), so any tool can be
 * compared on exactly the same customers.
 */
import { PatronError } from "../core/errors.ts";
import type { Frame } from "../core/frame.ts";
import { fromColumns, type Matrix } from "../core/matrix.ts";
import type { Store } from "../store/store.ts";

export const HILLSTROM_DATASET = "hillstrom";
export const HILLSTROM_CAMPAIGN = "hillstrom-2008";
export const HILLSTROM_CONTROL = "No E-Mail";
/** Arms as the preset stores them, control first (the order of the 3-arm policy's arms). */
export const HILLSTROM_ARMS = Object.freeze([HILLSTROM_CONTROL, "Womens E-Mail", "Mens E-Mail"]);

/** Numeric attributes taken as they are. */
export const HILLSTROM_NUMERIC = Object.freeze(["recency", "history", "mens", "womens", "newbie"]);

/** Categorical attributes, each one-hot encoded into `${prefix}_${level in lower case}` columns. */
export const HILLSTROM_CATEGORIES: Readonly<Record<string, { prefix: string; levels: readonly string[] }>> = Object.freeze({
  // "Surburban" is the source's own spelling (PROVENANCE.md); the column keeps it so files match.
  zip_code: { prefix: "zip", levels: ["Urban", "Surburban", "Rural"] },
  channel: { prefix: "channel", levels: ["Phone", "Web", "Multichannel"] },
});

export function oneHotColumn(attribute: string, level: string): string {
  return `${HILLSTROM_CATEGORIES[attribute].prefix}_${level.toLowerCase()}`;
}

/** The feature columns, in the order of the matrix. */
export const HILLSTROM_FEATURES = Object.freeze([
  ...HILLSTROM_NUMERIC,
  ...Object.entries(HILLSTROM_CATEGORIES).flatMap(([attribute, { levels }]) => levels.map((level) => oneHotColumn(attribute, level))),
]);

export const HOLDOUT_MODULUS = 10;
export const HOLDOUT_RESIDUES = Object.freeze([0, 1, 2]);

/** Issue #6's fixed holdout: 0-based row number ≡ 0, 1 or 2 (mod 10). */
export function isHoldoutRow(rowNumber: number): boolean {
  return HOLDOUT_RESIDUES.includes(rowNumber % HOLDOUT_MODULUS);
}

export interface HillstromTable {
  customerId: string[];
  rowNumber: Float64Array;
  /** The arm's name per row (HILLSTROM_ARMS). */
  arm: string[];
  visit: Float64Array;
  conversion: Float64Array;
  spend: Float64Array;
  features: Matrix;
}

/** The SQL of the table (exposed for tests and for users who want to read it). */
export function hillstromSql(store: Pick<Store, "dialect">): string {
  const d = store.dialect;
  const attr = (name: string) => `(c.attributes->>${d.literal(name)})`;
  const numeric = HILLSTROM_NUMERIC.map((name) => `${d.toDouble(attr(name))} AS ${d.ident(name)}`);
  const oneHot = Object.entries(HILLSTROM_CATEGORIES).flatMap(([attribute, { levels }]) =>
    levels.map((level) => `CASE WHEN ${attr(attribute)} = ${d.literal(level)} THEN 1.0 ELSE 0.0 END AS ${d.ident(oneHotColumn(attribute, level))}`),
  );
  const outcome = (metric: string) => `max(CASE WHEN o.metric = ${d.literal(metric)} THEN o.value END)`;
  return `WITH o AS (
  SELECT customer_id, ${outcome("visit")} AS visit, ${outcome("conversion")} AS conversion, ${outcome("spend")} AS spend
  FROM outcomes o WHERE o.dataset = $1 AND o.campaign = $2 GROUP BY customer_id
)
SELECT c.customer_id, ${d.toDouble("c.customer_id")} AS row_number, e.arm,
  o.visit, o.conversion, o.spend,
  ${[...numeric, ...oneHot].join(",\n  ")}
FROM customers c
JOIN exposures e ON e.dataset = c.dataset AND e.customer_id = c.customer_id AND e.campaign = $2
JOIN o ON o.customer_id = c.customer_id
WHERE c.dataset = $1
ORDER BY row_number`;
}

function numericColumn(f: Frame, name: string): Float64Array {
  const column = f.columns.find((c) => c.name === name);
  if (!column || column.kind !== "numeric") throw new PatronError("E_DATA", `the Hillstrom feature query returned no numeric column "${name}".`);
  return column.values;
}

/** Reads the table from the store; the dataset must have been ingested (ensureDataset). */
export async function hillstromTable(store: Store, dataset = HILLSTROM_DATASET): Promise<HillstromTable> {
  const f = await store.frame(hillstromSql(store), [dataset, HILLSTROM_CAMPAIGN]);
  if (f.nRows === 0) {
    throw new PatronError(
      "E_NO_DATA",
      `the store has no Hillstrom customers with an arm and outcomes in dataset "${dataset}"; run \`patron ingest --preset hillstrom\` first.`,
    );
  }
  const text = (name: string) => {
    const column = f.columns.find((c) => c.name === name)!;
    return column.kind === "categorical" ? column.values.map((v) => v ?? "") : Array.from(column.values, String);
  };
  const arm = text("arm");
  const unknownArm = arm.find((a) => !HILLSTROM_ARMS.includes(a));
  if (unknownArm !== undefined) {
    throw new PatronError("E_DATA", `Hillstrom arm "${unknownArm}" is not one of ${HILLSTROM_ARMS.join(", ")}; re-ingest with the hillstrom preset.`);
  }
  const columns: Record<string, Float64Array> = {};
  for (const name of HILLSTROM_FEATURES) columns[name] = numericColumn(f, name);
  for (const name of HILLSTROM_NUMERIC) {
    const values = columns[name];
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new PatronError("E_DATA", `Hillstrom customer ${text("customer_id")[bad]} has no numeric "${name}"; re-ingest with the hillstrom preset.`);
  }
  return {
    customerId: text("customer_id"),
    rowNumber: numericColumn(f, "row_number"),
    arm,
    visit: numericColumn(f, "visit"),
    conversion: numericColumn(f, "conversion"),
    spend: numericColumn(f, "spend"),
    features: fromColumns(columns),
  };
}
