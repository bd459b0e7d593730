/**
 * The service's own tables, created by the service on start — idempotent (CREATE … IF NOT
 * EXISTS) and the same DDL on DuckDB and PostgreSQL through store.dialect. The canonical tables
 * the service writes into (events) or reads (products) belong to the ingest (src/data/schema.ts);
 * they are created with the ingest's own DDL when the store does not have them yet, so a service
 * on an empty store accepts events at once.
 *
 *   api_keys                  hashed API keys, their scope and rate limits
 *   decisions                 every /v1/decide answer (the log issue #10 measures uplift from)
 *   model_registry            model versions per purpose, metrics, training range, the active one
 *   online_feature_snapshots  each customer's online features, written with the events they count
 *   service_state             small key/value facts per dataset (e.g. which ingests the features cover)
 */
import { ensureSchema } from "../data/load.ts";
import type { Store } from "../store/store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";

/** Bumped when a table below changes; stored so a later version can migrate older stores. */
export const SERVICE_SCHEMA_VERSION = 1;

function serviceTables(store: Store): string[] {
  const pg = store.kind === "postgres";
  const text = pg ? "TEXT" : "VARCHAR";
  const double = pg ? "DOUBLE PRECISION" : "DOUBLE";
  return [
    `CREATE TABLE IF NOT EXISTS service_migrations (
       version INTEGER PRIMARY KEY,
       applied_at TIMESTAMP NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS api_keys (
       key_id ${text} PRIMARY KEY,
       name ${text} NOT NULL,
       scope ${text} NOT NULL,
       salt ${text} NOT NULL,
       key_hash ${text} NOT NULL,
       rate_per_second ${double},
       burst ${double},
       created_at TIMESTAMP NOT NULL,
       revoked_at TIMESTAMP)`,
    // decision_id is a random UUID. On PostgreSQL it is also the primary key, so a retried batch
    // whose commit was acknowledged but whose answer was lost is not written twice. DuckDB is
    // embedded (a failed commit is a failed commit) and its key index would triple the cost of
    // logging a decision (≈ 60 → 20 µs measured), so there the UUID alone keeps rows apart.
    `CREATE TABLE IF NOT EXISTS decisions (
       decision_id ${text}${pg ? " PRIMARY KEY" : ""},
       decided_at TIMESTAMP NOT NULL,
       dataset ${text} NOT NULL,
       customer_id ${text} NOT NULL,
       session_id ${text},
       product_id ${text},
       experiment ${text} NOT NULL,
       holdout BOOLEAN NOT NULL,
       arm INTEGER NOT NULL,
       offer ${text} NOT NULL,
       discount ${double} NOT NULL,
       policy_arm INTEGER NOT NULL,
       policy_offer ${text} NOT NULL,
       propensity ${double} NOT NULL,
       expected_profit ${double},
       reason_codes ${text} NOT NULL,
       features ${text} NOT NULL,
       model_version ${text} NOT NULL,
       key_id ${text})`,
    `CREATE TABLE IF NOT EXISTS model_registry (
       model_id ${text} PRIMARY KEY,
       purpose ${text} NOT NULL,
       version INTEGER NOT NULL,
       kind ${text} NOT NULL,
       model ${text} NOT NULL,
       config ${text} NOT NULL,
       metrics ${text} NOT NULL,
       training_range ${text},
       description ${text},
       created_at TIMESTAMP NOT NULL,
       active BOOLEAN NOT NULL,
       activated_at TIMESTAMP)`,
    `CREATE TABLE IF NOT EXISTS online_feature_snapshots (
       dataset ${text} NOT NULL,
       customer_id ${text} NOT NULL,
       state ${text} NOT NULL,
       events BIGINT NOT NULL,
       updated_at TIMESTAMP NOT NULL,
       PRIMARY KEY (dataset, customer_id))`,
    `CREATE TABLE IF NOT EXISTS service_state (
       dataset ${text} NOT NULL,
       key ${text} NOT NULL,
       value ${text} NOT NULL,
       PRIMARY KEY (dataset, key))`,
  ];
}

/** Creates everything the service needs; safe to run on every start and from several processes. */
export async function migrate(store: Store): Promise<void> {
  await ensureSchema(store);
  for (const sql of serviceTables(store)) await store.exec(sql);
  await store.exec(
    `INSERT INTO service_migrations (version, applied_at) VALUES ($1, CAST($2 AS TIMESTAMP)) ON CONFLICT DO NOTHING`,
    [SERVICE_SCHEMA_VERSION, sqlTimestampText(Date.now())],
  );
}
