/**
 * Per-key back-off of failed starts, on pool's `Backoff`: a key whose start
 * failed is refused until its window is over, and for good (until cleared)
 * once its failure budget is spent. Only failing keys are kept, and a success
 * forgets the key.
 */
import { Backoff, type ResolvedBackoffOptions } from '@drove/pool/backoff';
import type { Clock } from '@drove/pool/clock';

interface KeyState {
  backoff: Backoff;
  /** When a start may be tried again; `null` once the budget is spent. */
  retryAt: number | null;
  lastError: Error;
}

/** Why a key is refused now. */
export interface Refusal {
  attempt: number;
  /** `null`: refused until cleared. */
  retryAfterMs: number | null;
  lastError: Error;
}

export class BackoffBook {
  readonly #states = new Map<string, KeyState>();

  constructor(
    private readonly options: ResolvedBackoffOptions,
    private readonly clock: Clock,
  ) {}

  /** Keys backing off or refused. */
  get size(): number {
    return this.#states.size;
  }

  /** Why `key` is refused now, or `undefined` when it may start. */
  refusal(key: string): Refusal | undefined {
    const state = this.#states.get(key);
    if (state === undefined) return undefined;
    const attempt = state.backoff.failures;
    if (state.retryAt === null) return { attempt, retryAfterMs: null, lastError: state.lastError };
    const remaining = state.retryAt - this.clock.now();
    return remaining > 0 ? { attempt, retryAfterMs: Math.ceil(remaining), lastError: state.lastError } : undefined;
  }

  /** Records a failed start of `key`. */
  fail(key: string, error: Error): void {
    let state = this.#states.get(key);
    if (state === undefined) {
      state = { backoff: new Backoff(this.options), retryAt: null, lastError: error };
      this.#states.set(key, state);
    }
    const delay = state.backoff.fail();
    state.retryAt = delay === undefined ? null : this.clock.now() + delay;
    state.lastError = error;
  }

  /** Forgets `key`: after a successful start, or `clearBackoff(key)`. */
  forget(key: string): void {
    this.#states.delete(key);
  }
}
