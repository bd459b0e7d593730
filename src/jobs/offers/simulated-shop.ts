/**
 * A simulated shop (src/uplift/simulator.ts) put where the offers job reads real data: its IUM
 * files written to a folder (what `patron simulate` writes) and ingested with the `ium` preset's
 * own mapping under a dataset name of its own, so the simulated sessions go through exactly the
 * code path of the course data — ingest, then the SQL session table — and never mix with it.
 * The oracle (true purchase probability per session and discount) stays in memory for judging.
 */
import { mkdirSync, rmSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { Progress } from "../../core/progress.ts";
import { hasDataset } from "../../data/ensure.ts";
import { ingest } from "../../data/ingest.ts";
import { parseMapping } from "../../data/mapping.ts";
import { iumMapping } from "../../data/presets/ium.ts";
import type { Store } from "../../store/store.ts";
import { simulateShop, type Shop } from "../../uplift/simulator.ts";
import { shopFiles } from "../../uplift/simulator-format.ts";

/** The dataset name a simulated shop is stored under: one per (customers, seed). */
export function simulatedDataset(customers: number, seed: number): string {
  return `ium-simulated-c${customers}-s${seed}`;
}

/** Writes the shop's IUM files (and oracle.jsonl) into `dir`, gzip-compressed. */
export async function writeShopFiles(shop: Shop, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const file of shopFiles(shop)) {
    const lines = file.lines();
    async function* chunks() {
      // Batches of lines keep the write calls few without holding a whole file in memory.
      let batch = "";
      for (const text of lines) {
        batch += `${text}\n`;
        if (batch.length > 1 << 20) {
          yield batch;
          batch = "";
        }
      }
      if (batch) yield batch;
    }
    await pipeline(chunks(), createGzip({ level: 1 }), createWriteStream(join(dir, `${file.name}.gz`)));
  }
}

export interface SimulatedShop {
  shop: Shop;
  dataset: string;
  /** True when this call ingested it (false: the store already had it). */
  ingested: boolean;
}

/**
 * Simulates the shop and makes sure the store holds it as `simulatedDataset(customers, seed)`:
 * written to a scratch folder under `workDir` and ingested with the ium mapping, unless an
 * earlier run already did (the simulator is deterministic under its seed, so the stored rows are
 * this very shop).
 */
export async function ensureSimulatedShop(
  store: Store, options: { customers: number; seed: number; workDir: string; progress?: Progress },
): Promise<SimulatedShop> {
  const shop = simulateShop({ customers: options.customers, seed: options.seed });
  const dataset = simulatedDataset(options.customers, options.seed);
  if (await hasDataset(store, dataset)) return { shop, dataset, ingested: false };
  const dir = join(options.workDir, `${dataset}-${process.pid}`);
  try {
    await writeShopFiles(shop, dir);
    const mapping = parseMapping({ ...iumMapping, dataset, description: `simulated shop (patron simulate --customers ${options.customers} --seed ${options.seed})` }, "simulated shop");
    await ingest(store, mapping, dir, { origin: `simulate:customers=${options.customers},seed=${options.seed}`, progress: options.progress });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { shop, dataset, ingested: true };
}
