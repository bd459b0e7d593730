/**
 * Shared bits of the ingest tests: fixture paths, mappings, and a snapshot of every table's
 * row count, to prove an ingest that failed (or was killed) wrote nothing.
 */
import { fileURLToPath } from "node:url";
import { loadMapping } from "../../src/data/mapping.ts";
import { allTables } from "../../src/data/schema.ts";
import type { Store } from "../../src/store/store.ts";

export const fixture = (relative: string) => fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
export const ordersMapping = () => loadMapping(fixture("mappings/orders.yaml"));
export const eventsMapping = () => loadMapping(fixture("mappings/events.json"));

/** Row count of every Patron table (absent tables as -1). */
export async function snapshot(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of allTables) {
    if (!(await store.tableExists(t.name))) out[t.name] = -1;
    else out[t.name] = Number((await store.query<{ n: number }>(`SELECT count(*) AS n FROM ${store.dialect.ident(t.name)}`))[0].n);
  }
  return out;
}

export function sumFiltered(filtered: Record<string, number>): number {
  return Object.values(filtered).reduce((a, b) => a + b, 0);
}
