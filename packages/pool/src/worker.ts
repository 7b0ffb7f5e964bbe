/**
 * The worker side: what a worker module imports. Kept apart from the pool so
 * that a worker loads nothing it does not need.
 *
 * @module
 */
import type { Transferable } from 'node:worker_threads';

/** What every worker knows about itself. */
export interface WorkerContext<S = unknown> {
  /** The pool's number for this worker (stable for its life, never reused). */
  readonly workerId: number;
  /** What `init` returned (its own DB connection, its own template engine…). */
  readonly state: S;
  /** The `initData` the pool was created with. */
  readonly initData: unknown;
  /**
   * Sends a message of your own to the pool side: it reaches the lease holding
   * this worker (`lease.on('message')`), or the pool's `'message'` event.
   */
  send(message: unknown): void;
}

/** What a handler gets with each task. */
export interface TaskContext<S = unknown> extends WorkerContext<S> {
  /** The task's id, unique within the pool. */
  readonly taskId: number;
  /** Fires when the caller aborts the task; a handler that checks it stops early. */
  readonly signal: AbortSignal;
  /** Reports progress to the caller's `onProgress`. */
  progress(value: unknown, message?: string): void;
}

/**
 * A task handler. (Declared through a method so that handlers with specific
 * payload types fit the general map: methods are bivariant in their parameters.)
 */
export type Handler<S = unknown, P = unknown, R = unknown> = {
  handle(payload: P, ctx: TaskContext<S>): R | Promise<R>;
}['handle'];

/** Named handlers; `default` serves `run()` calls that name none. */
export type HandlerMap = Record<string, Handler<never, never, unknown>>;

/** What {@link defineWorker} takes. */
export interface WorkerSpec<S, H extends Record<string, Handler<NoInfer<S>, never, unknown>>, I = unknown> {
  /**
   * Runs once per worker before it reports ready; what it returns is
   * `ctx.state` in every handler (its type follows what `init` returns). A
   * throw fails the worker's start: `pool.ready()` and waiting tasks reject
   * with this error's message and stack. `initData` is the pool's `initData`:
   * annotate the parameter (`init: (data: { rounds: number }) => …`) to type it.
   */
  init?: (initData: I, worker: { workerId: number }) => S | Promise<S>;
  /**
   * The task handlers, by name. Each gets `(payload, ctx)` with `ctx.state`
   * typed from `init`; an unannotated payload is `unknown`. (The intersection
   * gives unannotated handlers their parameter types while `H` keeps each
   * handler's own.)
   */
  handlers: H & Record<string, Handler<NoInfer<S>, unknown, unknown>>;
  /** Messages of your own from the pool side (`lease.send()`), outside any task. */
  onMessage?: (message: unknown, ctx: WorkerContext<S>) => void;
  /** Runs once when the pool stops the worker gracefully: close what `init` opened. */
  destroy?: (state: S) => void | Promise<void>;
}

/** The brand that tells a worker definition from any other export. */
export const workerDefinitionBrand: unique symbol = Symbol.for('drove.pool.worker-definition');

/** A worker module's definition, as {@link defineWorker} returns it. */
export interface WorkerDefinition<S = unknown, H extends HandlerMap = HandlerMap, I = unknown> {
  readonly [workerDefinitionBrand]: true;
  init?: (initData: I, worker: { workerId: number }) => S | Promise<S>;
  handlers: H;
  onMessage?: (message: unknown, ctx: WorkerContext<S>) => void;
  destroy?: (state: S) => void | Promise<void>;
}

/**
 * The handler map of a worker definition (or a handler map itself), for typing
 * `createPool<typeof definition>()`. Matched on `handlers` alone: a definition
 * whose `init` returns state is not assignable to one of `unknown` state.
 */
export type HandlersOf<W> = W extends { handlers: infer H extends HandlerMap } ? H : W extends HandlerMap ? W : HandlerMap;

/**
 * Defines a worker module: its `init`, its handlers, its clean-up. Export the
 * result as the module's default; the same module serves threads, processes
 * and inline pools. A module may instead export plain functions: the default
 * export is the `default` handler and each named function a handler.
 *
 * @example
 * ```ts
 * // worker.mjs
 * import { defineWorker } from '@drove/pool/worker';
 * export default defineWorker({
 *   init: async () => ({ greeting: 'hello' }),
 *   handlers: {
 *     default: (name, ctx) => `${ctx.state.greeting} ${name}`,
 *     square: (n) => n * n,
 *   },
 * });
 * ```
 */
export function defineWorker<
  I = unknown,
  S = undefined,
  // No handlers named yet: the default must not give unannotated handlers a
  // context (a `HandlerMap` default typed their `ctx.state` as `never`).
  H extends Record<string, Handler<NoInfer<S>, never, unknown>> = Record<never, never>,
>(spec: WorkerSpec<S, H, I>): WorkerDefinition<S, H, I> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('defineWorker() expects an object');
  if (typeof spec.handlers !== 'object' || spec.handlers === null) {
    throw new TypeError('defineWorker() expects `handlers`: an object of functions');
  }
  for (const [name, handler] of Object.entries(spec.handlers)) {
    if (typeof handler !== 'function') {
      throw new TypeError(`defineWorker(): handler \`${name}\` is ${typeof handler}, expected a function`);
    }
  }
  return { ...spec, handlers: spec.handlers, [workerDefinitionBrand]: true };
}

/** Tells a worker definition made by {@link defineWorker}. */
export function isWorkerDefinition(value: unknown): value is WorkerDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[workerDefinitionBrand] === true;
}

const movedBrand: unique symbol = Symbol.for('drove.pool.moved');

/** A result to be moved, not copied, back to the pool: see {@link move}. */
export interface Moved<T> {
  readonly [movedBrand]: true;
  readonly value: T;
  readonly transfer: readonly Transferable[];
}

/**
 * Returns `value` from a handler with `transfer` moved to the pool thread
 * instead of copied (threads; processes copy). The caller receives `value`.
 *
 * @example
 * ```ts
 * import { defineWorker, move } from '@drove/pool/worker';
 * export default defineWorker({ handlers: { default: () => { const pixels = new ArrayBuffer(1 << 20); return move(pixels, [pixels]); } } });
 * ```
 */
export function move<T>(value: T, transfer: readonly Transferable[]): Moved<T> {
  return { [movedBrand]: true, value, transfer };
}

/** Tells a {@link move} wrapper. */
export function isMoved(value: unknown): value is Moved<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[movedBrand] === true;
}
