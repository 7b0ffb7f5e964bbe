/**
 * The clock the supervisor reads and sets its timers with. Every timing of the
 * supervisor (back-off delays, restart intensity, readiness timeouts,
 * heartbeats, memory checks) goes through it, so a test can inject a
 * {@link ManualClock} and move time by hand instead of sleeping.
 *
 * The one timing it does not cover is the grace of a stop, which
 * `@drove/pool/transport`'s `Endpoint.stop` measures with the real clock.
 *
 * @module
 */

/** A timer handle of a {@link Clock}; opaque to the supervisor. */
export type ClockTimer = unknown;

/** What the supervisor needs of a clock. */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are used). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer; a timer already fired or cancelled is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to: for tests of back-off, intensity,
 * readiness and heartbeat timings without sleeping.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@drove/supervisor/clock';
 * const clock = new ManualClock();
 * const supervisor = new Supervisor({ clock, children: [spec] });
 * clock.advance(1000); // fires every timer due within the next second, in order
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer: ManualTimer = { id: this.#nextId++, dueAt: this.#now + Math.max(0, ms), callback };
    this.#timers.set(timer.id, timer);
    return timer.id;
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer as number);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due, or `undefined` when none is set. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const timer of this.#timers.values()) if (next === undefined || timer.dueAt < next) next = timer.dueAt;
    return next;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in order
   * of due time (timers a callback sets are fired too when they fall due).
   */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.#timers.values()) {
        if (timer.dueAt <= target && (!next || timer.dueAt < next.dueAt || (timer.dueAt === next.dueAt && timer.id < next.id))) {
          next = timer;
        }
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.dueAt);
      next.callback();
    }
    this.#now = target;
  }

  /** Moves time to `at` (never backwards), firing what falls due. */
  advanceTo(at: number): void {
    if (at > this.#now) this.advance(at - this.#now);
  }
}
