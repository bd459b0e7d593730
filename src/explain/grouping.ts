/**
 * SHAP values of encoded columns summed back to the feature they came from (a one-hot group
 * → its original categorical column; a scaled column → itself). Shapley values are additive
 * over coalitions of players, so the sum is the attribution of the group as one player
 * (Lundberg & Lee 2017; shap's "grouping by summing"), and the total still equals the margin.
 */
import { PatronError } from "../core/errors.ts";
import type { ShapValues } from "./shap-values.ts";

/**
 * `sources[j]` is the original column of encoded column j (PipelineModel.featureSources).
 * Returns explanations over the original columns, in order of first appearance.
 */
export function groupShap(shap: ShapValues, sources: readonly string[]): ShapValues {
  const nEncoded = shap.featureNames.length;
  if (sources.length !== nEncoded) {
    throw new PatronError(
      "E_GROUPS",
      `need one source column per encoded column (${nEncoded}: ${shap.featureNames.slice(0, 6).join(", ")}${nEncoded > 6 ? ", …" : ""}); found ${sources.length}. Use the pipeline's featureSources.`,
    );
  }
  const names: string[] = [];
  const groupOf = new Int32Array(nEncoded);
  for (let j = 0; j < nEncoded; j++) {
    let g = names.indexOf(sources[j]);
    if (g < 0) g = names.push(sources[j]) - 1;
    groupOf[j] = g;
  }
  const nGroups = names.length;
  const values = new Float64Array(shap.nRows * shap.nOutputs * nGroups);
  for (let r = 0; r < shap.nRows * shap.nOutputs; r++) {
    for (let j = 0; j < nEncoded; j++) values[r * nGroups + groupOf[j]] += shap.values[r * nEncoded + j];
  }
  return { ...shap, featureNames: names, values };
}

/** Source column of each one-hot column named "column=value" (Patron's encoder naming). */
export function sourcesFromNames(featureNames: readonly string[]): string[] {
  return featureNames.map((name) => {
    const at = name.indexOf("=");
    return at > 0 ? name.slice(0, at) : name;
  });
}
