/**
 * Rolling back a model purpose to the version that was active before the current one — one call
 * (`patron models rollback`, or POST /v1/models/:id/activate with that version's id). The
 * registry keeps every version and each version's last activation time, so "the previous one"
 * is the most recently activated version other than the active one; rolling back twice returns
 * to where you started.
 */
import { PatronError } from "../core/errors.ts";
import { activateModel, checkPurpose, listModels, versionLabel, type RegistryEntry } from "../serve/registry-store.ts";
import type { Store } from "../store/store.ts";

export interface RollbackResult {
  from: string | null;
  to: RegistryEntry;
}

export async function rollback(store: Store, purposeInput: string): Promise<RollbackResult> {
  const purpose = checkPurpose(purposeInput);
  const entries = await listModels(store, purpose);
  const active = entries.find((e) => e.active);
  const previous = entries
    .filter((e) => !e.active && e.activatedAt !== null)
    .sort((a, b) => (b.activatedAt ?? "").localeCompare(a.activatedAt ?? "") || b.version - a.version)[0];
  if (!previous) {
    throw new PatronError(
      "E_NO_PREVIOUS",
      `no earlier ${purpose} model was ever active${active ? ` (only ${versionLabel(active)})` : ""}, so there is nothing to roll back to. \`patron models list\` shows the versions; activate one with POST /v1/models/:id/activate.`,
    );
  }
  return { from: active ? versionLabel(active) : null, to: await activateModel(store, previous.modelId) };
}
