/**
 * The malformed-file corpus (test/fixtures/bad/, described in its README): every file gives
 * either a PatronError naming file, line and column — and writes nothing — or an ingest whose
 * bad records are quarantined with file, line, column and reason while the reconciliation
 * stays exact. Run on both stores.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isPatronError } from "../../src/core/errors.ts";
import { ingest } from "../../src/data/ingest.ts";
import type { Mapping } from "../../src/data/mapping.ts";
import { getPreset } from "../../src/data/presets/index.ts";
import { storeKinds, tempDir, type TestStore } from "../helpers/stores.ts";
import { eventsMapping, fixture, ordersMapping, snapshot, sumFiltered } from "./helpers.ts";

interface Quarantined {
  line: number;
  column: string | null;
  reason: RegExp;
}
type Case =
  | { file: string; error: string; message: RegExp[]; mapping?: () => Mapping }
  | { file: string; read: number; loaded: number; quarantined: Quarantined[]; mapping?: () => Mapping };

const cdnow = () => getPreset("cdnow").mapping;
const cases: Case[] = [
  { file: "01-wrong-separator.csv", error: "E_MISSING_COLUMN", message: [/01-wrong-separator\.csv line 1/, /"order_id"/, /';'-separated/] },
  { file: "02-missing-column.csv", error: "E_MISSING_COLUMN", message: [/02-missing-column\.csv line 1/, /expected a column "price"/] },
  { file: "03-duplicated-column.csv", error: "E_DUPLICATE_COLUMN", message: [/line 1 column 8/, /"price" appears 2 times/] },
  { file: "04-text-in-number.csv", read: 3, loaded: 2, quarantined: [{ line: 3, column: "qty", reason: /^expected a whole number, found 'abc'$/ }] },
  {
    file: "05-impossible-date.csv",
    read: 3,
    loaded: 1,
    quarantined: [
      { line: 3, column: "ts", reason: /^expected a valid date-time, found '2011-02-30 10:00:00'$/ },
      { line: 4, column: "ts", reason: /found '2011-13-01 10:00:00'/ },
    ],
  },
  { file: "06-truncated-last-line.csv", read: 2, loaded: 1, quarantined: [{ line: 3, column: null, reason: /too few fields: expected 8, found 5/ }] },
  { file: "07-empty.csv", error: "E_EMPTY_FILE", message: [/07-empty\.csv line 1/, /the file is empty/] },
  { file: "08-header-only.csv", read: 0, loaded: 0, quarantined: [] },
  { file: "09-invalid-utf8.csv", read: 3, loaded: 2, quarantined: [{ line: 3, column: null, reason: /invalid UTF-8/ }] },
  { file: "10-one-megabyte-field.csv.gz", read: 2, loaded: 2, quarantined: [] },
  { file: "11-mixed-line-endings.csv", read: 4, loaded: 3, quarantined: [{ line: 4, column: "qty", reason: /found 'x'/ }] },
  { file: "12-unterminated-quote.csv", read: 2, loaded: 1, quarantined: [{ line: 3, column: null, reason: /unterminated or misplaced quote/ }] },
  { file: "13-too-many-fields.csv", read: 2, loaded: 1, quarantined: [{ line: 3, column: null, reason: /too many fields: expected 8, found 9/ }] },
  { file: "14-too-few-fields.csv", read: 2, loaded: 1, quarantined: [{ line: 3, column: null, reason: /too few fields: expected 8, found 4/ }] },
  { file: "15-missing-required.csv", read: 2, loaded: 1, quarantined: [{ line: 2, column: "order_id", reason: /^a value is required; found nothing$/ }] },
  { file: "16-quoted-newline-then-bad.csv", read: 2, loaded: 1, quarantined: [{ line: 4, column: "price", reason: /^expected a number, found 'not-a-price'$/ }] },
  {
    file: "17-non-finite-number.csv",
    read: 3,
    loaded: 0,
    quarantined: [
      { line: 2, column: "price", reason: /found 'NaN'/ },
      { line: 3, column: "price", reason: /found 'inf'/ },
      { line: 4, column: "price", reason: /found '1e400'/ },
    ],
  },
  { file: "18-blank-lines-only.csv", error: "E_EMPTY_FILE", message: [/18-blank-lines-only\.csv line 1/] },
  { file: "19-not-gzip.csv.gz", error: "E_BAD_GZIP", message: [/19-not-gzip\.csv\.gz/, /expected a gzip file/] },
  { file: "20-not-zip.zip", error: "E_BAD_ZIP", message: [/20-not-zip\.zip/, /not a readable zip archive/] },
  { file: "21-binary-garbage.csv", error: "E_MISSING_COLUMN", message: [/21-binary-garbage\.csv line 1/, /expected a column "order_id"/] },
  { file: "22-decimal-number-in-integer.csv", read: 1, loaded: 0, quarantined: [{ line: 2, column: "qty", reason: /^expected a whole number, found '1\.5'$/ }] },
  {
    file: "23-not-json.jsonl",
    mapping: eventsMapping,
    read: 4,
    loaded: 2,
    quarantined: [
      { line: 2, column: null, reason: /^not valid JSON$/ },
      { line: 3, column: null, reason: /^expected a JSON object, found another JSON value$/ },
    ],
  },
  {
    file: "24-json-wrong-types.jsonl",
    mapping: eventsMapping,
    read: 4,
    loaded: 0,
    quarantined: [
      { line: 1, column: "at", reason: /found 'yesterday'/ },
      { line: 2, column: "discount", reason: /^expected a number, found 'ten'$/ },
      { line: 3, column: "events.event_type", reason: /must be one of view, buy, return; found 'click'/ },
      { line: 4, column: "session", reason: /a value is required/ },
    ],
  },
  {
    file: "25-cdnow-wrong-fields.txt",
    mapping: cdnow,
    read: 3,
    loaded: 1,
    quarantined: [
      { line: 2, column: null, reason: /too few fields: expected 5, found 3/ },
      { line: 3, column: "date", reason: /^expected a valid date in format %Y%m%d, found '19970231'$/ },
    ],
  },
  { file: "26-truncated-gzip.csv.gz", error: "E_BAD_GZIP", message: [/26-truncated-gzip\.csv\.gz/, /unexpected end of file/] },
  { file: "27-zip-with-bad-member.zip", error: "E_MISSING_COLUMN", message: [/27-zip-with-bad-member\.zip!bad\.csv line 1/, /"qty"/] },
];

for (const kind of storeKinds) {
  describe(`malformed files on ${kind.name}`, async () => {
    const skip = await kind.skip();
    let ts: TestStore;
    const out = tempDir("patron-quarantine-");
    before(async () => {
      if (!skip) ts = await kind.open();
    });
    after(async () => {
      await ts?.cleanup();
      out.cleanup();
    });

    it("the corpus has at least 20 files, each covered here", { skip }, () => {
      const covered = new Set(cases.map((c) => c.file));
      assert.ok(covered.size >= 20);
      for (const c of covered) assert.ok(existsSync(fixture(`bad/${c}`)), c);
    });

    for (const [n, c] of cases.entries()) {
      it(c.file, { skip }, async () => {
        // A dataset per case, so natural keys of one file never meet another's.
        const mapping = { ...(c.mapping ?? ordersMapping)(), dataset: `bad-${n}` };
        const before = await snapshot(ts.store);
        const run = ingest(ts.store, mapping, fixture(`bad/${c.file}`), { quarantineDir: out.dir });
        if ("error" in c) {
          await assert.rejects(run, (error: unknown) => {
            assert.ok(isPatronError(error), String(error));
            assert.equal(error.code, c.error);
            for (const pattern of c.message) assert.match(error.message, pattern);
            return true;
          });
          assert.deepEqual(await snapshot(ts.store), before, "a failed ingest writes nothing");
          return;
        }
        const result = await run;
        assert.equal(result.rows_read, c.read);
        assert.equal(result.loaded, c.loaded);
        assert.equal(result.rejected, c.quarantined.length);
        assert.equal(result.rows_read, result.loaded + result.rejected + sumFiltered(result.filtered));
        const rows = await ts.store.query<{ file: string; line: number; column_name: string | null; reason: string }>(
          "SELECT file, line, column_name, reason FROM quarantine WHERE ingest_id = $1 ORDER BY line",
          [result.ingest_id],
        );
        assert.equal(rows.length, c.quarantined.length);
        c.quarantined.forEach((q, k) => {
          assert.ok(rows[k].file.endsWith(c.file), rows[k].file);
          assert.equal(Number(rows[k].line), q.line);
          assert.equal(rows[k].column_name, q.column);
          assert.match(rows[k].reason, q.reason);
        });
        if (c.quarantined.length > 0) {
          assert.equal(result.quarantine_file, join(out.dir, `${result.ingest_id}.csv`));
          const csvLines = readFileSync(result.quarantine_file!, "utf8").trim().split("\n");
          assert.equal(csvLines[0], "source,file,line,column_name,reason,raw");
        } else assert.equal(result.quarantine_file, null);
      });
    }

    it("keeps a 1 MB field intact", { skip }, async () => {
      const dataset = `bad-${cases.findIndex((c) => c.file.startsWith("10-"))}`;
      const rows = await ts.store.query<{ n: number }>(
        "SELECT length(description) AS n FROM orders WHERE dataset = $1 ORDER BY order_id",
        [dataset],
      );
      assert.deepEqual(rows.map((r) => Number(r.n)), [1_000_000, 5]);
    });
  });
}
