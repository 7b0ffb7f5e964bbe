import type { ExportRun } from './export-run.js';

type AnyIterator = { next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>; return?(): unknown };

const stoppedMark = Symbol('stopped');

/** Why a path stream ended early: the export was stopped, or the stream itself threw. */
export interface SourceEnd {
  error: unknown;
}

/**
 * The paths to dispatch: reads the user's stream one path at a time (only as
 * fast as `pool.map` pulls), admits each through `run` (shard, safety,
 * collisions), and ends — rather than throws — when `stop` aborts or the
 * stream throws, so the paths already rendering finish and are recorded.
 * A stream error is kept in `end.error` for the caller to raise afterwards.
 */
export async function* admittedPaths(
  paths: Iterable<unknown> | AsyncIterable<unknown>,
  run: ExportRun,
  stop: AbortSignal,
  end: SourceEnd,
): AsyncGenerator<string, void, undefined> {
  const iterator: AnyIterator =
    typeof (paths as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
      ? (paths as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (paths as Iterable<unknown>)[Symbol.iterator]();
  // Settles the pending `next()` early when the export stops. (Racing each step against one
  // long-lived "stopped" promise would add a reaction to it a path: memory growing with the stream.)
  let interrupt: ((mark: typeof stoppedMark) => void) | undefined;
  const onStop = () => interrupt?.(stoppedMark);
  stop.addEventListener('abort', onStop, { once: true });
  let exhausted = false;
  let pending = false;
  try {
    for (;;) {
      if (stop.aborted) return;
      let next: IteratorResult<unknown> | typeof stoppedMark;
      try {
        const step = iterator.next();
        if (step instanceof Promise) {
          pending = true;
          next = await new Promise<IteratorResult<unknown> | typeof stoppedMark>((resolve, reject) => {
            interrupt = resolve;
            step.then(resolve, reject);
          });
          interrupt = undefined;
          if (next !== stoppedMark) pending = false;
        } else {
          next = step;
        }
      } catch (error) {
        end.error = error;
        exhausted = true;
        return;
      }
      if (next === stoppedMark) return;
      if (next.done) {
        exhausted = true;
        return;
      }
      if (run.admit(next.value as string)) yield next.value as string;
    }
  } finally {
    stop.removeEventListener('abort', onStop);
    if (!exhausted) {
      // A stream still waiting for its next item (stdin) is told to close but not waited for.
      const closing = Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => undefined);
      if (!pending) await closing;
    }
  }
}
