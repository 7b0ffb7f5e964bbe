export { createPool, Pool } from './pool.js';
export type {
  ProgressListener,
  AcquireOptions,
  DurationSummary,
  HandlerName,
  MapOptions,
  PayloadOf,
  PoolEvents,
  PoolStats,
  ResultOf,
  RunOptions,
  Settled,
  WorkerExitReason,
} from './types.js';
export { Lease } from './lease.js';
export type { LeaseEvents, LeaseExit } from './lease.js';
export { resolvePoolOptions } from './options.js';
export type { PoolOptions, ResolvedPoolOptions, WorkerKind } from './options.js';
export {
  AbortError,
  InvalidOptionError,
  PoolError,
  TaskTimeoutError,
  WorkerExitedError,
  WorkerInitError,
} from './errors.js';
export type { PoolErrorCode, PoolErrorOptions, WorkerExit } from './errors.js';
export { defineWorker, move } from './worker.js';
export type { Handler, HandlerMap, HandlersOf, Moved, TaskContext, WorkerContext, WorkerDefinition, WorkerSpec } from './worker.js';
export type { WorkerTelemetry } from './telemetry.js';
