/**
 * Boundary checks and option resolution shared by CART and the random forest: matrix shape,
 * values (NaN is a missing value the trees route; ±Infinity is rejected), labels, sample and
 * class weights, and turning fractional options (maxFeatures 0.3, minSamplesLeaf 0.01) into
 * counts exactly as scikit-learn does.
 */
import { z } from "zod";
import { PatronError, preview } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { GrowParams } from "./cart-builder.ts";

/** Count (integer ≥ 1) or share of features (0 < f < 1), "sqrt", "log2", or null for all. */
export const MaxFeatures = z.union([z.enum(["sqrt", "log2"]), z.number().positive(), z.null()]);

/** The options every CART tree shares (CART itself and each tree of a forest). */
export const TreeShape = {
  /** Deepest level below the root; null grows until leaves are pure or too small. */
  maxDepth: z.number().int().min(1).nullable().default(null),
  /** Integer ≥ 2, or a share of the rows in (0, 1). */
  minSamplesSplit: z.number().positive().default(2),
  /** Integer ≥ 1, or a share of the rows in (0, 1). */
  minSamplesLeaf: z.number().positive().default(1),
  /** Minimum share of the total sample weight in a leaf, in [0, 0.5]. */
  minWeightFractionLeaf: z.number().min(0).max(0.5).default(0),
  /** A split must reduce weighted impurity by at least this much (scikit-learn's definition). */
  minImpurityDecrease: z.number().min(0).default(0),
};

export const ClassWeight = z.union([z.literal("balanced"), z.record(z.string(), z.number().min(0)), z.null()]);

export function checkMatrixShape(x: Matrix, who: string): void {
  if (
    typeof x !== "object" || x === null || !(x.data instanceof Float64Array) ||
    x.data.length !== x.nRows * x.nCols || x.columns?.length !== x.nCols
  ) {
    throw new PatronError("E_SHAPE", `${who} takes a Matrix (column-major Float64Array, nRows × nCols, one name per column); build one with matrix() or fromColumns().`);
  }
}

/** Fit input: at least one row, no ±Infinity, y one finite value per row. */
export function checkFitInput(x: Matrix, y: Float64Array, who: string): void {
  checkMatrixShape(x, who);
  if (x.nRows === 0 || x.nCols === 0) {
    throw new PatronError("E_EMPTY", `${who} needs at least one row and one column; got ${x.nRows} × ${x.nCols}.`);
  }
  if (y.length !== x.nRows) {
    throw new PatronError("E_SHAPE", `${who}: y has ${y.length} values but x has ${x.nRows} rows; pass one label per row.`);
  }
  checkNoInfinity(x, who);
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new PatronError("E_NAN", `${who}: y must be finite; row ${i + 1} is ${y[i]}. Drop rows without a label.`);
    }
  }
}

export function checkNoInfinity(x: Matrix, who: string): void {
  const { data, nRows } = x;
  for (let p = 0; p < data.length; p++) {
    if (data[p] === Infinity || data[p] === -Infinity) {
      const j = Math.floor(p / nRows);
      throw new PatronError(
        "E_NAN",
        `${who}: column "${x.columns[j]}" row ${p - j * nRows + 1} is ${data[p]}; trees accept NaN as missing but not infinities. Replace them (e.g. by NaN or a cap).`,
      );
    }
  }
}

/** The columns at predict time must be those of fit, in order. */
export function checkPredictInput(x: Matrix, featureNames: readonly string[], who: string): void {
  checkMatrixShape(x, who);
  if (x.nCols !== featureNames.length) {
    throw new PatronError("E_SHAPE", `${who} was fitted on ${featureNames.length} columns but got ${x.nCols}; pass the columns [${featureNames.join(", ")}].`);
  }
  for (let j = 0; j < x.nCols; j++) {
    if (x.columns[j] !== featureNames[j]) {
      throw new PatronError("E_COLUMN", `${who} expects column ${j} to be "${featureNames[j]}" but got "${x.columns[j]}"; pass the columns in the order used in fit.`);
    }
  }
  checkNoInfinity(x, who);
}

/**
 * Class labels must be integers 0..K−1 with at least two classes present; K = max + 1.
 * Binary problems are 0/1.
 */
export function classLabels(y: Float64Array, who: string): { classOf: Int32Array; nClasses: number; counts: Float64Array } {
  let max = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!(Number.isInteger(v) && v >= 0)) {
      const bad = Array.from(y).filter((u) => !(Number.isInteger(u) && u >= 0));
      throw new PatronError("E_LABEL", `${who} needs class labels 0, 1, … (0/1 for binary); found ${preview(bad)} (row ${i + 1}). Encode the classes as integers from 0.`);
    }
    if (v > max) max = v;
  }
  const nClasses = max + 1;
  const counts = new Float64Array(nClasses);
  const classOf = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    classOf[i] = y[i];
    counts[y[i]]++;
  }
  const present = counts.filter((c) => c > 0).length;
  if (present < 2) {
    throw new PatronError("E_ONE_CLASS", `${who} needs at least two classes in y; every row is class ${max}. Check the label column or the sample.`);
  }
  return { classOf, nClasses, counts };
}

