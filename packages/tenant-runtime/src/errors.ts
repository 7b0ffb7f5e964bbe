/**
 * Every error the tenant runtime raises is a {@link TenantRuntimeError} with a
 * stable `code`. Codes are API: they are listed in the README and never
 * renamed within a major.
 *
 * @module
 */
import type { ExitReason } from './events.js';

/** The codes of {@link TenantRuntimeError}. */
export type TenantRuntimeErrorCode =
  | 'ERR_TENANT_INVALID_OPTION'
  | 'ERR_TENANT_INVALID_KEY'
  | 'ERR_TENANT_ENTRY_OUTSIDE_ROOT'
  | 'ERR_TENANT_NOT_FOUND'
  | 'ERR_TENANT_BACKOFF'
  | 'ERR_TENANT_DRAINING'
  | 'ERR_TENANT_NOT_READY'
  | 'ERR_TENANT_EXITED'
  | 'ERR_TENANT_DISPOSED'
  | 'ABORT_ERR';

/** Options of every {@link TenantRuntimeError}. */
export interface TenantRuntimeErrorOptions {
  cause?: unknown;
}

/**
 * The base class of the tenant runtime's errors.
 *
 * @example
 * ```ts
 * import { TenantRuntimeError } from '@drove/tenant-runtime';
 * try { await runtime.ensure(key); } catch (error) {
 *   if (error instanceof TenantRuntimeError && error.code === 'ERR_TENANT_BACKOFF') retryLater();
 * }
 * ```
 */
export class TenantRuntimeError extends Error {
  override name: string = 'TenantRuntimeError';
  readonly code: TenantRuntimeErrorCode;

  constructor(code: TenantRuntimeErrorCode, message: string, options: TenantRuntimeErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
  }

  /** A plain form for logs and for crossing a thread or process. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, stack: this.stack, cause: this.cause };
  }
}

/** An option was invalid; the message names the option, what it expects and what it got. */
export class InvalidOptionError extends TenantRuntimeError {
  override name = 'InvalidOptionError' as const;
  constructor(message: string, options: TenantRuntimeErrorOptions = {}) {
    super('ERR_TENANT_INVALID_OPTION', message, options);
  }
}

/**
 * A tenant key was refused: it does not match the key pattern, or its
 * directory resolves (through symlinks) outside the tenants' root. Nothing
 * was spawned.
 */
export class InvalidTenantKeyError extends TenantRuntimeError {
  override name = 'InvalidTenantKeyError' as const;
  /** The refused key, quoted safely (control characters escaped, cut at 80 characters). */
  readonly key: string;
  constructor(key: string, why: string) {
    const quoted = quoteKey(key);
    super('ERR_TENANT_INVALID_KEY', `Tenant key ${quoted} is refused: ${why}`);
    this.key = quoted;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key };
  }
}

/**
 * A tenant's entry file (or a folder on its way) resolves, once symlinks are
 * followed, outside the tenants root: a tenant cannot make the runtime run a
 * file it does not own. Nothing was spawned.
 */
export class TenantEntryOutsideRootError extends TenantRuntimeError {
  override name = 'TenantEntryOutsideRootError' as const;
  readonly key: string;
  /** The entry as configured, and where it resolved. */
  readonly entry: string;
  readonly resolved: string;
  constructor(key: string, entry: string, resolved: string) {
    super('ERR_TENANT_ENTRY_OUTSIDE_ROOT', `Tenant "${key}" is refused: its entry ${entry} resolves to ${resolved}, outside the tenants root`);
    this.key = key;
    this.entry = entry;
    this.resolved = resolved;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, entry: this.entry, resolved: this.resolved };
  }
}

/** The key is valid but the root has no directory for it. */
export class TenantNotFoundError extends TenantRuntimeError {
  override name = 'TenantNotFoundError' as const;
  readonly key: string;
  constructor(key: string, directory: string, options: TenantRuntimeErrorOptions = {}) {
    super('ERR_TENANT_NOT_FOUND', `Tenant "${key}" has no directory (looked for ${directory})`, options);
    this.key = key;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key };
  }
}

/**
 * The key's recent starts failed: `ensure()` refuses it until the back-off
 * window is over (`retryAfterMs`), or, once `maxFailures` starts failed in a
 * row, until `clearBackoff(key)` (`retryAfterMs` is `null`).
 */
