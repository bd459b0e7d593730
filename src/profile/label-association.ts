/**
 * How strongly each column predicts a label, computed in SQL:
 *  - single-feature ROC-AUC for a binary label, from the Mann–Whitney rank sum
 *    AUC = (R₁ − n₁(n₁+1)/2) / (n₁ n₀) over average ranks, exact with ties (equal to
 *    scikit-learn's roc_auc_score); numeric, temporal and id-like columns score by their value,
 *    other categorical columns by their in-sample positive rate per category (target encoding,
 *    so optimistic on rare categories);
 *  - plug-in mutual information in nats, Σ p(x,y) ln(p(x,y) / p(x)p(y)) from the contingency
 *    table (scikit-learn's mutual_info_score, i.e. mutual_info_classif with discrete features).
 *    Categorical columns and numbers with ≤ 20 distinct values are used as they are; other
 *    numbers are cut into deciles of their average rank, floor(10 (rank − 1) / n), and NULL is
 *    a category of its own. scikit-learn's k-NN estimator for continuous features (Kraskov
 *    et al. 2004) needs row-by-row neighbour search, which is exactly what we keep out of
 *    JavaScript, hence this stated discretisation.
 */
import { PatronError, preview } from "../core/errors.ts";
import type { Store } from "../store/store.ts";
import { averageRank } from "./correlation.ts";
import type { Relation, RelationColumn } from "./relation.ts";
import type { FeatureAssociation, LabelReport } from "./types.ts";

const FEW_VALUES = 20;
const MAX_CLASSES = 50;

export interface LabelOptions {
  label: RelationColumn;
  /** The class counted as positive; default the larger value (scikit-learn's pos_label). */
  positive?: string;
}

export async function labelAssociation(
  store: Store,
  relation: Relation,
  options: LabelOptions,
  features: readonly { column: RelationColumn; nDistinct: number }[],
): Promise<LabelReport> {
  const d = store.dialect;
  const label = options.label;
  const values = await store.query<{ v: unknown }>(
    `SELECT DISTINCT ${label.expr} AS v FROM ${relation.from} WHERE ${label.expr} IS NOT NULL ORDER BY v LIMIT ${MAX_CLASSES + 1}`,
  );
  const classes = values.map((r) => (typeof r.v === "number" ? r.v : String(r.v)));
  if (classes.length < 2) {
    throw new PatronError(
      "E_LABEL",
      `label "${label.name}" must take at least two values; found ${classes.length === 0 ? "none" : preview(classes)}. Choose another --label.`,
    );
  }
  let task: LabelReport["task"];
  if (classes.length === 2) task = "binary";
  else if (label.kind === "categorical" && classes.length <= MAX_CLASSES) task = "multiclass";
  else if (label.kind === "numeric" && classes.length <= FEW_VALUES) task = "multiclass";
  else if (label.kind === "numeric" || label.kind === "temporal") task = "regression";
  else {
    throw new PatronError(
      "E_LABEL",
      `label "${label.name}" has more than ${MAX_CLASSES} categories; expected a binary, multiclass or numeric label. Choose another --label.`,
    );
  }

  let positive: string | undefined;
  let y = "";
  if (task === "binary") {
    const textClasses = classes.map(String);
    if (options.positive !== undefined && !textClasses.includes(options.positive)) {
      throw new PatronError(
        "E_LABEL",
        `--positive ${JSON.stringify(options.positive)} is not a value of "${label.name}"; its values are ${preview(textClasses)}.`,
      );
    }
    // The larger class, as scikit-learn orders labels (numbers numerically, text by code point).
    const sorted = typeof classes[0] === "number" ? classes : [...textClasses].sort();
    positive = options.positive ?? String(sorted[1]);
    const literal = label.kind === "numeric" ? d.number(Number(positive)) : d.literal(positive);
    y = `(CASE WHEN ${label.expr} = ${literal} THEN 1 ELSE 0 END)`;
  }
  const labelBin = task === "regression" ? decileBin(store, "lv") : "lv";
  const base = `(SELECT ${label.expr} AS lv, * FROM ${relation.from}) AS labelled`;
  const binnedLabel = `(SELECT ${labelBin} AS yb, * FROM ${base} WHERE lv IS NOT NULL) AS with_label`;

  const [h] = await store.query<{ h: number }>(
    `SELECT -sum(${d.toDouble("n")} / ${d.toDouble("nt")} * ln(${d.toDouble("n")} / ${d.toDouble("nt")})) AS h FROM (
       SELECT count(*) AS n, sum(count(*)) OVER () AS nt FROM ${binnedLabel} GROUP BY yb) AS c`,
  );
  const labelEntropy = Number(h.h);

  const out: FeatureAssociation[] = [];
  for (const { column, nDistinct } of features) {
    if (column.name === label.name) continue;
    const binning: FeatureAssociation["binning"] = column.kind === "categorical" || nDistinct <= FEW_VALUES ? "values" : "deciles";
    const fb = binning === "values" ? column.expr : decileBin(store, column.expr);
    const [m] = await store.query<{ mi: number | null }>(
      `SELECT sum(${d.toDouble("n")} / ${d.toDouble("nt")} * ln(${d.toDouble("n")} * ${d.toDouble("nt")} / (${d.toDouble("nf")} * ${d.toDouble("ny")}))) AS mi FROM (
         SELECT n, sum(n) OVER (PARTITION BY fb) AS nf, sum(n) OVER (PARTITION BY yb) AS ny, sum(n) OVER () AS nt FROM (
           SELECT fb, yb, count(*) AS n FROM (SELECT ${fb} AS fb, yb FROM ${binnedLabel}) AS pairs GROUP BY fb, yb
         ) AS cells
       ) AS joint`,
    );
    // Plug-in MI can come out a hair below zero from rounding when the variables are independent.
    const mutualInfo = Math.max(0, Number(m.mi ?? 0));
    let auc: number | null = null;
    if (task === "binary") {
      const score = column.kind === "categorical" && !column.idLike ? `avg(${y}) OVER (PARTITION BY ${column.expr})` : column.expr;
      auc = await rankAuc(store, `(SELECT ${score} AS score, ${y} AS y FROM ${relation.from} WHERE ${label.expr} IS NOT NULL) AS scored`);
    }
    out.push({ column: column.name, auc, mutualInfo, normalizedMutualInfo: labelEntropy > 0 ? mutualInfo / labelEntropy : 0, binning });
  }
  return { column: label.name, task, positive, labelEntropy, features: out };
}

/** Decile of the average rank among non-missing values; NULL stays NULL (its own category). */
function decileBin(store: Store, x: string): string {
  return `CASE WHEN ${x} IS NULL THEN NULL ELSE floor(10 * (${averageRank(store, x)} - 1) / ${store.dialect.toDouble(`count(${x}) OVER ()`)}) END`;
}

/** ROC-AUC of `score` for `y` ∈ {0, 1} from rank sums; null when one class is absent. */
async function rankAuc(store: Store, scored: string): Promise<number | null> {
  const [r] = await store.query<{ r1: number | null; n1: number | null; n: number }>(
    `SELECT sum(CASE WHEN y = 1 THEN r ELSE 0 END) AS r1, sum(y) AS n1, count(*) AS n FROM (
       SELECT y, ${averageRank(store, "score")} AS r FROM ${scored} WHERE score IS NOT NULL) AS ranked`,
  );
  const n1 = Number(r.n1 ?? 0);
  const n0 = Number(r.n) - n1;
  if (n1 === 0 || n0 === 0) return null;
  return (Number(r.r1) - (n1 * (n1 + 1)) / 2) / (n1 * n0);
}
