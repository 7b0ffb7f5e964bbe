// Checks in pool's message style ("Expected `x` to be …, got `0` (number)"),
// collecting every problem so a spec or a config file fails once with the
// whole list. pool's own checks throw at the first problem and are private
// to pool, so the describer is repeated here (README: "Built on @drove/pool").
import { InvalidSpecError } from '../errors.js';

/** Describes a value the way option errors quote it: `0` (number). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  if (typeof value === 'function') return '`[function]` (function)';
  if (typeof value === 'symbol') return `\`${String(value)}\` (symbol)`;
  if (value === null) return '`null`';
  if (value instanceof URL) return `\`${value.href}\` (URL)`;
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

/** Collects problems; {@link Problems.throwIfAny} fails once with all of them. */
export class Problems {
  readonly list: string[] = [];

  fail(name: string, expected: string, value: unknown): void {
    this.list.push(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
  }

  add(message: string): void {
    this.list.push(message);
  }

  /** A finite number >= min (and <= max). Returns whether it passed. */
  number(name: string, value: unknown, { min = -Infinity, max = Infinity } = {}): boolean {
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return true;
    const bounds = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
    this.fail(name, `a finite number${bounds ? ` ${bounds}` : ''}`, value);
    return false;
  }

  /** An integer >= min, or Infinity when allowed. */
  count(name: string, value: unknown, { min = 0, infinite = false } = {}): boolean {
    if (typeof value === 'number' && ((infinite && value === Infinity) || (Number.isInteger(value) && value >= min))) return true;
    this.fail(name, `an integer >= ${min}${infinite ? ' (or Infinity)' : ''}`, value);
    return false;
  }

  oneOf(name: string, value: unknown, allowed: readonly string[]): boolean {
    if (allowed.includes(value as string)) return true;
    this.fail(name, `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, value);
    return false;
  }

  boolean(name: string, value: unknown): boolean {
    if (typeof value === 'boolean') return true;
    this.fail(name, 'a boolean', value);
    return false;
  }

  function(name: string, value: unknown): boolean {
    if (typeof value === 'function') return true;
    this.fail(name, 'a function', value);
    return false;
  }

  string(name: string, value: unknown): boolean {
    if (typeof value === 'string' && value.length > 0) return true;
    this.fail(name, 'a non-empty string', value);
    return false;
  }

  object(name: string, value: unknown): value is Record<string, unknown> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true;
    this.fail(name, 'an object', value);
    return false;
  }

  stringArray(name: string, value: unknown, { nonEmpty = false } = {}): boolean {
    if (Array.isArray(value) && value.every((item) => typeof item === 'string') && (!nonEmpty || value.length > 0)) return true;
    this.fail(name, nonEmpty ? 'a non-empty array of strings' : 'an array of strings', value);
    return false;
  }

  /** Only these keys; an unknown one is most often a typo. */
  knownKeys(name: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.add(`Unknown option \`${name ? `${name}.` : ''}${key}\` (known: ${known.join(', ')})`);
    }
  }

  throwIfAny(what?: string): void {
    if (this.list.length > 0) throw new InvalidSpecError(this.list, what);
  }
}
