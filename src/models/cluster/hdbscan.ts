/**
 * HDBSCAN* (Campello, Moulavi & Sander 2013; the steps as in McInnes, Healy & Astels 2017,
 * "hdbscan: Hierarchical density based clustering", and scikit-learn ≥ 1.3's port):
 * 1. core distance = distance to the minSamples-th nearest row, the row itself counted;
 * 2. mutual reachability d_mr(a, b) = max(core_a, core_b, ‖a − b‖);
 * 3. its minimum spanning tree (Prim, O(n²) on the implicit dense graph, no n² memory);
 * 4. the single-linkage hierarchy from the MST's sorted edges;
 * 5. the condensed tree: splits where both sides have ≥ minClusterSize rows are true splits,
 *    smaller sides "fall out" as points at λ = 1/distance;
 * 6. cluster stability Σ (λ_p − λ_birth) and excess-of-mass selection (or the leaves);
 * 7. each row takes its selected ancestor's label (−1 = noise), probability λ_p / λ_max.
 * Hand-written because scikit-learn 1.2.1 (our reference) has no HDBSCAN and no npm package
 * implements the condensed-tree selection; see test/cluster for the hand-checked case.
 */
import { z } from "zod";
import { PatronError } from "../../core/errors.ts";
import type { Matrix } from "../../core/matrix.ts";
import type { FitContext, ModelJSON } from "../types.ts";
import { kthNeighborDistance, squaredRowDistance } from "./density.ts";
import { checkClusterInput, checkColumns, rowMajor, type ClusterModel } from "./types.ts";

export const HdbscanOptions = z.strictObject({
  minClusterSize: z.number().int().min(2).default(5),
  /** Default: minClusterSize, as scikit-learn and hdbscan. */
  minSamples: z.number().int().min(1).optional(),
  clusterSelectionMethod: z.enum(["eom", "leaf"]).default("eom"),
  allowSingleCluster: z.boolean().default(false),
});

export interface CondensedTree {
  parent: Int32Array;
  child: Int32Array;
  lambda: Float64Array;
  childSize: Int32Array;
}

export interface HdbscanModel extends ClusterModel {
  readonly kind: "hdbscan";
  /** Strength of membership in [0, 1] (0 for noise). */
  readonly probabilities: Float64Array;
  /** Stability of each selected cluster, by label. */
  readonly clusterStability: Float64Array;
  readonly condensedTree: CondensedTree;
}

/** Prim's MST on mutual reachability: rows (from, to, weight), n − 1 of them. */
export function mutualReachabilityMst(rows: Float64Array, n: number, d: number, core: Float64Array): Float64Array {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n);
  const edges = new Float64Array((n - 1) * 3);
  let current = 0;
  inTree[0] = 1;
  for (let e = 0; e < n - 1; e++) {
    let next = -1;
    let nextWeight = Infinity;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const reach = Math.max(Math.sqrt(squaredRowDistance(rows, current, j, d)), core[current], core[j]);
      if (reach < best[j]) {
        best[j] = reach;
        from[j] = current;
      }
      if (best[j] < nextWeight) {
        nextWeight = best[j];
        next = j;
      }
    }
    edges.set([from[next], next, nextWeight], e * 3);
    inTree[next] = 1;
    current = next;
  }
  return edges;
}

/** Single-linkage hierarchy (SciPy layout: a, b, distance, size; new nodes n, n+1, …) from MST edges. */
export function singleLinkage(edges: Float64Array, n: number): Float64Array {
  const order = Array.from({ length: n - 1 }, (_, e) => e).sort((u, v) => edges[u * 3 + 2] - edges[v * 3 + 2] || u - v);
  const parent = new Int32Array(2 * n - 1).map((_, i) => i);
  const size = new Int32Array(2 * n - 1).fill(1);
  const find = (i: number) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const out = new Float64Array((n - 1) * 4);
  order.forEach((e, k) => {
    const a = find(edges[e * 3]);
    const b = find(edges[e * 3 + 1]);
    const id = n + k;
    parent[a] = id;
    parent[b] = id;
    size[id] = size[a] + size[b];
    out.set([a, b, edges[e * 3 + 2], size[id]], k * 4);
  });
  return out;
}

