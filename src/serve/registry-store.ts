/**
 * The model registry: every model version the service can use, per purpose, with its metrics,
 * the range of data it was trained on and which one is active. Purposes the service reads:
 *
 *   "offers"  the /v1/decide policy: an uplift model over discount arms + economics (policy.ts)
 *   "uplift"  the /v1/score model: an uplift model over customer columns + scoring config (score.ts)
 *
 * Jobs register their models with `registerModel` (their CLI command calls it after training;
 * this module needs only the store, so it can move lower in the layering if jobs need it
 * directly). Versions count up per purpose; activating one deactivates the others of its
 * purpose in the same transaction, so there is at most one active model per purpose and
 * rolling back is activating the previous version.
 */
import { randomBytes } from "node:crypto";
import { PatronError } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import { sqlTimestampText } from "../store/result-tables.ts";

export const PURPOSES = ["offers", "uplift"] as const;
export type Purpose = (typeof PURPOSES)[number];

export interface RegistryEntry {
  modelId: string;
  purpose: Purpose;
  version: number;
  kind: string;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** E.g. { from: "2021-01-01", to: "2022-06-14", rows: 22612 }. */
  trainingRange: Record<string, unknown> | null;
  description: string | null;
  createdAt: string;
  active: boolean;
  activatedAt: string | null;
}

export interface RegistryEntryWithModel extends RegistryEntry {
  model: unknown;
}

export interface RegisterOptions {
  purpose: Purpose;
  /** The model's toJSON(). */
  model: { kind: string; [key: string]: unknown };
  config?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  trainingRange?: Record<string, unknown>;
  description?: string;
  /** Make it the active model of its purpose at once. Default false. */
  activate?: boolean;
}

export function checkPurpose(purpose: unknown): Purpose {
  if (typeof purpose !== "string" || !(PURPOSES as readonly string[]).includes(purpose)) {
    throw new PatronError("E_OPTION", `a model's purpose must be one of ${PURPOSES.join(", ")}; found ${JSON.stringify(purpose)}.`);
  }
  return purpose as Purpose;
}

export async function registerModel(store: Store, options: RegisterOptions): Promise<RegistryEntry> {
  const purpose = checkPurpose(options.purpose);
  if (typeof options.model?.kind !== "string") {
    throw new PatronError("E_MODEL_JSON", `a registered model must be a model's toJSON() with a "kind"; found ${typeof options.model}.`);
  }
  const modelId = `${purpose}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  const now = sqlTimestampText(Date.now());
  await store.transaction(async (tx) => {
    const [{ next }] = await tx.query<{ next: number }>(
      "SELECT COALESCE(max(version), 0) + 1 AS next FROM model_registry WHERE purpose = $1",
      [purpose],
    );
    if (options.activate) await tx.exec("UPDATE model_registry SET active = false WHERE purpose = $1 AND active", [purpose]);
    await tx.exec(
      `INSERT INTO model_registry (model_id, purpose, version, kind, model, config, metrics, training_range, description, created_at, active, activated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS TIMESTAMP), $11, CAST($12 AS TIMESTAMP))`,
      [
        modelId, purpose, Number(next), options.model.kind, JSON.stringify(options.model), JSON.stringify(options.config ?? {}),
        JSON.stringify(options.metrics ?? {}), options.trainingRange ? JSON.stringify(options.trainingRange) : null,
        options.description ?? null, now, Boolean(options.activate), options.activate ? now : null,
      ],
    );
  });
  return (await getEntry(store, modelId))!;
}

const SUMMARY_COLUMNS = `model_id, purpose, version, kind, config, metrics, training_range, description,
  CAST(created_at AS VARCHAR) AS created_at, active, CAST(activated_at AS VARCHAR) AS activated_at`;

interface EntryRow extends Record<string, unknown> {
  model_id: string; purpose: string; version: number; kind: string; config: string; metrics: string;
  training_range: string | null; description: string | null; created_at: string; active: boolean; activated_at: string | null;
  model?: string;
}

function toEntry(r: EntryRow): RegistryEntry {
  return {
    modelId: r.model_id,
    purpose: r.purpose as Purpose,
    version: Number(r.version),
    kind: r.kind,
    config: JSON.parse(r.config),
    metrics: JSON.parse(r.metrics),
    trainingRange: r.training_range ? JSON.parse(r.training_range) : null,
    description: r.description,
    createdAt: r.created_at,
    active: Boolean(r.active),
    activatedAt: r.activated_at,
  };
}

/** Every version, newest first within each purpose (without the model JSON). */
export async function listModels(store: Store, purpose?: Purpose): Promise<RegistryEntry[]> {
  const rows = await store.query<EntryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM model_registry ${purpose ? "WHERE purpose = $1" : ""} ORDER BY purpose, version DESC`,
    purpose ? [purpose] : [],
  );
  return rows.map(toEntry);
}

export async function getEntry(store: Store, modelId: string): Promise<RegistryEntryWithModel | undefined> {
  const [row] = await store.query<EntryRow>(`SELECT ${SUMMARY_COLUMNS}, model FROM model_registry WHERE model_id = $1`, [modelId]);
  return row ? { ...toEntry(row), model: JSON.parse(row.model!) } : undefined;
}

/** The active entry of a purpose, with its model JSON; undefined when none is active. */
export async function activeEntry(store: Store, purpose: Purpose): Promise<RegistryEntryWithModel | undefined> {
  const [row] = await store.query<EntryRow>(
    `SELECT ${SUMMARY_COLUMNS}, model FROM model_registry WHERE purpose = $1 AND active ORDER BY version DESC LIMIT 1`,
    [purpose],
  );
  return row ? { ...toEntry(row), model: JSON.parse(row.model!) } : undefined;
}

/** Makes `modelId` the only active model of its purpose. */
export async function activateModel(store: Store, modelId: string): Promise<RegistryEntry> {
  const entry = await getEntry(store, modelId);
  if (!entry) throw new PatronError("E_NOT_FOUND", `no model ${JSON.stringify(modelId)} in the registry; GET /v1/models lists them.`);
  const now = sqlTimestampText(Date.now());
  await store.transaction(async (tx) => {
    await tx.exec("UPDATE model_registry SET active = false WHERE purpose = $1 AND active AND model_id <> $2", [entry.purpose, modelId]);
    await tx.exec("UPDATE model_registry SET active = true, activated_at = CAST($2 AS TIMESTAMP) WHERE model_id = $1", [modelId, now]);
  });
  return (await getEntry(store, modelId))!;
}

/** A short label for decisions: "offers:v3". */
export function versionLabel(entry: Pick<RegistryEntry, "purpose" | "version">): string {
  return `${entry.purpose}:v${entry.version}`;
}
