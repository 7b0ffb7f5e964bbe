import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import { Endpoint, type SendOptions } from '../endpoint.js';
import type { ThreadSpec } from '../transport.js';

/** A spec's entry as a path: a `file:` URL or a path. */
export function toPath(entry: URL | string): string {
  return entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
}

/** A worker thread. */
export class ThreadEndpoint extends Endpoint {
  readonly kind = 'thread' as const;
  readonly closed: Promise<void>;
  readonly pid = process.pid;
  readonly threadId: number;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly worker: Worker;
  #error: Error | undefined;

  constructor(spec: ThreadSpec) {
    super();
    const pipe = spec.stdio === 'pipe' || spec.stdio === 'ignore';
    this.worker = new Worker(toPath(spec.entry), {
      workerData: spec.workerData,
      transferList: spec.transferList,
      env: spec.env ?? process.env,
      execArgv: spec.execArgv,
      argv: spec.argv,
      resourceLimits: spec.resourceLimits,
      stdout: pipe,
      stderr: pipe,
    });
    this.threadId = this.worker.threadId;
    this.closed = this.exited.then(() => undefined);
    this.stdout = spec.stdio === 'pipe' ? this.worker.stdout : null;
    this.stderr = spec.stdio === 'pipe' ? this.worker.stderr : null;
    if (spec.stdio === 'ignore') {
      this.worker.stdout.resume();
      this.worker.stderr.resume();
    }
    this.worker.on('message', (message: unknown) => this.emit('message', message));
    this.worker.once('online', () => this.emit('spawn', { pid: process.pid, threadId: this.threadId }));
    this.worker.on('error', (error: Error) => {
      this.#error = error;
    });
    this.worker.on('exit', (exitCode) => this.markExited({ exitCode, signal: null, error: this.#error }));
  }

  send(message: unknown, options: SendOptions = {}): void {
    if (options.handle) throw new TypeError('A worker thread cannot take a socket handle: use a process');
    this.worker.postMessage(message, options.transfer);
    options.onSent?.(null);
  }

  kill(): void {
    this.ref();
    void this.worker.terminate();
  }

  unref(): void {
    this.worker.unref();
  }

  ref(): void {
    this.worker.ref();
  }

  /** Resources of the thread as the parent sees them. */
  eventLoopUtilization(): number {
    return this.worker.performance.eventLoopUtilization().utilization;
  }
}