function bfsFromHierarchy(hierarchy: Float64Array, root: number, nPoints: number): number[] {
  const result: number[] = [];
  let toProcess = [root];
  while (toProcess.length > 0) {
    result.push(...toProcess);
    const next: number[] = [];
    for (const node of toProcess) {
      if (node >= nPoints) next.push(hierarchy[(node - nPoints) * 4], hierarchy[(node - nPoints) * 4 + 1]);
    }
    toProcess = next;
  }
  return result;
}

/** hdbscan's condense_tree. Cluster ids start at nPoints (the root). */
export function condenseTree(hierarchy: Float64Array, nPoints: number, minClusterSize: number): CondensedTree {
  const root = 2 * (nPoints - 1);
  const relabel = new Int32Array(root + 1);
  relabel[root] = nPoints;
  let nextLabel = nPoints + 1;
  const ignore = new Uint8Array(root + 1);
  const parent: number[] = [];
  const child: number[] = [];
  const lambda: number[] = [];
  const childSize: number[] = [];
  const push = (p: number, c: number, l: number, s: number) => {
    parent.push(p);
    child.push(c);
    lambda.push(l);
    childSize.push(s);
  };
  const count = (node: number) => (node >= nPoints ? hierarchy[(node - nPoints) * 4 + 3] : 1);
  const fallOut = (node: number, from: number, l: number) => {
    for (const sub of bfsFromHierarchy(hierarchy, node, nPoints)) {
      if (sub < nPoints) push(relabel[from], sub, l, 1);
      ignore[sub] = 1;
    }
  };
  for (const node of bfsFromHierarchy(hierarchy, root, nPoints)) {
    if (ignore[node] || node < nPoints) continue;
    const row = (node - nPoints) * 4;
    const left = hierarchy[row];
    const right = hierarchy[row + 1];
    const distance = hierarchy[row + 2];
    const l = distance > 0 ? 1 / distance : Infinity;
    const leftCount = count(left);
    const rightCount = count(right);
    if (leftCount >= minClusterSize && rightCount >= minClusterSize) {
      relabel[left] = nextLabel++;
      push(relabel[node], relabel[left], l, leftCount);
      relabel[right] = nextLabel++;
      push(relabel[node], relabel[right], l, rightCount);
    } else if (leftCount < minClusterSize && rightCount < minClusterSize) {
      fallOut(left, node, l);
      fallOut(right, node, l);
    } else if (leftCount < minClusterSize) {
      relabel[right] = relabel[node];
      fallOut(left, node, l);
    } else {
      relabel[left] = relabel[node];
      fallOut(right, node, l);
    }
  }
  return { parent: Int32Array.from(parent), child: Int32Array.from(child), lambda: Float64Array.from(lambda), childSize: Int32Array.from(childSize) };
}

/** Stability of every cluster id: Σ over its rows of (λ_row − λ_birth) × size. */
export function clusterStabilities(tree: CondensedTree): Map<number, number> {
  const births = new Map<number, number>();
  let smallest = Infinity;
  for (let e = 0; e < tree.parent.length; e++) {
    births.set(tree.child[e], tree.lambda[e]);
    smallest = Math.min(smallest, tree.parent[e]);
  }
  births.set(smallest, 0);
  const stability = new Map<number, number>();
  for (let e = 0; e < tree.parent.length; e++) {
    const p = tree.parent[e];
    stability.set(p, (stability.get(p) ?? 0) + (tree.lambda[e] - births.get(p)!) * tree.childSize[e]);
  }
  return stability;
}

export function hdbscan(options: z.input<typeof HdbscanOptions> = {}) {
  const opts = HdbscanOptions.parse(options);
  const minSamples = opts.minSamples ?? opts.minClusterSize;
  return {
    kind: "hdbscan" as const,
    options: opts,
    fit(x: Matrix, _ctx: FitContext = {}): HdbscanModel {
      checkClusterInput(x, "HDBSCAN", Math.max(2, minSamples));
      const n = x.nRows;
      const d = x.nCols;
      const rows = rowMajor(x);
      const core = kthNeighborDistance(rows, n, d, minSamples);
      const hierarchy = singleLinkage(mutualReachabilityMst(rows, n, d, core), n);
      const tree = condenseTree(hierarchy, n, opts.minClusterSize);
      const stability = clusterStabilities(tree);
      const selected = selectClusters(tree, stability, n, opts.clusterSelectionMethod, opts.allowSingleCluster);
      const { labels, probabilities } = labelRows(tree, selected, n, opts.allowSingleCluster);
      const clusterStability = Float64Array.from(selected, (c) => stability.get(c) ?? 0);
      return hdbscanModel(x.columns, labels, probabilities, clusterStability, tree, rows, core);
    },
  };
}

