/**
 * One tenant process: started through pool's transport, its output split
 * into bounded lines, its readiness awaited as an event (the `ready`
 * envelope, its exit, or a timeout), and stopped through `Endpoint.stop`
 * (SIGTERM → grace → SIGKILL). Nothing here spawns or signals a process by
 * itself.
 */
import { createServer, type Server } from 'node:net';
import { spawnEndpoint, type Endpoint, type ExitInfo, type SpawnSpec } from '@drove/pool/transport';
import type { Clock } from '../clock.js';
import { TenantExitedError, TenantNotReadyError } from '../errors.js';
import type { ExitReason, RuntimeLogEvent } from '../events.js';
import { LineSplitter } from './line-splitter.js';
import { isSocketRequest, readyPort, socketGrant, type ListenMode } from './protocol.js';

const STDERR_TAIL_LINES = 5;
const STDERR_TAIL_LINE_LENGTH = 500;

export interface TenantProcessSpec {
  key: string;
  listen: ListenMode;
  /** What to spawn, without its environment's `PORT` (set here once the port is known). */
  spawn: SpawnSpec & { kind: 'process' | 'command' };
  maxLogLineLength: number;
  clock: Clock;
  onLog: ((event: RuntimeLogEvent) => void) | undefined;
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
  readonly exited: Promise<ExitInfo>;
  #listener: Server | undefined;
  readonly #reported: Promise<number>;

  private constructor(key: string, endpoint: Endpoint, pid: number, listener: Server | undefined) {
    this.key = key;
    this.endpoint = endpoint;
    this.pid = pid;
    this.exited = endpoint.exited;
    this.#listener = listener;
    this.port = listener ? boundPort(listener) : null;
    this.#reported = this.#awaitReport();
    if (listener) {
      // The parent's copy of the socket exists only to be handed over; it must
      // not serve, and it is closed once the tenant listens on its own copy.
      listener.on('connection', (socket) => socket.destroy());
      void this.exited.then(() => this.#closeListener());
    }
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
    const tenant = new TenantProcess(spec.key, endpoint, pid, listener);
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
      const timer = clock.setTimeout(() => {
        finish(() => {
          void this.stop('readiness-timeout', graceMs);
          reject(new TenantNotReadyError(this.key, timeoutMs));
        });
      }, timeoutMs);
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
        if (isSocketRequest(message)) {
          this.#grantSocket();
          return;
        }
        const reported = readyPort(message);
        if (reported === undefined) return;
        // With a handed-over socket the runtime knows the port; otherwise the report must carry one.
        const port = this.port ?? reported;
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

  #grantSocket(): void {
    if (!this.#listener) return;
    try {
      this.endpoint.send(socketGrant, undefined, this.#listener);
    } catch {
      // The channel closed: the tenant is exiting, and its exit settles readiness.
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
      if (log) this.#split(stdout, spec, (line, truncated) => log(event(line, truncated, 'stdout')));
      else stdout.resume();
    }
    if (stderr) {
      this.#split(stderr, spec, (line, truncated) => {
        this.stderrTail.push(line.length > STDERR_TAIL_LINE_LENGTH ? line.slice(0, STDERR_TAIL_LINE_LENGTH) : line);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
        log?.(event(line, truncated, 'stderr'));
      });
    }
    function event(line: string, truncated: boolean, stream: 'stdout' | 'stderr'): RuntimeLogEvent {
      return { key: spec.key, pid, stream, line, truncated, at: spec.clock.now() };
    }
  }

  #split(
    stream: NodeJS.ReadableStream,
    spec: TenantProcessSpec,
    emit: (line: string, truncated: boolean) => void,
  ): void {
    const splitter = new LineSplitter(spec.maxLogLineLength, (line, truncated) => {
      try {
        emit(line, truncated);
      } catch {
        // A hook that throws must not break the stream; hooks are observational.
      }
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => splitter.push(chunk));
    stream.once('end', () => splitter.end());
  }
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