export class TenantBackoffError extends TenantRuntimeError {
  override name = 'TenantBackoffError' as const;
  readonly key: string;
  /** Consecutive failed starts so far. */
  readonly attempt: number;
  /** How long until a start is tried again; `null` when the key is refused until `clearBackoff()`. */
  readonly retryAfterMs: number | null;

  constructor(key: string, attempt: number, retryAfterMs: number | null, lastError: Error | undefined) {
    const when =
      retryAfterMs === null
        ? `it failed to start ${attempt} times in a row and is refused until clearBackoff("${key}")`
        : `it is backing off after ${attempt} failed start(s); retry in ${retryAfterMs} ms`;
    super('ERR_TENANT_BACKOFF', `Tenant "${key}" was not started: ${when}`, lastError ? { cause: lastError } : {});
    this.key = key;
    this.attempt = attempt;
    this.retryAfterMs = retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, attempt: this.attempt, retryAfterMs: this.retryAfterMs };
  }
}

/** The tenant did not report ready within `readyTimeoutMs`; it was stopped. */
export class TenantNotReadyError extends TenantRuntimeError {
  override name = 'TenantNotReadyError' as const;
  readonly key: string;
  readonly timeoutMs: number;
  constructor(key: string, timeoutMs: number, options: TenantRuntimeErrorOptions = {}) {
    super('ERR_TENANT_NOT_READY', `Tenant "${key}" did not become ready within ${timeoutMs} ms; it was stopped`, options);
    this.key = key;
    this.timeoutMs = timeoutMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, timeoutMs: this.timeoutMs };
  }
}

/** What a {@link TenantExitedError} knows of the exit. */
export interface TenantExitFacts {
  key: string;
  pid: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
  /** The last lines the tenant wrote to stderr (a few, each cut to 500 characters). */
  stderrTail: readonly string[];
}

/**
 * The tenant's process ended before it was ready: it exited by itself (its
 * exit code and last stderr lines are attached), or it was stopped by
 * `kill()`, `restart()` or eviction while starting (`reason`).
 */
export class TenantExitedError extends TenantRuntimeError {
  override name = 'TenantExitedError' as const;
  readonly key: string;
  readonly pid: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly reason: ExitReason;
  readonly stderrTail: readonly string[];

  constructor(facts: TenantExitFacts, options: TenantRuntimeErrorOptions = {}) {
    const how = facts.signal ? `was killed by ${facts.signal}` : `exited with code ${facts.exitCode}`;
    const tail = facts.stderrTail.length > 0 ? `; its last stderr lines:\n${facts.stderrTail.join('\n')}` : '';
    super('ERR_TENANT_EXITED', `Tenant "${facts.key}" ${how} before it was ready (${facts.reason})${tail}`, options);
    this.key = facts.key;
    this.pid = facts.pid;
    this.exitCode = facts.exitCode;
    this.signal = facts.signal;
    this.reason = facts.reason;
    this.stderrTail = facts.stderrTail;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      key: this.key,
      pid: this.pid,
      exitCode: this.exitCode,
      signal: this.signal,
      reason: this.reason,
      stderrTail: this.stderrTail,
    };
  }
}

/** The runtime was disposed: before the call, or while the call waited. */
export class TenantDisposedError extends TenantRuntimeError {
  override name = 'TenantDisposedError' as const;
  constructor(message = 'The tenant runtime has been disposed') {
    super('ERR_TENANT_DISPOSED', message);
  }
}

/** The runtime is draining: it starts no tenant (running ones are still served). */
export class TenantDrainingError extends TenantRuntimeError {
  override name = 'TenantDrainingError' as const;
  readonly key: string;
  constructor(key: string) {
    super('ERR_TENANT_DRAINING', `Tenant "${key}" was not started: the runtime is draining`);
    this.key = key;
  }
}

/** The caller's signal aborted the call. Its `cause` is the signal's reason. */
export class AbortError extends TenantRuntimeError {
  override name = 'AbortError' as const;
  constructor(message = 'The operation was aborted', options: TenantRuntimeErrorOptions = {}) {
    super('ABORT_ERR', message, options);
  }
}

function quoteKey(key: unknown): string {
  if (typeof key !== 'string') return `(${typeof key})`;
  const cut = key.length > 80 ? `${key.slice(0, 80)}…` : key;
  return JSON.stringify(cut);
}
