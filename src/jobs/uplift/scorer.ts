/**
 * Scoring a customer file with a saved uplift model (the X5 seed's demo stand:
 * `patron uplift score --model M --input FILE.csv --output FILE.csv`). The model file carries
 * the input schema next to the fitted model: which columns the file must have, numbers or
 * categories with their levels (one-hot encoded as in training), so a file exported from the
 * shop's CRM — Hillstrom's own columns, zip_code = "Urban" and all — is scored as it is, and a
 * file that does not fit is rejected with every problem named by line, column and reason before
 * anything is scored.
 *
 * Output: the input columns unchanged, then p_control, p_treated (the predicted response without
 * and with the treatment), uplift, customer_type (src/uplift/customer-types.ts, at the threshold
 * saved with the model, so a file's types do not depend on who else is in it) and decision:
 * "contact" when uplift × margin per conversion exceeds the cost per contact.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import { matrix } from "../../core/matrix.ts";
import { customerType } from "../../uplift/customer-types.ts";
import { upliftModelFromJSON } from "../../uplift/model-json.ts";
import type { ModelResolver, UpliftModel } from "../../uplift/types.ts";

export const SCORER_KIND = "patron-uplift-scorer";

const NumberInput = z.strictObject({ name: z.string().min(1), type: z.literal("number") });
const CategoryInput = z.strictObject({
  name: z.string().min(1),
  type: z.literal("category"),
  levels: z.array(z.string()).min(1),
  /** The one-hot column of each level, in the model's column names. */
  columns: z.array(z.string().min(1)).min(1),
});
export type ScorerInput = z.infer<typeof NumberInput> | z.infer<typeof CategoryInput>;

export const ScorerConfig = z.strictObject({
  typeThreshold: z.number().min(0).max(1),
  costPerContact: z.number().min(0),
  marginPerConversion: z.number().min(0),
});
export type ScorerConfig = z.infer<typeof ScorerConfig>;

const ScorerFile = z.strictObject({
  kind: z.literal(SCORER_KIND),
  schemaVersion: z.literal(1),
  dataset: z.string(),
  target: z.string(),
  createdAt: z.string(),
  inputs: z.array(z.discriminatedUnion("type", [NumberInput, CategoryInput])).min(1),
  config: ScorerConfig,
  model: z.object({ kind: z.string() }).passthrough(),
});
export type ScorerFile = z.infer<typeof ScorerFile>;

export interface Scorer {
  readonly file: ScorerFile;
  readonly model: UpliftModel;
}

/** A parsed CSV: header, rows of fields, and the physical line where each row starts. */
export interface CsvRows {
  header: string[];
  rows: string[][];
  lines: number[];
}

export interface RowError {
  line: number;
  column: string | null;
  reason: string;
}

export const MAX_ROW_ERRORS = 100;

/** The saved file of a fitted model: its inputs, scoring config and the model's own JSON. */
export function scorerFile(model: UpliftModel, inputs: readonly ScorerInput[], config: ScorerConfig, meta: { dataset: string; target: string; createdAt: string }): ScorerFile {
  return { kind: SCORER_KIND, schemaVersion: 1, ...meta, inputs: inputs.map((i) => ({ ...i })), config: { ...config }, model: model.toJSON() };
}

