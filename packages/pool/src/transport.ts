/**
 * The transport: the one place in Drove that spawns threads and processes,
 * wires their stdio and stops them (SIGTERM → grace → SIGKILL). The pool,
 * the supervisor, the tenant runtime and the static exporter all start their
 * children through {@link spawnEndpoint}.
 *
 * @module
 */
import { fork, spawn, type ChildProcess, type Serializable, type SendHandle } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';
import type { Readable, Writable } from 'node:stream';
import { EventEmitter } from 'eventemitter3';
import { systemClock, type Clock } from './clock.js';
import { assertJsonData } from './envelope.js';

export { LineSplitter, splitLines } from './line-splitter.js';
export type { SplitLinesOptions } from './line-splitter.js';
export { connectionHandle, readConnectionHead, resumeReading } from './connection-head.js';
export type { ConnectionHead, ReadConnectionHeadOptions } from './connection-head.js';

/** What every spawn spec shares. */
interface CommonSpec {
  /** Environment of the child. Processes default to the parent's `process.env`; threads share it. */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * `'inherit'` writes the child's output to the parent's; `'pipe'` exposes it as
   * `endpoint.stdout` / `endpoint.stderr`; `'ignore'` drops it. @default 'inherit'
   */
  stdio?: 'inherit' | 'pipe' | 'ignore' | undefined;
  /** A stdin pipe (`endpoint.stdin`) for processes and commands; none by default. @default 'ignore' */
  stdin?: 'pipe' | 'ignore' | undefined;
}

/** A worker thread running an ES module. */
export interface ThreadSpec extends CommonSpec {
  kind: 'thread';
  /** The module the thread runs (a `file:` URL or a path). */
  entry: URL | string;
  workerData?: unknown;
  execArgv?: string[] | undefined;
  argv?: string[] | undefined;
  resourceLimits?: ResourceLimits | undefined;
  /** Objects moved, not copied, into `workerData`. */
  transferList?: Transferable[] | undefined;
}

/** A Node child process forked with an IPC channel. */
export interface ProcessSpec extends CommonSpec {
  kind: 'process';
  entry: URL | string;
  args?: string[] | undefined;
  execArgv?: string[] | undefined;
  cwd?: string | undefined;
  /**
   * How messages are encoded: `'advanced'` (V8's structured serialization, the
   * types a worker thread gets) or `'json'` (plain data only, checked before
   * sending with `jsonDataProblem` from `@drove/pool/envelope`; cheaper per message). @default 'advanced'
   */
  serialization?: 'advanced' | 'json' | undefined;
}

/** Any executable, spawned with an argv (no shell). `ipc: true` adds an IPC channel for Node children. */
export interface CommandSpec extends CommonSpec {
  kind: 'command';
  command: string;
  args?: string[] | undefined;
  cwd?: string | undefined;
  ipc?: boolean | undefined;
}

/** What to start: a thread, a forked Node process, or a command. */
export type SpawnSpec = ThreadSpec | ProcessSpec | CommandSpec;

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

function toPath(entry: URL | string): string {
  return entry instanceof URL || entry.startsWith('file:') ? fileURLToPath(entry) : entry;
}

class ThreadEndpoint extends Endpoint {
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

class ProcessEndpoint extends Endpoint {
  readonly kind: 'process' | 'command';
  readonly closed: Promise<void>;
  readonly threadId = 0;
  readonly child: ChildProcess;
  readonly #json: boolean;

  constructor(spec: ProcessSpec | CommandSpec) {
    super();
    this.kind = spec.kind;
    const stdio = spec.stdio ?? 'inherit';
    const streams = [spec.stdin ?? 'ignore', stdio, stdio] as const;
    if (spec.kind === 'process') {
      this.child = fork(toPath(spec.entry), spec.args ?? [], {
        env: spec.env ?? process.env,
        execArgv: spec.execArgv ?? process.execArgv,
        cwd: spec.cwd,
        serialization: spec.serialization ?? 'advanced',
        stdio: [...streams, 'ipc'],
      });
    } else {
      this.child = spawn(spec.command, spec.args ?? [], {
        env: spec.env ?? process.env,
        cwd: spec.cwd,
        serialization: 'advanced',
        stdio: spec.ipc ? [...streams, 'ipc'] : [...streams],
      });
    }
    this.#json = spec.kind === 'process' && spec.serialization === 'json';
    this.child.once('spawn', () => this.emit('spawn', { pid: this.child.pid, threadId: 0 }));
    this.child.on('message', (message: unknown, handle?: SendHandle) => this.emit('message', message, handle));
    let spawnError: Error | undefined;
    this.child.on('error', (error) => {
      // 'error' without a pid means the spawn itself failed and no 'exit' follows.
      spawnError = error;
      if (this.child.pid === undefined) this.markExited({ exitCode: null, signal: null, error });
    });
    // 'exit', not 'close': a grandchild holding our stdout must not keep a dead child "alive".
    // Output that is still buffered keeps flowing to stdout/stderr listeners after it.
    this.child.on('exit', (exitCode, signal) => this.markExited({ exitCode, signal, error: spawnError }));
    this.closed = new Promise((resolve) => {
      this.child.once('close', () => resolve());
      // A spawn that failed emits neither 'exit' nor 'close'.
      this.child.once('error', () => this.child.pid === undefined && resolve());
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stdout(): Readable | null {
    return this.child.stdout;
  }

  override get stdin(): Writable | null {
    return this.child.stdin;
  }

  get stderr(): Readable | null {
    return this.child.stderr;
  }

  send(message: unknown, options: SendOptions = {}): void {
    if (!this.child.connected) throw Object.assign(new Error('The IPC channel is closed'), { code: 'ERR_IPC_CHANNEL_CLOSED' });
    // Structured serialization happens synchronously inside send(), so a value
    // that cannot be cloned throws here, where the caller can attribute it.
    // JSON would send a Date or a Map changed rather than throw: checked first.
    if (this.#json) assertJsonData(message);
    const { handle, keepOpen, onSent } = options;
    this.child.send(message as Serializable, handle, keepOpen ? { keepOpen } : undefined, onSent ? (error) => onSent(error) : undefined);
  }

  unref(): void {
    this.child.unref();
    // The IPC channel holds the loop open on its own; its handle is not in the public types.
    (this.child as unknown as { channel?: { unref?: () => void } }).channel?.unref?.();
  }

  ref(): void {
    this.child.ref();
    (this.child as unknown as { channel?: { ref?: () => void } }).channel?.ref?.();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.alive) return;
    this.ref();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/**
 * Starts a thread, a forked Node process or a command, and returns its
 * {@link Endpoint}.
 *
 * @throws synchronously for an invalid spec (a thread or a fork whose entry is missing fails through `exit`).
 */
export function spawnEndpoint(spec: SpawnSpec): Endpoint {
  switch (spec.kind) {
    case 'thread':
      return new ThreadEndpoint(spec);
    case 'process':
    case 'command':
      return new ProcessEndpoint(spec);
    default:
      throw new TypeError(`Unknown spawn kind: ${String((spec as { kind: unknown }).kind)}`);
  }
}

/** Event-loop utilization of a thread endpoint as its parent measures it, or `undefined` for other kinds. */
export function threadEventLoopUtilization(endpoint: Endpoint): number | undefined {
  return endpoint instanceof ThreadEndpoint ? endpoint.eventLoopUtilization() : undefined;
}
