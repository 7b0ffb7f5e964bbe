/**
 * The front door: an HTTP server that routes each request to its tenant (by
 * host name or path prefix), starting the tenant when needed, and streams
 * bodies both ways. Requests are read and framed by the front door itself
 * (`internal/front-door-connection.ts`); Node's HTTP server only serves the
 * `fallback`.
 *
 * @module
 */
import { createServer, IncomingMessage, maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TenantRuntimeError } from './errors.js';
import type { Tenant } from './events.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { handConnectionsOver } from './internal/connection-handoff.js';
import { forwardedFields, resolveTrustProxy, type TrustProxy } from './internal/forwarding.js';
import { serveConnection, type FrontDoor, type ServedConnection } from './internal/front-door-connection.js';
import type { RequestHead } from './internal/http1-head.js';
import { UpstreamPool } from './internal/upstream-pool.js';
import { check } from './internal/validate.js';

export type { TrustProxy } from './internal/forwarding.js';

/** Where a request goes: a tenant key, optionally with the path to forward (after a prefix was taken off). */
export type TenantRoute = string | { key: string; path?: string } | undefined;

/** Options of {@link createTenantProxy}. */
export interface TenantProxyOptions {
  /** Picks the tenant of a request; `undefined` answers 404. See {@link keyFromHost} and {@link keyFromPathPrefix}. */
  resolveKey: (request: IncomingMessage) => TenantRoute;
  /** `Retry-After` (seconds) of the 503 answered while the runtime drains. @default 5 */
  drainingRetryAfterSeconds?: number;
  /** Called with every error answered as a 5xx (or that broke a response under way), for logs. */
  onError?: (error: unknown, request: IncomingMessage) => void;
  /**
   * Answers the requests `resolveKey` routes to no tenant (the host's own
   * pages, a health check, an admin API) instead of the 404. Node's HTTP
   * server serves the connection from that request on, and closes it after
   * the answer.
   * @default a 404 "no such tenant"
   */
  fallback?: (request: IncomingMessage, response: ServerResponse) => void;
  /**
   * Which peers may speak for a client: their `X-Forwarded-For` is kept and
   * the client's address appended, their `X-Forwarded-Host` / `-Proto` kept,
   * and their connections are never handed over (a reverse proxy sends
   * requests of many clients on one connection). From anyone else those
   * fields, `Forwarded` and `X-Real-IP` are dropped and written anew.
   * `true` trusts every peer; an array lists addresses and CIDR ranges, and
   * the names `loopback`, `linklocal`, `uniquelocal`; a function decides per address.
   * @default false
   */
  trustProxy?: TrustProxy;
  /**
   * Hand each connection to its tenant after routing its first request: the
   * tenant's server then serves the connection itself, with no proxy hop (as
   * fast as going to the tenant directly). Needs a `resolveKey` made by
   * {@link keyFromHost} (routing by `Host` alone) and tenants that listen
   * through `@drove/tenant-runtime/tenant` under `listen: 'handle'`; the
   * tenant side answers a later request on the connection whose `Host`
   * differs from the first one's with `421 Misdirected Request` and closes
   * it. Connections from `trustProxy` peers, and any other the handoff cannot
   * take, are proxied as usual.
   * @default false
   */
  handoff?: boolean;
}

/**
 * Creates an HTTP server (not yet listening) that proxies each request to
 * its tenant: it reads each request with a strict HTTP/1.1 parser, refusing
 * what two parsers could read differently (RFC 9112; see the README's
 * table), resolves the key, calls `runtime.ensure(key)` (which touches the
 * tenant) and `touch(key)` again when the answer ends, and streams the
 * request and response bodies, each framed by the front door itself. It answers:
 *
 * - 400, 417, 431, 501, 505 (and closes) for requests it refuses to read;
 * - 404 when `resolveKey` returns `undefined`, or the key is invalid or has no directory;
 * - 503 with `Retry-After` when the tenant backs off after failed starts or the runtime drains
 *   (503 without it once the tenant is refused until `clearBackoff()`, or the runtime is disposed);
 * - 502 when the tenant died before or while answering, or answered malformed; 504 when it never became ready.
 *
 * @throws `ERR_TENANT_INVALID_OPTION` for invalid options (also `handoff: true` with a `resolveKey` not made by `keyFromHost`).
 * @example
 * ```ts
 * import { createRuntime, createTenantProxy, keyFromHost } from '@drove/tenant-runtime';
 * const runtime = createRuntime({ source: { kind: 'directory', root: '/srv/tenants' } });
 * createTenantProxy(runtime, { resolveKey: keyFromHost({ suffix: '.apps.example.com' }) }).listen(8080);
 * ```
 */
