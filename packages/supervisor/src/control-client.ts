/**
 * The client of a running supervisor's control socket: what
 * `drove-supervise status|restart|stop|start|reload|logs|scale|shutdown` use, for
 * scripts of your own.
 *
 * @module
 */
import { connect as connectSocket, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import {
  CONTROL_PROTOCOL_VERSION,
  CONTROL_SOCKET,
  type ChildSummary,
  type ControlCommand,
  type ControlErrorBody,
  type ControlRequests,
  type ControlResults,
  type FleetStatus,
} from './control-protocol.js';
import { AbortError, SupervisorError, type SupervisorErrorCode } from './errors.js';
import { readJsonLines, writeJsonLine } from './internal/json-lines.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Aborts the connection attempt. @default undefined */
  signal?: AbortSignal | undefined;
}

/** Options of {@link ControlClient.logs} and {@link ControlClient.followLogs}. */
export interface LogsOptions {
  /** How many of the last lines (from the file and its rotated files). @default 15 */
  lines?: number;
  /** Ends a follow (`followLogs`). @default undefined */
  signal?: AbortSignal | undefined;
}

interface Waiter {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  onLine?: (line: string) => void;
}

/**
 * Connects to the supervisor whose `runFolder` is `runFolder` (the
 * `control.sock` in it). Resolves once the supervisor has greeted.
 *
 * @throws SupervisorError `ERR_SUPERVISOR_NOT_RUNNING` when no supervisor listens there,
 *   `ERR_SUPERVISOR_CONTROL` when the socket is not the user's or does not speak the protocol; AbortError `ABORT_ERR`.
 *
 * @example
 * ```ts
 * import { connect } from '@drove/supervisor';
 * const client = await connect('/run/my-fleet');
 * for (const child of (await client.status()).children) console.log(child.name, child.state, child.pid);
 * await client.restart('web');
 * client.close();
 * ```
 */
export async function connect(runFolder: string, { signal }: ConnectOptions = {}): Promise<ControlClient> {
  const folder = resolve(runFolder);
  const path = join(folder, CONTROL_SOCKET);
  if (signal?.aborted) throw new AbortError('connect() was aborted', { cause: signal.reason });
  const socket = connectSocket(path);
  return new Promise<ControlClient>((resolveClient, reject) => {
    const fail = (error: Error): void => {
      socket.destroy();
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const onAbort = (): void => fail(new AbortError('connect() was aborted', { cause: signal?.reason }));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        fail(new SupervisorError('ERR_SUPERVISOR_NOT_RUNNING', `No supervisor is running in ${folder} (${error.code === 'ENOENT' ? 'no' : 'a stale'} control socket ${path})`, { cause: error }));
      } else if (error.code === 'EACCES') {
        fail(new SupervisorError('ERR_SUPERVISOR_CONTROL', `Permission denied on ${path}: only the user the supervisor runs as can control it`, { cause: error }));
      } else {
        fail(new SupervisorError('ERR_SUPERVISOR_CONTROL', `Could not connect to ${path} (${error.code ?? error.message})`, { cause: error }));
      }
    });
    socket.once('close', () => fail(new SupervisorError('ERR_SUPERVISOR_NOT_RUNNING', `The supervisor in ${folder} closed the connection (it is stopping)`)));
    let greeted = false;
    readJsonLines(socket, (value) => {
      if (greeted) return;
      greeted = true;
      const hello = (value as { v?: unknown; hello?: { pid?: unknown } }).hello;
      if ((value as { v?: unknown }).v !== CONTROL_PROTOCOL_VERSION || typeof hello?.pid !== 'number') {
        fail(new SupervisorError('ERR_SUPERVISOR_CONTROL', `${path} does not speak the control protocol ${CONTROL_PROTOCOL_VERSION}`));
        return;
      }
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      socket.removeAllListeners('data');
      resolveClient(new ControlClient(folder, socket, hello.pid));
    });
  });
}

/**
 * A connection to a running supervisor's control socket (made by
 * {@link connect}). Each method is one command; a command the supervisor
 * refuses rejects with its error's `code` (`ERR_SUPERVISOR_UNKNOWN_CHILD`,
 * `ERR_SUPERVISOR_CHILD_RUNNING`, `ERR_SUPERVISOR_START_FAILED` …), and every
 * call after the supervisor stopped with `ERR_SUPERVISOR_NOT_RUNNING`.
 *
 * @example
 * ```ts
 * import { connect } from '@drove/supervisor';
 * const client = await connect('./run');
 * for await (const line of client.followLogs('web', { lines: 20, signal: AbortSignal.timeout(60_000) })) console.log(line);
 * client.close();
 * ```
 */
export class ControlClient {
  /** The run folder, absolute. */
  readonly runFolder: string;
  /** The supervisor's pid, as it said on connect. */
  readonly pid: number;
  readonly #socket: Socket;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;
  #closed: Error | undefined;

