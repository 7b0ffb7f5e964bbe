/**
 * The child's side of the envelope, for any Node child a Drove parent starts
 * outside a pool — a supervised server, a tenant: say when it is ready (and on
 * which port), answer heartbeats, stop gracefully when asked, leave when the
 * parent is gone, and accept on a listening socket the parent owns.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { listen, ready } from '@drove/pool/child';
 * const server = http.createServer((request, response) => response.end('hello'));
 * await listen(server);                                  // the parent's socket `default`
 * ready({ onShutdown: () => new Promise((done) => server.close(done)) });
 * ```
 *
 * @module
 */
import { Socket, type Server } from 'node:net';
import { isMainThread, parentPort, threadId } from 'node:worker_threads';
import { envelope, isEnvelope, serializeError, type Envelope } from './envelope.js';
import { PoolError } from './errors.js';
import { flushStdio } from './internal/flush-stdio.js';
import { sampleSelf } from './telemetry.js';

/** What {@link ready} takes. */
export interface ReadyOptions {
  /** The port this child's server listens on, when it chose one itself (port 0). */
  port?: number;
  /**
   * Runs when the parent asks the child to stop (the `shutdown` envelope,
   * SIGTERM for a process, or the parent's death); the child exits with code
   * 0 once it settles. Without it a process ends on SIGTERM's default action.
   * Either way a process whose stdout or stderr is a pipe first writes out
   * what it printed and the pipe has not taken yet (up to 2 s), so the parent
   * reads its last lines; it does so once its event loop is free (a loop
   * blocked then ends it at the parent's kill after its grace).
   */
  onShutdown?: () => void | Promise<void>;
  /**
   * How long `onShutdown` may run once the IPC channel closed. Where the
   * transport armed a parent-death signal (Linux with util-linux's setpriv) a
   * parent that dies takes this child with it at once, without `onShutdown`:
   * this only applies to a channel closed while the parent lives, or where
   * there is no such signal (see the pool README, "Orphans"). @default 10000
   */
  orphanShutdownMs?: number;
}

type Listener = (message: unknown, handle?: unknown) => void;

interface Channel {
  kind: 'process' | 'thread';
  post(message: unknown): void;
  on(listener: Listener): void;
  off(listener: Listener): void;
}

let installed = false;
let onShutdown: ReadyOptions['onShutdown'];
let orphanShutdownMs = 10_000;
let stopping = false;

function channel(): Channel | undefined {
  if (!isMainThread) {
    const port = parentPort;
    if (!port) return undefined;
    return {
      kind: 'thread',
      post: (message) => port.postMessage(message),
      on: (listener) => port.on('message', listener),
      off: (listener) => port.off('message', listener),
    };
  }
  if (!process.send) return undefined;
  return {
    kind: 'process',
    post: (message) => {
      if (process.connected) process.send!(message);
    },
    on: (listener) => process.on('message', listener),
    off: (listener) => process.off('message', listener),
  };
}

/** True when this module runs in a child with a channel to its parent (a forked process or a worker thread). */
export function hasParent(): boolean {
  return channel() !== undefined;
}

async function shutdown(capMs?: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (capMs !== undefined) setTimeout(() => process.exit(0), capMs).unref();
  try {
    await onShutdown?.();
  } finally {
    // What the child printed last goes out before it leaves (process.exit() drops unwritten output).
    await flushStdio();
    process.exit(0);
  }
}

/** Whether stdout or stderr is a pipe (a socket that is not a terminal), which Node writes to asynchronously. */
function outputIsPiped(): boolean {
  return [process.stdout, process.stderr].some((stream) => stream instanceof Socket && !stream.isTTY);
}

/**
 * SIGTERM: `onShutdown` when there is one. Without it the process ends as SIGTERM's default action
 * ends it, once its output is out — unless the program handles SIGTERM itself, which then decides.
 */
function onSigterm(): void {
  if (onShutdown) return void shutdown();
  if (stopping || process.listenerCount('SIGTERM') > 1) return;
  stopping = true;
  void flushStdio().then(() => {
    process.off('SIGTERM', onSigterm);
    process.kill(process.pid, 'SIGTERM');
  });
}

function install(ch: Channel): void {
  if (installed) return;
  installed = true;
  ch.on((message) => {
    if (!isEnvelope(message)) return;
    if (message.type === 'ping') ch.post(envelope('pong', { id: message.id, telemetry: sampleSelf() }));
    else if (message.type === 'shutdown') void shutdown();
  });
  if (ch.kind !== 'process') return;
  // Where the transport armed a parent-death signal the kernel has already killed this process when
  // its parent died; elsewhere the IPC channel closes, and `onShutdown` gets `orphanShutdownMs`.
  // The transport's preload (entry/orphan-watch) leaves this exit to us.
  (globalThis as Record<symbol, unknown>)[Symbol.for('@drove/pool/child.orphan-shutdown')] = true;
  process.on('disconnect', () => void shutdown(orphanShutdownMs));
  // A pipe is written asynchronously, a file or a terminal at once: only with a piped stdout or stderr can a
  // SIGTERM's default action drop output. Elsewhere it keeps ending the process at once, even a blocked one.
  if (onShutdown || outputIsPiped()) process.on('SIGTERM', onSigterm);
  // An uncaught error reaches the parent with its class and code; Node's own handling (stack, exit 1) stays.
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      ch.post(envelope('fatal', { error: serializeError(error) }));
    } catch {
      // Best effort: the exit is reported regardless.
    }
  });
}

