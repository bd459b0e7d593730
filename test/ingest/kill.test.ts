/**
 * An ingest killed with SIGKILL in the middle of its load transaction leaves the store
 * exactly as it was, and running it again succeeds. The CLI runs as a real child process
 * against a DuckDB file and against PostgreSQL; the failpoint `ingest-load` holds it inside
 * the transaction, after the first table's rows were inserted, until the kill.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { openStore } from "../../src/store/open.ts";
import { storeKinds, tempDir } from "../helpers/stores.ts";
import { ingest } from "../../src/data/ingest.ts";
import { spawnPatron } from "./cli-helpers.ts";
import { fixture, ordersMapping, snapshot } from "./helpers.ts";

/** The same ingest as the CLI's, in this process (only the killed run needs a child). */
async function ingestWith(db: string, path: string) {
  const store = await openStore(db);
  try {
    return await ingest(store, ordersMapping(), path, { quarantineDir: tempQuarantine });
  } finally {
    await store.close();
  }
}

async function snapshotOf(db: string) {
  const store = await openStore(db);
  try {
    return {
      tables: await snapshot(store),
      orders: await store.query("SELECT order_id, line_no, amount FROM orders ORDER BY order_id, line_no"),
    };
  } finally {
    await store.close();
  }
}

const quarantine = tempDir("patron-kill-");
const tempQuarantine = quarantine.dir;
after(() => quarantine.cleanup());

for (const kind of storeKinds) {
  describe(`kill -9 during ingest on ${kind.name}`, async () => {
    const skip = await kind.skip();
    it("leaves the store unchanged, and a re-run succeeds", { skip, timeout: 120_000 }, async () => {
      const ts = await kind.open();
      // The child process must be able to open the DuckDB file: release it here.
      if (kind.name === "duckdb") await ts.store.close();
      try {
        const mapping = fixture("mappings/orders.yaml");
        await ingestWith(ts.db, fixture("ingest/orders-good.csv"));
        const before = await snapshotOf(ts.db);

        const child = spawnPatron(["ingest", "--mapping", mapping, fixture("ingest/orders-overlap.csv"), "--db", ts.db], {
          PATRON_FAILPOINT: "ingest-load",
        });
        let stderr = "";
        await new Promise<void>((resolve, reject) => {
          child.stderr!.on("data", (d) => {
            stderr += d;
            if (stderr.includes("failpoint ingest-load")) resolve();
          });
          child.on("exit", () => reject(new Error(`ingest exited before the failpoint: ${stderr}`)));
        });
        const exited = new Promise((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
        child.kill("SIGKILL");
        assert.equal(await exited, "SIGKILL");

        assert.deepEqual(await snapshotOf(ts.db), before);

        const result = await ingestWith(ts.db, fixture("ingest/orders-overlap.csv"));
        assert.equal(result.loaded, 1);
        assert.deepEqual(result.filtered, { free_items: 1, duplicate_key: 0, already_loaded: 1 });
        const after = await snapshotOf(ts.db);
        assert.equal(after.tables.orders, before.tables.orders + 1);
        assert.equal(after.tables.ingests, before.tables.ingests + 1);
      } finally {
        if (kind.name === "duckdb") ts.store = await openStore(ts.db);
        await ts.cleanup();
      }
    });
  });
}
