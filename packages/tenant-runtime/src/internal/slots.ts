/**
 * The hard cap on tenant processes. A slot is taken before a spawn and given
 * back only when that process has exited, so processes alive (starting,
 * running or stopping) never exceed the capacity. A start that finds every
 * slot taken waits in line; for each waiter the runtime is asked to evict one
 * running tenant, and the slot its exit frees goes to the first in line. So
 * an evicted tenant has exited before its replacement is spawned.
 *
 * Starts are served in the order they took their place in line
 * ({@link Slots.reserve}), not in the order they got round to asking for the
 * slot: a start takes its place as soon as it begins, then does its own
 * asynchronous work (resolving its directory) before it asks
 * ({@link SlotPlace.acquire}). Without the place, two starts that began in
 * one order could take the slot in the other, as their file-system calls
 * finish in any order.
 */
import { AbortError } from '../errors.js';

interface Place {
  /** Set once the start asks for its slot. */
  waiter: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  /** Why the place was lost (aborted, or every waiter rejected), for an `acquire()` that comes later. */
  lost: unknown;
  cleanup: () => void;
}

/** A start's place in the line for a slot. */
export interface SlotPlace {
  /**
   * Takes the slot once every start ahead in line has been served (or has
   * left) and a slot is free, evicting while none is. Call at most once.
   */
  acquire(): Promise<void>;
  /** Leaves the line (no-op once the slot was taken or the place lost). */
  cancel(): void;
}

export class Slots {
  #used = 0;
  #evicting = 0;
  /** Places in line, first come first served: some still on their way (no `waiter`), some waiting. */
  readonly #line: Place[] = [];
  #closed: { error: unknown } | undefined;

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

  /** Starts that asked for a slot and wait for one. */
  get waiting(): number {
    let waiting = 0;
    for (const place of this.#line) if (place.waiter) waiting++;
    return waiting;
  }

  /**
   * Takes a place in line now (synchronously, so places follow the order of
   * the calls). `signal` aborting leaves the line: the place's `acquire()`
   * rejects with `ABORT_ERR`.
   */
  reserve(signal?: AbortSignal): SlotPlace {
    const onAbort = () => this.#leave(place, new AbortError(undefined, { cause: signal?.reason }));
    const place: Place = {
      waiter: undefined,
      lost: undefined,
      cleanup: () => signal?.removeEventListener('abort', onAbort),
    };
    if (this.#closed) place.lost = this.#closed.error;
    else if (signal?.aborted) place.lost = new AbortError(undefined, { cause: signal.reason });
    else {
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#line.push(place);
    }
    return {
      acquire: () => this.#acquire(place),
      cancel: () => this.#leave(place, new AbortError('The place in line was given up')),
    };
  }

  /** Takes a slot, waiting (and evicting) when none is free: {@link reserve} and acquire at once. */
  acquire(signal?: AbortSignal): Promise<void> {
    return this.reserve(signal).acquire();
  }

  #acquire(place: Place): Promise<void> {
    if (place.lost !== undefined) return Promise.reject(place.lost);
    if (place.waiter || !this.#line.includes(place)) return Promise.reject(new Error('A slot place is acquired once'));
    return new Promise<void>((resolve, reject) => {
      place.waiter = { resolve, reject };
      this.#serve();
      this.pump();
    });
  }

  /** Takes `place` out of the line; a waiting `acquire()` rejects with `error`. */
  #leave(place: Place, error: unknown): void {
    const index = this.#line.indexOf(place);
    if (index === -1) return;
    this.#line.splice(index, 1);
    place.cleanup();
    place.lost = error;
    place.waiter?.reject(error);
    // It may have held up the line, or needed an eviction no one else needs.
    this.#serve();
    this.pump();
  }

  /** Gives free slots to the first in line while they are waiting. */
  #serve(): void {
    while (this.#used < this.capacity) {
      const first = this.#line[0];
      if (first?.waiter === undefined) return;
      this.#line.shift();
      first.cleanup();
      this.#used++;
      first.waiter.resolve();
    }
  }

  /** Gives a slot back (its process exited, or its spawn never happened). */
  release(): void {
    this.#used--;
    this.#serve();
  }

  /** Starts evictions until every waiter a free slot will not serve has one under way (call when a tenant becomes evictable). */
  pump(): void {
    while (this.#evicting < this.waiting - (this.capacity - this.#used)) {
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

  /** Rejects every waiter, and every `acquire()` to come (the runtime was disposed). */
  rejectAll(error: unknown): void {
    this.#closed = { error };
    for (const place of this.#line.splice(0)) {
      place.cleanup();
      place.lost = error;
      place.waiter?.reject(error);
    }
  }
}
