import { describeValue as describe } from '@drove/pool/validate';
import { InvalidOptionError } from '../errors.js';

// Values are described by pool's describer, so every package words its option errors alike.
export { describe };

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
