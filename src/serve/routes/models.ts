/**
 * GET /v1/models: every registered model version with its metrics and training range, and which
 * is active per purpose. POST /v1/models/:id/activate (write key): builds the model first — a
 * model that fails validation is refused (422) and the active one stays — then makes it the
 * only active model of its purpose and swaps it into the running service.
 */
import type { ZodApp } from "../app.ts";
import { discountPolicy } from "../policy.ts";
import { activateModel, getEntry, listModels, PURPOSES, versionLabel, type RegistryEntry } from "../registry-store.ts";
import { buildScorer } from "../score.ts";
import { ModelEntry, ModelParams, ModelsResponse } from "../schemas.ts";
import type { Service } from "../service.ts";
import { PatronError } from "../../core/errors.ts";

function toJSON(entry: RegistryEntry) {
  return {
    model_id: entry.modelId,
    purpose: entry.purpose,
    version: entry.version,
    kind: entry.kind,
    active: entry.active,
    metrics: entry.metrics,
    config: entry.config,
    training_range: entry.trainingRange,
    description: entry.description,
    created_at: entry.createdAt,
    activated_at: entry.activatedAt,
  };
}

export function register(app: ZodApp, service: Service): void {
  app.get("/v1/models", {
    schema: { summary: "The model registry: versions, metrics, training ranges, the active model per purpose", tags: ["models"], response: { 200: ModelsResponse } },
  }, async () => {
    const entries = await service.health.run(() => listModels(service.store));
    const active: Record<string, string | null> = {};
    for (const purpose of PURPOSES) {
      const found = entries.find((e) => e.purpose === purpose && e.active);
      active[purpose] = found ? versionLabel(found) : null;
    }
    return { models: entries.map(toJSON), active };
  });

  app.post("/v1/models/:id/activate", {
    config: { auth: "write" },
    schema: {
      summary: "Make a model version the active one of its purpose (rollback = activate the previous version)",
      tags: ["models"],
      security: [{ apiKey: [] }, { bearer: [] }],
      params: ModelParams,
      response: { 200: ModelEntry },
    },
  }, async (request) => {
    const entry = await service.health.run(() => getEntry(service.store, request.params.id));
    if (!entry) throw new PatronError("E_NOT_FOUND", `no model ${JSON.stringify(request.params.id)} in the registry; GET /v1/models lists them.`);
    // Validate by building before anything changes.
    const label = versionLabel(entry);
    const built = entry.purpose === "offers"
      ? { policy: await discountPolicy(label, entry.model, entry.config) }
      : { scorer: await buildScorer(label, entry.model, entry.config) };
    const activated = await service.health.run(() => activateModel(service.store, entry.modelId));
    if (built.policy) service.decider.policy = built.policy;
    if (built.scorer) service.scorer = built.scorer;
    request.log.info({ model: entry.modelId, purpose: entry.purpose, version: entry.version }, "model activated");
    return toJSON(activated);
  });
}