/** Row weights = sampleWeight × class weight; checked finite and ≥ 0 with a positive total. */
export function rowWeights(
  nRows: number,
  sampleWeight: Float64Array | undefined,
  classWeight: z.output<typeof ClassWeight> | undefined,
  labels: { classOf: Int32Array; nClasses: number; counts: Float64Array } | undefined,
  who: string,
): Float64Array {
  const weight = new Float64Array(nRows).fill(1);
  if (sampleWeight) {
    if (sampleWeight.length !== nRows) {
      throw new PatronError("E_SHAPE", `${who}: sampleWeight has ${sampleWeight.length} values for ${nRows} rows.`);
    }
    for (let i = 0; i < nRows; i++) {
      const w = sampleWeight[i];
      if (!(w >= 0 && Number.isFinite(w))) throw new PatronError("E_WEIGHT", `${who}: sampleWeight must be finite and ≥ 0; row ${i + 1} is ${w}.`);
      weight[i] = w;
    }
  }
  if (classWeight && labels) {
    const perClass = classWeightsFor(classWeight, labels.classOf, labels.nClasses, who);
    for (let i = 0; i < nRows; i++) weight[i] *= perClass[labels.classOf[i]];
  }
  let total = 0;
  for (let i = 0; i < nRows; i++) total += weight[i];
  if (!(total > 0)) throw new PatronError("E_WEIGHT", `${who}: the row weights sum to 0; give some rows a positive weight.`);
  return weight;
}

/** "balanced": n / (K_present · n_k) from unweighted counts (scikit-learn's compute_class_weight). */
export function classWeightsFor(classWeight: "balanced" | Record<string, number>, classOf: Int32Array | ArrayLike<number>, nClasses: number, who: string): Float64Array {
  const out = new Float64Array(nClasses).fill(1);
  if (classWeight === "balanced") {
    const counts = new Float64Array(nClasses);
    let n = 0;
    for (let i = 0; i < classOf.length; i++) {
      counts[classOf[i]]++;
      n++;
    }
    const present = counts.filter((c) => c > 0).length;
    for (let k = 0; k < nClasses; k++) if (counts[k] > 0) out[k] = n / (present * counts[k]);
    return out;
  }
  for (const [key, w] of Object.entries(classWeight)) {
    const k = Number(key);
    if (!(Number.isInteger(k) && k >= 0 && k < nClasses)) {
      throw new PatronError("E_OPTION", `${who}: classWeight names class ${JSON.stringify(key)}, but the classes are 0..${nClasses - 1}.`);
    }
    out[k] = w;
  }
  return out;
}

export function resolveMaxFeatures(maxFeatures: z.output<typeof MaxFeatures>, nFeatures: number, who: string): number {
  if (maxFeatures === null) return nFeatures;
  if (maxFeatures === "sqrt") return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (maxFeatures === "log2") return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (maxFeatures < 1) return Math.max(1, Math.floor(maxFeatures * nFeatures));
  if (!Number.isInteger(maxFeatures) || maxFeatures > nFeatures) {
    throw new PatronError("E_OPTION", `${who}: maxFeatures must be an integer ≤ ${nFeatures} (the column count), a share in (0, 1), "sqrt", "log2" or null; found ${maxFeatures}.`);
  }
  return maxFeatures;
}

/** Counts from the options for a fit on nRows rows of total weight totalWeight (scikit-learn's rules). */
export function growParams(
  opts: { maxDepth: number | null; minSamplesSplit: number; minSamplesLeaf: number; minWeightFractionLeaf: number; minImpurityDecrease: number; maxFeatures: z.output<typeof MaxFeatures> },
  nRows: number,
  nFeatures: number,
  totalWeight: number,
  who: string,
): GrowParams {
  const count = (v: number, name: string, min: number) => {
    if (v < 1) return Math.max(min, Math.ceil(v * nRows));
    if (!Number.isInteger(v) || v < min) {
      throw new PatronError("E_OPTION", `${who}: ${name} must be an integer ≥ ${min} or a share in (0, 1); found ${v}.`);
    }
    return v;
  };
  const minSamplesLeaf = count(opts.minSamplesLeaf, "minSamplesLeaf", 1);
  const minSamplesSplit = Math.max(count(opts.minSamplesSplit, "minSamplesSplit", 2), 2 * minSamplesLeaf);
  return {
    maxDepth: opts.maxDepth ?? Infinity,
    minSamplesSplit,
    minSamplesLeaf,
    minWeightLeaf: opts.minWeightFractionLeaf * totalWeight,
    minImpurityDecrease: opts.minImpurityDecrease,
    maxFeatures: resolveMaxFeatures(opts.maxFeatures, nFeatures, who),
  };
}