/**
 * Tells the parent this child is ready (and on which port), and from then on
 * answers its `ping` with `pong`, stops on its `shutdown`, and — in a process —
 * exits when the IPC channel closes. (A child the transport started dies with
 * its parent from its first line on, before and after `ready()`: see the pool
 * README, "Orphans".) Returns false, doing
 * nothing, when there is no parent, so the same module runs standalone.
 */
export function ready(options: ReadyOptions = {}): boolean {
  const ch = channel();
  if (!ch) return false;
  if (options.onShutdown) onShutdown = options.onShutdown;
  if (options.orphanShutdownMs !== undefined) orphanShutdownMs = options.orphanShutdownMs;
  install(ch);
  ch.post(envelope('ready', { pid: process.pid, threadId, ...(options.port === undefined ? {} : { port: options.port }) }));
  return true;
}

/** At most one `active` envelope a second: the parent's idle clocks run in seconds. */
const ACTIVE_EVERY_MS = 1000;
let lastActiveAt = -Infinity;

/**
 * Tells the parent that this child served work the parent did not see (for
 * example requests on connections the parent handed over), so it counts as
 * use: the parent's idle clock starts over. Cheap to call on every request:
 * at most one message a second reaches the parent. Returns false, doing
 * nothing, outside a forked child.
 */
export function reportActivity(): boolean {
  const now = performance.now();
  // Within a second of the last report: one subtraction and out.
  if (now - lastActiveAt < ACTIVE_EVERY_MS) return true;
  const ch = channel();
  if (!ch || ch.kind !== 'process') return false;
  lastActiveAt = now;
  ch.post(envelope('active', {}));
  return true;
}

/**
 * Makes `server` accept on the listening socket `name` that the parent owns,
 * and on the connections the parent accepted on it while no child could.
 * Process children only: a thread cannot take a socket handle.
 *
 * @throws (rejects) `ERR_POOL_NO_PARENT` outside a forked child, `ERR_POOL_SOCKET` when the parent has no such socket.
 */
/** The fields Node's own accept sets on a server and its new socket (`onconnection` in lib/net.js). */
interface CountedServer {
  _connections?: unknown;
}
interface ServedSocket {
  server?: Server;
  _server?: Server;
}

/**
 * Counts a handed-over socket among the server's connections, as Node's own
 * accept does: `server.close()` (and its `close` event) then waits for it to
 * end, so a child that closes its server on shutdown answers the requests it is
 * serving on handed-over connections before it exits. Emitting `connection` alone
 * would leave the server believing it had none.
 */
function countAsServers(server: Server, socket: Socket): void {
  const counted = server as Server & CountedServer;
  if (typeof counted._connections !== 'number') return;
  counted._connections++;
  const served = socket as Socket & ServedSocket;
  served.server = server;
  served._server = server;
}

export function listen(server: Server, name = 'default'): Promise<void> {
  const ch = channel();
  if (!ch || ch.kind !== 'process') {
    return Promise.reject(
      new PoolError('ERR_POOL_NO_PARENT', 'listen() needs a forked child process (threads cannot receive socket handles)'),
    );
  }
  return new Promise((resolve, reject) => {
    // A parent that dies before it answers would leave this waiting for ever.
    const onDisconnect = () => reject(new PoolError('ERR_POOL_NO_PARENT', `The parent went away before it lent socket \`${name}\``));
    process.once('disconnect', onDisconnect);
    const onMessage: Listener = (message, handle) => {
      if (!isEnvelope(message) || !('name' in message) || (message as { name: unknown }).name !== name) return;
      const typed = message as Envelope;
      if (typed.type === 'connection' && handle) {
        // A bare handle (see `connectionHandle` in the transport) becomes a socket here, as Node does for a sent socket.
        const socket = handle instanceof Socket ? handle : new Socket({ handle, readable: true, writable: true } as ConstructorParameters<typeof Socket>[0]);
        countAsServers(server, socket);
        server.emit('connection', socket);
        // Sent before a byte is served: a connection not acknowledged when a child dies was
        // never touched, and the parent can serve it or hand it to the next child.
        ch.post(envelope('accepted', { name, id: typed.id }));
        // What the parent read comes first: it stopped reading before it sent the socket, so whatever this process reads follows.
        const head = typed.head;
        if (head !== undefined && head.byteLength > 0) socket.emit('data', Buffer.from(head.buffer, head.byteOffset, head.byteLength));
        return;
      }
      if (typed.type !== 'listen-handle') return;
      process.off('disconnect', onDisconnect);
      if (typed.error || !handle) {
        ch.off(onMessage);
        reject(new PoolError('ERR_POOL_SOCKET', typed.error ?? `The parent sent no handle for socket \`${name}\``));
        return;
      }
      server.once('error', reject);
      server.listen(handle as Server, () => {
        server.off('error', reject);
        ch.post(envelope('listening', { name }));
        resolve();
      });
    };
    ch.on(onMessage);
    ch.post(envelope('listen', { name }));
  });
}
