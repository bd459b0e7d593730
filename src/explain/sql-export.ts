/**
 * Models compiled to one portable SQL expression, so scoring runs inside the database
 * (DuckDB, PostgreSQL, ClickHouse through src/store/dialect.ts): each tree becomes nested
 * CASE WHEN (`x < threshold` → left, missing values as missingLeft says), the trees are summed
 * after the base margin in the same order as in-process prediction, and the link is applied
 * (an overflow-safe sigmoid; softmax per class). Linear models become intercept + Σ coef · x.
 * Every number goes through dialect.number, which round-trips float64 exactly, so SQL scores
 * equal in-process scores to float64 rounding.
 */
import { PatronError } from "../core/errors.ts";
import type { TreeEnsemble } from "../models/tree/ensemble.ts";
import type { Tree } from "../models/tree/tree.ts";
import type { Dialect } from "../store/dialect.ts";
import { interceptOf, linearOutputs, type LinearModelLike } from "./linear-shap.ts";

export interface SqlExportOptions {
  /**
   * The SQL expression of each model feature, by feature name (e.g. a one-hot column as
   * `CASE WHEN channel = 'Web' THEN 1.0 ELSE 0.0 END`). Default: the quoted column name.
   */
  columns?: Readonly<Record<string, string>>;
  /** "prediction" (default): the model's output (probability for logit links); "margin": before the link. */
  output?: "prediction" | "margin";
}

function featureSql(featureNames: readonly string[], dialect: Dialect, options: SqlExportOptions): string[] {
  return featureNames.map((name) => options.columns?.[name] ?? dialect.ident(name));
}

function literal(dialect: Dialect, value: number, what: string): string {
  if (!Number.isFinite(value)) {
    throw new PatronError("E_SQL_EXPORT", `${what} is ${value}; SQL export needs finite numbers. Retrain or clip the model.`);
  }
  return dialect.number(value);
}

/** One tree as nested CASE WHEN; leaf values are multiplied by `weight` here, as in prediction. */
export function treeSql(tree: Tree, columns: readonly string[], dialect: Dialect, weight = 1): string {
  const node = (n: number): string => {
    const j = tree.feature[n];
    if (j === -1) return literal(dialect, weight === 1 ? tree.value[n] : weight * tree.value[n], `leaf ${n}`);
    const x = columns[j];
    const below = `${x} < ${literal(dialect, tree.threshold[n], `threshold of node ${n}`)}`;
    // NULL and NaN compare false (NaN sorts above every number in DuckDB and PostgreSQL), so
    // without missingLeft they fall to ELSE, the right child, as in-process.
    const condition = tree.missingLeft[n] ? `(${dialect.isMissing(x)} OR ${below})` : below;
    return `CASE WHEN ${condition} THEN ${node(tree.left[n])} ELSE ${node(tree.right[n])} END`;
  };
  return node(0);
}

/** 1 / (1 + exp(−m)) with m written once: clamped to ±700 so exp can neither overflow nor
 * underflow (PostgreSQL raises on both); beyond ±700 the sigmoid is 0 or 1 to within 1e-304. */
export function sigmoidSql(margin: string, dialect: Dialect): string {
  const bound = dialect.number(700);
  return `(1.0 / (1.0 + ${dialect.exp(`-(${dialect.least(dialect.greatest(`(${margin})`, `-${bound}`), bound)})`)}))`;
}

function marginSql(model: TreeEnsemble, columns: readonly string[], dialect: Dialect, k: number): string {
  const terms = [literal(dialect, model.baseMargin, "the base margin")];
  model.trees.forEach((tree, t) => {
    if ((model.nClasses ?? 1) > 1 && model.treeClass![t] !== k) return;
    terms.push(`(${treeSql(tree, columns, dialect, model.treeWeight)})`);
  });
  return `(${terms.join("\n + ")})`;
}

