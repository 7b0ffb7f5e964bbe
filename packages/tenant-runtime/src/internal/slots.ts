/**
 * The hard cap on tenant processes. A slot is taken before a spawn and given
 * back only when that process has exited, so processes alive (starting,
 * running or stopping) never exceed the capacity. A start that finds every
 * slot taken waits in line; for each waiter the runtime is asked to evict one
 * running tenant, and the slot its exit frees goes to the first in line. So
 * an evicted tenant has exited before its replacement is spawned.
 */
import { AbortError } from '../errors.js';

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

export class Slots {
  #used = 0;
  #evicting = 0;
  readonly #waiters: Waiter[] = [];

  /**
   * @param capacity slots in all.
   * @param evict asked to stop one running tenant for a waiter; returns a
   *   promise of its exit, or `undefined` when no tenant can be evicted now.
   */
  constructor(
    readonly capacity: number,
    private readonly evict: () => Promise<unknown> | undefined,
  ) {}

  /** Slots taken: processes alive plus spawns about to happen. */
  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot, waiting (and evicting) when none is free. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.#used < this.capacity && this.#waiters.length === 0) {
      this.#used++;
      return Promise.resolve();
    }
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(new AbortError(undefined, { cause: signal?.reason }));
      };
      const waiter: Waiter = { resolve, reject, cleanup: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.pump();
    });
  }

  /** Gives a slot back (its process exited, or its spawn never happened). */
  release(): void {
    const next = this.#waiters.shift();
    if (next) {
      next.cleanup();
      next.resolve();
      return;
    }
    this.#used--;
  }

  /** Starts evictions until every waiter has one under way (call when a tenant becomes evictable). */
  pump(): void {
    while (this.#evicting < this.#waiters.length) {
      const exited = this.evict();
      if (!exited) return;
      this.#evicting++;
      void exited.finally(() => {
        this.#evicting--;
        // An exit that came from elsewhere may have served a waiter first: start another eviction if still short.
        this.pump();
      });
    }
  }

  /** Rejects every waiter (the runtime was disposed). */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }
}
