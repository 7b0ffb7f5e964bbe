/**
 * One tenant process: started through pool's transport, its output split
 * into bounded lines (pool's `splitLines`), its readiness awaited as an event
 * (pool's `ready` envelope, its exit, or a timeout), its listening socket lent
 * through pool's `listen` / `listen-handle` envelopes, and stopped through
 * `Endpoint.stop` (SIGTERM → grace → SIGKILL). Nothing here spawns or signals
 * a process by itself.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { systemClock, type Clock } from '@drove/pool/clock';
import { envelope, isEnvelope } from '@drove/pool/envelope';
import { connectionHandle, spawnEndpoint, splitLines, type Endpoint, type ExitInfo, type SpawnSpec } from '@drove/pool/transport';
import { TenantExitedError, TenantNotReadyError } from '../errors.js';
import type { ExitReason, RuntimeLogEvent } from '../events.js';
import type { ListenMode } from './listen-mode.js';

const STDERR_TAIL_LINES = 5;
const STDERR_TAIL_LINE_LENGTH = 500;
/** The name of the one listening socket the runtime lends a tenant (pool's `listen(server)` default). */
const SOCKET_NAME = 'default';
/**
 * How long the output of a process that has exited may still be read. Pool
 * settles `exited` at the process's exit; what it wrote last may still be in
 * the pipes, and a grandchild may hold them open for ever. Real time, not the
 * runtime's clock: it bounds a stop, like the grace of `Endpoint.stop`.
 */
const OUTPUT_DRAIN_MS = 2000;

export interface TenantProcessSpec {
  key: string;
  listen: ListenMode;
  /** What to spawn, without its environment's `PORT` (set here once the port is known). */
  spawn: SpawnSpec & { kind: 'process' | 'command' };
  maxLogLineLength: number;
  clock: Clock;
  onLog: ((event: RuntimeLogEvent) => void) | undefined;
  /** The tenant served requests the runtime did not see (on connections handed to it). */
  onActive: () => void;
}

/** A tenant process that was spawned (it has a pid). */
export class TenantProcess {
  readonly key: string;
  readonly pid: number;
  readonly endpoint: Endpoint;
  /** Known at spawn when the runtime bound the socket; otherwise once the tenant reports it. */
  port: number | null;
  /** Why the runtime stopped it; unset when it ended by itself. */
  stopReason: ExitReason | undefined;
  readonly stderrTail: string[] = [];
  /** Settles once the process has exited and its output was read (or {@link OUTPUT_DRAIN_MS} passed). */
  readonly exited: Promise<ExitInfo>;
  #listener: Server | undefined;
  readonly #reported: Promise<number>;
  /** Set once the tenant's server accepts on the runtime's socket through pool's `listen()`: it can take connections too. */
  #takesConnections = false;
  readonly #handedOver = new Map<number, { socket: Socket; settle: (taken: boolean) => void }>();
  #lastConnectionId = 0;

