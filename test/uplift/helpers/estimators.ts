/**
 * Small, exact estimators for testing the meta-learners independently of the production models
 * (which other engineers are writing): each follows the estimator contract (options, fit → frozen
 * model, sampleWeight honoured, toJSON) so the learners cannot tell them from gbdt().
 *
 * - cellMeans(): the weighted mean of y in each cell of identical feature values (the exact
 *   conditional mean on discrete simulated data; unseen cells fall back to the overall mean).
 * - logisticIRLS(): L2-penalised logistic regression by Newton's method (closed-form-ish check).
 * - ridge(): L2-penalised least squares by the normal equations.
 * - stumpForest(): a depth-limited least-squares regression tree in Patron's flat tree layout, as
 *   a one-tree TreeEnsemble with identity link, so uplift SHAP can be tested before gbdt lands.
 */
import { PatronError } from "../../../src/core/errors.ts";
import type { Matrix } from "../../../src/core/matrix.ts";
import type { Model, ModelJSON, Task } from "../../../src/models/types.ts";
import { ensembleMargin, sigmoid, type TreeEnsemble } from "../../../src/models/tree/ensemble.ts";
import { treeFromJSON, treeToJSON, type Tree, type TreeJSON } from "../../../src/models/tree/tree.ts";

function isBinary(y: Float64Array): boolean {
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) return false;
  return true;
}

function weightOf(weights: Float64Array | undefined, i: number): number {
  return weights ? weights[i] : 1;
}

// ---- cell means -----------------------------------------------------------------------------

function cellKey(x: Matrix, i: number): string {
  let key = "";
  for (let j = 0; j < x.nCols; j++) key += `${x.data[j * x.nRows + i]}|`;
  return key;
}

export function cellMeans(options: { task?: Task } = {}) {
  return {
    kind: "test-cell-means",
    options,
    fit(x: Matrix, y: Float64Array, ctx: { sampleWeight?: Float64Array } = {}): Model {
      const sums = new Map<string, [number, number]>();
      let total = 0;
      let totalWeight = 0;
      for (let i = 0; i < x.nRows; i++) {
        const w = weightOf(ctx.sampleWeight, i);
        const key = cellKey(x, i);
        const cell = sums.get(key) ?? [0, 0];
        cell[0] += w * y[i];
        cell[1] += w;
        sums.set(key, cell);
        total += w * y[i];
        totalWeight += w;
      }
      const means: Record<string, number> = {};
      for (const [key, [s, w]] of sums) means[key] = s / w;
      return cellMeansModel(x.columns, means, total / totalWeight, options.task ?? (isBinary(y) ? "binary" : "regression"));
    },
  };
}

function cellMeansModel(featureNames: readonly string[], means: Record<string, number>, fallback: number, task: Task): Model {
  return Object.freeze({
    kind: "test-cell-means",
    task,
    featureNames,
    predict(x: Matrix) {
      if (x.nCols !== featureNames.length) throw new PatronError("E_SHAPE", "wrong column count");
      const out = new Float64Array(x.nRows);
      for (let i = 0; i < x.nRows; i++) out[i] = means[cellKey(x, i)] ?? fallback;
      return out;
    },
    toJSON: (): ModelJSON => ({ kind: "test-cell-means", schemaVersion: 1, featureNames: [...featureNames], means, fallback, task }),
  });
}

// ---- logistic regression and ridge ----------------------------------------------------------

/** Solves the symmetric positive definite system a·b = rhs (a is n×n row-major) by Cholesky. */
function solveSpd(a: Float64Array, rhs: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      let sum = a[r * n + c];
      for (let k = 0; k < c; k++) sum -= l[r * n + k] * l[c * n + k];
      l[r * n + c] = r === c ? Math.sqrt(Math.max(sum, 1e-300)) : sum / l[c * n + c];
    }
  }
  const z = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let sum = rhs[r];
    for (let k = 0; k < r; k++) sum -= l[r * n + k] * z[k];
    z[r] = sum / l[r * n + r];
  }
  const b = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = z[r];
    for (let k = r + 1; k < n; k++) sum -= l[k * n + r] * b[k];
    b[r] = sum / l[r * n + r];
  }
  return b;
}

