// The `signal` of the supervisor's long-running calls: checked eagerly, and
// an abort that stops what the call started before the call rejects.
import { AbortError, InvalidSpecError } from '../errors.js';
import { Problems } from './validate.js';

/** The error a call rejects with when `signal` aborts it; the signal's reason is its cause. */
export function abortError(call: string, signal: AbortSignal): AbortError {
  return new AbortError(`${call}() was aborted`, { cause: signal.reason });
}

/** An `InvalidSpecError` when `signal` is given and is no AbortSignal. */
export function invalidSignal(signal: unknown): InvalidSpecError | undefined {
  if (signal === undefined) return undefined;
  const problems = new Problems();
  problems.signal('signal', signal);
  return problems.list.length > 0 ? new InvalidSpecError(problems.list, 'call') : undefined;
}

/**
 * Settles as `work`, unless `signal` aborts first: then `undo` stops what the
 * call started, and the call rejects with an `AbortError` once that is done.
 * The caller checks `signal.aborted` before it starts anything.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, call: string, undo: () => Promise<unknown>): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      void undo()
        .catch(() => {})
        .then(() => reject(abortError(call, signal)));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      finish();
    };
    work.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
