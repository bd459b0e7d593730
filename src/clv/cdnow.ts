/**
 * Parser for Fader & Hardie's CDNOW sample (the BG/NBD paper's data): whitespace separated,
 * no header, CRLF — master id, sample id, date YYYYMMDD, CDs, dollars. Pure (takes the text);
 * the caller reads and gunzips the file.
 */
import { PatronError } from "../core/errors.ts";
import { toDayNumber, type Transactions } from "./summary.ts";

export function parseCdnow(text: string, file = "CDNOW_sample.txt"): Transactions {
  const customer: string[] = [];
  const day: number[] = [];
  const amount: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let line = 0; line < lines.length; line++) {
    const trimmed = lines[line].trim();
    if (trimmed === "") continue;
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5) {
      throw new PatronError("E_PARSE", `${file}:${line + 1}: expected 5 whitespace-separated fields (master id, sample id, date, cds, dollars); found ${fields.length}`);
    }
    const dollars = Number(fields[4]);
    if (!Number.isFinite(dollars)) throw new PatronError("E_PARSE", `${file}:${line + 1}, column 5: expected a dollar amount; found ${JSON.stringify(fields[4])}`);
    customer.push(fields[0]);
    day.push(toDayNumber(fields[2], `${file}:${line + 1}, column 3`));
    amount.push(dollars);
  }
  return { customer, day: Int32Array.from(day), amount: Float64Array.from(amount) };
}
