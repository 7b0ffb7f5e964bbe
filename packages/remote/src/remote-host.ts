import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { AbortError, createPool, type Pool } from '@drove/pool';
import { jsonDataProblem, serializeError } from '@drove/pool/envelope';
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { EventEmitter } from 'eventemitter3';
import { bullmqConnection, checkConnection, describeConnection, redisClient, type Connection } from './connection.js';
import { RemoteError } from './errors.js';
import type { HostReport, RemoteHostStats } from './host-report.js';
import { HostReporter } from './internal/host-reporter.js';
import { cancelChannel, errorLogLine, type CancelMessage, type TaskData } from './internal/job-format.js';
import { check, checkQueueName } from './options.js';

/** Options of {@link createRemoteHost} (what `drove-worker` passes). `queue`, `connection` and `worker` are required. */
export interface RemoteHostOptions {
  /** The BullMQ queue to take tasks from. */
  queue: string;
  /** Redis: a `redis://` / `rediss://` URL or ioredis options. Never logged with its password. */
  connection: Connection;
  /** The worker module (`defineWorker`), a `file:` URL or a path: the same module a local pool runs. */
  worker: URL | string;
  /** BullMQ's key prefix; callers must use the same. @default 'bull' */
  prefix?: string;
  /** Workers of the local pool; with `concurrentTasksPerWorker`, the tasks this host runs at once. @default os.availableParallelism() */
  threads?: number;
  /** Where the local pool's workers run. @default 'thread' */
  kind?: 'thread' | 'process';
  /** Tasks one local worker runs at once (async handlers). @default 1 */
  concurrentTasksPerWorker?: number;
  /**
   * Tasks this host takes from the queue at once (BullMQ's `concurrency`).
   * More than its worker slots keeps the local pool busy between Redis round
   * trips (1.2–1.8× the tiny tasks a second with twice or four times the slots,
   * on the bench's loaded machine) at the cost of tasks waiting on this host
   * while another may be idle: raise it for tasks of a millisecond or less,
   * not for long ones.
   * @default threads × concurrentTasksPerWorker
   */
  concurrency?: number;
  /** Given to every local worker's `init`. */
  initData?: unknown;
  /**
   * How long a task stays this host's without a sign of life: the host
   * renews its lock on each task every half of it, and a task whose host died
   * (SIGKILL, network gone, SIGSTOP) goes back to the queue once its lock has
   * expired and a live host checks, within about twice this. BullMQ's
   * `lockDuration` and `stalledInterval`. @default 30000
   */
  stallIntervalMs?: number;
  /** Times a task may be lost by a dying host and put back before it fails for good; BullMQ's `maxStalledCount`. @default 1 */
  maxStalledCount?: number;
  /** On `close()`, how long running tasks may take to finish before they are aborted and put back in the queue for another host. @default 30000 */
  shutdownTimeoutMs?: number;
  /** How long `start()` waits for Redis before rejecting `ERR_REMOTE_CONNECTION`. @default 10000 */
  connectTimeoutMs?: number;
  /** How often the host writes its stats and its workers' telemetry to Redis, for `remote.hosts()`; 0 for never. @default 2000 */
  reportIntervalMs?: number;
}

/** Events of a host; each listener gets one object. */
export interface RemoteHostEvents {
  /** The host stopped taking tasks and waits for its running ones. */
  closing: (event: { running: number }) => void;
  /** A running task was put back in the queue for another host (a graceful stop past `shutdownTimeoutMs`). */
  returned: (event: { jobId: string }) => void;
  /** An error no task owns: Redis connection trouble, a stalled-jobs check that failed. */
  error: (error: Error) => void;
}

interface Running {
  controller: AbortController;
  cancelledByCaller: boolean;
}

/** Cancellations are remembered this long: one may arrive just before its task does. */
const rememberCancelMs = 10 * 60_000;

/**
 * One machine's share of a remote pool: takes tasks from a BullMQ queue and
 * runs them in a local `@drove/pool` of the same worker module. `drove-worker`
 * is this with a command line. Make one with {@link createRemoteHost}.
 */
