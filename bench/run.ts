/**
 * `npm run bench -- NAME [args]` runs bench/NAME.bench.ts. Benchmarks are never CI gates: each
 * measures Patron beside its reference in the same run and prints, as its last line, one JSON
 * object of ratios (STYLE.md §7).
 */
import { readdirSync } from "node:fs";

const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [args]`);
  process.exit(2);
}
process.argv = [process.argv[0], process.argv[1], ...rest];
await import(`./${name}.bench.ts`);
