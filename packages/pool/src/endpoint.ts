/**
 * The parent's handle on a running child, whatever its kind: one message
 * channel, one exit. Made by `spawnEndpoint` in `@drove/pool/transport`.
 *
 * @module
 */
import type { SendHandle } from 'node:child_process';
import type { Transferable } from 'node:worker_threads';
import type { Readable, Writable } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { systemClock, type Clock } from './clock.js';
import type { SpawnSpec } from './transport.js';

/** How a child ended. */
export interface ExitInfo {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** An error the child died of, when the runtime reported one (a thread's uncaught exception, a failed spawn). */
  error?: Error | undefined;
}

/** How {@link Endpoint.send} sends. */
export interface SendOptions {
  /** ArrayBuffers and ports moved, not copied (threads only). */
  transfer?: readonly Transferable[] | undefined;
  /** A socket or server handed to the child (processes only: threads cannot take handles). */
  handle?: SendHandle | undefined;
  /** Keep the parent's copy of a handed socket open (Node's `keepOpen`), e.g. to hand it to another child if this one dies first. */
  keepOpen?: boolean | undefined;
  /** Called once the message is written (processes) or queued (threads), or with the error that stopped it. */
  onSent?: ((error: Error | null) => void) | undefined;
}

/** Events of an {@link Endpoint}. */
export interface EndpointEvents {
  /** The child is running: a process has its pid, a thread is online. */
  spawn: (event: { pid: number | undefined; threadId: number }) => void;
  /** Any message from the child: envelopes and user messages alike. */
  message: (message: unknown, handle?: SendHandle) => void;
  /** The child ended; emitted once. */
  exit: (exit: ExitInfo) => void;
}

/** How {@link Endpoint.stop} stops a child. */
export interface StopOptions {
  /** How long the child may take to exit before it is killed. @default 5000 */
  graceMs?: number;
  /**
   * The signal sent first; `null` sends none and only waits, for a child
   * already told to stop by a message. A thread has no signals, so every signal
   * terminates it at once. @default 'SIGTERM'
   */
  signal?: NodeJS.Signals | null;
  /** The clock the grace runs on (a `ManualClock` in tests). @default systemClock */
  clock?: Clock;
}

/**
 * A running child, whatever its kind: one message channel, one exit.
 *
 * @example
 * ```ts
 * import { spawnEndpoint } from '@drove/pool/transport';
 * const child = spawnEndpoint({ kind: 'process', entry: new URL('./child.mjs', import.meta.url) });
 * child.on('message', (message) => console.log(message));
 * const exit = await child.stop({ graceMs: 2000 }); // SIGTERM, then SIGKILL after 2 s
 * ```
 */
export abstract class Endpoint extends EventEmitter<EndpointEvents> {
  abstract readonly kind: SpawnSpec['kind'] | 'inline';
  /** The OS process id (for threads: the parent's). */
  abstract readonly pid: number | undefined;
  /** The thread id (0 for processes). */
  abstract readonly threadId: number;
  abstract readonly stdout: Readable | null;
  abstract readonly stderr: Readable | null;
  /** The child's stdin when the spec asked for `stdin: 'pipe'`. */
  get stdin(): Writable | null {
    return null;
  }
  /** Resolves once, when the child has ended. */
  readonly exited: Promise<ExitInfo>;
  /**
   * Resolves once the child has ended and its stdout and stderr have ended too
   * (a grandchild holding them keeps this waiting: bound the wait with a timer).
   */
  abstract readonly closed: Promise<void>;
  #exit: ExitInfo | undefined;
  #resolveExited!: (exit: ExitInfo) => void;

  constructor() {
    super();
    this.exited = new Promise((resolve) => {
      this.#resolveExited = resolve;
    });
  }

  /** The exit, once the child has ended. */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** True while the child runs. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /**
   * Sends a message. Throws synchronously when it cannot be serialized
   * (`DataCloneError`; a `TypeError` naming the value over a JSON channel)
   * or the channel is closed.
   */
  abstract send(message: unknown, options?: SendOptions): void;

  /** Kills at once: SIGKILL (or `signal`) for processes, `terminate()` for threads. */
  abstract kill(signal?: NodeJS.Signals): void;

  /** Lets the parent exit while this child runs (an idle worker should not hold the process open). */
  abstract unref(): void;

  /** Undoes {@link Endpoint.unref}: the parent stays alive while this child runs. */
  abstract ref(): void;

  /**
   * Stops the child within `graceMs` plus the time a kill takes: sends
   * `signal`, waits, then kills. Resolves with its exit; safe to call twice.
   */
  async stop({ graceMs = 5000, signal = 'SIGTERM', clock = systemClock }: StopOptions = {}): Promise<ExitInfo> {
    if (!this.alive) return this.exited;
    // Whoever waits for the exit must also keep the process alive until it comes.
    this.ref();
    if (signal) this.kill(signal);
    let timer: unknown;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = clock.setTimeout(() => resolve('grace-over'), graceMs);
    });
    const outcome = await Promise.race([this.exited, graceOver]);
    clock.clearTimeout(timer);
    if (outcome !== 'grace-over') return outcome;
    this.kill();
    return this.exited;
  }

  /** Called once by the subclass when the child has ended. */
  protected markExited(exit: ExitInfo): void {
    if (this.#exit) return;
    this.#exit = exit;
    this.#resolveExited(exit);
    this.emit('exit', exit);
  }
}

