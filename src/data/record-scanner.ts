/**
 * Record and field boundaries in raw CSV bytes, with the quoting rules DuckDB applies (RFC
 * 4180: a quote opens a quoted field only at the start of a field; doubled quotes are
 * literals). Used to tag each record with the physical line it starts on, to read headers,
 * and to sniff the separator. Hand-written because no CSV library we have reports physical
 * line numbers per record, and this pass must run at memchr speed on 50 MB.
 */
export const NL = 10;
export const CR = 13;

export function stripBom(bytes: Uint8Array): Uint8Array {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

/** All positions of byte `b` in the buffer (native search, O(n)). */
function positionsOf(buf: Buffer, b: number): Int32Array {
  const out: number[] = [];
  let p = buf.indexOf(b, 0);
  while (p >= 0) {
    out.push(p);
    p = buf.indexOf(b, p + 1);
  }
  return Int32Array.from(out);
}

export interface RecordSpan {
  start: number;
  end: number;
  line: number;
}

/**
 * Splits a buffer into records with RFC 4180 quoting, as DuckDB reads it: a quote opens a
 * quoted field only at the start of a field; inside, a doubled quote (or escape + quote) is a
 * literal and a newline continues the record. Lines without quotes take a fast path (native
 * newline search). Trailing CR is removed, so CRLF, LF and mixed endings all work. Blank
 * lines are not records.
 */
export function splitRecords(
  buf: Buffer,
  delimiter: string,
  quote: string,
  escape: string,
  visit: (r: RecordSpan) => void | false,
): void {
  const n = buf.length;
  const q = quote ? quote.charCodeAt(0) : -1;
  const e = escape ? escape.charCodeAt(0) : q;
  const d = delimiter ? delimiter.charCodeAt(0) : -1;
  const quotes = q >= 0 ? positionsOf(buf, q) : new Int32Array(0);
  let qi = 0;
  let pos = 0;
  let line = 1;
  while (pos < n) {
    const start = pos;
    const startLine = line;
    let end: number;
    let nl = buf.indexOf(NL, pos);
    end = nl < 0 ? n : nl;
    while (qi < quotes.length && quotes[qi] < start) qi++;
    if (qi < quotes.length && quotes[qi] < end) {
      // Slow path: a quote on this line; walk the record byte by byte.
      let inQuote = false;
      let fieldStart = true;
      let i = start;
      for (; i < n; i++) {
        const c = buf[i];
        if (inQuote) {
          if (c === e && e !== q) i++;
          else if (c === q) {
            if (e === q && i + 1 < n && buf[i + 1] === q) i++;
            else inQuote = false;
          } else if (c === NL) line++;
        } else if (c === NL) break;
        else if (c === q && fieldStart) {
          inQuote = true;
          fieldStart = false;
        } else fieldStart = c === d;
      }
      nl = i < n ? i : -1;
      end = i;
    }
    pos = nl < 0 ? n : nl + 1;
    if (nl >= 0) line++;
    let recordEnd = end;
    // An unterminated quote runs to the end of the file: drop the file's final line break.
    if (nl < 0) while (recordEnd > start && (buf[recordEnd - 1] === NL || buf[recordEnd - 1] === CR)) recordEnd--;
    if (recordEnd > start && buf[recordEnd - 1] === CR) recordEnd--;
    if (recordEnd > start && visit({ start, end: recordEnd, line: startLine }) === false) return;
  }
}

/** Splits one record into fields (header lines; small). */
export function splitFields(text: string, delimiter: string, quote: string): string[] {
  const fields: string[] = [];
  let field = "";
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote && ch === quote) {
      if (inQuote && text[i + 1] === quote) {
        field += quote;
        i++;
      } else inQuote = !inQuote;
    } else if (!inQuote && text.startsWith(delimiter, i)) {
      fields.push(field);
      field = "";
      i += delimiter.length - 1;
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

export const CANDIDATES = [",", ";", "\t", "|"];

/** Picks the separator that splits the first records into the same, largest number of fields. */
export function sniffDelimiter(lines: readonly string[], quote: string): string {
  let best = ",";
  let bestScore = 0;
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => splitFields(l, d, quote).length);
    if (counts.length === 0 || counts[0] < 2) continue;
    const consistent = counts.filter((c) => c === counts[0]).length;
    const score = counts[0] * consistent;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
