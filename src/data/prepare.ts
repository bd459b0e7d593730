/**
 * The one pass over the raw bytes that DuckDB cannot do for us: DuckDB parses CSV quickly
 * and correctly but cannot say on which physical line a row started, and quarantine must
 * name file, line and column. So we find record boundaries here (quote-aware, so a quoted
 * field may span lines; record-scanner.ts) and write each record to a staging file prefixed
 * with its file, its 1-based physical line and its 0-based record number; DuckDB then parses
 * the fields, quoting, escapes and types. The same staging form carries JSONL (one record a line) and
 * whitespace-separated text (CDNOW), whose fields we split here because DuckDB has no
 * "runs of spaces" separator.
 *
 * Also here: the file-level checks (empty file, header columns missing or duplicated, Parquet
 * given to a CSV source) that abort an ingest before anything is written.
 */
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PatronError } from "../core/errors.ts";
import { columnSpecs, type SourceSpec } from "./mapping.ts";
import { CR, NL, sniffDelimiter, splitFields, splitRecords, stripBom, type RecordSpan, CANDIDATES } from "./record-scanner.ts";

export type StagedFormat = "csv" | "jsonl" | "whitespace" | "parquet";

/** Unit separator: cannot occur raw inside valid JSON, so it safely splits our prefix from JSON text. */
export const UNIT_SEPARATOR = "\x1f";

export interface PreparedFile {
  readonly path: string;
  readonly index: number;
  readonly nRecords: number;
  /** Physical line where each record starts (to account for records the CSV parser merged or skipped). */
  readonly recordLines: Int32Array;
}

/** Files that share a layout are staged into one file, read by DuckDB in one scan. */
export interface StagedGroup {
  readonly stagedPath: string;
  readonly format: StagedFormat;
  /** Separator in the staged file. */
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  /** Source column names in staged order (after __line and __row); for JSONL the keys to extract. */
  readonly columns: readonly string[];
  /** For each mapped source column, its position in `columns`. */
  readonly positions: ReadonlyMap<string, number>;
  readonly files: PreparedFile[];
}


