/**
 * Model-agnostic SHAP values by permutation sampling (Štrumbelj & Kononenko 2014), with
 * antithetic permutations as in the shap package's PermutationExplainer: for a random order of
 * the features and its reverse, features are switched one at a time from background values to
 * the customer's own, and each feature is credited with the change in the mean prediction over
 * the background rows. Every permutation's credits add up exactly to f(x) − E_background f, so
 * the values are additive however few permutations are drawn; more permutations reduce the
 * sampling noise of each feature's share.
 *
 * Why here and not a library: src/explain has exact SHAP for tree ensembles and linear
 * models only, and the models this job chooses — kNN, SVC and votes over pipelines — have no
 * exact explainer in any JavaScript library. Features are the Frame's columns (a categorical
 * column switches as one player, so one-hot groups never split), and the output is
 * P(y = 1), so the values are in probability units (link "identity").
 */
import { PatronError } from "../../core/errors.ts";
import { frame, type Frame, type FrameColumn } from "../../core/frame.ts";
import { permutation, rng } from "../../core/rng.ts";
import type { ShapValues } from "../../explain/shap-values.ts";

export interface ProbabilityModel {
  predictProba(f: Frame): Float64Array;
}

export interface PermutationShapOptions {
  /** Antithetic pairs of permutations per row (each pair = an order and its reverse). Default 1. */
  nPairs?: number;
  seed?: number;
  /**
   * A key per row that seeds its orders (default its index here): pass the rows' ids in the
   * whole table, and a row's values no longer depend on how the rows were split into calls.
   */
  rowKeys?: ArrayLike<number>;
}

/**
 * SHAP values of `model` for every row of `rows`, against the rows of `background` (a small
 * sample of training rows: its size multiplies the cost). Columns are those of `rows`; the
 * background must have them too.
 */
export function permutationShap(model: ProbabilityModel, rows: Frame, background: Frame, options: PermutationShapOptions = {}): ShapValues {
  const nPairs = options.nPairs ?? 1;
  const seed = options.seed ?? 0;
  const names = rows.columns.map((c) => c.name);
  const nFeatures = names.length;
  const nBackground = background.nRows;
  if (nBackground === 0) throw new PatronError("E_BACKGROUND", "permutation SHAP needs at least one background row; pass a sample of the training rows.");
  if (!Number.isInteger(nPairs) || nPairs < 1) throw new PatronError("E_OPTIONS", `nPairs must be an integer ≥ 1; found ${nPairs}.`);
  const bg = names.map((name) => {
    const column = background.columns.find((c) => c.name === name);
    if (!column) throw new PatronError("E_COLUMN", `the background rows have no column "${name}"; pass rows with the explained columns.`);
    return column;
  });
  const base = mean(model.predictProba(background));
  const own = model.predictProba(rows);
  const values = new Float64Array(rows.nRows * nFeatures);
  // Coalitions 1..M−1 of each order (0 and M are the base and f(x), known already).
  const nInner = Math.max(0, nFeatures - 1);
  const nOrders = 2 * nPairs;
  const batchRows = nOrders * nInner * nBackground;
  for (let i = 0; i < rows.nRows; i++) {
    // One stream per row key, so the values are reproducible from (seed, key).
    const random = rng((seed * 1_000_003 + (options.rowKeys ? options.rowKeys[i] : i)) >>> 0);
    const orders: Int32Array[] = [];
    for (let p = 0; p < nPairs; p++) {
      const order = permutation(nFeatures, random);
      orders.push(order, order.slice().reverse());
    }
    let predictions: Float64Array = new Float64Array(0);
    if (batchRows > 0) {
      // position[o][j]: where feature j comes in order o; in coalition k (1..M−1) the first k
      // features of the order take the row's values, the rest the background row's.
      const position = orders.map((order) => {
        const pos = new Int32Array(nFeatures);
        order.forEach((j, at) => (pos[j] = at));
        return pos;
      });
      const columns: FrameColumn[] = rows.columns.map((column, j) => {
        const source = bg[j];
        if (column.kind === "numeric") {
          const out = new Float64Array(batchRows);
          const own = column.values[i];
          const from = source.values as Float64Array;
          let r = 0;
          for (let o = 0; o < nOrders; o++) {
            const at = position[o][j];
            for (let k = 1; k <= nInner; k++) {
              if (at < k) out.fill(own, r, r + nBackground);
              else out.set(from, r);
              r += nBackground;
            }
          }
          return { name: column.name, kind: "numeric", values: out };
        }
        const out: (string | null)[] = new Array(batchRows);
        const own = column.values[i];
        const from = source.values as readonly (string | null)[];
        let r = 0;
        for (let o = 0; o < nOrders; o++) {
          const at = position[o][j];
          for (let k = 1; k <= nInner; k++) {
            for (let b = 0; b < nBackground; b++) out[r++] = at < k ? own : (from[b] ?? null);
          }
        }
        return { name: column.name, kind: "categorical", values: out };
      });
      predictions = model.predictProba(frame(columns));
    }
    const offset = i * nFeatures;
    for (let o = 0; o < nOrders; o++) {
      let previous = base;
      for (let k = 1; k <= nFeatures; k++) {
        let current: number;
        if (k === nFeatures) current = own[i];
        else {
          const start = (o * nInner + (k - 1)) * nBackground;
          current = mean(predictions.subarray(start, start + nBackground));
        }
        values[offset + orders[o][k - 1]] += current - previous;
        previous = current;
      }
    }
    for (let j = 0; j < nFeatures; j++) values[offset + j] /= nOrders;
  }
  return { nRows: rows.nRows, nOutputs: 1, featureNames: names, values, expectedValue: Float64Array.of(base), link: "identity" };
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length > 0 ? sum / values.length : NaN;
}

/** Rows of several explanations of the same features, stacked in the order given. */
export function stackShap(parts: readonly ShapValues[]): ShapValues {
  if (parts.length === 0) throw new PatronError("E_SHAPE", "nothing to stack: no explanations given.");
  const names = parts[0].featureNames;
  for (const p of parts) {
    if (p.featureNames.length !== names.length || p.featureNames.some((n, j) => n !== names[j]) || p.nOutputs !== parts[0].nOutputs || p.link !== parts[0].link) {
      throw new PatronError("E_SHAPE", "stacked explanations must share features, outputs and link.");
    }
  }
  const nRows = parts.reduce((a, p) => a + p.nRows, 0);
  const values = new Float64Array(parts.reduce((a, p) => a + p.values.length, 0));
  let at = 0;
  for (const p of parts) {
    values.set(p.values, at);
    at += p.values.length;
  }
  // Each part keeps its own baseline (its model's); the stack reports their row-weighted mean,
  // which charts may show but per-row sums must not rely on.
  const expectedValue = new Float64Array(parts[0].nOutputs);
  for (const p of parts) for (let k = 0; k < expectedValue.length; k++) expectedValue[k] += (p.expectedValue[k] * p.nRows) / Math.max(1, nRows);
  return { nRows, nOutputs: parts[0].nOutputs, featureNames: [...names], values, expectedValue, link: parts[0].link };
}
