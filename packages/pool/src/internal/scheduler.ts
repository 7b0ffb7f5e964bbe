import { performance } from 'node:perf_hooks';
import type { EventEmitter } from 'eventemitter3';
import { Backoff } from '../backoff.js';
import { deserializeError, envelope, isEnvelope, type Envelope, type EnvelopeOf } from '../envelope.js';
import { AbortError, PoolError, TaskTimeoutError, WorkerExitedError, WorkerInitError } from '../errors.js';
import { Lease, type LeaseHost } from '../lease.js';
import type { ResolvedPoolOptions } from '../options.js';
import type { WorkerTelemetry } from '../telemetry.js';
import type { ExitInfo } from '../transport.js';
import type { AcquireOptions, PoolEvents, PoolStats, RunOptions } from '../types.js';
import { unwatchAbort, watchAbort } from './abort-watch.js';
import { attributeCrash } from './crash-attribution.js';
import { Deque } from './deque.js';
import { PoolWorker, type WorkerExitReason } from './pool-worker.js';
import { StatsRecorder } from './stats-recorder.js';
import { Task } from './task.js';
import { probeTelemetry } from './telemetry-probe.js';
import { check } from './validate.js';

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

interface Acquirer extends Waiter<Lease> {
  signal: AbortSignal | undefined;
  /** Its watch of `signal`, while it waits. */
  abortWatch: number | undefined;
}

/** Above this mean run time, tasks are not pipelined: a queued task must not wait behind a long one. */
const PIPELINE_MAX_RUN_MS = 0.25;
const PIPELINE_DEPTH = 64;

/** Emits one of the pool's events (the facade's `emit`). */
export type Emit = EventEmitter<PoolEvents>['emit'];

/**
 * The pool's engine: the queue, the workers, dispatch, and what happens when
 * a worker starts, finishes, fails or dies. `Pool` is its public face.
 */
export class Scheduler implements LeaseHost {
  readonly options: ResolvedPoolOptions;
  readonly #emit: Emit;
  readonly #workers: PoolWorker[] = [];
  readonly #queue = new Deque<Task>();
  #queuedLive = 0;
  #running = 0;
  #nextTaskId = 1;
  #nextWorkerId = 1;
  readonly #stats = new StatsRecorder();
  #meanRunMs = Number.POSITIVE_INFINITY;
  readonly #spawnBackoff: Backoff;
  #spawnTimer: NodeJS.Timeout | undefined;
  #spawnBlocked = false;
  #broken: Error | undefined;
  #pumpScheduled = false;
  /** Workers with envelopes queued for the next flush (an array and a flag: see {@link IdTable} on churning Sets). */
  #dirty: PoolWorker[] = [];
  readonly #readyWaiters: Waiter<void>[] = [];
  readonly #acquirers = new Deque<Acquirer>();
  readonly #drainWaiters: (() => void)[] = [];
  /** Some task was queued or running since the last 'drain'. */
  #busy = false;
  #closing = false;
  #destroyed = false;
  #closed: Promise<void> | undefined;

  constructor(options: ResolvedPoolOptions, emit: Emit) {
    this.options = options;
    this.#emit = emit;
    this.#spawnBackoff = new Backoff(this.options.spawnBackoff);
    this.#pump();
  }

