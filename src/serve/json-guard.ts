/**
 * A fast accept-only check compiled from a zod schema's JSON Schema (zod 4's z.toJSONSchema), for
 * the hot route's request body (POST /v1/decide, issue #8). It answers "certainly valid" or
 * "ask zod": a body it accepts, zod accepts too (so the handler gets exactly what zod would give
 * it), and anything it does not accept goes to the zod schema, which stays the source of truth
 * and writes the error message. Validation therefore behaves exactly as with zod alone, at the
 * cost of a few property reads for the bodies that are fine.
 *
 * Why not ajv (Fastify's own compiler): ajv counts string lengths in Unicode code points and
 * zod in UTF-16 code units, so ajv accepts a 150-emoji id that zod rejects as longer than 200 —
 * an accept-only guard must never accept more than zod. Here lengths are String.length and
 * patterns are compiled without flags, as zod checks them. The compiler knows only the keywords
 * a flat object of strings needs; any other keyword is refused when the schema is compiled, so a
 * schema change cannot silently weaken the check.
 */
import { z } from "zod";

export type Guard = (value: unknown) => boolean;

/** Keywords that only document (ignored by the check). */
const ANNOTATIONS = new Set(["$schema", "description", "title", "examples", "default", "deprecated", "readOnly", "writeOnly", "id"]);

interface StringRule {
  minLength: number;
  maxLength: number;
  pattern: RegExp | undefined;
}

function stringRule(name: string, schema: Record<string, unknown>): StringRule {
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !["type", "minLength", "maxLength", "pattern"].includes(key)) {
      throw new Error(`json-guard: property ${name} uses "${key}", which the guard does not compile; extend src/serve/json-guard.ts or validate this route with zod alone.`);
    }
  }
  if (schema.type !== "string") throw new Error(`json-guard: property ${name} has type ${JSON.stringify(schema.type)}; only strings are compiled.`);
  return {
    minLength: typeof schema.minLength === "number" ? schema.minLength : 0,
    maxLength: typeof schema.maxLength === "number" ? schema.maxLength : Infinity,
    pattern: typeof schema.pattern === "string" ? new RegExp(schema.pattern) : undefined,
  };
}

/**
 * Compiles the guard of a zod object schema whose properties are strings (with length and
 * pattern checks), some required, no others allowed. Throws when the schema has anything else.
 */
export function compileGuard(schema: z.ZodType): Guard {
  const json = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  for (const key of Object.keys(json)) {
    if (!ANNOTATIONS.has(key) && !["type", "properties", "required", "additionalProperties"].includes(key)) {
      throw new Error(`json-guard: the schema uses "${key}", which the guard does not compile.`);
    }
  }
  if (json.type !== "object" || json.additionalProperties !== false) {
    throw new Error("json-guard: only objects with additionalProperties: false (z.strictObject) are compiled.");
  }
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const names = Object.keys(properties);
  const rules = new Map(names.map((name) => [name, stringRule(name, properties[name])]));
  const required = (json.required ?? []) as string[];
  return (value: unknown): boolean => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    // A JSON body is a plain object; anything else (a prototype with keys) is zod's to judge.
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    const record = value as Record<string, unknown>;
    let seen = 0;
    for (const key in record) {
      const rule = rules.get(key);
      if (rule === undefined) return false;
      const text = record[key];
      if (typeof text !== "string" || text.length < rule.minLength || text.length > rule.maxLength) return false;
      if (rule.pattern !== undefined && !rule.pattern.test(text)) return false;
      seen++;
    }
    for (let k = 0; k < required.length; k++) if (!Object.hasOwn(record, required[k])) return false;
    // for…in sees inherited enumerable keys too; own keys must be all of them.
    return seen === Object.keys(record).length;
  };
}
