/**
 * Every preprocessing kind in one table: build a transformer from a JSON spec
 * (`{kind, options}`), rebuild a fitted one from its JSON. Transformers are not models, so
 * they live here rather than in src/models/registry.ts; the pipeline (a model) is registered
 * there and uses this table for its preprocessing.
 */
import { PatronError } from "../../core/errors.ts";
import { columnTransformer, columnTransformerFromJSON } from "./column-transformer.ts";
import { oneHotEncoder, oneHotEncoderFromJSON } from "./one-hot-encoder.ts";
import { ordinalEncoder, ordinalEncoderFromJSON } from "./ordinal-encoder.ts";
import { minMaxScaler, robustScaler, scalerFromJSON, standardScaler } from "./scalers.ts";
import { simpleImputer, simpleImputerFromJSON } from "./simple-imputer.ts";
import type { FittedTransformer, Transformer, TransformerSpec } from "./transformer.ts";

// Loose signatures on purpose: options arrive as JSON and each factory validates them itself.
type Factory = (options: never) => Transformer;

const kinds: Record<string, { create: Factory; fromJSON: (json: unknown) => FittedTransformer }> = {
  "one-hot-encoder": { create: oneHotEncoder, fromJSON: oneHotEncoderFromJSON },
  "ordinal-encoder": { create: ordinalEncoder, fromJSON: ordinalEncoderFromJSON },
  "standard-scaler": { create: standardScaler, fromJSON: scalerFromJSON },
  "min-max-scaler": { create: minMaxScaler, fromJSON: scalerFromJSON },
  "robust-scaler": { create: robustScaler, fromJSON: scalerFromJSON },
  "simple-imputer": { create: simpleImputer, fromJSON: simpleImputerFromJSON },
  "column-transformer": { create: columnTransformer as Factory, fromJSON: columnTransformerFromJSON },
};

function entry(kind: unknown) {
  if (typeof kind !== "string" || !(kind in kinds)) {
    throw new PatronError(
      "E_UNKNOWN_KIND",
      `unknown preprocessing kind ${JSON.stringify(kind)}; known kinds: ${Object.keys(kinds).sort().join(", ")}`,
    );
  }
  return kinds[kind];
}

export function transformerFromSpec(spec: TransformerSpec): Transformer {
  return (entry(spec?.kind).create as (options: unknown) => Transformer)(spec.options ?? {});
}

export function transformerFromJSON(json: unknown): FittedTransformer {
  return entry((json as { kind?: unknown } | null)?.kind).fromJSON(json);
}

/** A transformer object or a spec, as a plain JSON spec. */
export function toTransformerSpec(t: TransformerSpec | Transformer): TransformerSpec {
  return { kind: t.kind, options: { ...(t.options ?? {}) } };
}

export function preprocessingKinds(): string[] {
  return Object.keys(kinds).sort();
}
