/**
 * The child's side: what a supervised Node child (process or thread) calls
 * to say it is ready, to answer the supervisor's heartbeat, to stop
 * gracefully, and to accept on a socket the supervisor lends it.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { listen, ready } from '@drove/supervisor/child';
 * const server = http.createServer((req, res) => res.end('hello'));
 * await listen(server, 'http');          // the supervisor's socket `http`
 * ready({ onShutdown: () => new Promise((done) => server.close(done)) });
 * ```
 *
 * @module
 */
import type { Server, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';
import { envelope, isEnvelope, serializeError, type TelemetrySample } from '@drove/pool/envelope';
import { SupervisorError } from './errors.js';
import { CHILD_ENV, isSupervisorMessage, supervisorMessage } from './internal/protocol.js';

/** What {@link ready} takes. */
export interface ReadyOptions {
  /**
   * Runs when the supervisor asks the child to stop (the `shutdown` envelope,
   * SIGTERM for a process, or the supervisor's death); the child exits with
   * code 0 once it settles. Without it a process ends on SIGTERM's default action.
   */
  onShutdown?: () => void | Promise<void>;
  /**
   * How long `onShutdown` may run when the supervisor is gone (no one will
   * kill this child then), before it exits anyway. @default 10000
   */
  orphanShutdownMs?: number;
}

type Listener = (message: unknown, handle?: unknown) => void;

interface Channel {
  kind: 'process' | 'thread';
  post(message: unknown): void;
  on(listener: Listener): void;
}

const startedAt = performance.now();
let installed = false;
let onShutdown: ReadyOptions['onShutdown'];
let orphanShutdownMs = 10_000;
let stopping = false;

function channel(): Channel | undefined {
  if (process.env[CHILD_ENV] === undefined) return undefined;
  if (!isMainThread) {
    const port = parentPort;
    if (!port) return undefined;
    return { kind: 'thread', post: (message) => port.postMessage(message), on: (listener) => port.on('message', listener) };
  }
  if (!process.send) return undefined;
  return {
    kind: 'process',
    post: (message) => {
      if (process.connected) process.send!(message);
    },
    on: (listener) => process.on('message', listener),
  };
}

// A process child's uncaught error reaches the supervisor's `exit` event as
// a `fatal` envelope. The monitor leaves Node's own handling (the stack on
// stderr, exit code 1) as it is; threads need none, their error travels anyway.
if (channel()?.kind === 'process') {
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      channel()?.post(envelope('fatal', { error: serializeError(error) }));
    } catch {
      // Reporting is best effort; the exit is reported regardless.
    }
  });
}

/** True when this module runs in a child of a supervisor (a process or a thread). */
export function isSupervised(): boolean {
  return channel() !== undefined;
}

/** The name the supervisor knows this child by, when supervised. */
export function childName(): string | undefined {
  return isSupervised() ? process.env[CHILD_ENV] : undefined;
}

function sample(): TelemetrySample {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    pid: process.pid,
    threadId,
    activeTasks: 0,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    rssBytes: memory.rss,
    cpuUserMicros: cpu.user,
    cpuSystemMicros: cpu.system,
    eventLoopUtilization: performance.eventLoopUtilization().utilization,
    uptimeMs: performance.now() - startedAt,
  };
}

async function shutdown(capMs?: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (capMs !== undefined) setTimeout(() => process.exit(0), capMs).unref();
  try {
    await onShutdown?.();
  } finally {
    process.exit(0);
  }
}

/**
 * Tells the supervisor this child is ready (it counts as running from now
 * on), and from then on answers its `ping` with `pong`, stops on its
 * `shutdown`, and — in a process — exits when the supervisor is gone, even
 * SIGKILLed, so no orphan is left. Returns false, doing nothing, when the
 * module does not run under a supervisor (so the same module runs standalone).
 *
 * @example
 * ```ts
 * import { ready } from '@drove/supervisor/child';
 * await openDatabase();
 * ready({ onShutdown: () => closeDatabase() });
 * ```
 */
export function ready(options: ReadyOptions = {}): boolean {
  const ch = channel();
  if (!ch) return false;
  if (options.onShutdown) onShutdown = options.onShutdown;
  if (options.orphanShutdownMs !== undefined) orphanShutdownMs = options.orphanShutdownMs;
  if (!installed) {
    installed = true;
    ch.on((message) => {
      if (!isEnvelope(message)) return;
      if (message.type === 'ping') ch.post(envelope('pong', { id: message.id, telemetry: sample() }));
      else if (message.type === 'shutdown') void shutdown();
    });
    if (ch.kind === 'process') {
      // The IPC channel closes when the supervisor dies, however it dies.
      process.on('disconnect', () => void shutdown(orphanShutdownMs));
      if (onShutdown) process.on('SIGTERM', () => void shutdown());
    }
  }
  ch.post(envelope('ready', { pid: process.pid, threadId }));
  return true;
}

/**
 * Makes `server` accept on the listening socket `name` that the supervisor
 * owns (its `sockets` option), and on the connections the supervisor accepts
 * on it while no other child could. Process children only.
 *
 * @throws SupervisorError `ERR_SUPERVISOR_NOT_SUPERVISED` outside a supervised process,
 *   `ERR_SUPERVISOR_SOCKET` when the supervisor has no such socket.
 */
export function listen(server: Server, name = 'default'): Promise<void> {
  const ch = channel();
  if (!ch || ch.kind !== 'process') {
    return Promise.reject(
      new SupervisorError('ERR_SUPERVISOR_NOT_SUPERVISED', 'listen() needs a process child of a supervisor (threads cannot receive socket handles)'),
    );
  }
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown, handle?: unknown): void => {
      if (!isSupervisorMessage(message) || message.name !== name) return;
      if (message.type === 'connection' && handle) {
        server.emit('connection', handle as Socket);
        // Sent before this child reads a byte of it: a connection not
        // acknowledged when a child dies was never touched, and the supervisor
        // hands it to the next child.
        ch.post(supervisorMessage('accepted', { name, id: message.id }));
        return;
      }
      if (message.type !== 'listen-handle') return;
      if (message.error || !handle) {
        process.off('message', onMessage);
        reject(new SupervisorError('ERR_SUPERVISOR_SOCKET', message.error ?? `The supervisor sent no handle for socket \`${name}\``));
        return;
      }
      server.once('error', reject);
      server.listen(handle as Server, () => {
        server.off('error', reject);
        ch.post(supervisorMessage('listening', { name }));
        resolve();
      });
    };
    process.on('message', onMessage);
    ch.post(supervisorMessage('listen', { name }));
  });
}
