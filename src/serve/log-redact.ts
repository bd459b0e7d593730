/**
 * No personal data in logs. Every object and message the service logs passes through
 * `redact`: values under keys that name personal data (name, e-mail, address, street, city,
 * phone, …) or credentials (API keys, authorization headers, passwords) are replaced, and
 * e-mail addresses, API keys and phone-like numbers inside free text are masked. Wired into
 * pino (Fastify's logger) through a logMethod hook, so it also covers messages, not only the
 * fixed paths pino's own `redact` option handles.
 */
const SENSITIVE_KEY = /(^|_|-|\b)(name|first_?name|last_?name|full_?name|e-?mail|email_?address|address|street|city|zip|zip_?code|postcode|phone|mobile|birth|password|secret|token|authorization|x-api-key|api_?key|cookie)($|_|-|\b)/i;
// Keys that contain "name" but are not about a person.
const SAFE_KEYS = new Set(["hostname", "pathname", "routename", "filename", "dataset", "event_name", "purpose", "kind", "code"]);

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const API_KEY = /pat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/g;
// "+48 601 234 567", "+1 (555) 010-2000", "601 234 567" — but not dates (2024-05-01) or plain ids.
const PHONE = /(?<![\w.+-])(?:\+\d[\d ()-]{7,}\d|\d{2,4}(?: \d{2,4}){2,})(?![\w.-])/g;
const POSTGRES_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g;

export const REDACTED = "[redacted]";

export function isSensitiveKey(key: string): boolean {
  const lower = key.toLowerCase();
  if (SAFE_KEYS.has(lower)) return false;
  return SENSITIVE_KEY.test(lower);
}

export function redactText(text: string): string {
  return text
    .replace(EMAIL, "[email]")
    .replace(API_KEY, "pat_[redacted]")
    .replace(POSTGRES_PASSWORD, "$1***@")
    .replace(PHONE, "[phone]");
}

/** A redacted deep copy (errors become {type, message, stack} with redacted text). */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return "[…]";
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: redactText(value.message) };
    if (value.stack) out.stack = redactText(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  // Class instances (Fastify's request and reply) go to pino's serializers below, not deep-copied.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSensitiveKey(key) ? REDACTED : redact(v, depth + 1);
  return out;
}

/** pino's hooks.logMethod: redacts every argument before pino formats it. */
export function redactingLogMethod(this: unknown, args: unknown[], method: (...args: unknown[]) => void): void {
  method.apply(this, args.map((a) => redact(a)));
}

/** pino serializers for Fastify's request and reply: only what an operator needs, redacted. */
export const logSerializers = {
  req(req: { method?: string; url?: string; ip?: string; socket?: { remoteAddress?: string } }) {
    return { method: req.method, url: redactText(req.url ?? ""), remoteAddress: req.ip ?? req.socket?.remoteAddress };
  },
  res(res: { statusCode?: number }) {
    return { statusCode: res.statusCode };
  },
  err(err: unknown) {
    return redact(err) as { type: string; message: string; stack: string; [key: string]: unknown };
  },
};