/** The staged-file writer: prefix `line<sep>row<sep>` then the record bytes (or re-joined fields). */
class StagedWriter {
  private fd: number;
  private buffer = Buffer.allocUnsafe(1 << 22);
  private used = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
  }

  private ensure(extra: number): void {
    if (this.used + extra <= this.buffer.length) return;
    this.flush();
    if (extra > this.buffer.length) this.buffer = Buffer.allocUnsafe(extra * 2);
  }

  flush(): void {
    if (this.used > 0) writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  write(prefix: string, source: Buffer, start: number, end: number): void {
    this.ensure(prefix.length + (end - start) + 1);
    this.used += this.buffer.write(prefix, this.used, "latin1");
    this.used += source.copy(this.buffer, this.used, start, end);
    this.buffer[this.used++] = NL;
  }

  writeText(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.ensure(bytes + 1);
    this.used += this.buffer.write(text, this.used, "utf8");
    this.buffer[this.used++] = NL;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface FileInput {
  readonly path: string;
  readonly bytes: Uint8Array;
}

const isParquet = (bytes: Uint8Array) => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;

function formatOf(source: SourceSpec, path: string, bytes: Uint8Array): StagedFormat {
  if (source.format !== "auto" && source.format !== "parquet" && isParquet(bytes)) {
    throw new PatronError(
      "E_FORMAT",
      `${path}: this is a Parquet file, but source "${source.name}" expects ${source.format}. Set "format": "parquet" (or "auto") in the mapping.`,
      { file: path },
    );
  }
  if (source.format !== "auto") return source.format;
  if (isParquet(bytes)) return "parquet";
  const name = path.replace(/\.(gz|gzip)$/i, "").toLowerCase();
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) return "jsonl";
  if (name.endsWith(".parquet")) return "parquet";
  return "csv";
}

function firstRecords(buf: Buffer, delimiter: string, quote: string, escape: string, count: number): RecordSpan[] {
  const out: RecordSpan[] = [];
  const limit = buf.subarray(0, Math.min(buf.length, 1 << 20));
  splitRecords(limit, delimiter, quote, escape, (r) => {
    out.push(r);
    return out.length < count ? undefined : false;
  });
  return out;
}

/**
 * Stages a source's files under `dir`. Throws a PatronError (naming file, line and column)
 * for file-level problems: empty file, missing or duplicated mapped columns.
 */
export function prepareSource(source: SourceSpec, inputs: readonly FileInput[], dir: string, tag: string): StagedGroup[] {
  const groups = new Map<string, { group: StagedGroup; writer?: StagedWriter }>();
  const mapped = columnSpecs(source).map(([name]) => name);
  inputs.forEach((input, index) => {
    const format = formatOf(source, input.path, input.bytes);
    if (format === "parquet") {
      // DuckDB reads Parquet itself; the bytes may come from a zip or gzip, so stage them as a file.
      const stagedPath = join(dir, `${tag}-${source.name}-${index}.parquet`);
      writeFileSync(stagedPath, input.bytes);
      groups.set(`parquet:${index}`, {
        group: {
          stagedPath,
          format,
          delimiter: "",
          quote: "",
          escape: "",
          columns: mapped,
          positions: new Map(mapped.map((c, j) => [c, j])),
          files: [{ path: input.path, index, nRecords: -1, recordLines: new Int32Array(0) }],
        },
      });
      return;
    }
    const bytes = stripBom(input.bytes);
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const isCsv = format === "csv";
    const quote = isCsv ? source.quote : "";
    const escape = isCsv ? (source.escape ?? source.quote) : "";
    if (buf.every((b) => b === 32 || b === 9 || b === NL || b === CR)) {
      throw new PatronError(
        "E_EMPTY_FILE",
        `${input.path} line 1: the file is empty; expected ${isCsv && source.header ? "a header line with columns" : "records with fields"} ${mapped.join(", ")}.`,
        { file: input.path, line: 1 },
      );
    }
    let delimiter = isCsv ? source.delimiter : UNIT_SEPARATOR;
    if (isCsv && delimiter === "auto") {
      const sample = firstRecords(buf, ",", quote, escape, 20).map((r) => buf.toString("utf8", r.start, r.end));
      delimiter = sniffDelimiter(sample, quote);
    }
    let columns: string[] = mapped;
    const hasHeader = isCsv && source.header;
    if (hasHeader) {
      const first = firstRecords(buf, delimiter, quote, escape, 1)[0];
      const header = splitFields(buf.toString("utf8", first.start, first.end), delimiter, quote).map((h) => h.trim());
      checkHeader(input.path, first.line, header, mapped, delimiter);
      columns = header;
    }
    const key = `${format}\u0000${delimiter}\u0000${columns.join("\u0000")}`;
    let entry = groups.get(key);
    if (!entry) {
      const stagedPath = join(dir, `${tag}-${source.name}-${groups.size}.txt`);
      const positions = new Map<string, number>();
      for (const name of mapped) positions.set(name, hasHeader ? columns.indexOf(name) : mapped.indexOf(name));
      entry = {
        group: { stagedPath, format, delimiter, quote, escape, columns, positions, files: [] },
        writer: new StagedWriter(stagedPath),
      };
      groups.set(key, entry);
    }
    const writer = entry.writer!;
    const lines: number[] = [];
    let row = 0;
    let skipHeader = hasHeader;
    splitRecords(buf, isCsv ? delimiter : "", quote, escape, (r) => {
      if (skipHeader) {
        skipHeader = false;
        return;
      }
      const prefix = `${index}${delimiter}${r.line}${delimiter}${row}${delimiter}`;
      if (format === "whitespace") {
        const fields = buf.toString("utf8", r.start, r.end).trim().split(/\s+/);
        if (fields.length === 1 && fields[0] === "") return; // a line of spaces is a blank line
        writer.writeText(prefix + fields.join(UNIT_SEPARATOR));
      } else writer.write(prefix, buf, r.start, r.end);
      lines.push(r.line);
      row++;
    });
    entry.group.files.push({ path: input.path, index, nRecords: row, recordLines: Int32Array.from(lines) });
  });
  for (const entry of groups.values()) entry.writer?.close();
  return [...groups.values()].map((e) => e.group);
}

function checkHeader(path: string, line: number, header: string[], mapped: readonly string[], delimiter: string): void {
  const shown = (d: string) => (d === "\t" ? "TAB" : `'${d}'`);
  for (const name of mapped) {
    const at: number[] = [];
    header.forEach((h, j) => {
      if (h === name) at.push(j);
    });
    if (at.length === 0) {
      const other = CANDIDATES.find((d) => d !== delimiter && header.some((h) => h.includes(d)));
      const hint = other
        ? ` The header looks ${shown(other)}-separated; set "delimiter": "${other === "\t" ? "\\t" : other}" in the mapping.`
        : " Check the mapping's column names against the file.";
      throw new PatronError(
        "E_MISSING_COLUMN",
        `${path} line ${line}: expected a column "${name}" (separator ${shown(delimiter)}); found ${header.length} column(s): ${header
          .map((h) => JSON.stringify(printable(h.length > 60 ? `${h.slice(0, 60)}…` : h)))
          .join(", ")}.${hint}`,
        { file: path, line, column: name },
      );
    }
    if (at.length > 1) {
      throw new PatronError(
        "E_DUPLICATE_COLUMN",
        `${path} line ${line} column ${at[1] + 1}: column "${name}" appears ${at.length} times (columns ${at
          .map((j) => j + 1)
          .join(" and ")}); expected it once. Rename or remove the duplicate.`,
        { file: path, line, column: at[1] + 1 },
      );
    }
  }
}

/** Header text for messages: control and replacement characters become "?". */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, "?");
}