/** Validates a model file (its schema, then the model itself) before building anything. */
export async function loadScorer(json: unknown, source: string, resolve?: ModelResolver): Promise<Scorer> {
  const parsed = ScorerFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PatronError(
      "E_MODEL_FILE",
      `${source} is not a Patron uplift model file: at ${issue.path.join(".") || "(root)"}: ${issue.message}. Write one with \`patron uplift --save-model ${source}\`.`,
    );
  }
  const file = parsed.data;
  const model = await upliftModelFromJSON(file.model, resolve);
  const produced = file.inputs.flatMap((i) => (i.type === "number" ? [i.name] : i.columns));
  const missing = model.featureNames.filter((name) => !produced.includes(name));
  if (missing.length > 0) {
    throw new PatronError("E_MODEL_FILE", `${source}: the model reads ${missing.join(", ")}, which no input of the file produces; the file is damaged — save it again.`);
  }
  for (const i of file.inputs) {
    if (i.type === "category" && i.levels.length !== i.columns.length) {
      throw new PatronError("E_MODEL_FILE", `${source}: input "${i.name}" has ${i.levels.length} levels but ${i.columns.length} one-hot columns; save the file again.`);
    }
  }
  return { file, model };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describe(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

/**
 * The model's feature matrix from the file's rows, or a PatronError listing every problem.
 * @param source the file name, for messages
 */
export function featuresFromCsv(scorer: Scorer, csv: CsvRows, source: string) {
  const { model, file } = scorer;
  const header = csv.header.map((h) => h.trim());
  // How each input is read: from its own column, or (categories) from already encoded columns.
  const plan = file.inputs.map((input) => {
    if (header.includes(input.name)) return { input, at: header.indexOf(input.name), encoded: null as number[] | null };
    if (input.type === "category" && input.columns.every((c) => header.includes(c))) {
      return { input, at: -1, encoded: input.columns.map((c) => header.indexOf(c)) };
    }
    return { input, at: -1, encoded: null };
  });
  const missing = plan.filter((p) => p.at < 0 && p.encoded === null);
  if (missing.length > 0) {
    const names = missing.map((p) => (p.input.type === "category" ? `"${p.input.name}" (or its one-hot columns ${p.input.columns.join(", ")})` : `"${p.input.name}"`));
    throw new PatronError(
      "E_CSV_COLUMNS",
      `${source} line 1: the header lacks ${names.join(", ")}, which the model needs; it has ${header.join(", ")}. Add the missing columns (extra columns are kept as they are).`,
      { errors: missing.map((p) => ({ line: 1, column: p.input.name, reason: `column "${p.input.name}" is missing from the header` })) },
    );
  }
  const nRows = csv.rows.length;
  if (nRows === 0) throw new PatronError("E_CSV", `${source} has a header but no rows to score.`);
  const values = new Map<string, Float64Array>();
  const errors: RowError[] = [];
  let nErrors = 0;
  const fail = (e: RowError) => {
    nErrors++;
    if (errors.length < MAX_ROW_ERRORS) errors.push(e);
  };
  const numberAt = (row: string[], at: number, name: string, line: number, hint: string): number => {
    const raw = (row[at] ?? "").trim();
    if (raw === "") {
      fail({ line, column: name, reason: `"${name}" is empty; the model needs ${hint} in every row.` });
      return NaN;
    }
    if (!NUMBER.test(raw)) {
      fail({ line, column: name, reason: `${describe(raw)} is not a number; "${name}" needs ${hint}.` });
      return NaN;
    }
    return Number(raw);
  };
  for (const p of plan) {
    const outputs = p.input.type === "number" ? [p.input.name] : p.input.columns;
    for (const c of outputs) values.set(c, new Float64Array(nRows));
  }
  for (let i = 0; i < nRows; i++) {
    const row = csv.rows[i];
    const line = csv.lines[i];
    if (row.length !== csv.header.length) {
      fail({ line, column: null, reason: `the row has ${row.length} fields but the header has ${csv.header.length}; check for a missing or extra separator.` });
      continue;
    }
    for (const p of plan) {
      const input = p.input;
      if (input.type === "number") {
        values.get(input.name)![i] = numberAt(row, p.at, input.name, line, "a number such as 12 or 3.5");
      } else if (p.encoded) {
        input.columns.forEach((c, k) => {
          const v = numberAt(row, p.encoded![k], c, line, "0 or 1");
          if (Number.isFinite(v) && v !== 0 && v !== 1) fail({ line, column: c, reason: `${v} is not 0 or 1; "${c}" is a one-hot column of ${input.name}.` });
          values.get(c)![i] = v;
        });
      } else {
        const raw = (row[p.at] ?? "").trim();
        const level = input.levels.indexOf(raw);
        if (level < 0) {
          fail({ line, column: input.name, reason: `${describe(raw)} is not a known ${input.name}; expected one of ${input.levels.join(", ")}.` });
          continue;
        }
        input.columns.forEach((c, k) => (values.get(c)![i] = k === level ? 1 : 0));
      }
    }
  }
  if (nErrors > 0) {
    const first = errors[0];
    throw new PatronError(
      "E_CSV_ROWS",
      `${source}: ${nErrors} problem${nErrors === 1 ? "" : "s"}; nothing was scored. First: line ${first.line}${first.column ? `, column "${first.column}"` : ""}: ${first.reason}`,
      { errors, totalErrors: nErrors },
    );
  }
  const data = new Float64Array(nRows * model.featureNames.length);
  model.featureNames.forEach((name, j) => data.set(values.get(name)!, j * nRows));
  return matrix(data, nRows, model.featureNames);
}

export interface ScoredFile {
  header: string[];
  rows: string[][];
  summary: { rows: number; types: Record<string, number>; decisions: Record<string, number>; typeThreshold: number };
}

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1e6) / 1e6) : "";
}

/** The file's rows with the scores appended (see the module comment). */
export function scoreCsv(scorer: Scorer, csv: CsvRows, source: string): ScoredFile {
  const { model, file } = scorer;
  const x = featuresFromCsv(scorer, csv, source);
  const responses = model.predictResponses(x);
  const nArms = model.arms.length;
  const types: Record<string, number> = {};
  const decisions: Record<string, number> = {};
  const extra = nArms > 2 ? [...model.arms.slice(1).map((a) => `uplift_${a}`), "best_arm"] : [];
  const header = [...csv.header, "p_control", "p_treated", "uplift", ...extra, "customer_type", "decision"];
  const rows = csv.rows.map((row, i) => {
    // Several arms: the treatment with the largest predicted response is the one offered.
    let best = 1;
    for (let a = 2; a < nArms; a++) if (responses[i * nArms + a] > responses[i * nArms + best]) best = a;
    const p0 = responses[i * nArms];
    const p1 = responses[i * nArms + best];
    const uplift = p1 - p0;
    const type = customerType(p0, p1, file.config.typeThreshold);
    const decision = uplift * file.config.marginPerConversion > file.config.costPerContact ? (nArms > 2 ? model.arms[best] : "contact") : "none";
    types[type] = (types[type] ?? 0) + 1;
    decisions[decision] = (decisions[decision] ?? 0) + 1;
    const perArm = nArms > 2 ? [...model.arms.slice(1).map((_, k) => fmt(responses[i * nArms + k + 1] - p0)), model.arms[best]] : [];
    return [...row, fmt(p0), fmt(p1), fmt(uplift), ...perArm, type, decision];
  });
  return { header, rows, summary: { rows: rows.length, types, decisions, typeThreshold: file.config.typeThreshold } };
}