export class RemoteHost extends EventEmitter<RemoteHostEvents> {
  readonly #options: RemoteHostOptions & {
    threads: number;
    stallIntervalMs: number;
    maxStalledCount: number;
    shutdownTimeoutMs: number;
    prefix: string;
    connectTimeoutMs: number;
    reportIntervalMs: number;
  };
  /** `hostname-pid-random`: this host among the queue's hosts. */
  readonly hostId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  #startedAt = 0;
  #reporter: HostReporter | undefined;
  #reporterClient: { quit(): Promise<unknown>; disconnect(): void } | undefined;
  readonly #pool: Pool;
  #worker: Worker | undefined;
  #subscriber: { quit(): Promise<unknown>; disconnect(): void } | undefined;
  readonly #running = new Map<string, Running>();
  readonly #cancelled = new Map<string, number>();
  #returning = false;
  #closing: Promise<void> | undefined;
  readonly #counts = { completed: 0, failed: 0, aborted: 0, returned: 0 };

  constructor(options: RemoteHostOptions) {
    super();
    check.keys('', options, [
      'queue', 'connection', 'worker', 'prefix', 'threads', 'kind', 'concurrentTasksPerWorker', 'concurrency', 'initData', 'stallIntervalMs', 'maxStalledCount', 'shutdownTimeoutMs',
      'connectTimeoutMs', 'reportIntervalMs',
    ]);
    check.string('queue', options.queue);
    checkQueueName(options.queue);
    checkConnection('connection', options.connection);
    const threads = options.threads ?? availableParallelism();
    check.count('threads', threads, { min: 1 });
    if (options.concurrentTasksPerWorker !== undefined) check.count('concurrentTasksPerWorker', options.concurrentTasksPerWorker, { min: 1 });
    if (options.concurrency !== undefined) check.count('concurrency', options.concurrency, { min: 1 });
    const stallIntervalMs = options.stallIntervalMs ?? 30_000;
    check.duration('stallIntervalMs', stallIntervalMs, { min: 100 });
    const maxStalledCount = options.maxStalledCount ?? 1;
    check.count('maxStalledCount', maxStalledCount, { min: 0 });
    const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    check.duration('shutdownTimeoutMs', shutdownTimeoutMs);
    const prefix = options.prefix ?? 'bull';
    check.string('prefix', prefix);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    check.duration('connectTimeoutMs', connectTimeoutMs, { min: 1 });
    const reportIntervalMs = options.reportIntervalMs ?? 2000;
    if (reportIntervalMs !== 0) check.duration('reportIntervalMs', reportIntervalMs, { min: 50 });
    this.#options = { ...options, threads, stallIntervalMs, maxStalledCount, shutdownTimeoutMs, prefix, connectTimeoutMs, reportIntervalMs };
    this.#pool = createPool({
      worker: options.worker,
      kind: options.kind ?? 'thread',
      minWorkers: threads,
      maxWorkers: threads,
      concurrentTasksPerWorker: options.concurrentTasksPerWorker ?? 1,
      initData: options.initData,
    });
    this.#pool.on('error', (error) => this.emit('error', error));
  }

  /** Starts the local pool, subscribes to cancellations, then takes tasks. Rejects if the workers cannot start or Redis cannot be reached. */
  async start(): Promise<void> {
    if (this.#worker) return;
    const { queue, connection, prefix, threads, stallIntervalMs, maxStalledCount } = this.#options;
    await this.#pool.ready();
    const concurrency = this.#options.concurrency ?? threads * (this.#options.concurrentTasksPerWorker ?? 1);
    const worker = new Worker(queue, (job, token, signal) => this.#process(job, token, signal), {
      connection: bullmqConnection(connection),
      prefix,
      concurrency,
      lockDuration: stallIntervalMs,
      stalledInterval: stallIntervalMs,
      maxStalledCount,
      autorun: false,
    });
    this.#worker = worker;
    worker.on('error', (error) => this.emit('error', new RemoteError('ERR_REMOTE_CONNECTION', `Redis at ${describeConnection(connection)}: ${error.message}`, { cause: error })));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.#options.connectTimeoutMs} ms`)), this.#options.connectTimeoutMs);
      });
      const subscriber = redisClient(connection);
      this.#subscriber = subscriber;
      // ioredis reconnects by itself; the worker's own 'error' events report trouble.
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, text: string) => this.#onCancel(text));
      await Promise.race([Promise.all([worker.waitUntilReady(), subscriber.subscribe(cancelChannel(prefix, queue))]), timeout]);
    } catch (error) {
      await this.#pool.destroy();
      await worker.close(true).catch(() => undefined);
      this.#subscriber?.disconnect();
      throw new RemoteError('ERR_REMOTE_CONNECTION', `could not reach Redis at ${describeConnection(connection)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    this.#startedAt = Date.now();
    if (this.#options.reportIntervalMs > 0) {
      const client = redisClient(connection);
      client.on('error', () => undefined);
      this.#reporterClient = client;
      this.#reporter = new HostReporter(client, { prefix, queue, hostId: this.hostId, intervalMs: this.#options.reportIntervalMs, report: () => this.report() });
      await this.#reporter.start().catch((error: unknown) => this.emit('error', new RemoteError('ERR_REMOTE_CONNECTION', 'could not write this host\'s report to Redis', { cause: error })));
    }
    void worker.run().catch((error: unknown) => this.emit('error', error instanceof Error ? error : new Error(String(error))));
  }

  /** What this host reports to Redis (and `remote.hosts()` returns): its stats and its local workers' telemetry. */
  async report(): Promise<HostReport> {
    const workers = await this.#pool.telemetry({ timeoutMs: 1000 });
    return { hostId: this.hostId, hostname: hostname(), pid: process.pid, queue: this.#options.queue, startedAt: this.#startedAt, at: Date.now(), stats: this.stats(), workers };
  }

  #onCancel(text: string): void {
    let message: CancelMessage;
    try {
      message = JSON.parse(text) as CancelMessage;
    } catch {
      return;
    }
    if (typeof message?.jobId !== 'string') return;
    const now = Date.now();
    for (const [jobId, at] of this.#cancelled) if (at < now - rememberCancelMs) this.#cancelled.delete(jobId);
    this.#cancelled.set(message.jobId, now);
    const running = this.#running.get(message.jobId);
    if (running) {
      running.cancelledByCaller = true;
      running.controller.abort(new AbortError('The caller aborted the task'));
    }
  }

  async #process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    const jobId = job.id ?? '';
    if (this.#cancelled.has(jobId)) {
      this.#counts.aborted++;
      throw new UnrecoverableError('The caller aborted the task before it started');
    }
    const data = job.data as TaskData | null;
    const running: Running = { controller: new AbortController(), cancelledByCaller: false };
    const onBullmqAbort = () => running.controller.abort(signal?.reason);
    signal?.addEventListener('abort', onBullmqAbort, { once: true });
    this.#running.set(jobId, running);
    try {
      if (typeof data !== 'object' || data === null || !('payload' in data)) {
        throw new UnrecoverableError(`Job ${jobId} is not a Drove task: its data must be { payload, timeoutMs? }`);
      }
      const result = await this.#pool.run(data.payload, {
        handler: job.name,
        signal: running.controller.signal,
        timeoutMs: typeof data.timeoutMs === 'number' ? data.timeoutMs : 0,
        onProgress: (value, message) => void job.updateProgress({ value, message }).catch(() => undefined),
      });
      const value = result === undefined ? null : result;
      const problem = jsonDataProblem(value);
      if (problem !== undefined) {
        throw new RemoteError('ERR_REMOTE_NOT_JSON', `Handler \`${job.name}\` returned what JSON cannot carry unchanged: result${problem.startsWith('the value') ? ` (${problem})` : `.${problem}`}`, { jobId });
      }
      this.#counts.completed++;
      return value;
    } catch (error) {
      // Only a task the stop aborted goes back; one that failed by itself meanwhile fails as usual.
      if (this.#returning && running.controller.signal.aborted && !running.cancelledByCaller && token !== undefined) {
        // A graceful stop past its time limit: the task goes back to the queue at once, for another host, and no attempt is spent.
        await job.moveToWait(token);
        this.#counts.returned++;
        this.emit('returned', { jobId });
        throw new WaitingError();
      }
      if (running.cancelledByCaller) {
        this.#counts.aborted++;
        throw new UnrecoverableError('The caller aborted the task');
      }
      this.#counts.failed++;
      await job.log(errorLogLine(serializeError(error, { json: true }))).catch(() => undefined);
      const code = (error as { code?: unknown } | null)?.code;
      // Retrying cannot help these: the same module and payload fail the same way on any host.
      if (code === 'ERR_POOL_UNKNOWN_HANDLER' || code === 'ERR_REMOTE_NOT_JSON' || error instanceof UnrecoverableError) {
        throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      }
      throw error instanceof Error ? error : new Error(String(error));
    } finally {
      signal?.removeEventListener('abort', onBullmqAbort);
      this.#running.delete(jobId);
    }
  }

  /** A plain, serializable snapshot: this host's tasks and its local pool's stats. */
  stats(): RemoteHostStats {
    return { queue: this.#options.queue, running: this.#running.size, ...this.#counts, pool: this.#pool.stats() };
  }

  /**
   * Stops taking tasks, lets running ones finish for up to
   * `shutdownTimeoutMs`, then aborts the rest and puts them back in the queue
   * for another host; closes the local pool and the Redis connections. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const worker = this.#worker;
    if (worker) {
      this.emit('closing', { running: this.#running.size });
      const timer = setTimeout(() => {
        this.#returning = true;
        for (const running of this.#running.values()) running.controller.abort(new AbortError('The host is stopping'));
      }, this.#options.shutdownTimeoutMs);
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
      }
      await this.#subscriber?.quit().catch(() => this.#subscriber?.disconnect());
      await this.#reporter?.stop().catch(() => undefined);
      await this.#reporterClient?.quit().catch(() => this.#reporterClient?.disconnect());
    }
    await this.#pool.close();
  }
}

/**
 * Creates a host for a remote pool; `start()` it to take tasks.
 *
 * @throws {InvalidRemoteOptionError} `ERR_REMOTE_INVALID_OPTION` for an invalid option.
 * @example
 * ```ts
 * import { createRemoteHost } from '@drove/remote';
 * const host = createRemoteHost({ queue: 'hash', connection: process.env.REDIS_URL ?? '', worker: new URL('./worker.mjs', import.meta.url), threads: 2 });
 * await host.start();
 * process.once('SIGTERM', () => void host.close());
 * ```
 */
export function createRemoteHost(options: RemoteHostOptions): RemoteHost {
  return new RemoteHost(options);
}
