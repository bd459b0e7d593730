/**
 * fromJSON for the clusterer and embedding kinds, which have their own contracts
 * (cluster/types.ts, embed/types.ts) rather than the supervised Model of models/types.ts, so
 * they are not in models/registry.ts. Lazy imports keep loading cheap.
 */
import { PatronError } from "../../core/errors.ts";
import type { EmbeddingModel } from "../embed/types.ts";
import type { ClusterModel } from "./types.ts";

const clusterKinds: Record<string, () => Promise<{ fromJSON: (json: unknown) => ClusterModel }>> = {
  kmeans: () => import("./kmeans.ts"),
  gmm: () => import("./gmm.ts"),
  ward: () => import("./hierarchical.ts"),
  dbscan: () => import("./dbscan.ts"),
  hdbscan: () => import("./hdbscan.ts"),
};

const embeddingKinds: Record<string, () => Promise<{ fromJSON: (json: unknown) => EmbeddingModel }>> = {
  pca: () => import("../embed/pca.ts"),
  tsne: () => import("../embed/tsne.ts"),
};

function kindOf(json: unknown): string {
  if (typeof json !== "object" || json === null || typeof (json as { kind?: unknown }).kind !== "string") {
    throw new PatronError("E_MODEL_JSON", `a model must be a JSON object with a "kind"; found ${json === null ? "null" : typeof json}`);
  }
  return (json as { kind: string }).kind;
}

export async function clusterModelFromJSON(json: unknown): Promise<ClusterModel> {
  const kind = kindOf(json);
  if (!(kind in clusterKinds)) throw new PatronError("E_UNKNOWN_KIND", `unknown cluster model kind "${kind}"; known: ${Object.keys(clusterKinds).join(", ")}`);
  return (await clusterKinds[kind]()).fromJSON(json);
}

export async function embeddingModelFromJSON(json: unknown): Promise<EmbeddingModel> {
  const kind = kindOf(json);
  if (!(kind in embeddingKinds)) throw new PatronError("E_UNKNOWN_KIND", `unknown embedding kind "${kind}" (UMAP and tree embeddings keep only their training map; refit them); known: ${Object.keys(embeddingKinds).join(", ")}`);
  return (await embeddingKinds[kind]()).fromJSON(json);
}
