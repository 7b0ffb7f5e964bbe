/**
 * Exponential back-off with jitter, a cap and a failure budget: the one
 * back-off every Drove package uses (pool spawns, supervisor restarts,
 * tenant spawns).
 *
 * @module
 */
import { InvalidOptionError } from './errors.js';
import { check } from './internal/validate.js';

/** How a {@link Backoff} grows. */
export interface BackoffOptions {
  /** Delay after the first failure. @default 1000 */
  baseMs?: number;
  /** Each further failure multiplies the delay by this. @default 2 */
  factor?: number;
  /** The delay never grows past this. @default 30000 */
  maxMs?: number;
  /**
   * Spread each delay by up to ± this fraction, so that many failing things do
   * not retry in step. @default 0.2
   */
  jitter?: number;
  /** After this many consecutive failures {@link Backoff.fail} gives up. @default Infinity */
  maxFailures?: number;
  /** Source of randomness for the jitter, 0 ≤ x < 1 (inject one for tests). @default Math.random */
  random?: () => number;
}

/** The fully-filled form of {@link BackoffOptions}. */
export type ResolvedBackoffOptions = Required<BackoffOptions>;

/** Checks and fills in {@link BackoffOptions}; `name` prefixes option names in messages. */
export function resolveBackoffOptions(options: BackoffOptions = {}, name = 'backoff'): ResolvedBackoffOptions {
  check.keys(name, options, ['baseMs', 'factor', 'maxMs', 'jitter', 'maxFailures', 'random']);
  const resolved: ResolvedBackoffOptions = {
    baseMs: options.baseMs ?? 1000,
    factor: options.factor ?? 2,
    maxMs: options.maxMs ?? 30_000,
    jitter: options.jitter ?? 0.2,
    maxFailures: options.maxFailures ?? Number.POSITIVE_INFINITY,
    random: options.random ?? Math.random,
  };
  check.duration(`${name}.baseMs`, resolved.baseMs);
  check.number(`${name}.factor`, resolved.factor, { min: 1 });
  check.duration(`${name}.maxMs`, resolved.maxMs);
  check.number(`${name}.jitter`, resolved.jitter, { min: 0, max: 1 });
  check.count(`${name}.maxFailures`, resolved.maxFailures, { min: 1, infinite: true });
  if (typeof resolved.random !== 'function') {
    throw new InvalidOptionError(`Expected \`${name}.random\` to be a function, got \`${String(resolved.random)}\``);
  }
  if (resolved.maxMs < resolved.baseMs) {
    throw new InvalidOptionError(
      `Expected \`${name}.maxMs\` (${resolved.maxMs}) to be >= \`${name}.baseMs\` (${resolved.baseMs})`,
    );
  }
  return resolved;
}

/**
 * Counts consecutive failures and says how long to wait before the next try.
 *
 * @example
 * ```ts
 * import { Backoff } from '@drove/pool/backoff';
 * const backoff = new Backoff({ baseMs: 100, maxMs: 5000, maxFailures: 10 });
 * const delay = backoff.fail();           // ~100 ms, then ~200, ~400 … capped at 5000
 * if (delay === undefined) giveUp(); else setTimeout(retry, delay);
 * backoff.succeed();                      // a success (or a stable run) starts over
 * ```
 */
export class Backoff {
  readonly options: ResolvedBackoffOptions;
  #failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.options = resolveBackoffOptions(options);
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** True once `maxFailures` consecutive failures were recorded. */
  get exhausted(): boolean {
    return this.#failures >= this.options.maxFailures;
  }

  /** The delay before try `failures + 1`, without jitter: `min(maxMs, baseMs × factor^(failures − 1))`. */
  static delayFor(failures: number, options: ResolvedBackoffOptions): number {
    if (failures <= 0) return 0;
    return Math.min(options.maxMs, options.baseMs * options.factor ** (failures - 1));
  }

  /** The delay the next failure would get, without recording it or jitter. */
  peek(): number {
    return Backoff.delayFor(this.#failures + 1, this.options);
  }

  /**
   * Records a failure and returns the delay to wait before trying again, or
   * `undefined` when the failure budget is spent.
   */
  fail(): number | undefined {
    this.#failures += 1;
    if (this.exhausted) return undefined;
    const delay = Backoff.delayFor(this.#failures, this.options);
    const spread = delay * this.options.jitter * (this.options.random() * 2 - 1);
    return Math.max(0, Math.min(this.options.maxMs, Math.round(delay + spread)));
  }

  /** Records a success: the next failure starts from `baseMs` again. */
  succeed(): void {
    this.#failures = 0;
  }
}
