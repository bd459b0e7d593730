/**
 * The product catalogue the online features need (category and list price per product), held
 * in memory and read from the canonical `products` table of the service's dataset. Reloaded in
 * the background so products ingested while the service runs are picked up.
 */
import type { Store } from "../store/store.ts";
import type { CatalogEntry } from "../uplift/session-features.ts";

/** What the online features read: a product's category and price. */
export interface Catalog {
  readonly size: number;
  get(productId: string): CatalogEntry | undefined;
}

export async function loadCatalog(store: Store, dataset: string): Promise<Map<string, CatalogEntry>> {
  const rows = await store.query<{ product_id: string; category_path: string | null; price: number | null }>(
    "SELECT product_id, category_path, price FROM products WHERE dataset = $1",
    [dataset],
  );
  const catalog = new Map<string, CatalogEntry>();
  for (const r of rows) {
    catalog.set(String(r.product_id), { category: r.category_path ?? "", price: r.price === null ? NaN : Number(r.price) });
  }
  return catalog;
}

/** A catalogue whose contents can be replaced in place (the online features hold a reference). */
export class LiveCatalog implements Catalog {
  #entries = new Map<string, CatalogEntry>();

  get size(): number {
    return this.#entries.size;
  }

  get(productId: string): CatalogEntry | undefined {
    return this.#entries.get(productId);
  }

  replace(entries: Map<string, CatalogEntry>): void {
    this.#entries = entries;
  }
}