  private constructor(key: string, endpoint: Endpoint, pid: number, listener: Server | undefined, onActive: () => void) {
    this.key = key;
    this.endpoint = endpoint;
    this.pid = pid;
    this.exited = endpoint.exited.then(async (exit) => {
      await drainOutput([endpoint.stdout, endpoint.stderr]);
      return exit;
    });
    this.#listener = listener;
    this.port = listener ? boundPort(listener) : null;
    this.#reported = this.#awaitReport();
    if (listener) {
      // The parent's copy of the socket exists only to be handed over; it must
      // not serve, and it is closed once the tenant listens on its own copy.
      listener.on('connection', (socket) => socket.destroy());
      void endpoint.exited.then(() => this.#closeListener());
    }
    endpoint.on('message', (message: unknown) => {
      if (!isEnvelope(message)) return;
      if (message.type === 'active') onActive();
      else if (message.type === 'accepted') {
        const handed = this.#handedOver.get(message.id);
        // Closes only this process's copy of the connection; the tenant holds its own.
        handed?.socket.destroy();
        handed?.settle(true);
      }
    });
    // A connection the tenant did not take before it exited was never read there: it is the caller's again.
    void endpoint.exited.then(() => {
      for (const { settle } of [...this.#handedOver.values()]) settle(false);
    });
  }

  /**
   * Spawns the tenant. Resolves once it has a pid; rejects with
   * {@link TenantExitedError} when the spawn itself failed.
   */
  static async start(spec: TenantProcessSpec): Promise<TenantProcess> {
    const listener = spec.listen === 'handle' ? await bindLoopback() : undefined;
    const env = { ...spec.spawn.env, PORT: String(listener ? boundPort(listener) : 0) };
    let endpoint: Endpoint;
    try {
      endpoint = spawnEndpoint({ ...spec.spawn, env });
    } catch (error) {
      listener?.close();
      throw new TenantExitedError(
        { key: spec.key, pid: undefined, exitCode: null, signal: null, reason: 'crashed', stderrTail: [] },
        { cause: error },
      );
    }
    const pid = endpoint.pid;
    if (pid === undefined) {
      // A failed spawn (ENOENT, EACCES) reports through 'error' and then 'exit'.
      listener?.close();
      const exit = await endpoint.exited;
      throw new TenantExitedError(
        { key: spec.key, pid: undefined, exitCode: exit.exitCode, signal: exit.signal, reason: 'crashed', stderrTail: [] },
        { cause: exit.error },
      );
    }
    const tenant = new TenantProcess(spec.key, endpoint, pid, listener, spec.onActive);
    tenant.#wireOutput(spec);
    return tenant;
  }

  /**
   * Waits for the tenant to report ready and resolves with its port. Rejects
   * at once when it exits first ({@link TenantExitedError} with its exit code
   * and last stderr lines), and with {@link TenantNotReadyError} after
   * `timeoutMs` (the tenant is then stopped with reason `readiness-timeout`).
   */
  ready(timeoutMs: number, clock: Clock, graceMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        outcome();
      };
      const timer = clock.setTimeout(
        () => {
          finish(() => {
            void this.stop('readiness-timeout', graceMs);
            reject(new TenantNotReadyError(this.key, timeoutMs));
          });
        },
        timeoutMs,
        { unref: true },
      );
      void this.#reported.then((port) => finish(() => resolve(port)));
      void this.exited.then((exit) => {
        finish(() =>
          reject(
            new TenantExitedError({
              key: this.key,
              pid: this.pid,
              exitCode: exit.exitCode,
              signal: exit.signal,
              reason: this.stopReason ?? (exit.exitCode === 0 ? 'exited-clean' : 'crashed'),
              stderrTail: this.stderrTail,
            }),
          ),
        );
      });
    });
  }