/** Coefficients (intercept last) of weighted, L2-penalised least squares or logistic Newton steps. */
function fitLinear(x: Matrix, y: Float64Array, weights: Float64Array | undefined, l2: number, logistic: boolean): Float64Array {
  const p = x.nCols + 1;
  const value = (i: number, j: number) => (j === x.nCols ? 1 : x.data[j * x.nRows + i]);
  let beta = new Float64Array(p);
  for (let iter = 0; iter < (logistic ? 50 : 1); iter++) {
    const hess = new Float64Array(p * p);
    const grad = new Float64Array(p);
    for (let i = 0; i < x.nRows; i++) {
      const w = weightOf(weights, i);
      let eta = 0;
      for (let j = 0; j < p; j++) eta += beta[j] * value(i, j);
      const mu = logistic ? sigmoid(eta) : eta;
      const h = logistic ? mu * (1 - mu) : 1;
      for (let j = 0; j < p; j++) {
        grad[j] += w * (y[i] - mu) * value(i, j);
        for (let k = 0; k <= j; k++) hess[j * p + k] += w * h * value(i, j) * value(i, k);
      }
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) hess[k * p + j] = hess[j * p + k];
    for (let j = 0; j < x.nCols; j++) {
      hess[j * p + j] += l2;
      grad[j] -= l2 * beta[j];
    }
    hess[(p - 1) * p + (p - 1)] += 1e-12;
    const step = solveSpd(hess, grad, p);
    let change = 0;
    const next = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      next[j] = beta[j] + step[j];
      change = Math.max(change, Math.abs(step[j]));
    }
    beta = next;
    if (change < 1e-12) break;
  }
  return beta;
}

function linearModel(kind: string, featureNames: readonly string[], beta: Float64Array, logistic: boolean): Model {
  const coef = Array.from(beta);
  return Object.freeze({
    kind,
    task: (logistic ? "binary" : "regression") as Task,
    featureNames,
    coef,
    predict(x: Matrix) {
      if (x.nCols !== featureNames.length) throw new PatronError("E_SHAPE", "wrong column count");
      const out = new Float64Array(x.nRows).fill(coef[x.nCols]);
      for (let j = 0; j < x.nCols; j++) for (let i = 0; i < x.nRows; i++) out[i] += coef[j] * x.data[j * x.nRows + i];
      return logistic ? out.map(sigmoid) : out;
    },
    toJSON: (): ModelJSON => ({ kind, schemaVersion: 1, featureNames: [...featureNames], coef }),
  });
}

export function logisticIRLS(options: { l2?: number } = {}) {
  const l2 = options.l2 ?? 1e-6;
  return {
    kind: "test-logistic",
    options: { l2 },
    fit(x: Matrix, y: Float64Array, ctx: { sampleWeight?: Float64Array } = {}): Model {
      if (!isBinary(y)) throw new PatronError("E_NOT_BINARY", "test-logistic needs 0/1 labels");
      return linearModel("test-logistic", x.columns, fitLinear(x, y, ctx.sampleWeight, l2, true), true);
    },
  };
}

export function ridge(options: { l2?: number } = {}) {
  const l2 = options.l2 ?? 1e-9;
  return {
    kind: "test-ridge",
    options: { l2 },
    fit(x: Matrix, y: Float64Array, ctx: { sampleWeight?: Float64Array } = {}): Model {
      return linearModel("test-ridge", x.columns, fitLinear(x, y, ctx.sampleWeight, l2, false), false);
    },
  };
}

// ---- a small regression tree as a TreeEnsemble ----------------------------------------------

interface Node { feature: number; threshold: number; left: number; right: number; value: number; cover: number }

