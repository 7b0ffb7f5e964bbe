/**
 * The clock Drove's packages read and set their timers with: back-off
 * delays, restart intensity, idle and readiness timeouts, heartbeats, the
 * grace of a stop. Inject a {@link ManualClock} in tests to move time by hand
 * instead of sleeping.
 *
 * @module
 */

/** A timer handle of a {@link Clock}; opaque to its users. */
export type ClockTimer = unknown;

/** Options of {@link Clock.setTimeout}. */
export interface TimerOptions {
  /** Let the process exit while this timer waits (a sweeper, not a pending restart). @default false */
  unref?: boolean;
}

/** What Drove needs of a clock. */
export interface Clock {
  /** Milliseconds since the epoch, never going backwards (only differences and timestamps are used). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number, options?: TimerOptions): ClockTimer;
  /** Cancels a timer; a timer already fired or cancelled is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/**
 * The real clock: epoch milliseconds from the monotonic `performance` clock
 * (a wall-clock step does not move it) and the global timers.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, ms, options) => {
    const timer = setTimeout(callback, ms);
    if (options?.unref) timer.unref();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to: for tests of back-off, idle,
 * readiness and heartbeat timings without sleeping.
 *
 * @example
 * ```ts
 * import { ManualClock } from '@drove/pool/clock';
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

  setTimeout(callback: () => void, ms: number, _options?: TimerOptions): ClockTimer {
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
