/**
 * The child's side: what a supervised Node child (process or thread) calls
 * to say it is ready, to answer the supervisor's heartbeat, to stop
 * gracefully, and to accept on a socket the supervisor lends it.
 *
 * It is `@drove/pool/child`, narrowed to a supervisor's children: a module
 * that runs under another parent (a test runner's fork, a pool) is not
 * supervised, and `ready()` and `listen()` leave that parent alone.
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { hasParent, listen as listenOnParent, ready as readyToParent, type ReadyOptions as ParentReadyOptions } from '@drove/pool/child';
import { envelope, serializeError } from '@drove/pool/envelope';
import { CHILD_ENV } from './internal/child-env.js';

/**
 * What {@link ready} takes: `onShutdown` and `orphanShutdownMs` (default
 * 10000), as `@drove/pool/child` has them. The supervisor reads no `port`.
 */
export type ReadyOptions = Omit<ParentReadyOptions, 'port'>;

/** True when this module runs in a child of a supervisor (a process or a thread). */
export function isSupervised(): boolean {
  return process.env[CHILD_ENV] !== undefined && hasParent();
}

/** The name the supervisor knows this child by, when supervised. */
export function childName(): string | undefined {
  return isSupervised() ? process.env[CHILD_ENV] : undefined;
}

// pool's helper reports an uncaught error from `ready()` on. A supervised
// process that dies while it starts still tells the supervisor's `exit` event
// what it died of: importing this module is enough. Node's own handling (the
// stack on stderr, exit code 1) stays; a thread's error travels anyway.
let reportedByPool = false;
if (isMainThread && isSupervised()) {
  process.on('uncaughtExceptionMonitor', (error) => {
    if (reportedByPool || !process.connected) return;
    try {
      process.send!(envelope('fatal', { error: serializeError(error) }));
    } catch {
      // Best effort: the exit is reported regardless.
    }
  });
}

/**
 * Tells the supervisor this child is ready (it counts as running from now
 * on), and from then on answers its `ping` with `pong`, stops on its
 * `shutdown`, and — in a process — exits when the supervisor is gone, even
 * SIGKILLed, so no orphan is left (`@drove/pool/child`'s `ready`). Returns
 * false, doing nothing, when the module does not run under a supervisor (so
 * the same module runs standalone).
 *
 * @example
 * ```ts
 * import { ready } from '@drove/supervisor/child';
 * await openDatabase();
 * ready({ onShutdown: () => closeDatabase() });
 * ```
 */
export function ready(options: ReadyOptions = {}): boolean {
  if (!isSupervised()) return false;
  reportedByPool = readyToParent(options);
  return reportedByPool;
}

/**
 * Makes `server` accept on the listening socket `name` that the supervisor
 * owns (its `sockets` option), and on the connections the supervisor accepts
 * on it while no other child could. Process children only
 * (`@drove/pool/child`'s `listen`).
 *
 * @throws (rejects) PoolError `ERR_POOL_NO_PARENT` outside a supervised process child,
 *   `ERR_POOL_SOCKET` when the supervisor has no such socket.
 */
export async function listen(server: Server, name = 'default'): Promise<void> {
  if (!isSupervised()) {
    // Loaded only here: a supervised child needs no more of pool than its child helper.
    const { PoolError } = await import('@drove/pool');
    throw new PoolError('ERR_POOL_NO_PARENT', 'listen() needs a process child of a supervisor (threads cannot receive socket handles)');
  }
  try {
    await listenOnParent(server, name);
  } catch (error) {
    throw await asPoolError(error);
  }
}

/**
 * This module is one bundled file (it starts faster than a module graph), so
 * the pool errors of its inlined copy of `@drove/pool/child` are of a copy of
 * `PoolError`: they are rethrown as `@drove/pool`'s own, the original as the
 * cause, so `instanceof PoolError` holds for the caller.
 */
async function asPoolError(error: unknown): Promise<unknown> {
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error) || error.name !== 'PoolError' || typeof code !== 'string') return error;
  const { PoolError } = await import('@drove/pool');
  if (error instanceof PoolError) return error;
  return new PoolError(code as ConstructorParameters<typeof PoolError>[0], error.message, { cause: error });
}

/** What {@link drain} takes. */
export interface DrainOptions {
  /**
   * How often connections that are idle (keep-alive connections between
   * requests) are closed while the server drains; the first time after this
   * long, so a client busy on one gets its next answer with `connection: close` first.
   * @default 1000
   */
  idleCloseMs?: number;
}

/**
 * Stops a server gracefully, for `ready({ onShutdown })`: it stops
 * accepting, and resolves once every connection has ended — the ones the
 * supervisor handed over too. An HTTP server answers each request from now on
 * with `connection: close`, so a keep-alive client opens its next connection
 * to a successor instead, and connections left idle are closed every
 * `idleCloseMs`. `server.close()` instead drops idle keep-alive connections
 * at once (Node >= 19), and a request a client sends on one right then is
 * reset: under keep-alive clients, that is what fails requests during a
 * reload.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { drain, listen, ready } from '@drove/supervisor/child';
 * const server = http.createServer((req, res) => res.end('hello'));
 * await listen(server, 'http');
 * ready({ onShutdown: () => drain(server) });
 * ```
 */
export function drain(server: Server, { idleCloseMs = 1000 }: DrainOptions = {}): Promise<void> {
  const http = server as Server & { closeIdleConnections?: () => void };
  let sweep: NodeJS.Timeout | undefined;
  if (typeof http.closeIdleConnections === 'function') {
    // First in line, before the application's own handler writes its headers.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      response.shouldKeepAlive = false;
    });
    sweep = setInterval(() => http.closeIdleConnections!(), idleCloseMs);
    sweep.unref();
  }
  return new Promise((resolve) => {
    // net.Server's close: it stops accepting and calls back once the last connection has ended;
    // http.Server's would also drop the idle keep-alive connections at once.
    Server.prototype.close.call(server, () => {
      clearInterval(sweep);
      resolve();
    });
  });
}
