/**
 * Non-fatal problems go through one de-duplicating channel. The CLI prints them to stderr;
 * tests read them with `takeWarnings()`.
 */
export interface Warning {
  code: string;
  message: string;
}

type Listener = (warning: Warning) => void;

const seen = new Set<string>();
const collected: Warning[] = [];
let listener: Listener | undefined;

export function warn(code: string, message: string): void {
  const key = `${code}\u0000${message}`;
  if (seen.has(key)) return;
  seen.add(key);
  const warning = { code, message };
  collected.push(warning);
  listener?.(warning);
}

/** Returns the warnings raised since the last call and forgets them. */
export function takeWarnings(): Warning[] {
  const out = collected.splice(0, collected.length);
  seen.clear();
  return out;
}

export function onWarning(next: Listener | undefined): void {
  listener = next;
}
