import { EventEmitter } from 'eventemitter3';
import { mapStream } from './internal/map-stream.js';
import { Scheduler } from './internal/scheduler.js';
import type { Lease } from './lease.js';
import { resolvePoolOptions, type PoolOptions, type ResolvedPoolOptions } from './options.js';
import type { WorkerTelemetry } from './telemetry.js';
import type {
  AcquireOptions,
  HandlerName,
  MapOptions,
  PayloadOf,
  PoolEvents,
  PoolStats,
  ResultOf,
  RunOptions,
  Settled,
} from './types.js';
import type { HandlerMap, HandlersOf } from './worker.js';

/**
 * A pool of workers (threads, processes or inline) running the handlers of one
 * worker module. Make one with {@link createPool}.
 */
export class Pool<H extends HandlerMap = HandlerMap> extends EventEmitter<PoolEvents> {
  readonly options: ResolvedPoolOptions;
  readonly #scheduler: Scheduler;
  #telemetryTimer: NodeJS.Timeout | undefined;

  constructor(options: PoolOptions) {
    super();
    this.options = resolvePoolOptions(options);
    this.#scheduler = new Scheduler(this.options, this.emit.bind(this));
    if (this.options.telemetryIntervalMs > 0) this.#sampleTelemetry(this.options.telemetryIntervalMs);
  }

  #sampleTelemetry(intervalMs: number): void {
    let sampling = false;
    this.#telemetryTimer = setInterval(() => {
      // A slow probe (workers busy in long tasks) skips a tick rather than piling probes up.
      if (sampling) return;
      sampling = true;
      // The probe's usual grace, even for short intervals: a worker still loading its modules answers late, not never.
      this.telemetry({ timeoutMs: 1000 })
        .then((workers) => {
          if (this.#telemetryTimer) this.emit('telemetry', { workers, at: Date.now() });
        })
        .catch(() => undefined)
        .finally(() => {
          sampling = false;
        });
    }, intervalMs).unref();
  }

  #stopTelemetry(): void {
    clearInterval(this.#telemetryTimer);
    this.#telemetryTimer = undefined;
  }

  /** Resolves when `max(1, minWorkers)` workers are ready; rejects with the worker's error if they cannot start. */
  ready(): Promise<void> {
    return this.#scheduler.ready();
  }

  /**
   * Runs a task on a worker and resolves with what the handler returned.
   *
   * @throws (rejects) `ERR_POOL_CLOSED`, `ERR_POOL_QUEUE_FULL`, `ERR_POOL_TASK_TIMEOUT`, `ERR_POOL_WORKER_EXITED`,
   * `ERR_POOL_WORKER_INIT`, `ERR_POOL_UNCLONEABLE`, `ERR_POOL_UNKNOWN_HANDLER`, `ERR_POOL_INVALID_OPTION`,
   * `ABORT_ERR`, or the handler's own error.
   */
  run<K extends HandlerName<H> = 'default' & HandlerName<H>>(
    payload?: PayloadOf<H[K]>,
    options: RunOptions<K> = {},
  ): Promise<ResultOf<H[K]>> {
    return this.#scheduler.submit(payload, options) as Promise<ResultOf<H[K]>>;
  }

  /**
   * Maps an iterable or async iterable through a handler with real
   * backpressure: at most `concurrency` items are pulled ahead of what the
   * consumer has taken, so an endless generator runs in constant memory.
   * Leaving the `for await` early aborts what is in flight.
   *
   * @example
   * ```ts
   * for await (const html of pool.map(paths, { handler: 'render', concurrency: 8 })) write(html);
   * ```
   */
  map<K extends HandlerName<H> = 'default' & HandlerName<H>>(
    items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>,
    options: MapOptions<K> & { settle: true },
  ): AsyncIterable<Settled<PayloadOf<H[K]>, ResultOf<H[K]>>>;
  map<K extends HandlerName<H> = 'default' & HandlerName<H>>(
    items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>,
    options?: MapOptions<K> & { settle?: false },
  ): AsyncIterable<ResultOf<H[K]>>;
  map<K extends HandlerName<H>>(
    items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>,
    options: MapOptions<K> = {},
  ): AsyncIterable<unknown> {
    const { concurrency, ordered, settle, signal, ...runOptions } = options;
    const slots = this.options.maxWorkers * this.options.concurrentTasksPerWorker;
    return mapStream(items, (item, itemSignal) => this.#scheduler.submit(item, { ...runOptions, signal: itemSignal }), {
      concurrency: concurrency ?? slots * 2,
      ordered: ordered ?? true,
      settle: settle ?? false,
      signal,
    });
  }

  /**
   * Holds one worker exclusively until `lease.release()` (or `await using`):
   * for session-style protocols with `lease.send()` and `lease.on('message')`.
   *
   * @throws (rejects) `ERR_POOL_CLOSED`, `ERR_POOL_DESTROYED`, `ERR_POOL_WORKER_INIT`, `ABORT_ERR`.
   */
  acquire(options: AcquireOptions = {}): Promise<Lease> {
    return this.#scheduler.acquire(options);
  }

  /** A plain, serializable snapshot: counts, utilization, run and wait time percentiles in ms. */
  stats(): PoolStats {
    return this.#scheduler.snapshot();
  }

  /**
   * Asks every worker for its telemetry over the envelope (ping/pong). A worker
   * busy in a long task that does not answer within `timeoutMs` is reported
   * with its last figures and `stale: true`.
   */
  telemetry({ timeoutMs = 1000 }: { timeoutMs?: number } = {}): Promise<WorkerTelemetry[]> {
    return this.#scheduler.telemetry(timeoutMs);
  }

  /** Finishes what is queued and running, then stops every worker. Idempotent. */
  close(): Promise<void> {
    this.#stopTelemetry();
    return this.#scheduler.close();
  }

  /** Rejects everything queued and running with `ERR_POOL_DESTROYED` and stops every worker now. Idempotent. */
  destroy(): Promise<void> {
    this.#stopTelemetry();
    return this.#scheduler.destroy();
  }

  /** `await using pool = createPool(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a pool. Pass the worker definition's type to type `run()` by handler name.
 *
 * @throws {InvalidOptionError} `ERR_POOL_INVALID_OPTION` for an invalid option.
 * @example
 * ```ts
 * import { createPool } from '@drove/pool';
 * const pool = createPool<typeof import('./worker.mjs').default>({ worker: new URL('./worker.mjs', import.meta.url) });
 * console.log(await pool.run(21, { handler: 'double' })); // 42
 * await pool.close();
 * ```
 */
export function createPool<W extends { handlers: HandlerMap } | HandlerMap = HandlerMap>(options: PoolOptions): Pool<HandlersOf<W>> {
  return new Pool(options);
}

