/**
 * The matrices of scripts/reference/gbdt_datasets.py, built in TypeScript from the bundled
 * data (data/*.csv.gz and the synthetic fixture): same columns, same order, same rows, so the
 * GBDT tests compare against XGBoost on identical inputs. Each builder mirrors the pandas code
 * of that script; the tests check per-column checksums before comparing models.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { matrix, type Matrix } from "../../src/core/matrix.ts";

const root = new URL("../../", import.meta.url);

export interface Dataset {
  x: Matrix;
  y: Float64Array;
  /** 1 for holdout rows. */
  holdout: Uint8Array;
}

/** Splits CSV text into rows of fields: quoted fields may hold the separator; CRLF or LF. */
export function parseCsv(text: string, separator = ","): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "") continue;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (quoted) {
        if (ch === '"' && line[c + 1] === '"') {
          field += '"';
          c++;
        } else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === separator) {
        fields.push(field);
        field = "";
      } else field += ch;
    }
    fields.push(field);
    rows.push(fields);
  }
  return rows;
}

function readGzCsv(path: string, separator = ","): { header: string[]; rows: string[][] } {
  const [header, ...rows] = parseCsv(gunzipSync(readFileSync(new URL(path, root))).toString("utf8"), separator);
  return { header, rows };
}

function toMatrix(columns: Map<string, Float64Array>, nRows: number): Matrix {
  const names = [...columns.keys()];
  const data = new Float64Array(nRows * names.length);
  names.forEach((name, j) => data.set(columns.get(name)!, j * nRows));
  return matrix(data, nRows, names);
}

/** Adds `column=value` indicator columns for the sorted distinct values of a categorical column. */
function oneHot(columns: Map<string, Float64Array>, name: string, values: readonly string[]): void {
  for (const value of [...new Set(values)].sort()) {
    columns.set(`${name}=${value}`, Float64Array.from(values, (v) => (v === value ? 1 : 0)));
  }
}

export function syntheticDataset(target: "y_bin" | "y_reg", trainRows: number): Dataset {
  const { header, rows } = readGzCsv("test/reference/gbdt_synthetic.csv.gz");
  const features = header.filter((h) => h.startsWith("s"));
  const columns = new Map<string, Float64Array>();
  for (const name of features) {
    const j = header.indexOf(name);
    columns.set(name, Float64Array.from(rows, (r) => (r[j] === "" ? NaN : Number(r[j]))));
  }
  const t = header.indexOf(target);
  return {
    x: toMatrix(columns, rows.length),
    y: Float64Array.from(rows, (r) => Number(r[t])),
    holdout: Uint8Array.from(rows, (_, i) => (i >= trainRows ? 1 : 0)),
  };
}

export function hillstromDataset(): Dataset {
  const { header, rows } = readGzCsv("data/hillstrom/hillstrom.csv.gz");
  const col = (name: string) => rows.map((r) => r[header.indexOf(name)]);
  const columns = new Map<string, Float64Array>();
  for (const name of ["recency", "history", "mens", "womens", "newbie"]) columns.set(name, Float64Array.from(col(name), Number));
  for (const name of ["zip_code", "channel", "segment"]) oneHot(columns, name, col(name));
  return {
    x: toMatrix(columns, rows.length),
    y: Float64Array.from(col("visit"), Number),
    holdout: Uint8Array.from(rows, (_, i) => (i % 10 <= 2 ? 1 : 0)),
  };
}

export interface OneClick extends Dataset {
  ids: number[];
}

export function oneClickDataset(): OneClick {
  const market = readGzCsv("data/one-click/market_file.csv.gz");
  const money = readGzCsv("data/one-click/market_money.csv.gz");
  const time = readGzCsv("data/one-click/market_time.csv.gz");
  const profit = readGzCsv("data/one-click/money.csv.gz", ";");

  const byId = <T>(rows: string[][], value: (r: string[]) => T) => new Map(rows.map((r) => [Number(r[0]), value(r)]));
  const periods3 = ["препредыдущий_месяц", "предыдущий_месяц", "текущий_месяц"];
  const periods2 = ["предыдущий_месяц", "текущий_месяц"];
  const revenue = new Map<number, Record<string, number>>();
  for (const [id, period, value] of money.rows) {
    const entry = revenue.get(Number(id)) ?? {};
    entry[period] = Number(value);
    revenue.set(Number(id), entry);
  }
  const minutes = new Map<number, Record<string, number>>();
  for (const [id, period, value] of time.rows) {
    const entry = minutes.get(Number(id)) ?? {};
    // The source misspells the previous month in this file only.
    entry[period === "предыдцщий_месяц" ? "предыдущий_месяц" : period] = Number(value);
    minutes.set(Number(id), entry);
  }
  const profitById = byId(profit.rows, (r) => Number(r[1].replace(",", ".")));

  const h = (name: string) => market.header.indexOf(name);
  const kept = market.rows
    .filter((r) => periods3.every((p) => revenue.get(Number(r[0]))![p] > 0))
    .sort((a, b) => Number(a[0]) - Number(b[0]));
  const numeric = [
    "Маркет_актив_6_мес", "Маркет_актив_тек_мес", "Длительность", "Акционные_покупки",
    "Средний_просмотр_категорий_за_визит", "Неоплаченные_продукты_штук_квартал", "Ошибка_сервиса", "Страниц_за_визит",
  ];
  const columns = new Map<string, Float64Array>();
  for (const name of numeric) columns.set(name, Float64Array.from(kept, (r) => Number(r[h(name)])));
  for (const p of periods3) columns.set(`Выручка_${p}`, Float64Array.from(kept, (r) => revenue.get(Number(r[0]))![p]));
  for (const p of periods2) columns.set(`минут_${p}`, Float64Array.from(kept, (r) => minutes.get(Number(r[0]))![p]));
  columns.set("Прибыль", Float64Array.from(kept, (r) => profitById.get(Number(r[0]))!));
  const service = kept.map((r) => (r[h("Тип сервиса")] === "стандартт" ? "стандарт" : r[h("Тип сервиса")]));
  oneHot(columns, "Тип сервиса", service);
  oneHot(columns, "Разрешить сообщать", kept.map((r) => r[h("Разрешить сообщать")]));
  oneHot(columns, "Популярная_категория", kept.map((r) => r[h("Популярная_категория")]));
  const ids = kept.map((r) => Number(r[0]));
  return {
    x: toMatrix(columns, kept.length),
    y: Float64Array.from(kept, (r) => (r[h("Покупательская активность")] === "Снизилась" ? 1 : 0)),
    holdout: Uint8Array.from(ids, (id) => (id % 4 === 0 ? 1 : 0)),
    ids,
  };
}

/** The rows of x (and y) where mask[i] === keep. */
export function rowsWhere(data: Dataset, keep: 0 | 1): { x: Matrix; y: Float64Array } {
  const index: number[] = [];
  data.holdout.forEach((h, i) => {
    if (h === keep) index.push(i);
  });
  const { x } = data;
  const out = new Float64Array(index.length * x.nCols);
  for (let j = 0; j < x.nCols; j++) for (let r = 0; r < index.length; r++) out[j * index.length + r] = x.data[j * x.nRows + index[r]];
  return { x: matrix(out, index.length, x.columns), y: Float64Array.from(index, (i) => data.y[i]) };
}
