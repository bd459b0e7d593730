/**
 * Principal component analysis (Pearson 1901; Jolliffe 2002) by the symmetric eigen-
 * decomposition of the covariance matrix (ml-matrix's EVD, Jacobi/QL — d is a dozen customer
 * features, so d×d is tiny and n only enters the covariance). Explained variance uses n − 1 as
 * scikit-learn's PCA, so ratios agree with it. Components' signs are normalised so that each
 * component's largest-magnitude loading is positive (scikit-learn's svd_flip decides from U
 * instead, so compare signs after the same normalisation). nComponents may be a fraction: the
 * fewest components whose cumulative ratio exceeds it, as scikit-learn's float n_components.
 */
import { EigenvalueDecomposition, Matrix as MlMatrix } from "ml-matrix";
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import { checkClusterInput, checkColumns } from "../cluster/types.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { fromRowMajor, type EmbeddingModel } from "./types.ts";

export const PcaOptions = z.strictObject({
  /** Integer count, or a fraction in (0, 1) of variance to keep. Default: all components. */
  nComponents: z.number().positive().optional(),
  whiten: z.boolean().default(false),
});

export interface PcaModel extends EmbeddingModel {
  readonly kind: "pca";
  readonly mean: Float64Array;
  /** Row-major nComponents × d, unit length. */
  readonly components: Float64Array;
  readonly nComponents: number;
  readonly explainedVariance: Float64Array;
  readonly explainedVarianceRatio: Float64Array;
  transform(x: Matrix): Matrix;
}

export function pca(options: z.input<typeof PcaOptions> = {}) {
  const opts = PcaOptions.parse(options);
  return {
    kind: "pca" as const,
    options: opts,
    fit(x: Matrix, _ctx: FitContext = {}): PcaModel {
      checkClusterInput(x, "PCA", 2);
      const n = x.nRows;
      const d = x.nCols;
      const mean = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x.data[j * n + i];
        mean[j] = s / n;
      }
      const cov = MlMatrix.zeros(d, d);
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += (x.data[a * n + i] - mean[a]) * (x.data[b * n + i] - mean[b]);
          cov.set(a, b, s / (n - 1));
          cov.set(b, a, s / (n - 1));
        }
      }
      const evd = new EigenvalueDecomposition(cov, { assumeSymmetric: true });
      const values = evd.realEigenvalues.map((v) => Math.max(v, 0));
      const vectors = evd.eigenvectorMatrix;
      const order = values.map((_, k) => k).sort((p, q) => values[q] - values[p]);
      const total = values.reduce((s, v) => s + v, 0);
      if (!(total > 0)) throw new PatronError("E_CONSTANT", "PCA: every feature is constant; there is no variance to explain");
      const maxComponents = Math.min(n, d);
      let k = maxComponents;
      if (opts.nComponents !== undefined) {
        if (opts.nComponents < 1) {
          let cumulative = 0;
          k = 0;
          while (k < maxComponents && cumulative <= opts.nComponents) cumulative += values[order[k++]] / total;
        } else if (Number.isInteger(opts.nComponents) && opts.nComponents <= maxComponents) k = opts.nComponents;
        else throw new PatronError("E_OPTION", `PCA nComponents must be an integer ≤ min(rows, features) = ${maxComponents} or a fraction in (0, 1); found ${opts.nComponents}`);
      }
      const components = new Float64Array(k * d);
      for (let c = 0; c < k; c++) {
        let largest = 0;
        for (let j = 0; j < d; j++) if (Math.abs(vectors.get(j, order[c])) > Math.abs(largest)) largest = vectors.get(j, order[c]);
        const sign = largest < 0 ? -1 : 1;
        let norm = 0;
        for (let j = 0; j < d; j++) norm += vectors.get(j, order[c]) ** 2;
        for (let j = 0; j < d; j++) components[c * d + j] = (sign * vectors.get(j, order[c])) / Math.sqrt(norm);
      }
      const explainedVariance = Float64Array.from({ length: k }, (_, c) => values[order[c]]);
      const model = pcaModel(x.columns, mean, components, explainedVariance, explainedVariance.map((v) => v / total), opts.whiten, undefined);
      return pcaModel(x.columns, mean, components, explainedVariance, explainedVariance.map((v) => v / total), opts.whiten, model.transform(x));
    },
  };
}

function pcaModel(featureNames: readonly string[], mean: Float64Array, components: Float64Array, explainedVariance: Float64Array, ratio: Float64Array, whiten: boolean, embedding: Matrix | undefined): PcaModel {
  const d = featureNames.length;
  const k = explainedVariance.length;
  const transform = (x: Matrix): Matrix => {
    checkColumns(x, featureNames, "PCA");
    const out = new Float64Array(x.nRows * k);
    for (let c = 0; c < k; c++) {
      const scale = whiten ? 1 / Math.sqrt(explainedVariance[c]) : 1;
      for (let i = 0; i < x.nRows; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x.data[j * x.nRows + i] - mean[j]) * components[c * d + j];
        out[i * k + c] = s * scale;
      }
    }
    return fromRowMajor(out, x.nRows, k, "pc");
  };
  return Object.freeze({
    kind: "pca" as const,
    featureNames: Object.freeze([...featureNames]),
    mean,
    components,
    nComponents: k,
    explainedVariance,
    explainedVarianceRatio: ratio,
    embedding: embedding ?? fromRowMajor(new Float64Array(0), 0, k, "pc"),
    transform,
    toJSON: (): ModelJSON => ({ kind: "pca", schemaVersion: 1, featureNames: [...featureNames], mean: Array.from(mean), components: Array.from(components), explainedVariance: Array.from(explainedVariance), explainedVarianceRatio: Array.from(ratio), whiten }),
  });
}

const PcaJSON = z.strictObject({
  kind: z.literal("pca"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  mean: z.array(z.number()),
  components: z.array(z.number()),
  explainedVariance: z.array(z.number().min(0)),
  explainedVarianceRatio: z.array(z.number().min(0).max(1)),
  whiten: z.boolean(),
});

/** Rebuilds a PCA model; its `embedding` is empty (training rows are not stored): call transform. */
export function fromJSON(json: unknown): PcaModel {
  const parsed = PcaJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not a PCA model: ${parsed.error.message}`);
  const m = parsed.data;
  const d = m.featureNames.length;
  const k = m.explainedVariance.length;
  if (m.mean.length !== d || m.components.length !== k * d || m.explainedVarianceRatio.length !== k) {
    throw new PatronError("E_MODEL_JSON", `PCA JSON must hold a mean of ${d}, ${k}×${d} components and ${k} ratios`);
  }
  return pcaModel(m.featureNames, Float64Array.from(m.mean), Float64Array.from(m.components), Float64Array.from(m.explainedVariance), Float64Array.from(m.explainedVarianceRatio), m.whiten, undefined);
}
