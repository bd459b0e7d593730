/**
 * A model trained by XGBoost in Python and imported into Patron's tree format
 * (xgboost-import.ts), so a team can serve, explain (TreeSHAP) and compile to SQL the models
 * it already has. It is a TreeEnsemble like Patron's own GBDT, plus the Model/Classifier
 * contract (src/models/types.ts) and versioned JSON (registry kind "xgboost").
 */
import { z } from "zod";
import { PatronError } from "../core/errors.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Model, ModelJSON, Task } from "../models/types.ts";
import { applyLink, ensembleMargin, type Link, type TreeEnsemble } from "../models/tree/ensemble.ts";
import { treeFromJSON, treeToJSON, type Tree } from "../models/tree/tree.ts";

export const XGBOOST_KIND = "xgboost";
const SCHEMA_VERSION = 1;

export interface XGBoostModelParts {
  objective: string;
  task: Task;
  featureNames: readonly string[];
  /** False when the XGBoost file carried no names (then f0, f1, … and only the count is checked). */
  namedFeatures: boolean;
  trees: readonly Tree[];
  baseMargin: number;
  link: Link;
  nClasses?: number;
  treeClass?: Int32Array;
  xgboostVersion: string;
}

/** A Model always; structurally a Classifier (predictProba, decisionFunction) when task is binary or multiclass. */
export class XGBoostModel implements Model, TreeEnsemble {
  readonly kind = XGBOOST_KIND;
  readonly objective: string;
  readonly task: Task;
  readonly featureNames: readonly string[];
  readonly namedFeatures: boolean;
  readonly trees: readonly Tree[];
  readonly baseMargin: number;
  readonly treeWeight = 1;
  readonly link: Link;
  readonly nFeatures: number;
  readonly nClasses?: number;
  readonly treeClass?: Int32Array;
  readonly xgboostVersion: string;

  constructor(parts: XGBoostModelParts) {
    this.objective = parts.objective;
    this.task = parts.task;
    this.featureNames = Object.freeze([...parts.featureNames]);
    this.namedFeatures = parts.namedFeatures;
    this.trees = Object.freeze([...parts.trees]);
    this.baseMargin = parts.baseMargin;
    this.link = parts.link;
    this.nFeatures = parts.featureNames.length;
    if (parts.nClasses !== undefined) {
      this.nClasses = parts.nClasses;
      this.treeClass = parts.treeClass;
    }
    this.xgboostVersion = parts.xgboostVersion;
    Object.freeze(this);
  }

  private check(x: Matrix): void {
    if (x.nCols !== this.nFeatures) {
      throw new PatronError(
        "E_SHAPE",
        `the XGBoost model has ${this.nFeatures} features but the matrix has ${x.nCols}; pass the columns it was trained on, in order.`,
      );
    }
    if (this.namedFeatures) {
      const j = this.featureNames.findIndex((name, j) => x.columns[j] !== name);
      if (j >= 0) {
        throw new PatronError(
          "E_COLUMNS",
          `column ${j} must be "${this.featureNames[j]}" (the XGBoost model's feature_names) but is "${x.columns[j]}"; select the columns in training order.`,
        );
      }
    }
  }

  /** Raw margins (XGBoost's output_margin=True); multiclass: row-major nRows × nClasses. */
  margin(x: Matrix): Float64Array {
    this.check(x);
    return ensembleMargin(this, x);
  }

  decisionFunction(x: Matrix): Float64Array {
    return this.margin(x);
  }

  predictProba(x: Matrix): Float64Array {
    if (this.link === "identity") {
      throw new PatronError("E_NOT_CLASSIFIER", `objective ${this.objective} is not a classifier; use predict() for its values.`);
    }
    return applyLink(this, this.margin(x));
  }

  /** As XGBoost's predict(): regression values, P(y = 1), or (multiclass) the argmax class. */
  predict(x: Matrix): Float64Array {
    const out = applyLink(this, this.margin(x));
    if (this.link !== "softmax") return out;
    const nClasses = this.nClasses!;
    const classes = new Float64Array(x.nRows);
    for (let i = 0; i < x.nRows; i++) {
      let best = 0;
      for (let k = 1; k < nClasses; k++) if (out[i * nClasses + k] > out[i * nClasses + best]) best = k;
      classes[i] = best;
    }
    return classes;
  }

  toJSON(): ModelJSON {
    return {
      kind: XGBOOST_KIND,
      schemaVersion: SCHEMA_VERSION,
      objective: this.objective,
      task: this.task,
      featureNames: [...this.featureNames],
      namedFeatures: this.namedFeatures,
      baseMargin: this.baseMargin,
      link: this.link,
      ...(this.nClasses !== undefined ? { nClasses: this.nClasses, treeClass: Array.from(this.treeClass!) } : {}),
      xgboostVersion: this.xgboostVersion,
      trees: this.trees.map(treeToJSON),
    };
  }
}

const numbers = z.array(z.number().nullable());
const TreeJSONSchema = z.object({
  feature: z.array(z.number().int()),
  threshold: numbers,
  left: z.array(z.number().int()),
  right: z.array(z.number().int()),
  missingLeft: z.array(z.number().int().min(0).max(1)),
  value: z.array(z.number()),
  cover: z.array(z.number()),
});

const XGBoostModelJSON = z.object({
  kind: z.literal(XGBOOST_KIND),
  schemaVersion: z.literal(SCHEMA_VERSION),
  objective: z.string(),
  task: z.enum(["binary", "regression", "multiclass"]),
  featureNames: z.array(z.string()).min(1),
  namedFeatures: z.boolean(),
  baseMargin: z.number(),
  link: z.enum(["identity", "logit", "softmax"]),
  nClasses: z.number().int().min(2).optional(),
  treeClass: z.array(z.number().int().min(0)).optional(),
  xgboostVersion: z.string(),
  trees: z.array(TreeJSONSchema),
});

/** Rebuilds an imported model from Patron's JSON (registry entry), validating first. */
export function fromJSON(json: ModelJSON): XGBoostModel {
  const parsed = XGBoostModelJSON.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PatronError(
      "E_MODEL_JSON",
      `an "xgboost" model JSON is invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}. Re-export the model with toJSON().`,
    );
  }
  const m = parsed.data;
  if ((m.link === "softmax") !== (m.nClasses !== undefined) || (m.nClasses !== undefined && m.treeClass?.length !== m.trees.length)) {
    throw new PatronError("E_MODEL_JSON", `an "xgboost" softmax model needs nClasses and one treeClass per tree; found link ${m.link}.`);
  }
  if (m.treeClass?.some((k) => k >= m.nClasses!)) {
    throw new PatronError("E_MODEL_JSON", `treeClass values must be below nClasses = ${m.nClasses}.`);
  }
  const trees = m.trees.map((t) => treeFromJSON(t as Parameters<typeof treeFromJSON>[0], m.featureNames.length));
  return new XGBoostModel({
    objective: m.objective,
    task: m.task,
    featureNames: m.featureNames,
    namedFeatures: m.namedFeatures,
    trees,
    baseMargin: m.baseMargin,
    link: m.link,
    ...(m.nClasses !== undefined ? { nClasses: m.nClasses, treeClass: Int32Array.from(m.treeClass!) } : {}),
    xgboostVersion: m.xgboostVersion,
  });
}
