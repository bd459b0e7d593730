/**
 * `patron simulate`: write a simulated shop (src/uplift/simulator.ts) with a known response to
 * discounts into a folder, in the IUM course data's format — sessions.jsonl, products.jsonl,
 * users.jsonl, deliveries.jsonl — plus oracle.jsonl with every session's true purchase
 * probability at each discount level. `patron ingest --preset ium FOLDER` reads it like the real
 * course data. Deterministic under --seed.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { action } from "../run-command.ts";

interface SimulateCliOptions {
  customers: string;
  seed: string;
  out: string;
  gzip?: boolean;
  json?: boolean;
}

function wholeNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new PatronError("E_USAGE", `--${name} must be a whole number ≥ ${min}; found "${text}".`);
  }
  return value;
}

export function register(program: Command): void {
  program
    .command("simulate")
    .description("Write a simulated e-shop with a known discount response (IUM event format + oracle) into a folder")
    .option("--customers <n>", "number of customers", "20000")
    .option("--seed <n>", "random seed (same seed, same shop)", "1")
    .option("--out <dir>", "folder to write into (created if missing)", "./simulated-shop")
    .option("--gzip", "write .jsonl.gz files")
    .option("--json", "print a summary as one JSON object on the last line")
    .action(
      action(async (options: SimulateCliOptions) => {
        const customers = wholeNumber("customers", options.customers, 1);
        const seed = wholeNumber("seed", options.seed, 0);
        const [{ simulateShop, SIMULATED_TYPES }, { shopFiles }, fs, path, zlib, stream] = await Promise.all([
          import("../../uplift/simulator.ts"),
          import("../../uplift/simulator-format.ts"),
          import("node:fs"),
          import("node:path"),
          import("node:zlib"),
          import("node:stream/promises"),
        ]);
        const shop = simulateShop({ customers, seed });
        fs.mkdirSync(options.out, { recursive: true });
        const files: Record<string, number> = {};
        for (const file of shopFiles(shop)) {
          const name = file.name + (options.gzip ? ".gz" : "");
          const target = path.join(options.out, name);
          const lines = file.lines();
          let count = 0;
          async function* chunks() {
            // Batches of lines keep the write calls few without holding a whole file in memory.
            let batch = "";
            for (const text of lines) {
              batch += `${text}\n`;
              count++;
              if (batch.length > 1 << 20) {
                yield batch;
                batch = "";
              }
            }
            if (batch) yield batch;
          }
          const sink = fs.createWriteStream(target);
          if (options.gzip) await stream.pipeline(chunks(), zlib.createGzip(), sink);
          else await stream.pipeline(chunks(), sink);
          files[name] = count;
        }
        const nSessions = shop.oracle.sessionId.length;
        const typeCounts: Record<string, number> = {};
        shop.oracle.customerType.forEach((k) => {
          typeCounts[SIMULATED_TYPES[k]] = (typeCounts[SIMULATED_TYPES[k]] ?? 0) + 1;
        });
        const summary = {
          out: options.out, seed, customers, sessions: nSessions, events: shop.events.sessionId.length,
          purchases: shop.deliveries.purchaseId.length, sessions_by_customer_type: typeCounts, files,
        };
        if (!options.json) {
          process.stdout.write(`simulated shop (seed ${seed}) written to ${options.out}\n`);
          process.stdout.write(`${customers.toLocaleString("en-US")} customers, ${nSessions.toLocaleString("en-US")} sessions, ` +
            `${summary.events.toLocaleString("en-US")} events, ${summary.purchases.toLocaleString("en-US")} purchases\n`);
          for (const [name, count] of Object.entries(files)) process.stdout.write(`  ${name}: ${count.toLocaleString("en-US")} lines\n`);
          process.stdout.write(`ingest with: patron ingest --preset ium ${options.out}\n`);
        }
        return summary;
      }),
    );
}
