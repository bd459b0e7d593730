/**
 * Wraps a command's action: opens nothing itself, but turns thrown errors into exit codes and,
 * with --json, prints the result object as the last stdout line.
 */
import { printJson, reportFailure } from "./output.ts";

export function action<O extends { json?: boolean }, A extends unknown[]>(
  run: (options: O, ...args: A) => Promise<unknown>,
) {
  return async (...input: unknown[]): Promise<void> => {
    // commander passes (args..., options, command)
    const options = input[input.length - 2] as O;
    const args = input.slice(0, -2) as A;
    try {
      const result = await run(options, ...args);
      if (options.json && result !== undefined) printJson(result);
      process.exitCode = process.exitCode ?? 0;
    } catch (error) {
      process.exitCode = reportFailure(error, options);
    }
  };
}
