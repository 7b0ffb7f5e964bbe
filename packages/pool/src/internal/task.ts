import type { Transferable } from 'node:worker_threads';
import { unwatchAbort, watchAbort as watchSignal } from './abort-watch.js';
import type { PoolWorker } from './pool-worker.js';

/** Progress a worker reported for a task. */
export type ProgressListener = (value: unknown, message: string | undefined) => void;

/** One call of `run()`, from the queue to its settlement. */
export class Task {
  readonly id: number;
  readonly handler: string;
  readonly payload: unknown;
  readonly transfer: readonly Transferable[] | undefined;
  readonly timeoutMs: number;
  readonly onProgress: ProgressListener | undefined;
  readonly signal: AbortSignal | undefined;
  /** A task of a lease: it runs on that worker or not at all. */
  readonly bound: PoolWorker | undefined;
  retriesLeft: number;
  readonly enqueuedAt: number;
  worker: PoolWorker | undefined;
  /** Its sequence number on `worker`. */
  seq = 0;
  dispatchedAt = 0;
  timer: NodeJS.Timeout | undefined;
  /** Its worker died with it and others in flight, and the culprit is unknown: run it alone. */
  suspect = false;
  /** Its envelope reached its worker's channel (a write that failed, as to a process already dead, never did). */
  written = false;
  settled = false;
  readonly promise: Promise<unknown>;
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  /** Its watch of the caller's signal (see abort-watch.ts), while the task is unsettled. */
  #abortWatch: number | undefined;

  constructor(init: {
    id: number;
    handler: string;
    payload: unknown;
    transfer: readonly Transferable[] | undefined;
    timeoutMs: number;
    onProgress: ProgressListener | undefined;
    signal: AbortSignal | undefined;
    retries: number;
    bound: PoolWorker | undefined;
    now: number;
  }) {
    this.id = init.id;
    this.handler = init.handler;
    this.payload = init.payload;
    this.transfer = init.transfer;
    this.timeoutMs = init.timeoutMs;
    this.onProgress = init.onProgress;
    this.signal = init.signal;
    this.retriesLeft = init.retries;
    this.bound = init.bound;
    this.enqueuedAt = init.now;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Calls `onAbort` once if the caller's signal fires before the task settles. */
  watchAbort(onAbort: () => void): void {
    if (!this.signal) return;
    this.#abortWatch = watchSignal(this.signal, onAbort);
  }

  resolve(value: unknown): void {
    if (this.#settle()) this.#resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settle()) this.#reject(error);
  }

  #settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.#abortWatch !== undefined) unwatchAbort(this.signal!, this.#abortWatch);
    return true;
  }
}
