import { serialize } from 'node:v8';
import type { Transferable } from 'node:worker_threads';
import { envelope, type Envelope, type TelemetrySample } from '../envelope.js';
import { spawnEndpoint, type Endpoint } from '../transport.js';
import type { ResolvedPoolOptions } from '../options.js';
import { IdTable } from './id-table.js';
import { InlineEndpoint } from './inline-endpoint.js';
import type { Task } from './task.js';
import type { WorkerStart } from './worker-runtime.js';

/** Why a worker ended. */
export type WorkerExitReason =
  | 'idle'
  | 'recycled'
  | 'heap-limit'
  | 'crashed'
  | 'init-failed'
  | 'timeout'
  | 'aborted'
  | 'closed'
  | 'destroyed'
  /** It finished starting after the pool had given up on starting workers (`spawnBackoff.maxFailures`). */
  | 'gave-up';

export type WorkerState = 'starting' | 'ready' | 'retiring' | 'stopping' | 'exited';

const threadEntry = new URL('./entry/thread.cjs', import.meta.url);
const processEntry = new URL('./entry/process.cjs', import.meta.url);

/** Something holding a worker exclusively (a lease). */
export interface WorkerHolder {
  onWorkerMessage(message: unknown): void;
}

/**
 * One worker as the pool sees it: its endpoint, the tasks it holds in send
 * order, and the envelopes waiting to go out in the next batch.
 */
export class PoolWorker {
  readonly id: number;
  readonly endpoint: Endpoint;
  state: WorkerState = 'starting';
  /** Tasks sent and not yet answered, by task id ({@link PoolWorker.inSendOrder} for the order they were sent). */
  readonly inFlight = new IdTable<Task>();
  /** Sequence number of the next task sent. */
  sent = 0;
  completed = 0;
  /** Threads: how many tasks the worker has started (written by the worker). */
  readonly startedCounter: Int32Array | undefined;
  holder: WorkerHolder | undefined;
  /** Kept free for a waiting `acquire()`: no new pool tasks. */
  reserved = false;
  /** Runs a suspect task alone. */
  exclusive = false;
  stopReason: WorkerExitReason | undefined;
  fatalError: Error | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  lastSample: { sample: TelemetrySample; at: number } | undefined;
  readonly pings = new IdTable<(sample: TelemetrySample | undefined) => void>();
  /** Has envelopes queued and is listed for the scheduler's next flush. */
  dirty = false;
  #outgoing: Envelope[] = [];
  #transfer: Transferable[] = [];
  #referenced = true;

  constructor(id: number, options: ResolvedPoolOptions) {
    this.id = id;
    const concurrency = options.concurrentTasksPerWorker;
    const maxHeapUsedBytes = options.maxHeapUsedBytes;
    if (options.kind === 'thread') {
      this.startedCounter = new Int32Array(new SharedArrayBuffer(4));
      const start: WorkerStart = {
        workerId: id,
        module: options.workerUrl,
        initData: options.initData,
        concurrency,
        maxHeapUsedBytes,
        startedCounter: this.startedCounter,
      };
      this.endpoint = spawnEndpoint({
        kind: 'thread',
        entry: threadEntry,
        workerData: start,
        env: options.env,
        execArgv: options.execArgv,
        resourceLimits: options.resourceLimits,
        stdio: options.stdio,
      });
    } else if (options.kind === 'process') {
      const heapMb = options.resourceLimits?.maxOldGenerationSizeMb;
      const execArgv = [...(options.execArgv ?? process.execArgv), ...(heapMb ? [`--max-old-space-size=${heapMb}`] : [])];
      const json = options.serialization === 'json';
      this.endpoint = spawnEndpoint({
        kind: 'process',
        entry: processEntry,
        env: options.env,
        execArgv,
        stdio: options.stdio,
        serialization: options.serialization,
      });
      this.endpoint.send(
        envelope('init', {
          workerId: id,
          module: options.workerUrl,
          // JSON would change a Map or a Date in it: the init data keeps structured clone's types either way.
          ...(json
            ? { initData: undefined, encodedInitData: serialize(options.initData).toString('base64'), json }
            : { initData: options.initData }),
          concurrency,
          maxHeapUsedBytes,
        }),
      );
    } else {
      this.endpoint = new InlineEndpoint({
        workerId: id,
        module: options.workerUrl,
        initData: options.initData,
        concurrency,
        maxHeapUsedBytes,
      });
    }
  }

  /** Counts toward the pool's capacity (not leaving). */
  get serving(): boolean {
    return this.state === 'starting' || this.state === 'ready';
  }

  /** Queues a task's envelope for the next {@link PoolWorker.flush}. */
  queue(task: Task): void {
    task.worker = this;
    task.seq = this.sent++;
    task.written = false;
    this.inFlight.set(task.id, task);
    this.#outgoing.push(envelope('task', { id: task.id, handler: task.handler, payload: task.payload }));
    if (task.transfer) this.#transfer.push(...task.transfer);
  }

  /** The tasks in flight, in the order they were sent (oldest first). */
  inSendOrder(): Task[] {
    return this.inFlight.values().sort((a, b) => a.seq - b.seq);
  }

  /** True when envelopes wait to be sent. */
  get pending(): boolean {
    return this.#outgoing.length > 0;
  }

  /**
   * Sends what is queued as one message. A payload that cannot be cloned is
   * found by sending one by one; the tasks that fail are returned, with why.
   */
  flush(): { task: Task; error: unknown }[] {
    const outgoing = this.#outgoing;
    const transfer = this.#transfer;
    this.#outgoing = [];
    this.#transfer = [];
    if (outgoing.length === 0) return [];
    try {
      const tasks = outgoing.map((message) => this.inFlight.get((message as { id: number }).id));
      this.endpoint.send(outgoing.length === 1 ? outgoing[0] : envelope('batch', { messages: outgoing }), { transfer, onSent: written(tasks) });
      return [];
    } catch (error) {
      if (isClosedChannel(error)) return []; // the exit handler settles these tasks
      if (outgoing.length === 1) {
        const id = (outgoing[0] as { id: number }).id;
        const task = this.inFlight.get(id);
        return task ? [{ task, error }] : [];
      }
    }
    const failed: { task: Task; error: unknown }[] = [];
    for (const message of outgoing) {
      const task = this.inFlight.get((message as { id: number }).id);
      try {
        this.endpoint.send(message, { transfer: task?.transfer, onSent: written([task]) });
      } catch (error) {
        if (isClosedChannel(error)) return failed;
        if (task) failed.push({ task, error });
      }
    }
    return failed;
  }

  /** Sends one envelope now; false when the worker can no longer be reached. */
  post(message: unknown): boolean {
    try {
      this.endpoint.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Lets the process exit while this worker is idle; holds it open while busy. */
  setReferenced(referenced: boolean): void {
    if (referenced === this.#referenced) return;
    this.#referenced = referenced;
    if (referenced) this.endpoint.ref();
    else this.endpoint.unref();
  }
}

function isClosedChannel(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ERR_IPC_CHANNEL_CLOSED' || code === 'EPIPE' || code === 'ERR_WORKER_NOT_RUNNING';
}

/** Marks tasks as written once their envelope's write succeeded (see `Task.written`). */
function written(tasks: (Task | undefined)[]): (error: Error | null) => void {
  return (error) => {
    if (error) return;
    for (const task of tasks) if (task) task.written = true;
  };
}