  /** Resolves when `max(1, minWorkers)` workers are ready; rejects with the worker's error if they cannot start. */
  ready(): Promise<void> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    if (this.#readyCount() >= Math.max(1, this.options.minWorkers)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#readyWaiters.push({ resolve, reject });
      this.#pump();
    });
  }

  /** Queues a task; resolves or rejects as `pool.run()` documents. */
  submit(payload: unknown, options: RunOptions): Promise<unknown> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    if (this.#queuedLive >= this.options.maxQueue + this.#freeSlots()) {
      return Promise.reject(new PoolError('ERR_POOL_QUEUE_FULL', `The task queue is full (maxQueue: ${this.options.maxQueue})`));
    }
    return this.#start(payload, options, undefined);
  }

  /** Waits for a worker no one holds and leases it. */
  acquire(options: AcquireOptions = {}): Promise<Lease> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    try {
      if (options.signal !== undefined) check.signal('signal', options.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.signal?.aborted) return Promise.reject(abortErrorOf(options.signal));
    return new Promise<Lease>((resolve, reject) => {
      const acquirer: Acquirer = { resolve, reject, signal: options.signal, abortWatch: undefined };
      if (options.signal) {
        acquirer.abortWatch = watchAbort(options.signal, () => {
          acquirer.abortWatch = undefined;
          acquirer.reject(abortErrorOf(options.signal!));
          this.#schedulePump();
        });
      }
      this.#acquirers.push(acquirer);
      this.#schedulePump();
    });
  }

  /** A plain snapshot: counts, utilization, run and wait time percentiles in ms. */
  snapshot(): PoolStats {
    let starting = 0;
    let busy = 0;
    let leased = 0;
    for (const worker of this.#workers) {
      if (worker.state === 'starting') starting++;
      else if (worker.holder) leased++;
      else if (worker.inFlight.size > 0) busy++;
    }
    const elapsedMs = performance.now() - this.#stats.startedAt;
    const capacityMs = elapsedMs * this.options.maxWorkers * this.options.concurrentTasksPerWorker;
    return {
      kind: this.options.kind,
      workers: this.#workers.length,
      starting,
      busy,
      idle: this.#workers.length - starting - busy - leased,
      leased,
      queued: this.#queuedLive,
      running: this.#running - this.#queuedLive,
      completed: this.#stats.completed,
      failed: this.#stats.failed,
      utilization: capacityMs > 0 ? Math.min(1, this.#stats.runTotalMs / capacityMs) : 0,
      runTimeMs: this.#stats.runTime(),
      waitTimeMs: this.#stats.waitTime(),
      spawnFailures: this.#spawnBackoff.failures,
    };
  }

  /** Asks every started worker for its telemetry; see `pool.telemetry()`. */
  telemetry(timeoutMs: number): Promise<WorkerTelemetry[]> {
    const workers = this.#workers.filter((worker) => worker.state !== 'starting' && worker.state !== 'exited');
    return Promise.all(workers.map((worker) => probeTelemetry(worker, timeoutMs, this.options.kind)));
  }

  /** Finishes what is queued and running, then stops every worker. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#closed = (async () => {
      if (this.#running > 0) await new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
      this.#stopBackoffTimer();
      this.#failAcquirers(new PoolError('ERR_POOL_CLOSED', 'The pool was closed'));
      await Promise.all(this.#workers.map((worker) => this.#stopWorker(worker, 'closed')));
    })();
    return this.#closed;
  }

  /** Rejects everything queued and running with `ERR_POOL_DESTROYED` and stops every worker now. Idempotent. */
  destroy(): Promise<void> {
    if (this.#destroyed) return this.#closed ?? Promise.resolve();
    this.#destroyed = true;
    this.#closing = true;
    const error = new PoolError('ERR_POOL_DESTROYED', 'The pool was destroyed');
    this.#stopBackoffTimer();
    for (const task of this.#queue.drain()) this.#fail(task, error);
    this.#failAcquirers(error);
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
    const exits = this.#workers.map((worker) => {
      for (const task of worker.inFlight.values()) this.#fail(task, error);
      worker.inFlight.clear();
      return this.#killWorker(worker, 'destroyed');
    });
    // Nothing is running any more: a close() waiting for the drain goes on to its end.
    this.#running = 0;
    this.#queuedLive = 0;
    const destroyed = Promise.all(exits).then(() => undefined);
    this.#closed = destroyed;
    this.#checkDrain();
    return destroyed;
  }

  // --- LeaseHost: what a lease asks of its pool --------------------------------

  runOnLease(worker: PoolWorker, payload: unknown, options: RunOptions): Promise<unknown> {
    if (this.#destroyed) return Promise.reject(new PoolError('ERR_POOL_DESTROYED', 'The pool was destroyed'));
    return this.#start(payload, options, worker);
  }

  releaseLease(worker: PoolWorker): void {
    worker.holder = undefined;
    if (worker.inFlight.size === 0) this.#onWorkerIdle(worker);
    this.#schedulePump();
  }

  // --- tasks --------------------------------------------------------------------

  #refusal(): PoolError | Error | undefined {
    if (this.#destroyed) return new PoolError('ERR_POOL_DESTROYED', 'The pool was destroyed');
    if (this.#closing) return new PoolError('ERR_POOL_CLOSED', 'The pool is closed');
    return this.#broken;
  }

  #makeTask(payload: unknown, options: RunOptions, bound: PoolWorker | undefined): Task {
    const handler = options.handler ?? 'default';
    if (typeof handler !== 'string') check.fail('handler', 'a string', handler);
    if (options.signal !== undefined) check.signal('signal', options.signal);
    if (options.timeoutMs !== undefined) check.duration('timeoutMs', options.timeoutMs);
    if (options.retries !== undefined) check.count('retries', options.retries, { min: 0 });
    const task = new Task({
      id: this.#nextTaskId++,
      handler,
      payload,
      transfer: options.transfer,
      timeoutMs: options.timeoutMs ?? this.options.taskTimeoutMs,
      onProgress: options.onProgress,
      signal: options.signal,
      retries: bound ? 0 : (options.retries ?? this.options.retries),
      bound,
      now: performance.now(),
    });
    // An aborted signal never fires again: such a task is refused by the caller and must leave nothing on it.
    if (!task.signal?.aborted) task.watchAbort(() => this.#abort(task));
    return task;
  }

  /** Makes a task and sets it going: into the queue, or straight to the leased worker it is bound to. */
  #start(payload: unknown, options: RunOptions, bound: PoolWorker | undefined): Promise<unknown> {
    let task: Task;
    try {
      task = this.#makeTask(payload, options, bound);
    } catch (error) {
      return Promise.reject(error);
    }
    if (task.signal?.aborted) return Promise.reject(abortErrorOf(task.signal));
    this.#running++;
    this.#busy = true;
    if (bound) {
      this.#dispatch(bound, task);
      this.#flushDirty();
    } else {
      this.#queue.push(task);
      this.#queuedLive++;
      this.#schedulePump();
    }
    return task.promise;
  }

  #abort(task: Task): void {
    const error = abortErrorOf(task.signal!);
    const worker = task.worker;
    if (!worker) {
      // Still queued: it never starts; the pump skips settled tasks.
      this.#queuedLive--;
      this.#running--;
      this.#fail(task, error);
      this.#checkDrain();
      return;
    }
    this.#fail(task, error);
    worker.post(envelope('cancel', { id: task.id }));
    // A handler that ignores ctx.signal keeps its worker: after the grace, stop it.
    const timer = setTimeout(() => {
      if (worker.inFlight.get(task.id) === task) this.#killWorker(worker, 'aborted');
    }, this.options.abortGraceMs);
    timer.unref();
  }

  #fail(task: Task, error: unknown): void {
    if (task.settled) return;
    this.#stats.failed++;
    task.reject(error);
  }

  // --- dispatch -------------------------------------------------------------------

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => this.#pump());
  }

  /** Hands workers to acquirers, starts workers for the demand, then fills workers from the queue. */
  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#destroyed) return;
    this.#serveAcquirers();
    this.#spawnForDemand();
    const depth = this.#meanRunMs <= PIPELINE_MAX_RUN_MS ? PIPELINE_DEPTH : 0;
    while (this.#queue.size > 0) {
      const task = this.#queue.peek()!;
      if (task.settled) {
        this.#queue.shift();
        continue;
      }
      const worker = this.#pickWorker(task, depth);
      if (!worker) break;
      this.#queue.shift();
      this.#queuedLive--;
      this.#dispatch(worker, task);
    }
    this.#flushDirty();
  }

  #pickWorker(task: Task, depth: number): PoolWorker | undefined {
    const concurrency = this.options.concurrentTasksPerWorker;
    const limit = task.suspect ? 1 : concurrency + (task.timeoutMs > 0 ? 0 : depth);
    let best: PoolWorker | undefined;
    for (const worker of this.#workers) {
      if (worker.state !== 'ready' || worker.holder || worker.reserved || worker.exclusive) continue;
      const load = worker.inFlight.size;
      if (load >= limit || (task.suspect && load > 0)) continue;
      if (!best || load < best.inFlight.size) best = worker;
      if (load === 0) break;
    }
    return best;
  }

  #dispatch(worker: PoolWorker, task: Task): void {
    task.dispatchedAt = performance.now();
    worker.queue(task);
    if (task.suspect) worker.exclusive = true;
    if (task.timeoutMs > 0) {
      task.timer = setTimeout(() => this.#timeOut(worker, task), task.timeoutMs);
    }
    if (worker.idleTimer) {
      clearTimeout(worker.idleTimer);
      worker.idleTimer = undefined;
    }
    worker.setReferenced(true);
    if (!worker.dirty) {
      worker.dirty = true;
      this.#dirty.push(worker);
    }
  }

  #flushDirty(): void {
    // A worker queued to while flushing (a failed send freed it) goes out in the same call.
    while (this.#dirty.length > 0) {
      const dirty = this.#dirty;
      this.#dirty = [];
      for (const worker of dirty) {
        worker.dirty = false;
        for (const { task, error } of worker.flush()) {
          worker.inFlight.delete(task.id);
          if (task.suspect) worker.exclusive = false;
          this.#running--;
          this.#fail(
            task,
            new PoolError('ERR_POOL_UNCLONEABLE', `The task's payload could not be sent to the worker: ${(error as Error).message}`, {
              cause: error,
            }),
          );
          if (worker.inFlight.size === 0) this.#onWorkerIdle(worker);
        }
      }
    }
    this.#checkDrain();
  }

  #timeOut(worker: PoolWorker, task: Task): void {
    if (worker.inFlight.get(task.id) !== task) return;
    this.#fail(task, new TaskTimeoutError(task.timeoutMs));
    this.#killWorker(worker, 'timeout');
  }

  /** Task slots of serving workers that no task fills yet (not counting pipelining). */
  #freeSlots(): number {
    let free = 0;
    for (const worker of this.#workers) {
      if (worker.serving && !worker.holder && !worker.reserved) {
        free += Math.max(0, this.options.concurrentTasksPerWorker - worker.inFlight.size);
      }
    }
    return free;
  }

  // --- workers ----------------------------------------------------------------------

  #readyCount(): number {
    let ready = 0;
    for (const worker of this.#workers) if (worker.state === 'ready') ready++;
    return ready;
  }

  #spawnForDemand(): void {
    if (this.#spawnBlocked || this.#broken || this.#destroyed) return;
    const { maxWorkers, minWorkers, concurrentTasksPerWorker } = this.options;
    let serving = this.#workers.filter((worker) => worker.serving).length;
    let freeSlots = this.#freeSlots();
    const demand = this.#queuedLive + this.#acquirers.size;
    // Keep minWorkers alive, and at least one for whoever waits in ready().
    const floor = this.#closing ? 0 : Math.max(minWorkers, this.#readyWaiters.length > 0 ? 1 : 0);
    while (serving < maxWorkers && (demand > freeSlots || serving < floor)) {
      this.#spawn();
      serving++;
      freeSlots += concurrentTasksPerWorker;
    }
  }

  #spawn(): void {
    let worker: PoolWorker;
    const id = this.#nextWorkerId++;
    try {
      worker = new PoolWorker(id, this.options);
    } catch (error) {
      this.#onStartFailure(id, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#workers.push(worker);
    worker.endpoint.on('message', (message) => this.#onMessage(worker, message));
    worker.endpoint.on('exit', (exit) => this.#onExit(worker, exit));
    this.#emit('workerSpawn', { workerId: worker.id, pid: worker.endpoint.pid, threadId: worker.endpoint.threadId });
  }

  #onMessage(worker: PoolWorker, message: unknown): void {
    if (!isEnvelope(message)) {
      if (worker.holder) worker.holder.onWorkerMessage(message);
      else this.#emit('message', { workerId: worker.id, message });
      return;
    }
    this.#handle(worker, message);
    this.#pump();
  }

  #handle(worker: PoolWorker, message: Envelope): void {
    switch (message.type) {
      case 'batch':
        for (const inner of message.messages) this.#handle(worker, inner);
        return;
      case 'result':
      case 'error':
        this.#complete(worker, message);
        return;
      case 'progress':
        worker.inFlight.get(message.id)?.onProgress?.(message.value, message.message);
        return;
      case 'ready':
        this.#onReady(worker, message);
        return;
      case 'fatal':
        worker.fatalError = deserializeError(message.error);
        return;
      case 'pong': {
        const answer = worker.pings.get(message.id);
        worker.pings.delete(message.id);
        answer?.(message.telemetry);
        return;
      }
      case 'retire':
        this.#retire(worker, message.reason);
        return;
      default:
        return;
    }
  }

  #onReady(worker: PoolWorker, message: EnvelopeOf<'ready'>): void {
    if (worker.state !== 'starting') return;
    if (this.#broken) {
      // Giving up is final: a worker that finishes starting afterwards neither revives the pool
      // nor resets its failure count (both would leave callers refused by a pool that looks healthy).
      void this.#stopWorker(worker, 'gave-up');
      return;
    }
    worker.state = 'ready';
    this.#spawnBackoff.succeed();
    this.#emit('workerReady', { workerId: worker.id, pid: message.pid, threadId: message.threadId });
    if (this.#readyCount() >= Math.max(1, this.options.minWorkers)) {
      for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
    }
    if (worker.inFlight.size === 0 && !worker.holder) this.#onWorkerIdle(worker);
  }

  #complete(worker: PoolWorker, message: EnvelopeOf<'result'> | EnvelopeOf<'error'>): void {
    const task = worker.inFlight.get(message.id);
    if (!task) return;
    worker.inFlight.delete(message.id);
    worker.completed++;
    if (task.suspect) worker.exclusive = false;
    this.#running--;
    this.#stats.recordRun(message.runMs);
    this.#stats.recordWait(task.dispatchedAt - task.enqueuedAt);
    // A running mean with a short memory decides whether tasks are short enough to pipeline.
    this.#meanRunMs = this.#meanRunMs === Number.POSITIVE_INFINITY ? message.runMs : this.#meanRunMs * 0.9 + message.runMs * 0.1;
    if (!task.settled) {
      if (message.type === 'result') {
        this.#stats.completed++;
        task.resolve(message.value);
      } else {
        this.#fail(task, deserializeError(message.error));
      }
    }
    if (worker.completed >= this.options.maxTasksPerWorker) this.#retire(worker, 'recycled');
    if (worker.inFlight.size === 0) this.#onWorkerIdle(worker);
  }

  #onWorkerIdle(worker: PoolWorker): void {
    // A leased worker is the lease's until released, even when due for retirement.
    if (worker.holder) return;
    if (worker.state === 'retiring') {
      void this.#stopWorker(worker, worker.stopReason ?? 'recycled');
      return;
    }
    if (worker.state !== 'ready') return;
    worker.setReferenced(false);
    const { idleTimeoutMs, minWorkers } = this.options;
    if (worker.idleTimer || this.#workers.length <= minWorkers || idleTimeoutMs === Number.POSITIVE_INFINITY) return;
    worker.idleTimer = setTimeout(() => {
      worker.idleTimer = undefined;
      const serving = this.#workers.filter((w) => w.serving).length;
      if (worker.state === 'ready' && worker.inFlight.size === 0 && !worker.holder && serving > minWorkers) {
        void this.#stopWorker(worker, 'idle');
      }
    }, idleTimeoutMs);
    worker.idleTimer.unref();
  }

  #retire(worker: PoolWorker, reason: WorkerExitReason): void {
    if (worker.state !== 'ready') return;
    worker.state = 'retiring';
    worker.stopReason = reason;
    if (worker.inFlight.size === 0 && !worker.holder) void this.#stopWorker(worker, reason);
    this.#schedulePump();
  }

  /** Asks a worker to finish and exit; kills it if it has not within `shutdownTimeoutMs`. */
  #stopWorker(worker: PoolWorker, reason: WorkerExitReason): Promise<ExitInfo> {
    if (worker.state === 'exited') return worker.endpoint.exited;
    if (worker.state !== 'stopping') {
      worker.state = 'stopping';
      worker.stopReason ??= reason;
      worker.post(envelope('shutdown', {}));
    }
    return worker.endpoint.stop({ graceMs: this.options.shutdownTimeoutMs, signal: null });
  }

  #killWorker(worker: PoolWorker, reason: WorkerExitReason): Promise<ExitInfo> {
    if (worker.state !== 'exited') {
      worker.state = 'stopping';
      worker.stopReason ??= reason;
      worker.endpoint.kill();
    }
    return worker.endpoint.exited;
  }

  #onExit(worker: PoolWorker, exit: ExitInfo): void {
    const wasReady = worker.state !== 'starting';
    worker.state = 'exited';
    if (worker.idleTimer) clearTimeout(worker.idleTimer);
    this.#workers.splice(this.#workers.indexOf(worker), 1);
    if (worker.dirty) {
      worker.dirty = false;
      this.#dirty.splice(this.#dirty.indexOf(worker), 1);
    }
    for (const answer of worker.pings.values()) answer(undefined);
    worker.pings.clear();
    const error = worker.fatalError ?? exit.error;
    const reason: WorkerExitReason =
      worker.stopReason ??
      (!wasReady ? 'init-failed' : (exit.error as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'heap-limit' : 'crashed');
    this.#emit('workerExit', { workerId: worker.id, reason, exitCode: exit.exitCode, signal: exit.signal, error });
    const exitFacts = { workerId: worker.id, exitCode: exit.exitCode, signal: exit.signal };
    if (!wasReady) {
      this.#settleLost(worker, exitFacts, error, false);
      this.#onStartFailure(worker.id, error ?? new Error(`Worker exited with code ${exit.exitCode} before it was ready`));
    } else {
      const lost = this.#settleLost(worker, exitFacts, error, reason === 'crashed' || reason === 'heap-limit');
      if (!lost && (reason === 'crashed' || reason === 'heap-limit') && !this.#closing) {
        this.#emit('error', new WorkerExitedError(exitFacts, { cause: error }));
      }
    }
    if (worker.holder instanceof Lease) worker.holder.onWorkerExit({ reason, exitCode: exit.exitCode, signal: exit.signal, error });
    worker.holder = undefined;
    this.#pump();
  }

  /**
   * Settles the tasks a dead worker held. When it crashed, the task(s) it was
   * running are blamed (retried or rejected); tasks it had not started go back
   * to the front of the queue. Returns whether any task was in flight.
   */
  #settleLost(
    worker: PoolWorker,
    exit: { workerId: number; exitCode: number | null; signal: NodeJS.Signals | null },
    error: Error | undefined,
    crashed: boolean,
  ): boolean {
    const tasks = worker.inSendOrder();
    worker.inFlight.clear();
    const live = tasks.filter((task) => !task.settled);
    this.#running -= tasks.length - live.length;
    const { blamed, innocent } = crashed
      ? attributeCrash(live, worker.startedCounter?.[0], this.options.concurrentTasksPerWorker)
      : { blamed: [], innocent: live };
    for (const task of blamed) {
      if (task.bound || task.retriesLeft === 0) {
        this.#running--;
        this.#fail(task, new WorkerExitedError(exit, { cause: error }));
      } else {
        task.retriesLeft--;
        innocent.push(task);
      }
    }
    innocent.sort((a, b) => b.seq - a.seq);
    for (const task of innocent) {
      if (task.bound) {
        this.#running--;
        this.#fail(task, new WorkerExitedError(exit, { cause: error }));
        continue;
      }
      task.worker = undefined;
      if (task.timer) clearTimeout(task.timer);
      this.#queue.unshift(task);
      this.#queuedLive++;
    }
    return tasks.length > 0;
  }

  #onStartFailure(workerId: number, cause: Error): void {
    const error = new WorkerInitError(`Worker ${workerId} failed to start: ${cause.message}`, { cause });
    const delay = this.#spawnBackoff.fail();
    if (this.#readyCount() === 0) {
      // Nothing can run them: tell the callers now rather than leave them waiting for the back-off.
      for (const task of this.#queue.drain()) {
        if (task.settled) continue;
        this.#running--;
        this.#fail(task, error);
      }
      this.#queuedLive = 0;
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(error);
      this.#failAcquirers(error);
    }
    if (delay === undefined) {
      this.#broken = error;
      this.#checkDrain();
      return;
    }
    this.#spawnBlocked = true;
    this.#spawnTimer = setTimeout(() => {
      this.#spawnBlocked = false;
      this.#spawnTimer = undefined;
      this.#pump();
    }, delay);
    this.#spawnTimer.unref();
    this.#checkDrain();
  }

  #stopBackoffTimer(): void {
    if (this.#spawnTimer) clearTimeout(this.#spawnTimer);
    this.#spawnTimer = undefined;
  }

  // --- leases -------------------------------------------------------------------------

  #serveAcquirers(): void {
    if (this.#acquirers.size === 0) {
      for (const worker of this.#workers) worker.reserved = false;
      return;
    }
    while (this.#acquirers.size > 0) {
      const acquirer = this.#acquirers.peek()!;
      if (acquirer.signal?.aborted) {
        this.#acquirers.shift();
        continue;
      }
      const worker = this.#workers.find((w) => w.state === 'ready' && !w.holder && w.inFlight.size === 0);
      if (!worker) {
        // All busy and no room to grow: keep the least loaded one free of new tasks until it is idle.
        const canGrow = this.#workers.filter((w) => w.serving).length < this.options.maxWorkers;
        const anyReserved = this.#workers.some((w) => w.reserved);
        if (!canGrow && !anyReserved) {
          const candidate = this.#workers
            .filter((w) => w.state === 'ready' && !w.holder)
            .sort((a, b) => a.inFlight.size - b.inFlight.size)[0];
          if (candidate) candidate.reserved = true;
        }
        return;
      }
      this.#acquirers.shift();
      stopWatching(acquirer);
      worker.reserved = false;
      if (worker.idleTimer) {
        clearTimeout(worker.idleTimer);
        worker.idleTimer = undefined;
      }
      worker.setReferenced(true);
      const lease = new Lease(this, worker);
      worker.holder = lease;
      acquirer.resolve(lease);
    }
  }

  #failAcquirers(error: Error): void {
    for (const acquirer of this.#acquirers.drain()) {
      stopWatching(acquirer);
      acquirer.reject(error);
    }
  }

  // --- drain ---------------------------------------------------------------------------

  #checkDrain(): void {
    if (this.#running > 0) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
    if (this.#busy) {
      this.#busy = false;
      this.#emit('drain');
    }
  }
}

function abortErrorOf(signal: AbortSignal): AbortError {
  return new AbortError('The task was aborted', { cause: signal.reason });
}

function stopWatching(acquirer: Acquirer): void {
  if (acquirer.abortWatch === undefined) return;
  unwatchAbort(acquirer.signal!, acquirer.abortWatch);
  acquirer.abortWatch = undefined;
}
