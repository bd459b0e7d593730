/** Starting a real service on a test store (port 0) and talking to it over HTTP. */
import { createKey } from "../../src/serve/auth.ts";
import { migrate } from "../../src/serve/migrations.ts";
import { startService, type ServeOptions, type Service } from "../../src/serve/service.ts";
import type { Store } from "../../src/store/store.ts";

export interface Running {
  service: Service;
  url: string;
  writeKey: string;
  readKey: string;
  call(method: string, path: string, options?: { body?: unknown; key?: string | null; headers?: Record<string, string>; raw?: string | Buffer }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

export async function keysFor(store: Store): Promise<{ writeKey: string; readKey: string }> {
  await migrate(store);
  const write = await createKey(store, { name: "test-writer", scope: "write", ratePerSecond: 10_000, burst: 10_000 });
  const read = await createKey(store, { name: "test-reader", scope: "read" });
  return { writeKey: write.key, readKey: read.key };
}

export async function run(store: Store, options: ServeOptions = {}, keys?: { writeKey: string; readKey: string }): Promise<Running> {
  const { writeKey, readKey } = keys ?? (await keysFor(store));
  const service = await startService({ port: 0, logLevel: "silent", decisionFlushMs: 50, ...options }, { store });
  const url = service.url!;
  return {
    service,
    url,
    writeKey,
    readKey,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const key = opts.key === undefined ? writeKey : opts.key;
      if (key !== null) headers["x-api-key"] = key;
      let body: string | Buffer | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] ??= "application/json";
      }
      const response = await fetch(`${url}${path}`, { method, headers, body: body as BodyInit | undefined });
      const text = await response.text();
      let parsed: unknown = undefined;
      if ((response.headers.get("content-type") ?? "").includes("json")) parsed = JSON.parse(text);
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
  };
}
