/**
 * The commands as a user runs them: `patron keys create|list|revoke` and `patron serve` on a
 * DuckDB file — the key printed once works against the running service, SIGTERM stops it after
 * writing every queued decision, and a revoked key is listed as revoked.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openDuckDBStore } from "../../src/store/duckdb-store.ts";
import { lastJson, runPatron, spawnPatron } from "../ingest/cli-helpers.ts";
import { tempDir } from "../helpers/stores.ts";

describe("patron keys and patron serve", () => {
  it("creates a key, serves with it, stops cleanly and revokes it", { timeout: 120_000 }, async () => {
    const { dir, cleanup } = tempDir("patron-serve-cli-");
    try {
      const db = join(dir, "cli.duckdb");
      const created = await runPatron(["keys", "create", "--name", "checkout", "--scope", "write", "--db", db, "--json"]);
      assert.equal(created.code, 0, created.stderr);
      const { key, key_id: keyId, scope } = lastJson(created.stdout) as { key: string; key_id: string; scope: string };
      assert.match(key, /^pat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      assert.equal(scope, "write");

      const server = spawnPatron(["serve", "--db", db, "--port", "0", "--log-level", "warn", "--json"]);
      let stdout = "";
      let stderr = "";
      server.stderr!.on("data", (d) => (stderr += d));
      const state = await new Promise<Record<string, unknown>>((resolve, reject) => {
        server.stdout!.on("data", (d) => {
          stdout += d;
          const line = stdout.split("\n").find((l) => l.startsWith("{"));
          if (line) resolve(JSON.parse(line));
        });
        server.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      assert.equal(state.policy, "default-no-offer");
      assert.ok(!stderr.includes("bootstrap"), "no bootstrap key when the store has one");
      const url = state.url as string;
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const decided = await fetch(`${url}/v1/decide`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ customer_id: "42", session_id: "s-1" }),
      });
      assert.equal(decided.status, 200);
      const { decision_id: decisionId } = (await decided.json()) as { decision_id: string };
      const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
      server.kill("SIGTERM");
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /every queued decision was written/);

      const store = await openDuckDBStore(db);
      try {
        const rows = await store.query<{ decision_id: string; key_id: string }>("SELECT decision_id, key_id FROM decisions");
        assert.deepEqual(rows, [{ decision_id: decisionId, key_id: keyId }]);
      } finally {
        await store.close();
      }

      assert.equal((await runPatron(["keys", "revoke", keyId, "--db", db])).code, 0);
      const listed = await runPatron(["keys", "list", "--db", db, "--json"]);
      const { keys } = lastJson(listed.stdout) as { keys: Array<{ keyId: string; revoked: boolean; name: string }> };
      assert.deepEqual(keys.map((k) => [k.keyId, k.name, k.revoked]), [[keyId, "checkout", true]]);
      assert.ok(!listed.stdout.includes(key.slice(18)), "the secret is never printed again");
      const again = await runPatron(["keys", "revoke", keyId, "--db", db]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /no active key/);
    } finally {
      cleanup();
    }
  });
});