/** Excess of mass (or leaves): returns the selected cluster ids in ascending order. */
function selectClusters(tree: CondensedTree, stabilityIn: Map<number, number>, nPoints: number, method: "eom" | "leaf", allowSingle: boolean): number[] {
  const stability = new Map(stabilityIn);
  const childrenOf = new Map<number, number[]>();
  for (let e = 0; e < tree.parent.length; e++) {
    if (tree.childSize[e] <= 1) continue;
    const list = childrenOf.get(tree.parent[e]) ?? [];
    list.push(tree.child[e]);
    childrenOf.set(tree.parent[e], list);
  }
  const nodes = [...stability.keys()].sort((u, v) => v - u);
  if (!allowSingle) nodes.pop(); // the root, smallest id
  const isCluster = new Map(nodes.map((c) => [c, true]));
  const descendants = (node: number): number[] => {
    const out: number[] = [];
    const queue = [...(childrenOf.get(node) ?? [])];
    while (queue.length) {
      const c = queue.shift()!;
      out.push(c);
      queue.push(...(childrenOf.get(c) ?? []));
    }
    return out;
  };
  if (method === "leaf") {
    const leaves = nodes.filter((c) => !(childrenOf.get(c)?.length));
    return leaves.length > 0 ? leaves.sort((u, v) => u - v) : allowSingle ? [nPoints] : [];
  }
  for (const node of nodes) {
    const subtree = (childrenOf.get(node) ?? []).reduce((s, c) => s + (stability.get(c) ?? 0), 0);
    if (subtree > stability.get(node)!) {
      isCluster.set(node, false);
      stability.set(node, subtree);
    } else {
      for (const sub of descendants(node)) isCluster.set(sub, false);
    }
  }
  return [...isCluster.entries()].filter(([, v]) => v).map(([c]) => c).sort((u, v) => u - v);
}

/** hdbscan's do_labelling and get_probabilities. */
function labelRows(tree: CondensedTree, selected: number[], nPoints: number, allowSingle: boolean): { labels: Int32Array; probabilities: Float64Array } {
  const clusterIndex = new Map(selected.map((c, k) => [c, k]));
  const up = new Map<number, number>();
  const pointLambda = new Float64Array(nPoints);
  const deaths = new Map<number, number>();
  for (let e = 0; e < tree.parent.length; e++) {
    up.set(tree.child[e], tree.parent[e]);
    if (tree.child[e] < nPoints) pointLambda[tree.child[e]] = tree.lambda[e];
    deaths.set(tree.parent[e], Math.max(deaths.get(tree.parent[e]) ?? 0, tree.lambda[e]));
  }
  const labels = new Int32Array(nPoints).fill(-1);
  const probabilities = new Float64Array(nPoints);
  for (let i = 0; i < nPoints; i++) {
    let node = up.get(i);
    while (node !== undefined && !clusterIndex.has(node)) node = up.get(node);
    if (node === undefined) continue;
    if (node === nPoints) {
      // A single root cluster (allowSingleCluster) keeps only rows that stay until its densest
      // level, as hdbscan's do_labelling; the rest are noise.
      if (!(allowSingle && selected.length === 1) || pointLambda[i] < (deaths.get(node) ?? 0)) continue;
    }
    const k = clusterIndex.get(node)!;
    labels[i] = k;
    const maxLambda = deaths.get(node) ?? 0;
    probabilities[i] = maxLambda === 0 || !Number.isFinite(pointLambda[i]) ? 1 : Math.min(pointLambda[i], maxLambda) / maxLambda;
  }
  return { labels, probabilities };
}