  /** Listens from the spawn on, so no message can slip by before {@link ready} is called. */
  #awaitReport(): Promise<number> {
    return new Promise<number>((resolve) => {
      const onMessage = (message: unknown) => {
        if (!isEnvelope(message)) return;
        if (message.type === 'listen') {
          this.#lendSocket(message.name);
          return;
        }
        // The tenant accepts on its copy of the socket: the runtime's copy has done its work.
        if (message.type === 'listening') {
          this.#closeListener();
          this.#takesConnections = message.name === SOCKET_NAME;
          return;
        }
        if (message.type !== 'ready') return;
        // With a lent socket the runtime knows the port; otherwise the report must carry one.
        const port = this.port ?? validPort(message.port);
        if (port === null) return;
        this.port = port;
        this.endpoint.off('message', onMessage);
        this.#closeListener();
        resolve(port);
      };
      this.endpoint.on('message', onMessage);
      void this.exited.then(() => this.endpoint.off('message', onMessage));
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`); the first reason given sticks. */
  stop(reason: ExitReason, graceMs: number): Promise<ExitInfo> {
    this.stopReason ??= reason;
    return this.endpoint.stop({ graceMs });
  }

  /**
   * Hands a client connection to the tenant's server (pool's `connection`
   * envelope, the socket as its handle, `head` the bytes already read from
   * it). True once the tenant took it; false when it cannot take connections
   * or exited first, and the socket is then still the caller's.
   */
  handOver(socket: Socket, head: Uint8Array): Promise<boolean> {
    const handle = connectionHandle(socket);
    if (!this.#takesConnections || !this.endpoint.alive || handle === undefined) return Promise.resolve(false);
    const id = ++this.#lastConnectionId;
    return new Promise<boolean>((resolve) => {
      const settle = (taken: boolean) => {
        if (this.#handedOver.delete(id)) resolve(taken);
      };
      this.#handedOver.set(id, { socket, settle });
      try {
        // Kept open here until the tenant says it took the connection, so one it never took can be served elsewhere.
        this.endpoint.send(envelope('connection', { name: SOCKET_NAME, id, head }), {
          handle,
          keepOpen: true,
          onSent: (error) => {
            if (error) settle(false);
          },
        });
      } catch {
        settle(false);
      }
    });
  }

  /** Answers a tenant's `listen` envelope: the socket the runtime bound, or why not (its `listen()` then rejects). */
  #lendSocket(name: string): void {
    const listener = this.#listener;
    const error =
      name !== SOCKET_NAME
        ? `The tenant runtime lends one socket, \`${SOCKET_NAME}\`, not \`${name}\``
        : listener
          ? undefined
          : this.port === null
            ? "The tenant runtime lends no socket under `listen: 'report'`: bind port 0 and report the port in `ready`"
            : 'The tenant runtime has lent its socket already';
    try {
      this.endpoint.send(envelope('listen-handle', error ? { name, error } : { name }), {
        handle: error ? undefined : listener,
        // The channel closed meanwhile: the tenant is exiting, and its exit settles readiness.
        onSent: () => {},
      });
    } catch {
      // The channel is closed already: likewise.
    }
  }

  #closeListener(): void {
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.close();
  }

  #wireOutput(spec: TenantProcessSpec): void {
    const { stdout, stderr } = this.endpoint;
    const pid = this.pid;
    const log = spec.onLog;
    if (stdout) {
      if (log) split(stdout, spec, (line, truncated) => log(event(line, truncated, 'stdout')));
      else stdout.resume();
    }
    if (stderr) {
      split(stderr, spec, (line, truncated) => {
        this.stderrTail.push(line.length > STDERR_TAIL_LINE_LENGTH ? line.slice(0, STDERR_TAIL_LINE_LENGTH) : line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        log?.(event(line, truncated, 'stderr'));
      });
    }
    function event(line: string, truncated: boolean, stream: 'stdout' | 'stderr'): RuntimeLogEvent {
      return { key: spec.key, pid, stream, line, truncated, at: spec.clock.now() };
    }
  }
}

/** One bounded splitter per stream, dropped with the process (pool's `splitLines`). */
function split(stream: Readable, spec: TenantProcessSpec, emit: (line: string, truncated: boolean) => void): void {
  splitLines(
    stream,
    (line, truncated) => {
      try {
        emit(line, truncated);
      } catch {
        // A hook that throws must not break the stream; hooks are observational.
      }
    },
    { maxLength: spec.maxLogLineLength },
  );
}

/**
 * Waits until the output of a process that has exited was read to its end,
 * at most {@link OUTPUT_DRAIN_MS}; then stops reading what is left (a
 * grandchild holding the pipes), so nothing outlives the tenant.
 */
async function drainOutput(streams: (Readable | null)[]): Promise<void> {
  const open = streams.filter((stream): stream is Readable => stream !== null && !stream.destroyed);
  if (open.length === 0) return;
  let timer: unknown;
  const over = new Promise<void>((resolve) => {
    timer = systemClock.setTimeout(resolve, OUTPUT_DRAIN_MS, { unref: true });
  });
  await Promise.race([Promise.all(open.map((stream) => finished(stream).catch(() => {}))), over]);
  systemClock.clearTimeout(timer);
  for (const stream of open) if (!stream.readableEnded) stream.destroy();
}

/** A port a `ready` envelope reported, or `null` when it carries none that is valid. */
function validPort(port: unknown): number | null {
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

function bindLoopback(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function boundPort(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
