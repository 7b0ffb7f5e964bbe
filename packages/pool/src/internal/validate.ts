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

function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

interface Range {
  min?: number;
  max?: number;
}

interface Checks {
  number(name: string, value: unknown, range?: Range): void;
  /** A delay in ms a timer can wait (0 … 2^31 − 1), or Infinity when allowed. */
  duration(name: string, value: unknown, options?: { infinite?: boolean }): void;
  /** An object with only these keys. */
  keys(name: string, value: unknown, allowed: readonly string[]): void;
  count(name: string, value: unknown, range?: Range & { infinite?: boolean }): void;
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T;
  boolean(name: string, value: unknown): void;
  function(name: string, value: unknown): void;
  string(name: string, value: unknown, options?: { nonEmpty?: boolean }): void;
  plainObject(name: string, value: unknown): void;
  stringArray(name: string, value: unknown): void;
  signal(name: string, value: unknown): void;
  fail(name: string, expected: string, value: unknown): never;
}

/** Eager option checks with p-queue-shaped messages. */
export const check: Checks = {
  /** A finite number within a range. */
  number(name: string, value: unknown, { min = -Infinity, max = Infinity }: Range = {}): void {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      const bounds = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
      fail(name, `a finite number${bounds ? ` ${bounds}` : ''}`, value);
    }
  },
  duration(name: string, value: unknown, { infinite = false } = {}): void {
    if (infinite && value === Number.POSITIVE_INFINITY) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
      fail(name, `a number of milliseconds >= 0 and <= ${MAX_TIMER_MS}${infinite ? ' (or Infinity)' : ''}`, value);
    }
  },
  keys(name: string, value: unknown, allowed: readonly string[]): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
    for (const key of Object.keys(value as object)) {
      if (!allowed.includes(key)) {
        throw new InvalidOptionError(`Unknown option \`${name}.${key}\` (known: ${allowed.join(', ')})`);
      }
    }
  },
  /** An integer within a range, or Infinity when allowed. */
  count(name: string, value: unknown, { min = 0, max = Infinity, infinite = false }: Range & { infinite?: boolean } = {}): void {
    const ok =
      typeof value === 'number' &&
      ((infinite && value === Number.POSITIVE_INFINITY) || (Number.isInteger(value) && value >= min && value <= max));
    if (!ok) {
      const upper = max < Infinity ? ` and <= ${max}` : '';
      fail(name, `an integer >= ${min}${upper}${infinite ? ' (or Infinity)' : ''}`, value);
    }
  },
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
    if (!allowed.includes(value as T)) fail(name, `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, value);
  },
  boolean(name: string, value: unknown): void {
    if (typeof value !== 'boolean') fail(name, 'a boolean', value);
  },
  function(name: string, value: unknown): void {
    if (typeof value !== 'function') fail(name, 'a function', value);
  },
  string(name: string, value: unknown, { nonEmpty = true } = {}): void {
    if (typeof value !== 'string' || (nonEmpty && value.length === 0)) fail(name, 'a non-empty string', value);
  },
  plainObject(name: string, value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(name, 'an object', value);
  },
  stringArray(name: string, value: unknown): void {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(name, 'an array of strings', value);
  },
  signal(name: string, value: unknown): void {
    if (!(value instanceof AbortSignal)) fail(name, 'an AbortSignal', value);
  },
  fail,
};