function checkTrees(model: TreeEnsemble, featureNames: readonly string[]): void {
  if (featureNames.length !== model.nFeatures) {
    throw new PatronError("E_SQL_EXPORT", `the ensemble has ${model.nFeatures} features but ${featureNames.length} names were given; pass the model's featureNames.`);
  }
}

/** A tree ensemble (GBDT, random forest, tree, imported XGBoost) with one output as one SQL expression. */
export function treeEnsembleSql(model: TreeEnsemble, featureNames: readonly string[], dialect: Dialect, options: SqlExportOptions = {}): string {
  checkTrees(model, featureNames);
  if ((model.nClasses ?? 1) > 1) {
    throw new PatronError("E_SQL_EXPORT", `a ${model.nClasses}-class ensemble has one score per class; use treeEnsembleClassSql.`);
  }
  const margin = marginSql(model, featureSql(featureNames, dialect, options), dialect, 0);
  return options.output === "margin" || model.link === "identity" ? margin : sigmoidSql(margin, dialect);
}

/** Softmax of per-class margins: p_k = 1 / Σ_c exp(m_c − m_k), clamped so exp cannot overflow. */
function softmaxSql(margins: readonly string[], dialect: Dialect): string[] {
  const bound = dialect.number(700);
  return margins.map((mk, k) => {
    const terms = margins.map((mc, c) => (c === k ? "1.0" : dialect.exp(dialect.least(`(${mc} - ${mk})`, bound))));
    return `(1.0 / (${terms.join(" + ")}))`;
  });
}

/** A multiclass ensemble: one SQL expression per class (margins, or softmax probabilities). */
export function treeEnsembleClassSql(model: TreeEnsemble, featureNames: readonly string[], dialect: Dialect, options: SqlExportOptions = {}): string[] {
  checkTrees(model, featureNames);
  const nClasses = model.nClasses ?? 1;
  const columns = featureSql(featureNames, dialect, options);
  const margins = Array.from({ length: nClasses }, (_, k) => marginSql(model, columns, dialect, k));
  if (options.output === "margin" || model.link !== "softmax") return margins;
  return softmaxSql(margins, dialect);
}

/** A linear model: intercept + Σ_j coef_j · x_j (then the sigmoid for logistic regression). */
export function linearModelSql(
  model: LinearModelLike,
  dialect: Dialect,
  options: SqlExportOptions & { link?: "logit" | "identity"; output?: "prediction" | "margin" } = {},
): string {
  if (linearOutputs(model) !== 1) {
    throw new PatronError("E_SQL_EXPORT", "a multinomial linear model has one score per class; export a binary model.");
  }
  const columns = featureSql(model.featureNames, dialect, options);
  const terms = [literal(dialect, interceptOf(model, 0), "the intercept")];
  model.featureNames.forEach((name, j) => terms.push(`${literal(dialect, model.coef[j], `the coefficient of ${name}`)} * ${columns[j]}`));
  const margin = `(${terms.join(" + ")})`;
  return options.output === "margin" || options.link === "identity" ? margin : sigmoidSql(margin, dialect);
}

/** What a fitted Patron model offers for export: its own ensemble, or linear coefficients. */
type ExportableModel =
  | (TreeEnsemble & { featureNames: readonly string[] })
  | { ensemble: TreeEnsemble; featureNames: readonly string[] }
  | (LinearModelLike & { kind?: string; task?: string });

/**
 * Any exportable Patron model (GBDT, random forest, CART, imported XGBoost, logistic
 * regression) with one output, as one SQL expression of its prediction (or margin).
 */
export function modelSql(model: ExportableModel, dialect: Dialect, options: SqlExportOptions = {}): string {
  if ("ensemble" in model) return treeEnsembleSql(model.ensemble, model.featureNames, dialect, options);
  if ("trees" in model) return treeEnsembleSql(model, model.featureNames, dialect, options);
  if ("coef" in model) return linearModelSql(model, dialect, { ...options, link: model.task === "regression" ? "identity" : "logit" });
  throw new PatronError("E_SQL_EXPORT", "this model has neither trees nor linear coefficients; only tree ensembles and linear models compile to SQL.");
}
