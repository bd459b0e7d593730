/**
 * Growing one uplift tree (Rzepakowski & Jaroszewicz 2012; criteria in uplift-forest-criterion.ts)
 * on binned features: every feature is cut once into at most maxBins quantile bins (the gbdt's
 * XGBoost-equal cuts, src/models/tree/binning.ts), so finding a node's best split is one pass over
 * its rows per feature, filling counts per (bin, arm, outcome), then a scan over the bins. causalml
 * instead tries 11 percentiles of each node's values; bins give every node the same, finer grid for
 * the price of one pass, and the forest bins once for all its trees.
 *
 * The constraints are honest about the arms: a split is allowed only when each child keeps at least
 * minSamplesLeaf rows and at least minSamplesTreatment rows of every arm, because an uplift is a
 * difference between arms and a child with a handful of control rows has no estimate of it.
 *
 * Each node stores P(y = 1 | node, arm) per arm, shrunk toward its parent's (R&J §4.2's
 * regularisation, causalml's n_reg): p = (positives + nReg·p_parent) / (rows + nReg); the root keeps
 * the raw rates. With honest estimation (Athey & Imbens 2016) the tree is grown on one part of the
 * rows and these rates are computed from the other part, so a leaf's uplift is not the noise the
 * split chose it for.
 *
 * The result is the flat layout of src/models/tree/tree.ts (a row goes left when x < threshold, NaN
 * follows missingLeft) with one value per node and arm.
 */
import { column, type Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import { binColumn, binThreshold, featureCuts, MAX_BINS, type BinCuts } from "../models/tree/binning.ts";
import { armsDivergence, splitNormalization, type UpliftCriterion } from "./uplift-forest-criterion.ts";

export interface BinnedFeatures extends BinCuts {
  readonly nRows: number;
  readonly nFeatures: number;
  /** Column-major codes (feature j of row i at j·nRows + i); NaN has code nBins[j]. */
  readonly codes: Uint8Array;
}

export function binFeatures(x: Matrix, maxBins: number): BinnedFeatures {
  const { nRows, nCols } = x;
  const nBins = new Int32Array(nCols);
  const hasMissing = new Uint8Array(nCols);
  const cuts = new Float64Array(nCols * MAX_BINS);
  const minValues = new Float64Array(nCols);
  const codes = new Uint8Array(nRows * nCols);
  for (let j = 0; j < nCols; j++) {
    const values = column(x, j);
    const fc = featureCuts(values, maxBins);
    nBins[j] = fc.cuts.length;
    hasMissing[j] = fc.hasMissing ? 1 : 0;
    cuts.set(fc.cuts, j * MAX_BINS);
    minValues[j] = fc.minValue;
    binColumn(values, fc.cuts, fc.cuts.length, codes.subarray(j * nRows, (j + 1) * nRows));
  }
  return { nRows, nFeatures: nCols, nBins, hasMissing, cuts, minValues, codes };
}

export interface GrowSettings {
  criterion: UpliftCriterion;
  normalization: boolean;
  /** Weight of treatment-vs-control divergence against between-treatment divergence (K ≥ 2). */
  alpha: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesTreatment: number;
  nReg: number;
  /** Features tried at each node (all when ≥ nFeatures). */
  maxFeatures: number;
  /** A split must have a (normalised) gain above this. */
  minGain: number;
}

export interface GrowData {
  binned: BinnedFeatures;
  /** 0/1 outcome per row (bytes: the histogram index is computed from it in the hottest loop). */
  y: Uint8Array;
  /** Arm per row, 0 = control. */
  arm: Int32Array;
  nArms: number;
}

export interface FlatUpliftTree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  missingLeft: Uint8Array;
  /** Training rows (with bootstrap multiplicity) that reached each node. */
  cover: Float64Array;
  /** Node n, arm a at n·nArms + a: the shrunk P(y = 1 | node, arm). */
  values: Float64Array;
  /** The split's normalised gain times its rows (0 at leaves), for feature importance. */
  gain: Float64Array;
}

interface Split {
  feature: number;
  bin: number;
  missingLeft: boolean;
  gain: number;
}

/** Rates shrunk toward `parent` (raw rates at the root, parent = undefined). */
function shrunkRates(n: ArrayLike<number>, pos: ArrayLike<number>, parent: ArrayLike<number> | undefined, nReg: number, out: Float64Array): void {
  for (let a = 0; a < out.length; a++) {
    if (parent === undefined) out[a] = n[a] > 0 ? pos[a] / n[a] : 0;
    else out[a] = n[a] + nReg > 0 ? (pos[a] + nReg * parent[a]) / (n[a] + nReg) : parent[a];
  }
}

