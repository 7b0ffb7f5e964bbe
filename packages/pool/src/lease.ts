import { EventEmitter } from 'eventemitter3';
import { PoolError } from './errors.js';
import type { PoolWorker, WorkerExitReason, WorkerHolder } from './internal/pool-worker.js';
import type { RunOptions } from './types.js';

/** What a lease needs of its pool's scheduler. @internal */
export interface LeaseHost {
  runOnLease(worker: PoolWorker, payload: unknown, options: RunOptions): Promise<unknown>;
  releaseLease(worker: PoolWorker): void;
}

/** How a leased worker ended. */
export interface LeaseExit {
  reason: WorkerExitReason;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  error: Error | undefined;
}

/** Events of a {@link Lease}. */
export interface LeaseEvents {
  /** A message of the worker's own (`ctx.send()`). */
  message: (message: unknown) => void;
  /** The leased worker died; the pool replaces it and this lease is over. */
  exit: (exit: LeaseExit) => void;
}

/**
 * One worker held exclusively, from `pool.acquire()` until {@link Lease.release}.
 * Tasks run with {@link Lease.run} go to this worker only; {@link Lease.send}
 * and the `'message'` event carry a protocol of your own.
 *
 * @example
 * ```ts
 * await using lease = await pool.acquire();
 * lease.on('message', (message) => console.log('worker says', message));
 * lease.send({ hello: 'worker' });
 * await lease.run(payload, { handler: 'step' });
 * ```
 */
export class Lease extends EventEmitter<LeaseEvents> implements WorkerHolder {
  readonly #host: LeaseHost;
  readonly #worker: PoolWorker;
  #released = false;
  #exit: LeaseExit | undefined;

  /** @internal */
  constructor(host: LeaseHost, worker: PoolWorker) {
    super();
    this.#host = host;
    this.#worker = worker;
  }

  /** The leased worker's pool id. */
  get workerId(): number {
    return this.#worker.id;
  }

  /** Its OS process id (for threads and inline workers: this process's). */
  get pid(): number | undefined {
    return this.#worker.endpoint.pid;
  }

  /** Its thread id (0 for processes). */
  get threadId(): number {
    return this.#worker.endpoint.threadId;
  }

  /** How the worker ended, if it died while leased. */
  get exit(): LeaseExit | undefined {
    return this.#exit;
  }

  /** True until released or until the worker died. */
  get active(): boolean {
    return !this.#released && this.#exit === undefined;
  }

  /** Runs a task on this worker. @throws (rejects) `ERR_POOL_LEASE_RELEASED` after release, `ERR_POOL_WORKER_EXITED` if it died. */
  run<R = unknown>(payload?: unknown, options: RunOptions = {}): Promise<R> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    return this.#host.runOnLease(this.#worker, payload, options) as Promise<R>;
  }

  /** Sends a message of your own to the worker's `onMessage`. @throws `ERR_POOL_LEASE_RELEASED`, `ERR_POOL_WORKER_EXITED` */
  send(message: unknown): void {
    const refused = this.#refusal();
    if (refused) throw refused;
    this.#worker.endpoint.send(message);
  }

  /** Gives the worker back to the pool. Idempotent; a no-op once the worker has died. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#exit === undefined) this.#host.releaseLease(this.#worker);
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  /** @internal */
  onWorkerMessage(message: unknown): void {
    this.emit('message', message);
  }

  /** @internal */
  onWorkerExit(exit: LeaseExit): void {
    if (this.#exit) return;
    this.#exit = exit;
    this.emit('exit', exit);
  }

  #refusal(): PoolError | undefined {
    if (this.#released) return new PoolError('ERR_POOL_LEASE_RELEASED', 'The lease was released');
    if (this.#exit) {
      return new PoolError('ERR_POOL_WORKER_EXITED', `The leased worker ${this.#worker.id} has exited (${this.#exit.reason})`);
    }
    return undefined;
  }
}
