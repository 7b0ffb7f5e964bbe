import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { threadId, type Transferable } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { envelope, isEnvelope, serializeError, type Envelope, type EnvelopeOf, type SerializedError } from '../envelope.js';
import { AbortError, PoolError } from '../errors.js';
import { defineWorker, isMoved, isWorkerDefinition, type HandlerMap, type TaskContext, type WorkerContext, type WorkerDefinition } from '../worker.js';
import { sampleSelf } from '../telemetry.js';
import { IdTable } from './id-table.js';

/** The worker's end of its channel to the pool, whatever the kind. */
export interface WorkerPort {
  post(message: unknown, transfer?: readonly Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Ends the worker (a thread or process exits; an inline worker closes its port). */
  exit(code: number): void;
}

/** What the pool tells a worker at start. */
export interface WorkerStart {
  workerId: number;
  module: string;
  initData: unknown;
  /** Tasks this worker runs at once. */
  concurrency: number;
  /** Ask to be retired once the heap passes this (0: never). */
  maxHeapUsedBytes: number;
  /** Threads only: the worker counts the tasks it has started here, so a crash is blamed exactly. */
  startedCounter?: Int32Array | undefined;
  /** Processes only: the channel carries JSON, so errors keep only what JSON carries. */
  json?: boolean | undefined;
}

type AnyHandler = (payload: unknown, ctx: TaskContext<unknown>) => unknown;

interface RunningTask {
  id: number;
  controller: AbortController | undefined;
}

/** Results are flushed at the latest this often while a long batch runs. */
const FLUSH_INTERVAL_MS = 1;
/** …or once this many are waiting, so the pool can refill the worker while it works. */
const FLUSH_COUNT = 16;
const HEAP_CHECK_INTERVAL_MS = 100;

/**
 * Loads a worker module and finds its definition: a default export made by
 * `defineWorker`, or plain exported functions.
 */
export async function loadDefinition(moduleSpecifier: string): Promise<WorkerDefinition> {
  const url = moduleSpecifier.startsWith('file:') || !isAbsolute(moduleSpecifier) ? moduleSpecifier : pathToFileURL(moduleSpecifier).href;
  const mod = (await import(url)) as Record<string, unknown>;
  if (isWorkerDefinition(mod.default)) return mod.default;
  if (isWorkerDefinition(mod.worker)) return mod.worker;
  const handlers: Record<string, AnyHandler> = {};
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value === 'function') handlers[name] = value as AnyHandler;
  }
  if (Object.keys(handlers).length === 0) {
    throw new PoolError(
      'ERR_POOL_BAD_WORKER_MODULE',
      `Worker module ${moduleSpecifier} exports no handlers: export default defineWorker({ handlers }) or export functions`,
    );
  }
  return defineWorker({ handlers: handlers as unknown as HandlerMap }) as WorkerDefinition;
}

/**
 * The loop every worker runs, thread, process or inline: init, then tasks in,
 * results out, in batches.
 */
export class WorkerRuntime {
  readonly #port: WorkerPort;
  readonly #start: WorkerStart;
  #definition!: WorkerDefinition;
  #context!: WorkerContext<unknown>;
  readonly #queue: EnvelopeOf<'task'>[] = [];
  #queueHead = 0;
  readonly #running = new IdTable<RunningTask>();
  #outbox: Envelope[] = [];
  #outboxTransfer: Transferable[] = [];
  #flushScheduled = false;
  #lastFlush = 0;
  #inMessage = false;
  #started = 0;
  #lastHeapCheck = 0;
  #retireAsked = false;
  #stopping = false;

  constructor(port: WorkerPort, start: WorkerStart) {
    this.#port = port;
    this.#start = start;
  }

