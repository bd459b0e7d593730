/**
 * Scoring an uploaded customer file with the active "uplift" model (the X5 seed's demo stand,
 * POST /v1/score). The scoring itself is the uplift job's (src/jobs/uplift/scorer.ts, the same
 * code as `patron uplift score`): the file is checked against the model's inputs first — numbers,
 * and categories with their levels, one-hot encoded as in training — and every problem is
 * reported by line, column and reason before anything is scored; then each row gets p_control,
 * p_treated, uplift, customer_type and decision.
 *
 * Registry entry for purpose "uplift": either the job's saved scorer file (kind
 * "patron-uplift-scorer": inputs, config and model together), or a bare uplift model's toJSON()
 * whose inputs are then its numeric feature columns, with config
 * { typeThreshold, costPerContact, marginPerConversion } (decision: contact when
 * uplift × margin > cost).
 */
import { isPatronError, PatronError } from "../core/errors.ts";
import { loadScorer, SCORER_KIND, scoreCsv, ScorerConfig, scorerFile, type Scorer as JobScorer, type ScoredFile } from "../jobs/uplift/scorer.ts";
import { upliftModelFromJSON } from "../uplift/model-json.ts";
import type { CsvTable } from "./csv.ts";

export interface Scorer {
  readonly version: string;
  readonly scorer: JobScorer;
}

/** Builds the scorer of a registry entry, validating everything first (422 when it does not fit). */
export async function buildScorer(version: string, modelJSON: unknown, configJSON: unknown): Promise<Scorer> {
  const kind = typeof modelJSON === "object" && modelJSON !== null ? (modelJSON as { kind?: unknown }).kind : undefined;
  try {
    if (kind === SCORER_KIND) return { version, scorer: await loadScorer(modelJSON, `model ${version}`) };
    const parsed = ScorerConfig.safeParse(configJSON);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PatronError(
        "E_MODEL_CONFIG",
        `the uplift model ${version} needs a scoring config { typeThreshold, costPerContact, marginPerConversion }; at ${issue.path.join(".") || "(root)"}: ${issue.message}.`,
      );
    }
    const model = await upliftModelFromJSON(modelJSON);
    const file = scorerFile(model, model.featureNames.map((name) => ({ name, type: "number" as const })), parsed.data, {
      dataset: "registry", target: "outcome", createdAt: new Date(0).toISOString(),
    });
    return { version, scorer: await loadScorer(file, `model ${version}`) };
  } catch (error) {
    // A model that cannot be built is a bad registry entry (422), not a bad request.
    if (isPatronError(error) && error.code === "E_MODEL_FILE") throw new PatronError("E_MODEL_CONFIG", error.message);
    throw error;
  }
}

export function scoreTable(scorer: Scorer, table: CsvTable, source = "the uploaded file"): ScoredFile & { summary: { model_version: string } } {
  const scored = scoreCsv(scorer.scorer, table, source);
  return { ...scored, summary: { ...scored.summary, model_version: scorer.version } };
}