export function stumpForest(options: { maxDepth?: number; minLeaf?: number; link?: "identity" | "logit" } = {}) {
  const maxDepth = options.maxDepth ?? 3;
  const minLeaf = options.minLeaf ?? 5;
  const link = options.link ?? "identity";
  return {
    kind: "test-tree",
    options: { maxDepth, minLeaf, link },
    fit(x: Matrix, y: Float64Array, ctx: { sampleWeight?: Float64Array } = {}): Model & TreeEnsemble {
      const nodes: Node[] = [];
      const grow = (rows: number[], depth: number): number => {
        const id = nodes.length;
        let sw = 0;
        let swy = 0;
        for (const i of rows) {
          sw += weightOf(ctx.sampleWeight, i);
          swy += weightOf(ctx.sampleWeight, i) * y[i];
        }
        const mean = swy / sw;
        // With a logit link the leaf holds the log-odds of the leaf's rate (clamped), so the
        // ensemble margin is a real logit and the model predicts probabilities.
        const leafValue = link === "logit" ? Math.log(Math.min(Math.max(mean, 1e-3), 1 - 1e-3) / (1 - Math.min(Math.max(mean, 1e-3), 1 - 1e-3))) : mean;
        nodes.push({ feature: -1, threshold: 0, left: -1, right: -1, value: leafValue, cover: sw });
        if (depth >= maxDepth || rows.length < 2 * minLeaf) return id;
        let best = { gain: 1e-12, feature: -1, threshold: 0 };
        for (let j = 0; j < x.nCols; j++) {
          const sorted = [...rows].sort((a, b) => x.data[j * x.nRows + a] - x.data[j * x.nRows + b]);
          let lw = 0;
          let lwy = 0;
          for (let r = 0; r < sorted.length - 1; r++) {
            const i = sorted[r];
            lw += weightOf(ctx.sampleWeight, i);
            lwy += weightOf(ctx.sampleWeight, i) * y[i];
            const v = x.data[j * x.nRows + i];
            const next = x.data[j * x.nRows + sorted[r + 1]];
            if (v === next || r + 1 < minLeaf || sorted.length - r - 1 < minLeaf) continue;
            const rw = sw - lw;
            const rwy = swy - lwy;
            const gain = (lwy * lwy) / lw + (rwy * rwy) / rw - (swy * swy) / sw;
            if (gain > best.gain) best = { gain, feature: j, threshold: (v + next) / 2 };
          }
        }
        if (best.feature < 0) return id;
        const column = best.feature * x.nRows;
        const leftRows = rows.filter((i) => x.data[column + i] < best.threshold);
        const rightRows = rows.filter((i) => !(x.data[column + i] < best.threshold));
        nodes[id].feature = best.feature;
        nodes[id].threshold = best.threshold;
        nodes[id].left = grow(leftRows, depth + 1);
        nodes[id].right = grow(rightRows, depth + 1);
        return id;
      };
      grow(Array.from({ length: x.nRows }, (_, i) => i), 0);
      const tree: Tree = {
        feature: Int32Array.from(nodes, (n) => n.feature),
        threshold: Float64Array.from(nodes, (n) => n.threshold),
        left: Int32Array.from(nodes, (n) => n.left),
        right: Int32Array.from(nodes, (n) => n.right),
        missingLeft: new Uint8Array(nodes.length),
        value: Float64Array.from(nodes, (n) => n.value),
        cover: Float64Array.from(nodes, (n) => n.cover),
      };
      return treeModel(x.columns, tree, link);
    },
  };
}

function treeModel(featureNames: readonly string[], tree: Tree, link: "identity" | "logit"): Model & TreeEnsemble {
  const model = {
    kind: "test-tree",
    task: (link === "logit" ? "binary" : "regression") as Task,
    featureNames,
    trees: [tree],
    baseMargin: 0,
    treeWeight: 1,
    link,
    nFeatures: featureNames.length,
    predict(x: Matrix) {
      const margin = ensembleMargin(model, x);
      return link === "logit" ? margin.map(sigmoid) : margin;
    },
    toJSON: (): ModelJSON => ({ kind: "test-tree", schemaVersion: 1, featureNames: [...featureNames], tree: treeToJSON(tree), link }),
  };
  return Object.freeze(model);
}

/** Rebuilds any of the models above from JSON (the uplift learners' resolver in tests). */
export function testResolver(json: unknown): Model {
  const j = json as ModelJSON & Record<string, unknown>;
  const names = j.featureNames as string[];
  switch (j.kind) {
    case "test-cell-means":
      return cellMeansModel(names, j.means as Record<string, number>, j.fallback as number, j.task as Task);
    case "test-logistic":
      return linearModel("test-logistic", names, Float64Array.from(j.coef as number[]), true);
    case "test-ridge":
      return linearModel("test-ridge", names, Float64Array.from(j.coef as number[]), false);
    case "test-tree":
      return treeModel(names, treeFromJSON(j.tree as TreeJSON, names.length), j.link as "identity" | "logit");
    default:
      throw new PatronError("E_UNKNOWN_KIND", `unknown test model kind ${String(j.kind)}`);
  }
}
