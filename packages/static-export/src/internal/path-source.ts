import type { ExportRun } from './export-run.js';

/**
 * A stream of paths read one at a time, from an iterator, sync or async. Its
 * `next()` answers at once when it can (a sync iterable) and with a promise
 * otherwise, so that a stream read from a generator costs no promise a path.
 */
export interface PathStream {
  next(): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>>;
  return?(value?: undefined): unknown;
}

/** Why a path stream ended early: the export was stopped, or the stream itself threw. */
export interface SourceEnd {
  error: unknown;
}

type AnyIterator = { next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>; return?(): unknown };

const done: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Whether a step is still to come (a promise) rather than here. */
export function isPending<T>(step: T | Promise<T>): step is Promise<T> {
  return typeof (step as { then?: unknown } | null)?.then === 'function';
}

/**
 * The paths to dispatch: reads the user's stream one path at a time (only as
 * fast as the dispatcher pulls), admits each through `run` (shard, safety,
 * collisions), and ends — rather than throws — when `stop` aborts or the
 * stream throws, so the paths already rendering finish and are recorded.
 * A stream error is kept in `end.error` for the caller to raise afterwards.
 */
export class AdmittedPaths implements PathStream {
  readonly #iterator: AnyIterator;
  readonly #run: ExportRun;
  readonly #stop: AbortSignal;
  readonly #end: SourceEnd;
  /** Nothing more will be read: the stream ended, threw, or was closed. */
  #over = false;
  /** The stream has ended or thrown: there is nothing to close. */
  #exhausted = false;
  /** A `next()` of an async stream is under way. */
  #waiting = false;
  /** Settles the pending step early when the export stops (one listener, not a reaction a path). */
  #interrupt: ((result: IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>>) => void) | undefined;
  readonly #onStop = () => {
    // Between two reads there is nothing to do: the next read sees the signal.
    const interrupt = this.#interrupt;
    if (!interrupt) return;
    this.#interrupt = undefined;
    interrupt(this.#close());
  };

  constructor(paths: Iterable<unknown> | AsyncIterable<unknown>, run: ExportRun, stop: AbortSignal, end: SourceEnd) {
    this.#iterator =
      typeof (paths as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
        ? (paths as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (paths as Iterable<unknown>)[Symbol.iterator]();
    this.#run = run;
    this.#stop = stop;
    this.#end = end;
    stop.addEventListener('abort', this.#onStop, { once: true });
  }

  next(): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>> {
    for (;;) {
      if (this.#over) return done;
      if (this.#stop.aborted) return this.#close();
      let step: IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
      try {
        step = this.#iterator.next();
      } catch (error) {
        return this.#fail(error);
      }
      if (isPending(step)) return this.#await(step);
      const admitted = this.#admit(step);
      if (admitted) return admitted;
    }
  }

  /** Stops reading and closes the stream (see {@link AdmittedPaths.#close}). */
  return(): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>> {
    return this.#close();
  }

  #await(step: Promise<IteratorResult<unknown>>): Promise<IteratorResult<string, unknown>> {
    this.#waiting = true;
    return new Promise<IteratorResult<string, unknown>>((resolve) => {
      this.#interrupt = resolve;
      step.then(
        (result) => {
          if (this.#interrupt !== resolve) return; // stopped meanwhile: already answered
          this.#interrupt = undefined;
          this.#waiting = false;
          const admitted = this.#admit(result);
          resolve(admitted ?? this.next());
        },
        (error: unknown) => {
          if (this.#interrupt !== resolve) return;
          this.#interrupt = undefined;
          this.#waiting = false;
          resolve(this.#fail(error));
        },
      );
    });
  }

  /** The step's path when it is admitted; `done` when the stream ended; undefined to read on. */
  #admit(step: IteratorResult<unknown>): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>> | undefined {
    if (step.done) {
      this.#exhausted = true;
      return this.#close();
    }
    return this.#run.admit(step.value as string) ? { done: false, value: step.value as string } : undefined;
  }

  #fail(error: unknown): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>> {
    this.#end.error = error;
    this.#exhausted = true;
    return this.#close();
  }

  /**
   * Reads no more. A stream that has not ended is told to close, and the end
   * is answered once it has, unless a `next()` of it is still pending: a stream
   * waiting for its next item (stdin) may never answer, so it is not waited for.
   */
  #close(): IteratorResult<string, unknown> | Promise<IteratorResult<string, unknown>> {
    if (this.#over) return done;
    this.#over = true;
    this.#stop.removeEventListener('abort', this.#onStop);
    if (this.#exhausted) return done;
    const closing = Promise.resolve()
      .then(() => this.#iterator.return?.())
      .then(
        () => done,
        () => done,
      );
    return this.#waiting ? done : closing;
  }
}
