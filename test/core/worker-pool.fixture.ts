import { PatronError } from "../../src/core/errors.ts";

export function sumTo(n: number): number {
  let total = 0;
  for (let i = 1; i <= n; i++) total += i;
  return total;
}

export function fail(): never {
  throw new PatronError("E_TEST", "task failed on purpose");
}
