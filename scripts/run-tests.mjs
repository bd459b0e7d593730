#!/usr/bin/env node
// Runs every test/**/*.test.ts through node:test with tsx. An empty glob is an error:
// a test command that passes with zero tests proves nothing. Files named *.serial.test.ts
// disturb shared services (the PostgreSQL outage test stops the server), so they run
// afterwards, alone.
// Usage: node scripts/run-tests.mjs [substring filters...]
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith(".test.ts")) found.push(path);
  }
  return found;
}

const files = findTests(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files matched test/**/*.test.ts${filters.length ? ` with filters ${filters.join(", ")}` : ""}`);
  process.exit(1);
}

const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve("tsx")).href;
const serial = files.filter((f) => f.endsWith(".serial.test.ts"));
const parallel = files.filter((f) => !serial.includes(f));

function run(group, concurrency) {
  if (group.length === 0) return Promise.resolve(0);
  const args = ["--import", tsxLoader, "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...group];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
    child.on("exit", (code, signal) => resolve(signal ? 1 : code ?? 1));
  });
}

const parallelCode = await run(parallel, 2);
const serialCode = await run(serial, 1);
process.exit(parallelCode || serialCode);
