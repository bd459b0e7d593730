/**
 * `patron keys create | list | revoke`: API keys of the decision service. A key is printed once
 * at creation; only its salted hash is stored. With DuckDB, create keys while the service is
 * stopped (one process per file) or use the bootstrap key `patron serve` prints on first start.
 */
import type { Command } from "commander";
import { PatronError } from "../../core/errors.ts";
import { printTable } from "../output.ts";
import { action } from "../run-command.ts";

interface KeysCliOptions {
  db: string;
  name?: string;
  scope?: string;
  rate?: string;
  burst?: string;
  json?: boolean;
}

async function withStore<T>(db: string, work: (store: import("../../store/store.ts").Store) => Promise<T>): Promise<T> {
  const [{ openStore }, { migrate }] = await Promise.all([import("../../store/open.ts"), import("../../serve/migrations.ts")]);
  const store = await openStore(db);
  try {
    await migrate(store);
    return await work(store);
  } finally {
    await store.close();
  }
}

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!(parsed > 0)) throw new PatronError("E_OPTION", `${flag} must be a positive number; found ${JSON.stringify(value)}.`);
  return parsed;
}

export function register(program: Command): void {
  const keys = program.command("keys").description("API keys of the decision service (stored hashed)");
  keys
    .command("create")
    .description("Create an API key and print it once")
    .requiredOption("--name <name>", "who or what uses the key")
    .option("--scope <scope>", "read (customer reads) or write (writes and reads)", "read")
    .option("--rate <n>", "requests per second for this key (default: the service's)")
    .option("--burst <n>", "burst size for this key (default: the service's)")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print {key_id, name, scope, key} as JSON on the last line")
    .action(
      action(async (options: KeysCliOptions) => {
        const { createKey } = await import("../../serve/auth.ts");
        const created = await withStore(options.db, (store) =>
          createKey(store, {
            name: options.name ?? "",
            scope: (options.scope ?? "read") as "read",
            ratePerSecond: optionalNumber(options.rate, "--rate"),
            burst: optionalNumber(options.burst, "--burst"),
          }),
        );
        if (!options.json) {
          process.stdout.write(`created ${created.scope} key ${created.keyId} (${created.name}); it is shown only now:\n${created.key}\n`);
        }
        return { key_id: created.keyId, name: created.name, scope: created.scope, key: created.key };
      }),
    );
  keys
    .command("list")
    .description("List API keys (ids, names, scopes, limits; never the keys)")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print the list as JSON on the last line")
    .action(
      action(async (options: KeysCliOptions) => {
        const { listKeys } = await import("../../serve/auth.ts");
        const list = await withStore(options.db, listKeys);
        if (!options.json) {
          if (list.length === 0) process.stdout.write("no API keys; create one with `patron keys create --name NAME --scope write`\n");
          printTable(list.map((k) => ({ key_id: k.keyId, name: k.name, scope: k.scope, rate: k.ratePerSecond ?? "default", burst: k.burst ?? "default", revoked: k.revoked })));
        }
        return { keys: list };
      }),
    );
  keys
    .command("revoke")
    .description("Revoke an API key by its id")
    .argument("<key-id>", "the 12-character id shown by `patron keys list`")
    .option("--db <path|url>", "DuckDB file or postgres:// URL", "./patron.duckdb")
    .option("--json", "print {revoked} as JSON on the last line")
    .action(
      action(async (options: KeysCliOptions, keyId: string) => {
        const { revokeKey } = await import("../../serve/auth.ts");
        const revoked = await withStore(options.db, (store) => revokeKey(store, keyId));
        if (!revoked) throw new PatronError("E_NOT_FOUND", `no active key ${JSON.stringify(keyId)}; \`patron keys list\` shows the ids.`);
        if (!options.json) process.stdout.write(`revoked ${keyId}; a running service stops accepting it within 30 s\n`);
        return { revoked: keyId };
      }),
    );
}
