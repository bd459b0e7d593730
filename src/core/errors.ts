/**
 * One error class for everything Patron rejects. `code` is stable (tests, HTTP mapping, exit
 * codes); the message says what was expected, what was found, and what to do.
 */
export class PatronError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "PatronError";
    this.code = code;
    this.details = details;
  }
}

export function isPatronError(error: unknown): error is PatronError {
  return error instanceof PatronError;
}

/** A short preview of offending values for error messages: the first few distinct ones. */
export function preview(values: Iterable<unknown>, limit = 5): string {
  const seen: string[] = [];
  for (const value of values) {
    const text = typeof value === "string" ? JSON.stringify(value) : String(value);
    if (!seen.includes(text)) seen.push(text);
    if (seen.length > limit) break;
  }
  return seen.length > limit ? `${seen.slice(0, limit).join(", ")}, …` : seen.join(", ");
}

/** Throws a PatronError when the condition is false; for checks at public boundaries. */
export function check(condition: unknown, code: string, message: string | (() => string)): asserts condition {
  if (!condition) throw new PatronError(code, typeof message === "function" ? message() : message);
}
