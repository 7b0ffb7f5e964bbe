/**
 * Every error the pool raises is a {@link PoolError} with a stable `code`.
 * Codes are API: they are listed in the README and never renamed within a major.
 */
export type PoolErrorCode =
  | 'ERR_POOL_INVALID_OPTION'
  | 'ERR_POOL_CLOSED'
  | 'ERR_POOL_DESTROYED'
  | 'ERR_POOL_QUEUE_FULL'
  | 'ERR_POOL_TASK_TIMEOUT'
  | 'ERR_POOL_WORKER_EXITED'
  | 'ERR_POOL_WORKER_INIT'
  | 'ERR_POOL_UNCLONEABLE'
  | 'ERR_POOL_UNKNOWN_HANDLER'
  | 'ERR_POOL_LEASE_RELEASED'
  | 'ERR_POOL_BAD_WORKER_MODULE'
  | 'ERR_POOL_NO_PARENT'
  | 'ERR_POOL_SOCKET'
  | 'ABORT_ERR';

/** Options of every {@link PoolError}: the cause it wraps and facts to attach. */
export interface PoolErrorOptions {
  cause?: unknown;
}

/**
 * The base class of the pool's errors.
 *
 * @example
 * ```ts
 * import { PoolError } from '@drove/pool';
 * try { await pool.run(1); } catch (error) {
 *   if (error instanceof PoolError && error.code === 'ERR_POOL_QUEUE_FULL') retryLater();
 * }
 * ```
 */
export class PoolError extends Error {
  override name: string = 'PoolError';
  readonly code: PoolErrorCode;

  constructor(code: PoolErrorCode, message: string, options: PoolErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
  }

  /** A plain form for logs and for crossing a thread or process. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, stack: this.stack, cause: this.cause };
  }
}

/** Options were invalid; the message names the option, what it expects and what it got. */
export class InvalidOptionError extends PoolError {
  override name = 'InvalidOptionError' as const;
  constructor(message: string) {
    super('ERR_POOL_INVALID_OPTION', message);
  }
}

/** How a worker ended: its exit code, or the signal that killed it. */
export interface WorkerExit {
  workerId: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** The worker running a task exited before the task settled. */
export class WorkerExitedError extends PoolError {
  override name = 'WorkerExitedError' as const;
  readonly workerId: number;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;

  constructor(exit: WorkerExit, options: PoolErrorOptions = {}) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    super('ERR_POOL_WORKER_EXITED', `Worker ${exit.workerId} ${how} while running the task`, options);
    this.workerId = exit.workerId;
    this.exitCode = exit.exitCode;
    this.signal = exit.signal;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), workerId: this.workerId, exitCode: this.exitCode, signal: this.signal };
  }
}

/** A task ran longer than its `timeoutMs`; its worker was stopped and replaced. */
export class TaskTimeoutError extends PoolError {
  override name = 'TaskTimeoutError' as const;
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('ERR_POOL_TASK_TIMEOUT', `Task did not finish within ${timeoutMs} ms; its worker was stopped`);
    this.timeoutMs = timeoutMs;
  }
}

/** A worker's `init` failed (or its module could not be loaded); carries the worker's own error as `cause`. */
export class WorkerInitError extends PoolError {
  override name = 'WorkerInitError' as const;
  constructor(message: string, options: PoolErrorOptions = {}) {
    super('ERR_POOL_WORKER_INIT', message, options);
  }
}

/**
 * The operation was aborted through its `AbortSignal`. Its `cause` is the signal's reason.
 * Named `AbortError` like the DOM's and Node's, with Node's code `ABORT_ERR`.
 */
export class AbortError extends PoolError {
  override name = 'AbortError' as const;
  constructor(message = 'The operation was aborted', options: PoolErrorOptions = {}) {
    super('ABORT_ERR', message, options);
  }
}

/** Error classes that rebuild by name when an error crosses back from a worker. */
export const poolErrorClasses = {
  PoolError,
  InvalidOptionError,
  WorkerExitedError,
  TaskTimeoutError,
  WorkerInitError,
  AbortError,
} as const;
