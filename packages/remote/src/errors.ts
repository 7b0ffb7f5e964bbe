/**
 * Every error the remote pool raises is a {@link RemoteError} with a stable
 * `code`. Codes are API: they are listed in the README and never renamed
 * within a major. An abort rejects with `@drove/pool`'s `AbortError`
 * (`ABORT_ERR`), and a handler's own error comes back as itself, rebuilt from
 * the envelope's error form.
 */
export type RemoteErrorCode =
  | 'ERR_REMOTE_INVALID_OPTION'
  | 'ERR_REMOTE_CLOSED'
  | 'ERR_REMOTE_DESTROYED'
  | 'ERR_REMOTE_NOT_JSON'
  | 'ERR_REMOTE_CONNECTION'
  | 'ERR_REMOTE_JOB_FAILED'
  | 'ERR_REMOTE_JOB_LOST';

/** Options of every {@link RemoteError}. */
export interface RemoteErrorOptions {
  cause?: unknown;
  /** The BullMQ job id of the task the error belongs to. */
  jobId?: string | undefined;
}

/**
 * The base class of the remote pool's errors.
 *
 * @example
 * ```ts
 * import { RemoteError } from '@drove/remote';
 * try { await remote.run(1); } catch (error) {
 *   if (error instanceof RemoteError && error.code === 'ERR_REMOTE_CONNECTION') console.error('Redis is down');
 * }
 * ```
 */
export class RemoteError extends Error {
  override name: string = 'RemoteError';
  readonly code: RemoteErrorCode;
  readonly jobId: string | undefined;

  constructor(code: RemoteErrorCode, message: string, options: RemoteErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    this.jobId = options.jobId;
  }

  /** A plain form for logs and for crossing a thread, process or machine. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, jobId: this.jobId, stack: this.stack, cause: this.cause };
  }
}

/** Options were invalid; the message names the option, what it expects and what it got. */
export class InvalidRemoteOptionError extends RemoteError {
  override name = 'InvalidRemoteOptionError' as const;
  constructor(message: string) {
    super('ERR_REMOTE_INVALID_OPTION', message);
  }
}
