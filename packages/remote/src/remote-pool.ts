import { randomBytes } from 'node:crypto';
import { AbortError, type HandlerMap, type HandlerName, type HandlersOf, type PayloadOf, type ProgressListener, type ResultOf } from '@drove/pool';
import { deserializeError, jsonDataProblem } from '@drove/pool/envelope';
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { EventEmitter } from 'eventemitter3';
import { bullmqConnection, describeConnection, redisClient } from './connection.js';
import { RemoteError } from './errors.js';
import { mapStream } from '@drove/pool/map-stream';
import type { HostReport } from './host-report.js';
import { cancelChannel, errorFromLog, type CancelMessage, type ProgressData, type TaskData } from './internal/job-format.js';
import { readHosts } from './internal/read-hosts.js';
import { check, resolveBackoff, resolveRemotePoolOptions, type RemotePoolOptions, type ResolvedRemotePoolOptions } from './options.js';
import type { RemoteMapOptions, RemotePoolEvents, RemotePoolStats, RemoteRunOptions, Settled } from './types.js';

interface PendingTask {
  jobId: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress: ProgressListener | undefined;
  /** Resolves once the job is in Redis (or adding it failed). */
  added: Promise<boolean>;
  running: boolean;
  heardAt: number;
}

/** How long finished jobs stay in Redis for a caller that missed their event (and for BullMQ dashboards). */
const keepCompleted = { age: 3600 };
const keepFailed = { age: 24 * 3600 };
/** Jobs asked about per reconciliation tick at most. */
const reconcileBatch = 200;

/**
 * A pool whose workers are other machines: tasks go to a BullMQ queue on
 * Redis, where `drove-worker` hosts take them and run the same worker module
 * in a local `@drove/pool`. Make one with {@link createRemotePool}.
 */
export class RemotePool<H extends HandlerMap = HandlerMap> extends EventEmitter<RemotePoolEvents> {
  readonly options: ResolvedRemotePoolOptions;
  readonly #queue: Queue;
  /** Made once Redis answers, reading the events stream from its newest entry then: no event of ours comes before it. */
  #events: QueueEvents | undefined;
  readonly #pending = new Map<string, PendingTask>();
  /** Job ids are this caller's own, so an event that arrives before `add()` returns still finds its task. */
  readonly #idPrefix = `drove-${randomBytes(6).toString('hex')}-`;
  #sequence = 0;
  #state: 'open' | 'closing' | 'closed' | 'destroyed' = 'open';
  #ready: Promise<void> | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconciling = false;
  /** Our own client: the events stream's newest id, cancellations. */
  #publisher: Redis | undefined;
  #drained: (() => void)[] = [];
  readonly #counts = { completed: 0, failed: 0, aborted: 0, stalled: 0, reconciled: 0 };

  constructor(options: RemotePoolOptions) {
    super();
    this.options = resolveRemotePoolOptions(options);
    const { queue, connection, prefix } = this.options;
    this.#queue = new Queue(queue, { connection: bullmqConnection(connection), prefix });
    this.#queue.on('error', (error) => this.#orphan(error));
    this.#reconcileTimer = setInterval(() => void this.#reconcile(), this.options.reconcileIntervalMs).unref();
    if (this.options.telemetryIntervalMs > 0) this.#readTelemetry(this.options.telemetryIntervalMs);
  }

  #telemetryTimer: NodeJS.Timeout | undefined;

