/**
 * How commands talk to the terminal: human text on stdout, warnings on stderr, and with
 * --json one JSON object as the very last stdout line (the contract scripts read).
 */
import { isPatronError } from "../core/errors.ts";
import { onWarning } from "../core/warn.ts";

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
}

/** Plain numbers for typed arrays and finite-only output (NaN/Infinity become null). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value === "bigint") return Number(value);
  return value;
}

/** Prints a table of rows with aligned columns. */
export function printTable(rows: readonly Record<string, unknown>[], stream: NodeJS.WritableStream = process.stdout): void {
  if (rows.length === 0) return;
  const keys = Object.keys(rows[0]);
  const cell = (v: unknown) =>
    typeof v === "number" ? (Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(4)) : String(v ?? "");
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => cell(r[k]).length)));
  const line = (values: string[]) => values.map((v, j) => v.padEnd(widths[j])).join("  ").trimEnd();
  stream.write(`${line(keys)}\n${line(widths.map((w) => "-".repeat(w)))}\n`);
  for (const r of rows) stream.write(`${line(keys.map((k) => cell(r[k])))}\n`);
}

export function routeWarningsToStderr(): void {
  onWarning((w) => process.stderr.write(`warning [${w.code}]: ${w.message}\n`));
}

/** Exit codes: 2 for bad input (a PatronError), 1 for anything unexpected. */
export function reportFailure(error: unknown, options: OutputOptions = {}): number {
  if (isPatronError(error)) {
    process.stderr.write(`error [${error.code}]: ${error.message}\n`);
    if (options.json) printJson({ error: { code: error.code, message: error.message, ...error.details } });
    return 2;
  }
  process.stderr.write(`unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  if (options.json) printJson({ error: { code: "E_INTERNAL", message: String((error as Error)?.message ?? error) } });
  return 1;
}