function hdbscanModel(featureNames: readonly string[], labels: Int32Array, probabilities: Float64Array, clusterStability: Float64Array, tree: CondensedTree, rows: Float64Array, core: Float64Array): HdbscanModel {
  const d = featureNames.length;
  const n = labels.length;
  const nClusters = clusterStability.length;
  // Per cluster, the largest mutual-reachability level inside it (1/λ at its birth): a new row
  // joins its nearest clustered training row's cluster only within that level.
  const reach = new Float64Array(nClusters);
  for (let i = 0; i < n; i++) if (labels[i] >= 0) reach[labels[i]] = Math.max(reach[labels[i]], core[i]);
  return Object.freeze({
    kind: "hdbscan" as const,
    featureNames: Object.freeze([...featureNames]),
    nClusters,
    labels,
    probabilities,
    clusterStability,
    condensedTree: tree,
    /**
     * A simplification of hdbscan's approximate_predict: the nearest clustered training row's
     * label when the mutual reachability to it (max of both core distances and the distance)
     * is within the largest core distance of that cluster; otherwise noise.
     */
    predict(x: Matrix): Int32Array {
      checkColumns(x, featureNames, "HDBSCAN");
      const q = rowMajor(x);
      const out = new Int32Array(x.nRows).fill(-1);
      for (let r = 0; r < x.nRows; r++) {
        let best = Infinity;
        let bestI = -1;
        for (let i = 0; i < n; i++) {
          if (labels[i] < 0) continue;
          let sum = 0;
          for (let j = 0; j < d; j++) sum += (q[r * d + j] - rows[i * d + j]) ** 2;
          const mr = Math.max(Math.sqrt(sum), core[i]);
          if (mr < best) {
            best = mr;
            bestI = i;
          }
        }
        if (bestI >= 0 && best <= reach[labels[bestI]]) out[r] = labels[bestI];
      }
      return out;
    },
    toJSON: (): ModelJSON => ({
      kind: "hdbscan",
      schemaVersion: 1,
      featureNames: [...featureNames],
      labels: Array.from(labels),
      probabilities: Array.from(probabilities),
      clusterStability: Array.from(clusterStability),
      condensedTree: { parent: Array.from(tree.parent), child: Array.from(tree.child), lambda: Array.from(tree.lambda, (v) => (Number.isFinite(v) ? v : null)), childSize: Array.from(tree.childSize) },
      rows: Array.from(rows),
      coreDistances: Array.from(core),
    }),
  });
}

const HdbscanJSON = z.strictObject({
  kind: z.literal("hdbscan"),
  schemaVersion: z.literal(1),
  featureNames: z.array(z.string()),
  labels: z.array(z.number().int().min(-1)),
  probabilities: z.array(z.number().min(0).max(1)),
  clusterStability: z.array(z.number()),
  condensedTree: z.strictObject({ parent: z.array(z.number().int()), child: z.array(z.number().int()), lambda: z.array(z.number().nullable()), childSize: z.array(z.number().int()) }),
  rows: z.array(z.number()),
  coreDistances: z.array(z.number().min(0)),
});

export function fromJSON(json: unknown): HdbscanModel {
  const parsed = HdbscanJSON.safeParse(json);
  if (!parsed.success) throw new PatronError("E_MODEL_JSON", `not an HDBSCAN model: ${parsed.error.message}`);
  const m = parsed.data;
  const n = m.labels.length;
  if (m.rows.length !== n * m.featureNames.length || m.coreDistances.length !== n || m.probabilities.length !== n || m.labels.some((k) => k >= m.clusterStability.length)) {
    throw new PatronError("E_MODEL_JSON", "HDBSCAN JSON: rows, core distances, probabilities and labels must describe the same training rows");
  }
  const t = m.condensedTree;
  const tree = { parent: Int32Array.from(t.parent), child: Int32Array.from(t.child), lambda: Float64Array.from(t.lambda, (v) => (v === null ? Infinity : v)), childSize: Int32Array.from(t.childSize) };
  return hdbscanModel(m.featureNames, Int32Array.from(m.labels), Float64Array.from(m.probabilities), Float64Array.from(m.clusterStability), tree, Float64Array.from(m.rows), Float64Array.from(m.coreDistances));
}

export const estimator = (options: Record<string, unknown>) => hdbscan(options);