  #readTelemetry(intervalMs: number): void {
    let reading = false;
    this.#telemetryTimer = setInterval(() => {
      // A slow read skips a tick rather than piling reads up.
      if (reading) return;
      reading = true;
      this.hosts()
        .then((hosts) => {
          if (this.#telemetryTimer) this.emit('telemetry', { hosts, at: Date.now() });
        })
        .catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))))
        .finally(() => (reading = false));
    }, intervalMs).unref();
  }

  #orphan(error: Error): void {
    this.emit('error', new RemoteError('ERR_REMOTE_CONNECTION', `Redis at ${describeConnection(this.options.connection)}: ${error.message}`, { cause: error }));
  }

  #listen(events: QueueEvents): void {
    events.on('error', (error) => this.#orphan(error));
    events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, (task) => (this.#counts.completed++, task.resolve(returnvalue))));
    events.on('failed', ({ jobId, failedReason }) => void this.#onFailed(jobId, failedReason));
    events.on('progress', ({ jobId, data }) => this.#onProgress(jobId, data));
    events.on('active', ({ jobId }) => {
      const task = this.#pending.get(jobId);
      if (task === undefined) return;
      task.running = true;
      task.heardAt = Date.now();
      this.emit('active', { jobId });
    });
    events.on('stalled', ({ jobId }) => {
      const task = this.#pending.get(jobId);
      if (task === undefined) return;
      task.running = false;
      this.#counts.stalled++;
      this.emit('stalled', { jobId });
    });
    events.on('removed', ({ jobId }) =>
      this.#settle(jobId, (task) => task.reject(new RemoteError('ERR_REMOTE_JOB_LOST', `Job ${jobId} was removed from queue ${this.options.queue} before it finished`, { jobId }))),
    );
  }

  /** Resolves when Redis answers and the pool listens to the queue's events; rejects `ERR_REMOTE_CONNECTION` after `connectTimeoutMs`. */
  ready(): Promise<void> {
    this.#ready ??= this.#connect();
    return this.#ready;
  }

  async #openEvents(): Promise<void> {
    await this.#queue.waitUntilReady();
    if (this.#events === undefined) {
      const { queue, connection, prefix } = this.options;
      // The stream's newest id now: reading from there, not from whenever the first XREAD happens to run, no event of a task added after ready() is missed.
      const newest = await this.#client().xrevrange(`${prefix}:${queue}:events`, '+', '-', 'COUNT', 1);
      const events = new QueueEvents(queue, { connection: bullmqConnection(connection), prefix, lastEventId: newest[0]?.[0] ?? '0-0' });
      this.#events = events;
      this.#listen(events);
    }
    await this.#events.waitUntilReady();
  }

  #client(): Redis {
    if (this.#publisher === undefined) {
      this.#publisher = redisClient(this.options.connection);
      // It reconnects by itself; commands that fail are reported where they are made.
      this.#publisher.on('error', () => undefined);
    }
    return this.#publisher;
  }

  async #connect(): Promise<void> {
    const { connection, connectTimeoutMs } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RemoteError('ERR_REMOTE_CONNECTION', `Redis at ${describeConnection(connection)} did not answer within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([this.#openEvents(), timeout]);
    } catch (error) {
      this.#ready = undefined;
      if (error instanceof RemoteError) throw error;
      throw new RemoteError('ERR_REMOTE_CONNECTION', `could not reach Redis at ${describeConnection(connection)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a task on whichever host takes it and resolves with what the handler
   * returned. Payload and result travel as JSON (BullMQ job data and return value).
   *
   * @throws (rejects) `ERR_REMOTE_CLOSED`, `ERR_REMOTE_DESTROYED`, `ERR_REMOTE_NOT_JSON`, `ERR_REMOTE_INVALID_OPTION`,
   * `ERR_REMOTE_CONNECTION`, `ERR_REMOTE_JOB_FAILED`, `ERR_REMOTE_JOB_LOST`, `ABORT_ERR`, the host pool's codes
   * (`ERR_POOL_TASK_TIMEOUT`, `ERR_POOL_UNKNOWN_HANDLER`…), or the handler's own error.
   */
  run<K extends HandlerName<H> = 'default' & HandlerName<H>>(payload?: PayloadOf<H[K]>, options: RemoteRunOptions<K> = {}): Promise<ResultOf<H[K]>> {
    return this.#submit(payload, options) as Promise<ResultOf<H[K]>>;
  }

  /**
   * Maps an iterable or async iterable through a handler on the hosts, with at
   * most `concurrency` tasks in the queue or done-but-not-yet-taken, so an
   * endless generator runs in constant memory. Leaving the `for await` early
   * aborts what is in flight.
   */
  map<K extends HandlerName<H> = 'default' & HandlerName<H>>(
    items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>,
    options: RemoteMapOptions<K> & { settle: true },
  ): AsyncIterable<Settled<PayloadOf<H[K]>, ResultOf<H[K]>>>;
  map<K extends HandlerName<H> = 'default' & HandlerName<H>>(
    items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>,
    options?: RemoteMapOptions<K> & { settle?: false },
  ): AsyncIterable<ResultOf<H[K]>>;
  map<K extends HandlerName<H>>(items: Iterable<PayloadOf<H[K]>> | AsyncIterable<PayloadOf<H[K]>>, options: RemoteMapOptions<K> = {}): AsyncIterable<unknown> {
    const { concurrency = this.options.concurrency, ordered = true, settle = false, signal, ...runOptions } = options;
    check.count('concurrency', concurrency, { min: 1 });
    check.boolean('ordered', ordered);
    check.boolean('settle', settle);
    if (signal !== undefined) check.signal('signal', signal);
    const iterable = items as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null;
    if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
      check.fail('items', 'an iterable or an async iterable', items);
    }
    return mapStream(items, (item, itemSignal) => this.#submit(item, { ...runOptions, signal: itemSignal }), { concurrency, ordered, settle, signal });
  }

  #submit(payload: unknown, options: RemoteRunOptions): Promise<unknown> {
    if (this.#state !== 'open') {
      const destroyed = this.#state === 'destroyed';
      return Promise.reject(
        new RemoteError(destroyed ? 'ERR_REMOTE_DESTROYED' : 'ERR_REMOTE_CLOSED', `The remote pool of queue ${this.options.queue} was ${destroyed ? 'destroyed' : 'closed'}`),
      );
    }
    let jobOptions: JobsOptions;
    let data: TaskData;
    let handler: string;
    try {
      ({ handler, data, jobOptions } = this.#job(payload, options));
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal, onProgress } = options;
    if (signal?.aborted) return Promise.reject(new AbortError('The task was aborted before it was sent', { cause: signal.reason }));
    const jobId = jobOptions.jobId ?? '';
    return new Promise((resolve, reject) => {
      let markAdded: (added: boolean) => void = () => undefined;
      const task: PendingTask = {
        jobId,
        resolve,
        reject,
        onProgress,
        added: new Promise<boolean>((done) => (markAdded = done)),
        running: false,
        heardAt: Date.now(),
      };
      this.#pending.set(jobId, task);
      if (signal) {
        const onAbort = () => {
          this.#settle(jobId, (pending) => (this.#counts.aborted++, pending.reject(new AbortError('The task was aborted', { cause: signal.reason }))));
          void this.#takeBack(task);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const detach = () => signal.removeEventListener('abort', onAbort);
        task.resolve = (value) => (detach(), resolve(value));
        task.reject = (error) => (detach(), reject(error));
      }
      this.ready()
        .then(() => this.#queue.add(handler, data, jobOptions))
        .then(
          () => markAdded(true),
          (error: unknown) => {
            markAdded(false);
            this.#settle(jobId, (pending) =>
              pending.reject(
                error instanceof RemoteError
                  ? error
                  : new RemoteError('ERR_REMOTE_CONNECTION', `could not add the task to queue ${this.options.queue}`, { cause: error, jobId }),
              ),
            );
          },
        );
    });
  }

  #job(payload: unknown, options: RemoteRunOptions): { handler: string; data: TaskData; jobOptions: JobsOptions } {
    check.keys('options', options, ['handler', 'signal', 'timeoutMs', 'onProgress', 'attempts', 'backoff']);
    const handler = options.handler ?? 'default';
    check.string('handler', handler);
    if (options.signal !== undefined) check.signal('signal', options.signal);
    if (options.onProgress !== undefined) check.function('onProgress', options.onProgress);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    check.duration('timeoutMs', timeoutMs);
    const attempts = options.attempts ?? this.options.attempts;
    check.count('attempts', attempts, { min: 1 });
    const backoff = options.backoff === undefined ? this.options.backoff : resolveBackoff('backoff', options.backoff);
    const problem = payload === undefined ? undefined : jsonDataProblem(payload);
    if (problem !== undefined) {
      throw new RemoteError('ERR_REMOTE_NOT_JSON', `A remote task's payload travels as JSON, which cannot carry it unchanged: payload${problem.startsWith('the value') ? ` (${problem})` : `.${problem}`}`);
    }
    const data: TaskData = timeoutMs > 0 ? { payload: payload ?? null, timeoutMs } : { payload: payload ?? null };
    const jobId = `${this.#idPrefix}${++this.#sequence}`;
    return {
      handler,
      data,
      jobOptions: { jobId, attempts, backoff: { type: backoff.type, delay: backoff.delayMs }, removeOnComplete: keepCompleted, removeOnFail: keepFailed },
    };
  }

  /** Takes an aborted task back: out of the queue if no host took it, else its host is told to abort it. */
  async #takeBack(task: PendingTask): Promise<void> {
    if (!(await task.added)) return;
    try {
      const removed = await this.#queue.remove(task.jobId);
      if (removed === 1) return;
      const client = this.#client();
      const message: CancelMessage = { jobId: task.jobId };
      await client.publish(cancelChannel(this.options.prefix, this.options.queue), JSON.stringify(message));
    } catch (error) {
      // The caller was already answered; a host still running the task finishes it and its result is ignored.
      this.emit('error', new RemoteError('ERR_REMOTE_CONNECTION', `could not take back aborted task ${task.jobId}`, { cause: error, jobId: task.jobId }));
    }
  }

  /** Settles a task of this caller exactly once: later events and answers about it are ignored. */
  #settle(jobId: string, settle: (task: PendingTask) => void): void {
    const task = this.#pending.get(jobId);
    if (task === undefined) return;
    this.#pending.delete(jobId);
    settle(task);
    if (this.#pending.size === 0) {
      this.emit('drain');
      for (const wake of this.#drained.splice(0)) wake();
    }
  }

  async #onFailed(jobId: string, failedReason: string): Promise<void> {
    if (!this.#pending.has(jobId)) return;
    let error: Error;
    try {
      const serialized = errorFromLog((await this.#queue.getJobLogs(jobId, 0, 0, false)).logs);
      error = serialized ? deserializeError(serialized) : new RemoteError('ERR_REMOTE_JOB_FAILED', `Job ${jobId} failed: ${failedReason}`, { jobId });
    } catch (cause) {
      error = new RemoteError('ERR_REMOTE_JOB_FAILED', `Job ${jobId} failed: ${failedReason}`, { jobId, cause });
    }
    this.#settle(jobId, (task) => (this.#counts.failed++, task.reject(error)));
  }

  #onProgress(jobId: string, data: unknown): void {
    const task = this.#pending.get(jobId);
    if (task === undefined) return;
    task.heardAt = Date.now();
    const progress = data as ProgressData | null;
    if (typeof progress === 'object' && progress !== null && 'value' in progress) task.onProgress?.(progress.value, progress.message);
    else task.onProgress?.(data, undefined);
  }

  /** Asks Redis about tasks no event spoke of for a whole interval: the events stream is trimmed, and a missed event must not leave a caller waiting. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#state === 'destroyed' || this.#state === 'closed') return;
    this.#reconciling = true;
    try {
      const quietSince = Date.now() - this.options.reconcileIntervalMs;
      const quiet = [...this.#pending.values()].filter((task) => task.heardAt <= quietSince).slice(0, reconcileBatch);
      for (const task of quiet) {
        if (!(await task.added) || !this.#pending.has(task.jobId)) continue;
        task.heardAt = Date.now();
        const state = await this.#queue.getJobState(task.jobId);
        if (state === 'completed') {
          const job = await this.#queue.getJob(task.jobId);
          if (job) this.#settle(task.jobId, (pending) => (this.#counts.completed++, this.#counts.reconciled++, pending.resolve(job.returnvalue)));
        } else if (state === 'failed') {
          const job = await this.#queue.getJob(task.jobId);
          this.#counts.reconciled++;
          await this.#onFailed(task.jobId, job?.failedReason ?? 'unknown reason');
        } else if (state === 'unknown') {
          this.#settle(task.jobId, (pending) =>
            pending.reject(new RemoteError('ERR_REMOTE_JOB_LOST', `Job ${task.jobId} is no longer in queue ${this.options.queue}`, { jobId: task.jobId })),
          );
        }
      }
    } catch (error) {
      this.emit('error', new RemoteError('ERR_REMOTE_CONNECTION', 'could not ask Redis about pending tasks', { cause: error }));
    } finally {
      this.#reconciling = false;
    }
  }

  /** A plain, serializable snapshot of this caller's tasks. */
  stats(): RemotePoolStats {
    let running = 0;
    for (const task of this.#pending.values()) if (task.running) running++;
    return { queue: this.options.queue, pending: this.#pending.size, running, ...this.#counts };
  }

  /**
   * What every live host of the queue last reported (every `reportIntervalMs`
   * of `drove-worker`, 2 s by default): its stats (tasks, and its local pool's
   * `stats()`) and its workers' telemetry. A host that died drops out three
   * intervals after its last report; one stopped gracefully at once.
   *
   * @throws (rejects) `ERR_REMOTE_CONNECTION` when Redis does not answer.
   */
  async hosts(): Promise<HostReport[]> {
    await this.ready();
    return readHosts(this.#client(), this.options.prefix, this.options.queue);
  }

  /** Resolves when nothing of this caller is pending. */
  onIdle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Refuses new tasks, waits for every pending one to settle, then closes the Redis connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'open') this.#state = 'closing';
    await this.onIdle();
    await this.#disconnect();
  }

  /**
   * Rejects every pending task with `ERR_REMOTE_DESTROYED`, takes them back
   * (out of the queue, or aborted on their hosts), then closes the Redis
   * connections. Idempotent.
   */
  async destroy(): Promise<void> {
    this.#state = 'destroyed';
    const tasks = [...this.#pending.values()];
    for (const task of tasks) {
      this.#settle(task.jobId, (pending) =>
        pending.reject(new RemoteError('ERR_REMOTE_DESTROYED', `The remote pool of queue ${this.options.queue} was destroyed`, { jobId: task.jobId })),
      );
    }
    await Promise.all(tasks.map((task) => this.#takeBack(task)));
    await this.#disconnect();
  }

  #disconnecting: Promise<void> | undefined;

  #disconnect(): Promise<void> {
    this.#disconnecting ??= (async () => {
      clearInterval(this.#reconcileTimer);
      clearInterval(this.#telemetryTimer);
      this.#telemetryTimer = undefined;
      if (this.#state !== 'destroyed') this.#state = 'closed';
      const closed = Promise.allSettled([this.#events?.close(), this.#queue.close(), this.#publisher?.quit()]);
      // A connection that never came up (or is down) cannot close politely: after a grace, cut it.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 2000)));
      if ((await Promise.race([closed, grace])) === 'late') {
        // Not awaited: a client still waiting for its first connection never reports back.
        void Promise.allSettled([this.#events?.disconnect(), this.#queue.disconnect()]);
        this.#publisher?.disconnect();
      }
      clearTimeout(timer);
    })();
    return this.#disconnecting;
  }

  /** `await using remote = createRemotePool(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a remote pool. Pass the worker definition's type to type `run()` by handler name.
 *
 * @throws {InvalidRemoteOptionError} `ERR_REMOTE_INVALID_OPTION` for an invalid option.
 * @example
 * ```ts
 * import { createRemotePool } from '@drove/remote';
 * const remote = createRemotePool<typeof import('./worker.mjs').default>({ queue: 'hash', connection: 'redis://127.0.0.1:6379' });
 * console.log(await remote.run(21, { handler: 'double' })); // 42, computed on whichever host took it
 * await remote.close();
 * ```
 */
export function createRemotePool<W extends { handlers: HandlerMap } | HandlerMap = HandlerMap>(options: RemotePoolOptions): RemotePool<HandlersOf<W>> {
  return new RemotePool(options);
}
