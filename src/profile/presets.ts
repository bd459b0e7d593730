/**
 * The raw files behind each bundled dataset, as `patron profile --preset NAME` reads them.
 * Profiling looks at the data as delivered — before ingest cleans it — because that is where
 * the typos, the missing customers and the special codes are that the warnings point out.
 */
import { fileURLToPath } from "node:url";
import { PatronError } from "../core/errors.ts";
import type { FileSource } from "./file-source.ts";

/** The bundled data folder, data/ at the repository root. */
export const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

const file = (table: string, path: string, extra: Partial<FileSource> = {}): FileSource => ({ table, path: `${DATA_DIR}${path}`, ...extra });

export const PROFILE_PRESETS: Record<string, { description: string; files: FileSource[] }> = {
  "one-click": {
    description: "«В один клик» (Yandex Practicum): customers, monthly revenue, minutes on site, profit",
    files: [
      file("market_file", "one-click/market_file.csv.gz"),
      file("market_money", "one-click/market_money.csv.gz"),
      file("market_time", "one-click/market_time.csv.gz"),
      file("money", "one-click/money.csv.gz"),
    ],
  },
  "online-retail": {
    description: "UCI Online Retail: 541,909 invoice lines, 2010-12-01 … 2011-12-09",
    files: [file("online_retail", "online-retail/by-day/*.csv.gz")],
  },
  hillstrom: {
    description: "Hillstrom e-mail experiment: 64,000 customers, three arms",
    files: [file("hillstrom", "hillstrom/hillstrom.csv.gz")],
  },
  cdnow: {
    description: "CDNOW sample: purchases of 2,357 customers, 1997–1998",
    files: [
      file("cdnow", "cdnow/CDNOW_sample.txt.gz", {
        // Fixed-width with runs of spaces and no header: split each line on whitespace.
        csvOptions: "header = false, delim = '\\t', quote = '', columns = {'line': 'VARCHAR'}",
        select: `SELECT parts[1] AS customer_id, parts[2] AS sample_customer_id,
                        CAST(strptime(parts[3], '%Y%m%d') AS DATE) AS date,
                        CAST(parts[4] AS INTEGER) AS number_of_cds, CAST(parts[5] AS DOUBLE) AS dollar_value
                   FROM (SELECT regexp_split_to_array(trim(line), '\\s+') AS parts FROM {src} WHERE trim(line) <> '') AS split`,
      }),
    ],
  },
  ium: {
    description: "IUM e-shop logs: sessions, products, users, deliveries",
    files: [
      file("sessions", "ium/sessions.jsonl.gz"),
      file("products", "ium/products.jsonl.gz"),
      file("users", "ium/users.jsonl.gz"),
      file("deliveries", "ium/deliveries.jsonl.gz"),
    ],
  },
};

export function presetFiles(name: string): FileSource[] {
  const preset = PROFILE_PRESETS[name];
  if (!preset) {
    throw new PatronError(
      "E_PRESET",
      `unknown preset ${JSON.stringify(name)}; expected one of ${Object.keys(PROFILE_PRESETS).join(", ")}.`,
    );
  }
  return preset.files;
}