export function createTenantProxy(runtime: TenantRuntime, options: TenantProxyOptions): Server {
  check.keys('options', options, ['resolveKey', 'drainingRetryAfterSeconds', 'onError', 'fallback', 'trustProxy', 'handoff']);
  check.function('resolveKey', options.resolveKey);
  const drainingRetryAfter = options.drainingRetryAfterSeconds ?? 5;
  check.count('drainingRetryAfterSeconds', drainingRetryAfter, { min: 0 });
  if (options.onError !== undefined) check.function('onError', options.onError);
  if (options.fallback !== undefined) check.function('fallback', options.fallback);
  if (options.handoff !== undefined) check.boolean('handoff', options.handoff);
  const trusted = resolveTrustProxy(options.trustProxy);
  const { resolveKey, onError, fallback } = options;
  const byHost = (resolveKey as Routed)[ROUTE_BY_HOST];
  const byTarget = (resolveKey as Routed)[ROUTE_BY_TARGET];
  if (options.handoff === true && byHost === undefined) {
    check.fail('resolveKey', 'a route made by keyFromHost() with `handoff: true` (a handed-over connection is routed by its Host alone)', resolveKey);
  }

  // Node's server serves only connections handed to `fallback`, each closed after its answer.
  const server = createServer((request, response) => {
    response.shouldKeepAlive = false;
    (fallback as NonNullable<TenantProxyOptions['fallback']>)(request, response);
  });
  const serveWithNode = server.listeners('connection')[0] as (socket: Socket) => void;
  server.removeListener('connection', serveWithNode);
  const upstreams = new UpstreamPool();

  const door: FrontDoor = {
    upstreams,
    maxHeaderSize,
    keepAliveTimeoutMs: () => server.keepAliveTimeout,
    headersTimeoutMs: () => server.headersTimeout,
    accepting: () => server.listening,
    route(head, socket) {
      if (byHost !== undefined) {
        const key = byHost(head.host);
        return key === undefined ? undefined : { key, path: head.target };
      }
      if (byTarget !== undefined) return byTarget(head.target);
      const route = resolveKey(requestMessage(head, socket));
      const key = typeof route === 'string' ? route : route?.key;
      if (typeof key !== 'string') return undefined;
      return { key, path: typeof route === 'object' && route.path !== undefined ? route.path : head.target };
    },
    ensure: (key) => runtime.ensure(key),
    async successor(target) {
      const tenant = target as Tenant;
      const bound = new Promise<void>((resolve) => setTimeout(resolve, EXIT_WAIT_MS).unref());
      await Promise.race([runtime.exited(tenant), bound]);
      return runtime.ensure(tenant.key);
    },
    touch: (key) => runtime.touch(key),
    refusal: (error) => refusalOf(error, drainingRetryAfter),
    fallback:
      fallback === undefined
        ? undefined
        : (socket, bytes) => {
            serveWithNode.call(server, socket);
            socket.emit('data', bytes);
          },
    forwardedHeaders: (head, socket, peerTrusted) =>
      forwardedFields(head.rawHeaders, head.host, socket.remoteAddress, (socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', peerTrusted),
    trusted: (socket) => trusted(socket.remoteAddress),
    report(error, head, socket) {
      if (onError === undefined) return;
      try {
        onError(error, head === undefined ? new IncomingMessage(socket) : requestMessage(head, socket));
      } catch {
        // A hook that throws is ignored, like every observational hook.
      }
    },
  };

  // Every connection, from its accept: served here (a connection object), or still being read to be handed over (null).
  const sockets = new Map<Socket, ServedConnection | null>();
  server.prependListener('connection', (socket: Socket) => {
    sockets.set(socket, null);
    socket.once('close', () => sockets.delete(socket));
  });
  const serve = (socket: Socket, bytes?: Buffer, refusal?: { error: unknown }) => {
    if (socket.destroyed) return;
    sockets.set(socket, serveConnection(door, socket, bytes, refusal));
  };
  if (options.handoff === true) handConnectionsOver(server, runtime, door, serve);
  else server.on('connection', (socket: Socket) => serve(socket));
  // close() ends idle connections (as Node's own server does since Node 19); the others end after their current answer.
  const closeIdle = server.closeIdleConnections.bind(server);
  const closeAll = server.closeAllConnections.bind(server);
  server.closeIdleConnections = () => {
    for (const [socket, connection] of sockets) {
      if (connection === null) socket.destroy();
      else connection.closeIfIdle();
    }
    closeIdle();
  };
  server.closeAllConnections = () => {
    for (const socket of sockets.keys()) socket.destroy();
    closeAll();
  };
  // One timer for every connection's keep-alive and head timeouts (at most a second late), not one per request.
  let sweeper: NodeJS.Timeout | undefined;
  server.on('listening', () => {
    sweeper ??= setInterval(() => {
      const now = performance.now();
      for (const connection of sockets.values()) connection?.expire(now);
      upstreams.sweep(now);
    }, SWEEP_MS).unref();
  });
  server.once('close', () => {
    clearInterval(sweeper);
    sweeper = undefined;
    upstreams.close();
  });
  return server;
}

/** How often idle connections are checked against `keepAliveTimeout` and `headersTimeout`. */
const SWEEP_MS = 1000;

/** How long a request that found its tenant's port closed waits for the runtime to see the tenant's exit. */
const EXIT_WAIT_MS = 3000;

/** The answer to a runtime's refusal of `ensure()`. */
function refusalOf(error: unknown, drainingRetryAfter: number): ReturnType<FrontDoor['refusal']> {
  const code = error instanceof TenantRuntimeError ? error.code : undefined;
  switch (code) {
    case 'ERR_TENANT_INVALID_KEY':
    case 'ERR_TENANT_NOT_FOUND':
      return { status: 404, message: 'no such tenant', report: false };
    case 'ERR_TENANT_BACKOFF': {
      const retryAfterMs = (error as { retryAfterMs: number | null }).retryAfterMs;
      const retryAfter = retryAfterMs === null ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
      return { status: 503, message: 'tenant is unavailable after failed starts', retryAfter, report: false };
    }
    case 'ERR_TENANT_DRAINING':
      return { status: 503, message: 'the runtime is draining', retryAfter: drainingRetryAfter, report: false };
    case 'ERR_TENANT_DISPOSED':
      return { status: 503, message: 'the runtime is shut down', report: false };
    case 'ERR_TENANT_EXITED':
      return { status: 502, message: 'tenant exited while starting', report: true };
    case 'ERR_TENANT_NOT_READY':
      return { status: 504, message: 'tenant did not become ready', report: true };
    default:
      return { status: 500, message: 'could not start the tenant', report: true };
  }
}

/** A parsed request as Node's `IncomingMessage`, for a user's `resolveKey` and `onError`. */
function requestMessage(head: RequestHead, socket: Socket): IncomingMessage {
  const request = new IncomingMessage(socket);
  request.method = head.method;
  request.url = head.target;
  request.httpVersionMajor = 1;
  request.httpVersionMinor = head.minor;
  request.httpVersion = `1.${head.minor}`;
  request.rawHeaders = head.rawHeaders;
  const headers: Record<string, string> = {};
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  // The authority the request is routed by (an absolute-form target's, which equals Host when both are sent).
  if (head.host !== undefined) headers.host = head.host;
  request.headers = headers;
  return request;
}

const ROUTE_BY_HOST = Symbol('drove.routeByHost');
const ROUTE_BY_TARGET = Symbol('drove.routeByTarget');

/** The ready-made routes carry their rule in a form the front door applies without building a request object. */
type Routed = ((request: IncomingMessage) => TenantRoute) & {
  [ROUTE_BY_HOST]?: (host: string | undefined) => string | undefined;
  [ROUTE_BY_TARGET]?: (target: string) => { key: string; path: string } | undefined;
};

/**
 * A `resolveKey` taking the tenant from the host name: with `suffix`, the
 * part before it (`acme.apps.example.com` → `acme` for `.apps.example.com`,
 * other hosts → 404); without, the first label. The port is ignored.
 *
 * @example
 * ```ts
 * import { createTenantProxy, keyFromHost } from '@drove/tenant-runtime';
 * createTenantProxy(runtime, { resolveKey: keyFromHost({ suffix: '.apps.example.com' }) });
 * ```
 */
export function keyFromHost(options: { suffix?: string } = {}): (request: IncomingMessage) => TenantRoute {
  const suffix = options.suffix?.toLowerCase();
  const fromHost = (host: string | undefined): string | undefined => {
    if (host === undefined) return undefined;
    const name = host.replace(/:\d*$/, '').toLowerCase();
    if (suffix === undefined) {
      const dot = name.indexOf('.');
      return dot > 0 ? name.slice(0, dot) : name || undefined;
    }
    if (!name.endsWith(suffix) || name.length === suffix.length) return undefined;
    return name.slice(0, -suffix.length);
  };
  const route: Routed = (request) => fromHost(request.headers.host);
  route[ROUTE_BY_HOST] = fromHost;
  return route;
}

/**
 * A `resolveKey` taking the tenant from the first path segment and forwarding
 * the rest: `/acme/orders?page=2` goes to tenant `acme` as `/orders?page=2`.
 *
 * @example
 * ```ts
 * import { createTenantProxy, keyFromPathPrefix } from '@drove/tenant-runtime';
 * createTenantProxy(runtime, { resolveKey: keyFromPathPrefix() });
 * ```
 */
export function keyFromPathPrefix(): (request: IncomingMessage) => TenantRoute {
  const fromTarget = (url: string): { key: string; path: string } | undefined => {
    if (!url.startsWith('/')) return undefined;
    const end = url.slice(1).search(/[/?]/);
    const key = end === -1 ? url.slice(1) : url.slice(1, end + 1);
    if (key === '') return undefined;
    const rest = end === -1 ? '' : url.slice(end + 1);
    return { key: safeDecode(key), path: rest.startsWith('/') ? rest : `/${rest}` };
  };
  const route: Routed = (request) => fromTarget(request.url ?? '/');
  route[ROUTE_BY_TARGET] = fromTarget;
  return route;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
