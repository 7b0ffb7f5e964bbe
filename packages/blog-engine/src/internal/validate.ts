import { InvalidOptionError } from '../errors.js';

/** Describes a value the way option errors quote it: `0` (number). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'function') return '`[function]` (function)';
  if (value === null) return '`null`';
  if (typeof value === 'object') {
    let text: string;
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
    return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\` (${Array.isArray(value) ? 'array' : 'object'})`;
  }
  return `\`${String(value)}\` (${typeof value})`;
}

/** The message every option check uses, shaped like p-queue's. */
export function expected(name: string, what: string, value: unknown): string {
  return `Expected \`${name}\` to be ${what}, got ${describe(value)}`;
}

/** Throws {@link InvalidOptionError} with {@link expected}'s message. */
export function fail(name: string, what: string, value: unknown): never {
  throw new InvalidOptionError(expected(name, what, value));
}

/** Refuses keys that are not in `allowed`. */
export function checkKeys(name: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new InvalidOptionError(`Unknown option \`${name ? `${name}.` : ''}${key}\` (known: ${allowed.join(', ')})`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
