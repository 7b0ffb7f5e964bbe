/**
 * Option checks in one message style for every Drove package — "Expected
 * `maxWorkers` to be an integer >= 1, got `0` (number)" — either collecting
 * every problem ({@link Problems}, for config files and specs that should fail
 * once with the whole list) or throwing at the first ({@link createCheck}, for
 * options), each package with its own error class.
 *
 * @module
 */

/** The longest delay a Node timer honours; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Describes a value the way messages quote it: `` `0` (number) ``. */
export function describeValue(value: unknown): string {
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

/** Bounds of a number. */
export interface Range {
  min?: number;
  max?: number;
}

function bounds({ min = -Infinity, max = Infinity }: Range): string {
  return [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Collects problems; each check returns whether it passed, and
 * {@link Problems.throwIfAny} fails once with all of them.
 *
 * @example
 * ```ts
 * import { Problems } from '@drove/pool/validate';
 * const problems = new Problems();
 * problems.count('replicas', spec.replicas, { min: 1 });
 * problems.oneOf('restart', spec.restart, ['permanent', 'transient', 'temporary']);
 * problems.throwIfAny((list) => new InvalidSpecError(list));
 * ```
 */
export class Problems {
  readonly list: string[] = [];

  /** True while no problem was found. */
  get ok(): boolean {
    return this.list.length === 0;
  }

  /** Records "Expected `name` to be `expected`, got `value`". */
  fail(name: string, expected: string, value: unknown): false {
    this.list.push(`Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
    return false;
  }

  /** Records a message of its own. */
  add(message: string): false {
    this.list.push(message);
    return false;
  }

  /** A finite number within a range. */
  number(name: string, value: unknown, range: Range = {}): boolean {
    const { min = -Infinity, max = Infinity } = range;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return true;
    const limits = bounds(range);
    return this.fail(name, `a finite number${limits ? ` ${limits}` : ''}`, value);
  }

  /** An integer within a range (default >= 0), or Infinity when `infinite`. */
  count(name: string, value: unknown, { min = 0, max = Infinity, infinite = false }: Range & { infinite?: boolean } = {}): boolean {
    const ok =
      typeof value === 'number' &&
      ((infinite && value === Number.POSITIVE_INFINITY) || (Number.isInteger(value) && value >= min && value <= max));
    if (ok) return true;
    return this.fail(name, `an integer >= ${min}${max < Infinity ? ` and <= ${max}` : ''}${infinite ? ' (or Infinity)' : ''}`, value);
  }

  /** A delay in ms a timer can wait (`min` … 2^31 − 1), or Infinity when `infinite`. */
  duration(name: string, value: unknown, { min = 0, infinite = false }: { min?: number; infinite?: boolean } = {}): boolean {
    if (infinite && value === Number.POSITIVE_INFINITY) return true;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= MAX_TIMER_MS) return true;
    return this.fail(name, `a number of milliseconds >= ${min} and <= ${MAX_TIMER_MS}${infinite ? ' (or Infinity)' : ''}`, value);
  }

  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): value is T {
    if (allowed.includes(value as T)) return true;
    return this.fail(name, `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`, value);
  }

  boolean(name: string, value: unknown): value is boolean {
    return typeof value === 'boolean' || this.fail(name, 'a boolean', value);
  }

  function(name: string, value: unknown): boolean {
    return typeof value === 'function' || this.fail(name, 'a function', value);
  }

  /** A non-empty string. */
  string(name: string, value: unknown): value is string {
    return (typeof value === 'string' && value.length > 0) || this.fail(name, 'a non-empty string', value);
  }

  object(name: string, value: unknown): value is Record<string, unknown> {
    return isObject(value) || this.fail(name, 'an object', value);
  }

  stringArray(name: string, value: unknown, { nonEmpty = false } = {}): value is string[] {
    if (Array.isArray(value) && value.every((item) => typeof item === 'string') && (!nonEmpty || value.length > 0)) return true;
    return this.fail(name, nonEmpty ? 'a non-empty array of strings' : 'an array of strings', value);
  }

  /** An object whose values are strings (an environment). */
  stringRecord(name: string, value: unknown): value is Record<string, string> {
    if (!isObject(value)) return this.fail(name, 'an object of strings', value);
    let ok = true;
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') ok = this.fail(`${name}.${key}`, 'a string', item);
    }
    return ok;
  }

  signal(name: string, value: unknown): value is AbortSignal {
    return value instanceof AbortSignal || this.fail(name, 'an AbortSignal', value);
  }

  /** A clock: an object with `now()`, `setTimeout()` and `clearTimeout()` (see `@drove/pool/clock`). */
  clock(name: string, value: unknown): boolean {
    const clock = value as Record<string, unknown> | null;
    const ok =
      typeof clock === 'object' &&
      clock !== null &&
      typeof clock.now === 'function' &&
      typeof clock.setTimeout === 'function' &&
      typeof clock.clearTimeout === 'function';
    return ok || this.fail(name, 'an object with now(), setTimeout() and clearTimeout()', value);
  }

  /** An object with only these keys: an unknown one is most often a typo. */
  keys(name: string, value: unknown, allowed: readonly string[]): value is Record<string, unknown> {
    if (!isObject(value)) return this.fail(name, 'an object', value);
    let ok = true;
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) ok = this.add(`Unknown option \`${name ? `${name}.` : ''}${key}\` (known: ${allowed.join(', ')})`);
    }
    return ok;
  }

  /** Throws the error `toError` makes of the whole list, if there is any problem. */
  throwIfAny(toError: (problems: string[]) => Error): void {
    if (this.list.length > 0) throw toError([...this.list]);
  }
}

type CheckMethods = Omit<Problems, 'list' | 'ok' | 'add' | 'fail' | 'throwIfAny'>;

/** The checks of {@link Problems}, throwing at the first problem instead of collecting. */
export type Check = {
  [K in keyof CheckMethods]: (...args: Parameters<CheckMethods[K]>) => void;
} & {
  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T;
  /** Throws "Expected `name` to be `expected`, got `value`". */
  fail(name: string, expected: string, value: unknown): never;
};

/**
 * Checks that throw `toError(message)` at the first problem.
 *
 * @example
 * ```ts
 * import { createCheck } from '@drove/pool/validate';
 * const check = createCheck((message) => new InvalidOptionError(message));
 * check.count('maxConcurrent', options.maxConcurrent, { min: 1 });
 * ```
 */
export function createCheck(toError: (message: string) => Error): Check {
  const check = {} as Record<string, unknown>;
  const probe = new Problems();
  for (const name of Object.getOwnPropertyNames(Problems.prototype)) {
    // Descriptors, not property reads: reading a getter on the prototype would run it.
    const method: unknown = Object.getOwnPropertyDescriptor(Problems.prototype, name)?.value;
    if (name === 'constructor' || typeof method !== 'function' || ['add', 'fail', 'throwIfAny'].includes(name)) continue;
    check[name] = (...args: unknown[]) => {
      const problems = new Problems();
      (method as (...a: unknown[]) => boolean).apply(problems, args);
      if (!problems.ok) throw toError(problems.list[0]!);
    };
  }
  check.fail = (name: string, expected: string, value: unknown): never => {
    probe.list.length = 0;
    probe.fail(name, expected, value);
    throw toError(probe.list[0]!);
  };
  return check as Check;
}