  /** Loads the module, runs `init`, reports `ready` (or `fatal`), then serves. */
  async run(): Promise<void> {
    this.#port.onMessage((message) => this.#onMessage(message));
    try {
      this.#definition = await loadDefinition(this.#start.module);
      const state = await this.#definition.init?.(this.#start.initData, { workerId: this.#start.workerId });
      this.#context = {
        workerId: this.#start.workerId,
        state,
        initData: this.#start.initData,
        send: (message) => this.#port.post(message),
      };
    } catch (error) {
      this.fatal(error);
      return;
    }
    this.#port.post(envelope('ready', { pid: process.pid, threadId }));
  }

  /** Reports an error the worker cannot go on from, then exits. */
  fatal(error: unknown): void {
    try {
      this.#port.post(envelope('fatal', { error: this.#serializeError(error) }));
    } finally {
      this.#port.exit(1);
    }
  }

  #onMessage(message: unknown): void {
    if (!isEnvelope(message)) {
      this.#definition?.onMessage?.(message, this.#context);
      return;
    }
    this.#inMessage = true;
    try {
      this.#handle(message);
    } finally {
      this.#inMessage = false;
    }
    this.#flush();
  }

  #handle(message: Envelope): void {
    switch (message.type) {
      case 'batch':
        for (const inner of message.messages) this.#handle(inner);
        return;
      case 'task':
        this.#queue.push(message);
        this.#pump();
        return;
      case 'cancel':
        this.#cancel(message.id);
        return;
      case 'ping':
        this.#port.post(envelope('pong', { id: message.id, telemetry: sampleSelf(this.#running.size) }));
        return;
      case 'shutdown':
        void this.#shutdown();
        return;
      default:
        return;
    }
  }

  #pump(): void {
    while (this.#running.size < this.#start.concurrency && this.#queueHead < this.#queue.length) {
      const task = this.#queue[this.#queueHead]!;
      this.#queue[this.#queueHead++] = undefined as unknown as EnvelopeOf<'task'>;
      if (this.#queueHead === this.#queue.length) {
        this.#queue.length = 0;
        this.#queueHead = 0;
      }
      this.#startTask(task);
    }
  }

  #startTask(task: EnvelopeOf<'task'>): void {
    if (this.#start.startedCounter) this.#start.startedCounter[0] = ++this.#started;
    const running: RunningTask = { id: task.id, controller: undefined };
    this.#running.set(task.id, running);
    const handler = this.#definition.handlers[task.handler] as AnyHandler | undefined;
    const startedAt = performance.now();
    if (!handler) {
      const known = Object.keys(this.#definition.handlers).join(', ');
      this.#finish(
        running,
        startedAt,
        new PoolError('ERR_POOL_UNKNOWN_HANDLER', `Worker has no handler \`${task.handler}\` (it has: ${known})`),
        false,
      );
      return;
    }
    let outcome: unknown;
    try {
      outcome = handler(task.payload, this.#taskContext(running));
    } catch (error) {
      this.#finish(running, startedAt, error, false);
      return;
    }
    if (outcome !== null && typeof (outcome as PromiseLike<unknown>)?.then === 'function') {
      (outcome as PromiseLike<unknown>).then(
        (value) => this.#finish(running, startedAt, value, true),
        (error: unknown) => this.#finish(running, startedAt, error, false),
      );
    } else {
      this.#finish(running, startedAt, outcome, true);
    }
  }

  #taskContext(running: RunningTask): TaskContext<unknown> {
    return new RunningTaskContext(running, this.#context, this.#port);
  }

  #finish(running: RunningTask, startedAt: number, outcome: unknown, ok: boolean): void {
    if (this.#running.get(running.id) !== running) return;
    this.#running.delete(running.id);
    const runMs = performance.now() - startedAt;
    if (ok && isMoved(outcome)) {
      this.#outboxTransfer.push(...outcome.transfer);
      outcome = outcome.value;
    }
    this.#outbox.push(
      ok
        ? envelope('result', { id: running.id, value: outcome, runMs })
        : envelope('error', { id: running.id, error: this.#serializeError(outcome), runMs }),
    );
    if (this.#inMessage) {
      if (this.#outbox.length >= FLUSH_COUNT || runMs + (startedAt - this.#lastFlush) >= FLUSH_INTERVAL_MS) this.#flush();
    } else if (this.#running.size === 0 && this.#queueHead >= this.#queue.length) {
      // Nothing else is coming soon: answer now, for the best round-trip latency.
      this.#flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    if (!this.#inMessage) this.#pump();
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#lastFlush = performance.now();
    if (this.#outbox.length > 0) {
      const outbox = this.#outbox;
      const transfer = this.#outboxTransfer;
      this.#outbox = [];
      this.#outboxTransfer = [];
      this.#post(outbox, transfer);
    }
    this.#checkHeap();
    if (this.#inMessage) this.#pump();
  }

  /** Posts results; a value that cannot be cloned fails its own task, not the batch. */
  #post(messages: Envelope[], transfer: Transferable[] = []): void {
    const message = messages.length === 1 ? messages[0]! : envelope('batch', { messages });
    try {
      this.#port.post(message, transfer);
      return;
    } catch (error) {
      if (messages.length === 1) {
        const only = messages[0]!;
        if (only.type === 'result' || only.type === 'error') this.#port.post(uncloneable(only.id, only.runMs, error, this.#start.json === true));
        return;
      }
    }
    for (const one of messages) this.#post([one]);
  }

  #cancel(id: number): void {
    const running = this.#running.get(id);
    if (running) {
      running.controller ??= new AbortController();
      running.controller.abort(new AbortError('The task was aborted by its caller'));
      return;
    }
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      if (this.#queue[i]?.id === id) {
        this.#queue.splice(i, 1);
        this.#outbox.push(
          envelope('error', { id, error: this.#serializeError(new AbortError('The task was aborted before it started')), runMs: 0 }),
        );
        return;
      }
    }
  }

  #checkHeap(): void {
    const limit = this.#start.maxHeapUsedBytes;
    if (limit <= 0 || this.#retireAsked) return;
    const now = performance.now();
    if (now - this.#lastHeapCheck < HEAP_CHECK_INTERVAL_MS) return;
    this.#lastHeapCheck = now;
    const heapUsedBytes = getHeapStatistics().used_heap_size;
    if (heapUsedBytes > limit) {
      this.#retireAsked = true;
      this.#port.post(envelope('retire', { reason: 'heap-limit', heapUsedBytes }));
    }
  }

  #serializeError(error: unknown): SerializedError {
    return serializeError(error, { json: this.#start.json === true });
  }

  async #shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    try {
      await this.#definition?.destroy?.(this.#context?.state);
    } catch (error) {
      this.#port.post(envelope('fatal', { error: this.#serializeError(error) }));
    }
    this.#port.exit(0);
  }
}

function uncloneable(id: number, runMs: number, error: unknown, json: boolean): Envelope {
  const reason = error instanceof Error ? error.message : String(error);
  return envelope('error', {
    id,
    runMs,
    error: serializeError(
      new PoolError('ERR_POOL_UNCLONEABLE', `The task's result could not be sent back from the worker: ${reason}`, {
        cause: error,
      }),
      { json },
    ),
  });
}

/**
 * A task's `ctx`. A class rather than an object literal: a literal with its
 * own `get signal()` gets a hidden class of its own each time, held in the old
 * generation and pointing at that task's getter, so everything the task
 * touched survived young-generation collections (V8 copied and promoted it).
 */
class RunningTaskContext implements TaskContext<unknown> {
  readonly taskId: number;
  readonly workerId: number;
  readonly state: unknown;
  readonly initData: unknown;
  readonly send: (message: unknown) => void;
  /** Own and bound, like `send`: a handler may take it out of `ctx`. */
  readonly progress: (value: unknown, message?: string) => void;
  readonly #running: RunningTask;

  constructor(running: RunningTask, context: WorkerContext<unknown>, port: WorkerPort) {
    this.taskId = running.id;
    this.workerId = context.workerId;
    this.state = context.state;
    this.initData = context.initData;
    this.send = context.send;
    this.progress = (value, message) => port.post(envelope('progress', { id: running.id, value, message }));
    this.#running = running;
  }

  /** Most handlers never look at the signal: the controller is made when one does. */
  get signal(): AbortSignal {
    this.#running.controller ??= new AbortController();
    return this.#running.controller.signal;
  }
}
