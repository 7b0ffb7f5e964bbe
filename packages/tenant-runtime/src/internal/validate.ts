// Eager option checks with p-queue-shaped messages. The same shape as
// @drove/pool's internal checks, which pool does not export (see the README's
// "What pool should provide"); these throw this package's InvalidOptionError.
import { InvalidOptionError } from '../errors.js';

/** The longest delay a Node timer honours; longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Describes a value the way option errors quote it: `0` (number). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'function') return '`[function]` (function)';
  if (typeof value === 'symbol') return `\`${String(value)}\` (symbol)`;
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

/** Throws an {@link InvalidOptionError}: "Expected `name` to be expected, got value". */
export function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

export const check = {
  /** An object with only these keys. */
  keys(name: string, value: unknown, allowed: readonly string[]): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
    for (const key of Object.keys(value as object)) {
      if (!allowed.includes(key)) {
        throw new InvalidOptionError(`Unknown option \`${name === '' ? key : `${name}.${key}`}\` (known: ${allowed.join(', ')})`);
      }
    }
  },
  /** A delay in ms a timer can wait (0 … 2^31 − 1). */
  duration(name: string, value: unknown, { min = 0 } = {}): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
      fail(name, `a number of milliseconds >= ${min} and <= ${MAX_TIMER_MS}`, value);
    }
  },
  /** An integer within a range. */
  integer(name: string, value: unknown, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(name, `an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}`, value);
    }
  },
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): void {
    if (!allowed.includes(value as T)) fail(name, `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, value);
  },
  function(name: string, value: unknown): void {
    if (typeof value !== 'function') fail(name, 'a function', value);
  },
  string(name: string, value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) fail(name, 'a non-empty string', value);
  },
  stringArray(name: string, value: unknown, { nonEmpty = false } = {}): void {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string') || (nonEmpty && value.length === 0)) {
      fail(name, nonEmpty ? 'a non-empty array of strings' : 'an array of strings', value);
    }
  },
  /** A record of string values (an environment). */
  stringRecord(name: string, value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object of strings', value);
    for (const [key, item] of Object.entries(value as object)) {
      if (typeof item !== 'string') fail(`${name}.${key}`, 'a string', item);
    }
  },
  signal(name: string, value: unknown): void {
    if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
  },
};
