import { setMaxListeners } from 'node:events';
import { AbortError } from '@drove/pool';

// `@drove/pool` keeps its map stream internal; this is the same contract
// (bounded look-ahead, ordered or as finished, settle, early exit aborts) for
// tasks whose workers are other machines.

/** One item's outcome, with its input and its position in the input. */
export type Settled<T, R> =
  | { status: 'fulfilled'; value: R; input: T; index: number }
  | { status: 'rejected'; reason: unknown; input: T; index: number };

export interface BoundedMapOptions {
  concurrency: number;
  ordered: boolean;
  settle: boolean;
  signal: AbortSignal | undefined;
}

/** Runs `run` over `items`, pulling an item only while fewer than `concurrency` are in flight or done but not yet taken. */
export async function* boundedMap<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  run: (item: T, signal: AbortSignal) => Promise<R>,
  options: BoundedMapOptions,
): AsyncGenerator<Settled<T, R> | R, void, undefined> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const controller = new AbortController();
  // Every item in flight listens to it: `concurrency` listeners is the design, not a leak.
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Map<number, Settled<T, R>>();
  const finished: number[] = [];
  let wake: (() => void) | undefined;
  let pulled = 0;
  let taken = 0;
  let exhausted = false;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortError('The map was aborted', { cause: options.signal.reason });
      while (!exhausted && pulled - taken < options.concurrency) {
        const next = await iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const index = pulled++;
        const input = next.value;
        void run(input, controller.signal)
          .then(
            (value): Settled<T, R> => ({ status: 'fulfilled', value, input, index }),
            (reason: unknown): Settled<T, R> => ({ status: 'rejected', reason, input, index }),
          )
          .then((settled) => {
            done.set(index, settled);
            finished.push(index);
            wake?.();
          });
      }
      if (exhausted && taken === pulled) return;
      const index = options.ordered ? taken : finished[0];
      const settled = index === undefined ? undefined : done.get(index);
      if (settled === undefined) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      done.delete(settled.index);
      finished.splice(finished.indexOf(settled.index), 1);
      taken++;
      if (options.settle) yield settled;
      else if (settled.status === 'fulfilled') yield settled.value;
      else throw settled.reason;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (taken < pulled || !exhausted) controller.abort(new AbortError('The map was left early'));
    if (!exhausted) await iterator.return?.();
  }
}