/**
 * Grows one tree on `rows` (indices into data, repeats allowed: a bootstrap sample). With
 * `estimationRows`, node values come from those rows instead (honesty).
 */
export function growUpliftTree(data: GrowData, rows: Int32Array, estimationRows: Int32Array | undefined, settings: GrowSettings, random: Rng): FlatUpliftTree {
  const { binned, y, arm, nArms } = data;
  const { nRows, nFeatures, codes, nBins } = binned;
  const work = Int32Array.from(rows);
  const hist = new Float64Array((MAX_BINS + 1) * nArms * 2);
  const features = Int32Array.from({ length: nFeatures }, (_, j) => j);
  const nTry = Math.min(settings.maxFeatures, nFeatures);
  const nodes: { feature: number; bin: number; threshold: number; left: number; right: number; missingLeft: number; cover: number; gain: number; rates: Float64Array }[] = [];
  // Per-candidate scratch: counts of the left child and the node, the children's rates.
  const nLeft = new Float64Array(nArms);
  const posLeft = new Float64Array(nArms);
  const nRight = new Float64Array(nArms);
  const posRight = new Float64Array(nArms);
  const ratesLeft = new Float64Array(nArms);
  const ratesRight = new Float64Array(nArms);

  const bestSplit = (start: number, end: number, nArm: Float64Array, posArm: Float64Array, rates: Float64Array): Split | undefined => {
    const nNode = end - start;
    const parentDivergence = armsDivergence(settings.criterion, rates, settings.alpha);
    // A random subset of nTry features: a partial Fisher–Yates shuffle.
    for (let s = 0; s < nTry && nTry < nFeatures; s++) {
      const r = s + random.int(nFeatures - s);
      const tmp = features[s];
      features[s] = features[r];
      features[r] = tmp;
    }
    let best: Split | undefined;
    for (let s = 0; s < nTry; s++) {
      const j = features[s];
      const nb = nBins[j];
      hist.fill(0, 0, (nb + 1) * nArms * 2);
      const base = j * nRows;
      for (let r = start; r < end; r++) {
        const i = work[r];
        hist[(codes[base + i] * nArms + arm[i]) * 2 + y[i]]++;
      }
      let nMissing = 0;
      for (let a = 0; a < nArms; a++) nMissing += hist[(nb * nArms + a) * 2] + hist[(nb * nArms + a) * 2 + 1];
      for (const missingLeft of nMissing > 0 ? [false, true] : [false]) {
        for (let a = 0; a < nArms; a++) {
          nLeft[a] = missingLeft ? hist[(nb * nArms + a) * 2] + hist[(nb * nArms + a) * 2 + 1] : 0;
          posLeft[a] = missingLeft ? hist[(nb * nArms + a) * 2 + 1] : 0;
        }
        // Left = codes ≤ b (plus the missing rows when missingLeft).
        for (let b = 0; b < nb - 1; b++) {
          let nL = 0;
          let armsOk = true;
          for (let a = 0; a < nArms; a++) {
            nLeft[a] += hist[(b * nArms + a) * 2] + hist[(b * nArms + a) * 2 + 1];
            posLeft[a] += hist[(b * nArms + a) * 2 + 1];
            nRight[a] = nArm[a] - nLeft[a];
            posRight[a] = posArm[a] - posLeft[a];
            nL += nLeft[a];
            if (nLeft[a] < settings.minSamplesTreatment || nRight[a] < settings.minSamplesTreatment) armsOk = false;
          }
          if (!armsOk || nL < settings.minSamplesLeaf || nNode - nL < settings.minSamplesLeaf) continue;
          shrunkRates(nLeft, posLeft, rates, settings.nReg, ratesLeft);
          shrunkRates(nRight, posRight, rates, settings.nReg, ratesRight);
          let gain = (nL / nNode) * armsDivergence(settings.criterion, ratesLeft, settings.alpha) +
            ((nNode - nL) / nNode) * armsDivergence(settings.criterion, ratesRight, settings.alpha) - parentDivergence;
          if (settings.normalization) gain /= splitNormalization(settings.criterion, nArm, nLeft, settings.alpha);
          if (best === undefined || gain > best.gain) best = { feature: j, bin: b, missingLeft, gain };
        }
      }
    }
    return best;
  };

  const build = (start: number, end: number, depth: number, parentRates: Float64Array | undefined): number => {
    const nArm = new Float64Array(nArms);
    const posArm = new Float64Array(nArms);
    for (let r = start; r < end; r++) {
      const i = work[r];
      nArm[arm[i]]++;
      posArm[arm[i]] += y[i];
    }
    const rates = new Float64Array(nArms);
    shrunkRates(nArm, posArm, parentRates, settings.nReg, rates);
    const index = nodes.length;
    nodes.push({ feature: -1, bin: -1, threshold: 0, left: -1, right: -1, missingLeft: 0, cover: end - start, gain: 0, rates });
    if (depth >= settings.maxDepth || end - start < 2 * settings.minSamplesLeaf) return index;
    const split = bestSplit(start, end, nArm, posArm, rates);
    if (split === undefined || !(split.gain > settings.minGain)) return index;
    // Partition rows: left = code ≤ bin, or missing when the split sends missing left.
    const base = split.feature * nRows;
    const missingCode = nBins[split.feature];
    let mid = start;
    for (let r = start; r < end; r++) {
      const c = codes[base + work[r]];
      if (c === missingCode ? split.missingLeft : c <= split.bin) {
        const tmp = work[mid];
        work[mid++] = work[r];
        work[r] = tmp;
      }
    }
    const node = nodes[index];
    node.feature = split.feature;
    node.bin = split.bin;
    node.threshold = binThreshold(binned, split.feature, split.bin);
    node.missingLeft = split.missingLeft ? 1 : 0;
    node.gain = split.gain * (end - start);
    node.left = build(start, mid, depth + 1, rates);
    node.right = build(mid, end, depth + 1, rates);
    return index;
  };
  build(0, work.length, 0, undefined);

  const nNodes = nodes.length;
  const values = new Float64Array(nNodes * nArms);
  nodes.forEach((node, n) => values.set(node.rates, n * nArms));
  const cover = Float64Array.from(nodes, (node) => node.cover);
  if (estimationRows !== undefined) honestValues(data, nodes, estimationRows, settings.nReg, values, cover);
  return {
    feature: Int32Array.from(nodes, (node) => node.feature),
    threshold: Float64Array.from(nodes, (node) => node.threshold),
    left: Int32Array.from(nodes, (node) => node.left),
    right: Int32Array.from(nodes, (node) => node.right),
    missingLeft: Uint8Array.from(nodes, (node) => node.missingLeft),
    cover,
    values,
    gain: Float64Array.from(nodes, (node) => node.gain),
  };
}

