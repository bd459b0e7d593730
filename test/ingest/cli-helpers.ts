/** Runs the real CLI (src/cli/main.ts under tsx) as a child process, as a user would. */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export function spawnPatron(args: string[], env: Record<string, string> = {}): ChildProcess {
  // node itself, not bin/patron.mjs: a SIGKILL must reach the process that holds the store.
  return spawn(process.execPath, ["--import", tsxLoader, main, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runPatron(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawnPatron(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON object on the last stdout line (the --json contract). */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}
