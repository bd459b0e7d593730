/**
 * CSV in and out for POST /v1/score: an RFC 4180 reader (quoted fields with embedded
 * separators, quotes and line breaks; CRLF or LF; a UTF-8 BOM; the separator sniffed from the
 * header among , ; TAB |) that keeps each record's physical line number for error messages,
 * and a writer that quotes only when needed. Uploads are small (the body limit caps them), so
 * the whole text is parsed in memory; bulk files go through `patron ingest` instead.
 *
 * Also the one multipart/form-data extraction the upload needs (RFC 7578): the part named
 * "file" (or the first part with a filename, or the only part).
 */
import { PatronError } from "../core/errors.ts";

export interface CsvTable {
  header: string[];
  rows: string[][];
  /** Physical line (1-based, header = 1) where each row starts. */
  lines: number[];
  separator: string;
}

const SEPARATORS = [",", ";", "\t", "|"];

function sniffSeparator(text: string): string {
  const end = text.indexOf("\n");
  const first = end < 0 ? text : text.slice(0, end);
  let best = ",";
  let bestCount = 0;
  for (const sep of SEPARATORS) {
    let count = 0;
    let quoted = false;
    for (const ch of first) {
      if (ch === '"') quoted = !quoted;
      else if (ch === sep && !quoted) count++;
    }
    if (count > bestCount) [best, bestCount] = [sep, count];
  }
  return best;
}

export function parseCsv(input: string, source = "upload"): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (text.trim().length === 0) throw new PatronError("E_CSV", `${source} is empty; expected a header line and at least one row.`);
  const separator = sniffSeparator(text);
  const records: string[][] = [];
  const lines: number[] = [];
  let field = "";
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteStartLine = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.length === 0) {
      quoted = true;
      quoteStartLine = line;
    } else if (ch === separator) {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      field = "";
      if (!(record.length === 1 && record[0] === "")) {
        records.push(record);
        lines.push(recordLine);
      }
      record = [];
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (quoted) {
    throw new PatronError("E_CSV", `${source} line ${quoteStartLine}: a quoted field is never closed; check for a stray '"' on that line.`);
  }
  if (field.length > 0 || record.length > 0) {
    record.push(field);
    records.push(record);
    lines.push(recordLine);
  }
  const [header, ...rows] = records;
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  names.forEach((name, j) => {
    if (name === "") throw new PatronError("E_CSV", `${source} line 1, column ${j + 1}: the header has an empty column name; name every column.`);
    if (seen.has(name)) throw new PatronError("E_CSV", `${source} line 1: column "${name}" appears twice in the header; column names must be unique.`);
    seen.add(name);
  });
  return { header: names, rows, lines: lines.slice(1), separator };
}

function quoteField(value: string, separator: string): string {
  return value.includes(separator) || value.includes('"') || value.includes("\n") || value.includes("\r")
    ? `"${value.replaceAll('"', '""')}"`
    : value;
}

export function writeCsv(header: readonly string[], rows: readonly (readonly string[])[], separator = ","): string {
  const out = [header.map((h) => quoteField(h, separator)).join(separator)];
  for (const row of rows) out.push(row.map((v) => quoteField(v, separator)).join(separator));
  return `${out.join("\n")}\n`;
}

/** The uploaded file's text from a multipart/form-data body. */
export function multipartFile(body: Buffer, contentType: string): { filename: string | null; text: string } {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!match) throw new PatronError("E_MULTIPART", "the multipart/form-data request has no boundary in its Content-Type; let the HTTP client build the form.");
  const boundary = Buffer.from(`--${match[1] ?? match[2].trim()}`);
  const parts: Array<{ name: string | null; filename: string | null; content: Buffer }> = [];
  let at = body.indexOf(boundary);
  while (at >= 0) {
    const start = at + boundary.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(boundary, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // drop the CRLF after the boundary and before the next one
    const split = part.indexOf("\r\n\r\n");
    if (split >= 0) {
      const headers = part.subarray(0, split).toString("utf8");
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? "";
      parts.push({
        name: /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? null,
        filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null,
        content: part.subarray(split + 4),
      });
    }
    at = next;
  }
  const chosen = parts.find((p) => p.name === "file") ?? parts.find((p) => p.filename !== null) ?? (parts.length === 1 ? parts[0] : undefined);
  if (!chosen) {
    throw new PatronError("E_MULTIPART", `the form has ${parts.length} parts but no file; send the CSV in a field named "file".`);
  }
  return { filename: chosen.filename, text: chosen.content.toString("utf8") };
}