  /** @internal Made by {@link connect}. */
  constructor(runFolder: string, socket: Socket, pid: number) {
    this.runFolder = runFolder;
    this.pid = pid;
    this.#socket = socket;
    socket.on('error', () => {});
    socket.on('close', () => this.#end(new SupervisorError('ERR_SUPERVISOR_NOT_RUNNING', `The supervisor in ${runFolder} closed the connection`)));
    readJsonLines(socket, (value) => this.#onReply(value));
  }

  /** Each child: state, pid, uptime, restarts, back-off, CPU, RSS, dropped log lines. */
  status(): Promise<FleetStatus> {
    return this.#call('status', {});
  }

  /**
   * Stops the child (whatever its state: running, in a back-off, stopped) and
   * starts it; resolves once it is ready. The name of an `instances` group
   * restarts its copies one at a time, each ready before the next stops.
   */
  restart(name: string): Promise<ChildSummary[]> {
    return this.#call('restart', { name });
  }

  /** Stops the child (a group: its copies, newest first); nothing restarts it until `start` or `restart`. */
  stop(name: string): Promise<ChildSummary[]> {
    return this.#call('stop', { name });
  }

  /**
   * Starts a stopped child (a group: its stopped copies); resolves once it is ready.
   *
   * @throws SupervisorError `ERR_SUPERVISOR_CHILD_RUNNING` when a child named alone is not stopped.
   */
  start(name: string): Promise<ChildSummary[]> {
    return this.#call('start', { name });
  }

  /** Restarts the children one at a time, each ready before the next (what SIGHUP does); resolves when the roll is done. */
  reload(): Promise<ControlResults['reload']> {
    return this.#call('reload', {});
  }

  /**
   * The last lines of the child's log file (the supervisor needs the `logs`
   * option); for an `instances` group, its copies' lines merged by time, each
   * prefixed with the copy's name (`web#1 | …`).
   */
  async logs(name: string, { lines = 15 }: LogsOptions = {}): Promise<string[]> {
    return (await this.#call('logs', { name, lines, follow: false })).lines;
  }

  /**
   * The last `lines` lines of the child's log file, then each new line as it
   * is written, until `signal` aborts, the loop is left, or the supervisor
   * stops. It takes a connection of its own.
   */
  async *followLogs(name: string, { lines = 15, signal }: LogsOptions = {}): AsyncGenerator<string, void, undefined> {
    const own = await connect(this.runFolder, { signal });
    const queue: string[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const push = (line: string): void => {
      queue.push(line);
      wake?.();
    };
    const onAbort = (): void => {
      ended = true;
      own.close();
      wake?.();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const first = own.#call('logs', { name, lines, follow: true }, push);
    own.#socket.once('close', () => {
      ended = true;
      wake?.();
    });
    try {
      for (const line of (await first).lines) yield line;
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended) break;
        await new Promise<void>((done) => (wake = done));
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      own.close();
    }
  }

  /**
   * Resizes a group of `instances` (`supervisor.scale()`): starts copies, or
   * stops the newest first; resolves with the group's children once done.
   */
  scale(name: string, count: number | 'max'): Promise<ControlResults['scale']> {
    return this.#call('scale', { name, count });
  }

  /** Stops the supervisor gracefully (every child, then itself); resolves once it has stopped. */
  async shutdown(): Promise<void> {
    await this.#call('shutdown', {});
  }

  /** Closes the connection (the supervisor runs on). */
  close(): void {
    this.#socket.end();
    this.#socket.destroy();
  }

  #call<C extends ControlCommand>(command: C, body: ControlRequests[C], onLine?: (line: string) => void): Promise<ControlResults[C]> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise<ControlResults[C]>((resolveCall, reject) => {
      this.#waiters.set(id, { resolve: resolveCall as (result: unknown) => void, reject, ...(onLine ? { onLine } : {}) });
      writeJsonLine(this.#socket, { v: CONTROL_PROTOCOL_VERSION, id, command, ...body });
    });
  }

  #onReply(value: unknown): void {
    const reply = value as { id?: unknown; ok?: unknown; result?: unknown; error?: ControlErrorBody; line?: unknown };
    if (typeof reply.id !== 'number') return;
    const waiter = this.#waiters.get(reply.id);
    if (!waiter) return;
    if (typeof reply.line === 'string') {
      waiter.onLine?.(reply.line);
      return;
    }
    // A follow keeps its waiter for the lines that come after its answer.
    if (!waiter.onLine) this.#waiters.delete(reply.id);
    if (reply.ok === true) waiter.resolve(reply.result);
    else waiter.reject(remoteError(reply.error));
  }

  #end(error: Error): void {
    this.#closed ??= error;
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }
}

/** A supervisor's error, rebuilt on this side with its code (its class is the base class). */
function remoteError(body: ControlErrorBody | undefined): SupervisorError {
  const error = new SupervisorError((body?.code ?? 'ERR_SUPERVISOR_CONTROL') as SupervisorErrorCode, body?.message ?? 'The supervisor refused the command');
  if (body?.name) error.name = body.name;
  return error;
}
