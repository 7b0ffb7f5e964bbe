import { Endpoint, type SendOptions } from '../endpoint.js';
import { WorkerRuntime, type WorkerStart } from './worker-runtime.js';

/**
 * A worker on the calling thread: the same runtime and envelopes as a thread
 * or a process, delivered asynchronously and without cloning. For debugging,
 * and where threads are unavailable.
 */
export class InlineEndpoint extends Endpoint {
  readonly kind = 'inline' as const;
  readonly pid = process.pid;
  readonly threadId = 0;
  readonly stdout = null;
  readonly stderr = null;
  readonly closed: Promise<void> = this.exited.then(() => undefined);
  #toWorker: ((message: unknown) => void) | undefined;

  constructor(start: WorkerStart) {
    super();
    const runtime = new WorkerRuntime(
      {
        post: (message) => queueMicrotask(() => this.alive && this.emit('message', message)),
        onMessage: (listener) => {
          this.#toWorker = listener;
        },
        exit: (exitCode) => queueMicrotask(() => this.markExited({ exitCode, signal: null })),
      },
      start,
    );
    void runtime.run();
  }

  send(message: unknown, options: SendOptions = {}): void {
    if (!this.alive) throw Object.assign(new Error('The inline worker has stopped'), { code: 'ERR_IPC_CHANNEL_CLOSED' });
    queueMicrotask(() => this.alive && this.#toWorker?.(message));
    options.onSent?.(null);
  }

  /** An inline worker cannot be interrupted mid-task; it stops taking messages at once. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    queueMicrotask(() => this.markExited({ exitCode: null, signal }));
  }

  unref(): void {}

  ref(): void {}
}
