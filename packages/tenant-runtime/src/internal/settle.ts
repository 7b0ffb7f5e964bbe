/** How a start's outcome reaches its callers, and which failures count against back-off. */
import { AbortError, TenantDisposedError, TenantExitedError, TenantNotFoundError, TenantRuntimeError } from '../errors.js';
import type { ExitReason } from '../events.js';

/**
 * The error the callers of a failed start see: the failure itself, unless the
 * runtime stopped the start (kill, restart, eviction, dispose), which says so.
 */
export function stoppedStartError(key: string, stopReason: ExitReason | undefined, pid: number | undefined, error: unknown): unknown {
  if (stopReason === undefined) return error;
  if (stopReason === 'disposed') return new TenantDisposedError(`Tenant "${key}" was not started: the runtime was disposed`);
  if (error instanceof TenantExitedError) return error;
  return new TenantExitedError(
    { key, pid, exitCode: null, signal: null, reason: stopReason, stderrTail: [] },
    error instanceof AbortError ? {} : { cause: error },
  );
}

/** True for the failures that count against a key's back-off: the tenant itself failed to start. */
export function isStartFailure(error: unknown): boolean {
  if (!(error instanceof TenantRuntimeError)) return true;
  if (error instanceof TenantNotFoundError) return false;
  if (error instanceof TenantExitedError) return error.reason === 'crashed' || error.reason === 'exited-clean' || error.reason === 'readiness-timeout';
  return error.code === 'ERR_TENANT_NOT_READY';
}

export function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(undefined, { cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
