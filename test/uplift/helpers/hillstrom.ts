/**
 * The bundled Hillstrom e-mail experiment (data/hillstrom/hillstrom.csv.gz) parsed for tests:
 * the fixed holdout is the rows whose 0-based row number is ≡ 0, 1 or 2 (mod 10).
 * Numeric features only (recency, history, mens, womens, newbie, zip code and channel one-hot),
 * which is what the uplift tests need; the job reads the same data through the store.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fromColumns, type Matrix } from "../../../src/core/matrix.ts";

export interface Hillstrom {
  x: Matrix;
  /** "Mens E-Mail" | "Womens E-Mail" | "No E-Mail" per row. */
  segment: string[];
  visit: Float64Array;
  conversion: Float64Array;
  spend: Float64Array;
  /** True for the fixed holdout rows. */
  holdout: Uint8Array;
}

/** Splits one CSV line with double-quoted fields (history_segment holds commas). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

export function loadHillstrom(): Hillstrom {
  const text = gunzipSync(readFileSync(new URL("../../../data/hillstrom/hillstrom.csv.gz", import.meta.url))).toString("utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsv(lines[0]);
  const col = (name: string) => header.indexOf(name);
  const n = lines.length - 1;
  const columns: Record<string, Float64Array> = {};
  for (const name of ["recency", "history", "mens", "womens", "newbie", "zip_Urban", "zip_Surburban", "zip_Rural", "channel_Phone", "channel_Web", "channel_Multichannel"]) {
    columns[name] = new Float64Array(n);
  }
  const segment: string[] = new Array(n);
  const visit = new Float64Array(n);
  const conversion = new Float64Array(n);
  const spend = new Float64Array(n);
  const holdout = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const f = splitCsv(lines[i + 1]);
    columns.recency[i] = Number(f[col("recency")]);
    columns.history[i] = Number(f[col("history")]);
    columns.mens[i] = Number(f[col("mens")]);
    columns.womens[i] = Number(f[col("womens")]);
    columns.newbie[i] = Number(f[col("newbie")]);
    columns[`zip_${f[col("zip_code")]}`][i] = 1;
    columns[`channel_${f[col("channel")]}`][i] = 1;
    segment[i] = f[col("segment")];
    visit[i] = Number(f[col("visit")]);
    conversion[i] = Number(f[col("conversion")]);
    spend[i] = Number(f[col("spend")]);
    holdout[i] = i % 10 <= 2 ? 1 : 0;
  }
  return { x: fromColumns(columns), segment, visit, conversion, spend, holdout };
}