/**
 * Replaces the node values with rates of the estimation rows (shrunk toward the parent as in
 * growth; an arm with no estimation row at the root keeps the growth rate) and adds those rows to
 * the cover. Nodes are in preorder, so a parent's value is final before its children's.
 */
function honestValues(
  data: GrowData, nodes: readonly { feature: number; bin: number; left: number; right: number; missingLeft: number }[],
  rows: Int32Array, nReg: number, values: Float64Array, cover: Float64Array,
): void {
  const { binned, y, arm, nArms } = data;
  const counts = new Float64Array(nodes.length * nArms);
  const positives = new Float64Array(nodes.length * nArms);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r];
    let n = 0;
    for (;;) {
      counts[n * nArms + arm[i]]++;
      positives[n * nArms + arm[i]] += y[i];
      cover[n]++;
      const node = nodes[n];
      if (node.feature === -1) break;
      const c = binned.codes[node.feature * binned.nRows + i];
      n = (c === binned.nBins[node.feature] ? node.missingLeft === 1 : c <= node.bin) ? node.left : node.right;
    }
  }
  const parentOf = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((node, n) => {
    if (node.feature !== -1) parentOf[node.left] = parentOf[node.right] = n;
  });
  for (let n = 0; n < nodes.length; n++) {
    for (let a = 0; a < nArms; a++) {
      const count = counts[n * nArms + a];
      const pos = positives[n * nArms + a];
      const p = parentOf[n];
      if (p < 0) {
        if (count > 0) values[a] = pos / count;
      } else {
        const parent = values[p * nArms + a];
        values[n * nArms + a] = count + nReg > 0 ? (pos + nReg * parent) / (count + nReg) : parent;
      }
    }
  }
}
