import { setMaxListeners } from 'node:events';
import { AbortError } from '../errors.js';
import { IdTable } from './id-table.js';
import { check } from './validate.js';

/** Options of `pool.map()`. */
export interface MapOptions<K extends string = string> {
  /** The handler each item runs through. @default 'default' */
  handler?: K;
  /** Items in flight at most; input is pulled only as results are taken. @default 2 × maxWorkers × concurrentTasksPerWorker */
  concurrency?: number;
  /** Yield results in input order (`true`) or as they finish. @default true */
  ordered?: boolean;
  /** Yield every item's outcome as a {@link Settled} instead of ending at the first failure. @default false */
  settle?: boolean;
  /** Aborting ends the stream with an `AbortError` and aborts what is in flight. */
  signal?: AbortSignal;
  /** A time limit per item. */
  timeoutMs?: number;
  /** Retries per item when its worker dies. */
  retries?: number;
}

/** One item's outcome, with its input and its position in the input. */
export type Settled<T, R> =
  | { status: 'fulfilled'; value: R; input: T; index: number }
  | { status: 'rejected'; reason: unknown; input: T; index: number };

/** How {@link mapStream} runs. */
export interface MapStreamOptions {
  /** Items in flight, or done but not yet taken, at most. */
  concurrency: number;
  /** Yield in input order (`true`) or as items finish. */
  ordered: boolean;
  /** Yield every item's {@link Settled} outcome instead of ending at the first failure. */
  settle: boolean;
  /** Aborting ends the stream with an `AbortError` and aborts what is in flight. */
  signal: AbortSignal | undefined;
}

/**
 * Maps a stream with bounded look-ahead: an item is pulled only while fewer
 * than `concurrency` items are in flight or done-but-not-yet-taken.
 */
export async function* mapStream<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  run: (item: T, signal: AbortSignal) => Promise<R>,
  options: MapStreamOptions,
): AsyncGenerator<Settled<T, R> | R, void, undefined> {
  check.count('concurrency', options.concurrency, { min: 1 });
  if (options.signal !== undefined) check.signal('signal', options.signal);
  const iterator = toIterator(items);
  const controller = new AbortController();
  // Every item in flight may listen to it: `concurrency` listeners is the design, not a leak.
  setMaxListeners(0, controller.signal);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new IdTable<Settled<T, R>>();
  const finishOrder: number[] = [];
  let wake: (() => void) | undefined;
  let pulled = 0;
  let taken = 0;
  let exhausted = false;

  const start = (item: T, index: number) => {
    run(item, controller.signal).then(
      (value) => ({ status: 'fulfilled' as const, value, input: item, index }),
      (reason: unknown) => ({ status: 'rejected' as const, reason, input: item, index }),
    ).then((settled) => {
      done.set(index, settled);
      if (!options.ordered) finishOrder.push(index);
      wake?.();
    });
  };

  try {
    for (;;) {
      if (options.signal?.aborted) throw new AbortError('The map was aborted', { cause: options.signal.reason });
      while (!exhausted && pulled - taken < options.concurrency) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        start(next.value, pulled++);
      }
      if (exhausted && taken === pulled) return;
      const index = options.ordered ? taken : finishOrder[0];
      const settled = index === undefined ? undefined : done.get(index);
      if (!settled) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      done.delete(settled.index);
      if (!options.ordered) finishOrder.shift();
      taken++;
      if (options.settle) yield settled;
      else if (settled.status === 'fulfilled') yield settled.value;
      else throw settled.reason;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    // Leaving early (break, throw, abort) cancels what is still in flight and closes the source.
    if (taken < pulled || !exhausted) controller.abort(new AbortError('The map was left early'));
    if (!exhausted) await iterator.return?.();
  }
}

type AnyIterator<T> = { next(): IteratorResult<T> | Promise<IteratorResult<T>>; return?(): unknown };

function toIterator<T>(items: Iterable<T> | AsyncIterable<T>): AnyIterator<T> {
  if (items && typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  }
  if (items && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') return (items as Iterable<T>)[Symbol.iterator]();
  return check.fail('items', 'an iterable or an async iterable', items);
}
