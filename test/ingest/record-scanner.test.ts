import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sniffDelimiter, splitFields, splitRecords, stripBom } from "../../src/data/record-scanner.ts";
import { globToRegExp, logicalName } from "../../src/data/sources.ts";

function records(text: string, delimiter = ",", quote = '"', escape = '"') {
  const buf = Buffer.from(text);
  const out: { text: string; line: number }[] = [];
  splitRecords(buf, delimiter, quote, escape, (r) => {
    out.push({ text: buf.toString("utf8", r.start, r.end), line: r.line });
  });
  return out;
}

describe("record splitting", () => {
  it("keeps a quoted newline inside its record and counts physical lines", () => {
    assert.deepEqual(records('h1,h2\n1,"a\nb"\n2,c\n'), [
      { text: "h1,h2", line: 1 },
      { text: '1,"a\nb"', line: 2 },
      { text: "2,c", line: 4 },
    ]);
  });

  it("handles CRLF, mixed endings, blank lines and a missing final newline", () => {
    assert.deepEqual(records("a\r\nb\n\n\r\nc"), [
      { text: "a", line: 1 },
      { text: "b", line: 2 },
      { text: "c", line: 5 },
    ]);
  });

  it("treats doubled quotes as literals and a mid-field quote as text, as RFC 4180 and DuckDB do", () => {
    assert.deepEqual(records('1,"say ""hi""\n"\n2,ab"c\n3,x\n'), [
      { text: '1,"say ""hi""\n"', line: 1 },
      { text: '2,ab"c', line: 3 },
      { text: "3,x", line: 4 },
    ]);
  });

  it("honours a backslash escape when one is configured", () => {
    assert.deepEqual(records('1,"a\\"\nb"\n2,c\n', ",", '"', "\\"), [
      { text: '1,"a\\"\nb"', line: 1 },
      { text: "2,c", line: 3 },
    ]);
  });

  it("an unterminated quote swallows the rest of the file into one record", () => {
    assert.deepEqual(records('1,"open\n2,x\n'), [{ text: '1,"open\n2,x', line: 1 }]);
  });

  it("strips a UTF-8 byte-order mark", () => {
    assert.deepEqual(Array.from(stripBom(Uint8Array.from([0xef, 0xbb, 0xbf, 65]))), [65]);
    assert.deepEqual(Array.from(stripBom(Uint8Array.from([65, 66]))), [65, 66]);
  });
});

describe("fields and separators", () => {
  it("splits a header with quotes and escaped quotes", () => {
    assert.deepEqual(splitFields('a,"b,c","d ""e"""', ",", '"'), ["a", "b,c", 'd "e"']);
  });

  it("sniffs the separator that gives a consistent field count", () => {
    assert.equal(sniffDelimiter(["id;name;price", "1;a,b;2,5", "2;c;3,0"], '"'), ";");
    assert.equal(sniffDelimiter(["id\tname", "1\tx"], '"'), "\t");
    assert.equal(sniffDelimiter(["a,b,c", "1,2,3"], '"'), ",");
  });
});

describe("globs", () => {
  it("matches *, ** and {a,b} against '/'-separated paths", () => {
    assert.ok(globToRegExp("*.csv").test("2011-01-01.csv"));
    assert.ok(!globToRegExp("*.csv").test("by-day/2011-01-01.csv"));
    assert.ok(globToRegExp("**/*.csv").test("by-day/2011-01-01.csv"));
    assert.ok(globToRegExp("**/*.csv").test("top.csv"));
    assert.ok(globToRegExp("{users,products}.jsonl").test("products.jsonl"));
    assert.ok(!globToRegExp("{users,products}.jsonl").test("sessions.jsonl"));
  });

  it("ignores the compression suffix when matching", () => {
    assert.equal(logicalName("by-day/2011-01-01.csv.gz"), "by-day/2011-01-01.csv");
    assert.equal(logicalName("a.jsonl"), "a.jsonl");
  });
});
