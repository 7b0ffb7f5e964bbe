/**
 * Every error the supervisor raises is a {@link SupervisorError} with a stable
 * `code`. Codes are API: they are listed in the README and never renamed
 * within a major.
 *
 * @module
 */

/** The stable codes of {@link SupervisorError}. */
export type SupervisorErrorCode =
  | 'ERR_SUPERVISOR_INVALID_SPEC'
  | 'ERR_SUPERVISOR_GAVE_UP'
  | 'ERR_SUPERVISOR_UNKNOWN_CHILD'
  | 'ERR_SUPERVISOR_DUPLICATE_CHILD'
  | 'ERR_SUPERVISOR_CHILD_RUNNING'
  | 'ERR_SUPERVISOR_START_FAILED'
  | 'ERR_SUPERVISOR_STOPPED'
  | 'ERR_SUPERVISOR_SOCKET'
  | 'ERR_SUPERVISOR_SPARE'
  | 'ERR_SUPERVISOR_LOG'
  | 'ERR_SUPERVISOR_CONTROL'
  | 'ERR_SUPERVISOR_NOT_RUNNING'
  | 'ERR_SUPERVISOR_SYSTEMD'
  | 'ABORT_ERR';

/** Options of every {@link SupervisorError}. */
export interface SupervisorErrorOptions {
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * The base class of the supervisor's errors: a stable `code`, a literal
 * `name`, the `cause` it wraps and a plain `toJSON()`.
 *
 * @example
 * ```ts
 * import { SupervisorError } from '@drove/supervisor';
 * try { await supervisor.onStopped(); } catch (error) {
 *   if (error instanceof SupervisorError && error.code === 'ERR_SUPERVISOR_GAVE_UP') process.exitCode = 1;
 * }
 * ```
 */
export class SupervisorError extends Error {
  override name: string = 'SupervisorError';
  readonly code: SupervisorErrorCode;

  constructor(code: SupervisorErrorCode, message: string, options: SupervisorErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
  }

  /** A plain form for logs and for crossing a thread or process. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, stack: this.stack, cause: this.cause };
  }
}

/**
 * The supervisor's options or a child spec were refused. `problems` lists
 * every problem found, each naming the field, the expected form and what was
 * given: ``Expected `children[0].restart` to be one of `permanent`, `transient`, `temporary`, got `"always"` (string)``.
 */
export class InvalidSpecError extends SupervisorError {
  override name = 'InvalidSpecError' as const;
  readonly problems: readonly string[];

  constructor(problems: readonly string[], what = 'supervisor spec') {
    super(
      'ERR_SUPERVISOR_INVALID_SPEC',
      problems.length === 1 ? problems[0]! : `Invalid ${what} (${problems.length} problems):\n- ${problems.join('\n- ')}`,
    );
    this.problems = problems;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

/** What broke the restart intensity. */
export interface GaveUpDetails {
  /** The child whose exit was one restart too many. */
  child: string;
  maxRestarts: number;
  periodMs: number;
}

/**
 * More than `maxRestarts` restarts happened within `periodMs`: the supervisor
 * stopped every child and gave up, as an OTP supervisor does. `onStopped()`
 * rejects with it.
 */
export class GaveUpError extends SupervisorError {
  override name = 'GaveUpError' as const;
  readonly child: string;
  readonly maxRestarts: number;
  readonly periodMs: number;

  constructor(details: GaveUpDetails, options: SupervisorErrorOptions = {}) {
    super(
      'ERR_SUPERVISOR_GAVE_UP',
      `Gave up: more than ${details.maxRestarts} restart${details.maxRestarts === 1 ? '' : 's'} within ${details.periodMs} ms (the last one for child \`${details.child}\`); every child was stopped`,
      options,
    );
    this.child = details.child;
    this.maxRestarts = details.maxRestarts;
    this.periodMs = details.periodMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), child: this.child, maxRestarts: this.maxRestarts, periodMs: this.periodMs };
  }
}

/**
 * A child did not become ready: `reason` says how (`exited-before-ready`,
 * `readiness-timeout`, or `shutdown` when the supervisor stopped it first).
 * The child stays supervised and is restarted as its `restart` says.
 */
export class ChildStartError extends SupervisorError {
  override name = 'ChildStartError' as const;
  readonly child: string;
  readonly reason: string;

  constructor(child: string, reason: string, options: SupervisorErrorOptions = {}) {
    super('ERR_SUPERVISOR_START_FAILED', `Child \`${child}\` did not become ready (${reason})`, options);
    this.child = child;
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), child: this.child, reason: this.reason };
  }
}

/**
 * A call was aborted through its `AbortSignal`; its `cause` is the signal's
 * reason. Named `AbortError` like the DOM's and Node's, with Node's code
 * `ABORT_ERR` (as pool's `AbortError`). What the aborted call had started
 * was stopped before it rejected.
 */
export class AbortError extends SupervisorError {
  override name = 'AbortError' as const;

  constructor(message = 'The operation was aborted', options: SupervisorErrorOptions = {}) {
    super('ABORT_ERR', message, options);
  }
}
