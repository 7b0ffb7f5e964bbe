import type { Transferable } from 'node:worker_threads';
import type { DurationSummary } from './internal/stats-recorder.js';
import type { ProgressListener } from './internal/task.js';
import type { WorkerExitReason } from './internal/pool-worker.js';
import type { WorkerKind } from './options.js';
import type { Moved } from './worker.js';
import type { WorkerTelemetry } from './telemetry.js';

export type { WorkerExitReason } from './internal/pool-worker.js';
export type { DurationSummary } from './internal/stats-recorder.js';
export type { ProgressListener } from './internal/task.js';
export type { MapOptions, Settled } from './internal/map-stream.js';

/** The payload type a handler takes. */
export type PayloadOf<F> = F extends (payload: infer P, ...rest: never[]) => unknown ? ([P] extends [never] ? unknown : P) : unknown;
/** The result type a handler resolves to. */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? (Awaited<R> extends Moved<infer T> ? T : Awaited<R>) : unknown;
/** Handler names of a map, `'default'` first. */
export type HandlerName<H> = Extract<keyof H, string>;

/** Options of one `run()`. */
export interface RunOptions<K extends string = string> {
  /** The handler to run. @default 'default' */
  handler?: K;
  /** Aborting rejects with an `AbortError`: a queued task never starts; a running one sees `ctx.signal` fire. */
  signal?: AbortSignal;
  /** ArrayBuffers and ports moved (not copied) to the worker (threads only). */
  transfer?: readonly Transferable[];
  /** This task's time limit, overriding `taskTimeoutMs`; 0 for none. */
  timeoutMs?: number;
  /** Progress the handler reports with `ctx.progress(value, message)`. */
  onProgress?: ProgressListener;
  /** Overrides the pool's `retries` for this task. */
  retries?: number;
}

/** Options of `acquire()`. */
export interface AcquireOptions {
  /** Stop waiting for a worker: rejects with an `AbortError`. */
  signal?: AbortSignal;
}

/** A plain, serializable snapshot of a pool. */
export interface PoolStats {
  kind: WorkerKind;
  workers: number;
  /** Workers still starting. */
  starting: number;
  busy: number;
  idle: number;
  leased: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  /** Share of the workers' time spent running tasks since the pool started, 0…1. */
  utilization: number;
  runTimeMs: DurationSummary;
  waitTimeMs: DurationSummary;
  /** Consecutive failed worker starts. */
  spawnFailures: number;
}

/** Events of a pool; each listener gets one object. */
export interface PoolEvents {
  workerSpawn: (event: { workerId: number; pid: number | undefined; threadId: number }) => void;
  workerReady: (event: { workerId: number; pid: number; threadId: number }) => void;
  workerExit: (event: {
    workerId: number;
    reason: WorkerExitReason;
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    error: Error | undefined;
  }) => void;
  /** Nothing queued and nothing running. */
  drain: () => void;
  /** An error no caller owns: a worker crashed with no task in flight. */
  error: (error: Error) => void;
  /** A message of the worker's own (`ctx.send()`) from a worker no lease holds. */
  message: (event: { workerId: number; message: unknown }) => void;
  /** Every `telemetryIntervalMs`: what `telemetry()` resolves to, and when it was sampled (epoch ms). */
  telemetry: (event: { workers: WorkerTelemetry[]; at: number }) => void;
}
