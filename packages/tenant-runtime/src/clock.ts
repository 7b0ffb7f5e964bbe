/**
 * The clock the runtime reads and sets its timers with: idle time, the
 * sweeper, back-off windows and the readiness timeout. Inject one in tests to
 * move time by hand instead of sleeping.
 *
 * Not covered: the grace of a stop, which `@drove/pool/transport`'s
 * `Endpoint.stop` measures with the real clock, and spawn-to-ready durations,
 * which are measured with `performance.now()`.
 *
 * @module
 */

/** A timer handle of a {@link Clock}; opaque to the runtime. */
export type ClockTimer = unknown;

/** What the runtime needs of a clock. */
export interface Clock {
  /** The current time in ms (epoch ms for the system clock; `Tenant.startedAt` and `lastTouchedAt` use it). */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Cancels a timer; a timer already fired or cancelled is ignored. */
  clearTimeout(timer: ClockTimer): void;
}

/**
 * The real clock: `Date.now()` and the global timers. Its timers are unref'd:
 * the runtime's sweeper and back-off never hold the process open.
 *
 * @example
 * ```ts
 * import { createRuntime, systemClock } from '@drove/tenant-runtime';
 * createRuntime({ source: { kind: 'directory', root: '/srv/tenants' }, clock: systemClock }); // the default
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
