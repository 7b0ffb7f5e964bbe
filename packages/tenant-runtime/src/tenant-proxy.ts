/**
 * The front door: an HTTP server that routes each request to its tenant (by
 * host name or path prefix), starting the tenant when needed, and streams
 * bodies both ways.
 *
 * @module
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TenantRuntimeError } from './errors.js';
import type { Tenant } from './events.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { handConnectionsOver } from './internal/connection-handoff.js';
import { check } from './internal/validate.js';

/** Where a request goes: a tenant key, optionally with the path to forward (after a prefix was taken off). */
export type TenantRoute = string | { key: string; path?: string } | undefined;

/** Options of {@link createTenantProxy}. */
export interface TenantProxyOptions {
  /** Picks the tenant of a request; `undefined` answers 404. See {@link keyFromHost} and {@link keyFromPathPrefix}. */
  resolveKey: (request: IncomingMessage) => TenantRoute;
  /** `Retry-After` (seconds) of the 503 answered while the runtime drains. @default 5 */
  drainingRetryAfterSeconds?: number;
  /** The agent for requests to tenants. @default a keep-alive agent owned (and destroyed on close) by the proxy */
  agent?: Agent;
  /** Called with every error answered as a 5xx (or that broke a response under way), for logs. */
  onError?: (error: unknown, request: IncomingMessage) => void;
  /**
   * Answers the requests `resolveKey` routes to no tenant (the host's own
   * pages, a health check, an admin API) instead of the 404.
   * @default a 404 "no such tenant"
   */
  fallback?: (request: IncomingMessage, response: ServerResponse) => void;
  /**
   * Hand each connection to its tenant after routing its first request: the
   * tenant's server then serves the connection itself, with no proxy hop (as
   * fast as going to the tenant directly). Every request on a connection goes
   * to the tenant its first request named, unread here: no `X-Forwarded-*`
   * headers (the tenant sees the client's own address), and a tenant that
   * dies mid-request breaks the connection instead of answering 502. Works
   * for routes that keep the path (`keyFromHost`) and tenants that listen
   * through `@drove/tenant-runtime/tenant` under `listen: 'handle'`; any
   * other connection is proxied as usual.
   * @default false
   */
  handoff?: boolean;
}

// Connection-level headers (RFC 9110 §7.6.1) are the proxy's own on each side, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Creates an HTTP server (not yet listening) that proxies each request to
 * its tenant: it resolves the key, calls `runtime.ensure(key)` (which touches
 * the tenant) and `touch(key)` again when the response ends, and streams the
 * request and response bodies. It answers:
 *
 * - 404 when `resolveKey` returns `undefined`, or the key is invalid or has no directory;
 * - 503 with `Retry-After` when the tenant backs off after failed starts or the runtime drains
 *   (503 without it once the tenant is refused until `clearBackoff()`, or the runtime is disposed);
 * - 502 when the tenant died before or while answering, 504 when it never became ready.
 *
 * @example
 * ```ts
 * import { createRuntime, createTenantProxy, keyFromHost } from '@drove/tenant-runtime';
 * const runtime = createRuntime({ source: { kind: 'directory', root: '/srv/tenants' } });
 * createTenantProxy(runtime, { resolveKey: keyFromHost({ suffix: '.apps.example.com' }) }).listen(8080);
 * ```
 */
export function createTenantProxy(runtime: TenantRuntime, options: TenantProxyOptions): Server {
  check.keys('options', options, ['resolveKey', 'drainingRetryAfterSeconds', 'agent', 'onError', 'fallback', 'handoff']);
  check.function('resolveKey', options.resolveKey);
  const drainingRetryAfter = options.drainingRetryAfterSeconds ?? 5;
  check.count('drainingRetryAfterSeconds', drainingRetryAfter, { min: 0 });
  if (options.onError !== undefined) check.function('onError', options.onError);
  if (options.fallback !== undefined) check.function('fallback', options.fallback);
  if (options.handoff !== undefined) check.boolean('handoff', options.handoff);
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' });
  const { resolveKey, onError, fallback } = options;

  const refusals = new WeakMap<Socket, { error: unknown }>();
  const server = createServer((request, response) => {
    let route: TenantRoute;
    try {
      route = resolveKey(request);
    } catch (error) {
      onError?.(error, request);
      answer(response, 500, 'could not route the request');
      return;
    }
    const key = typeof route === 'string' ? route : route?.key;
    if (typeof key !== 'string') {
      if (fallback) fallback(request, response);
      else answer(response, 404, 'no such tenant');
      return;
    }
    const path = typeof route === 'object' && route.path !== undefined ? route.path : (request.url ?? '/');
    // A connection the handoff could not hand over because its tenant was refused: this is its first request, answered with that refusal.
    const refusal = refusals.get(request.socket);
    if (refusal !== undefined) {
      refusals.delete(request.socket);
      refuse(request, response, refusal.error);
      return;
    }
    runtime.ensure(key).then(
      (tenant) => forward(request, response, tenant, path),
      (error: unknown) => refuse(request, response, error),
    );
  });

  function forward(request: IncomingMessage, response: ServerResponse, tenant: Tenant, path: string, retried = false): void {
    const upstream = httpRequest({
      host: '127.0.0.1',
      port: tenant.port,
      method: request.method,
      path,
      headers: forwardedRequestHeaders(request),
      agent,
    });
    upstream.on('response', (answerFromTenant) => {
      response.writeHead(answerFromTenant.statusCode ?? 502, answerFromTenant.statusMessage, withoutHopByHop(answerFromTenant.rawHeaders));
      relay(answerFromTenant, response);
      answerFromTenant.once('end', () => {
        response.end();
        runtime.touch(tenant.key);
      });
      answerFromTenant.once('error', (error) => {
        onError?.(error, request);
        response.destroy(error);
      });
    });
    upstream.on('error', (error) => {
      // The tenant died a moment ago and the runtime has not seen its exit yet: a request that
      // carries no body (so nothing of it was consumed) waits for the exit and goes to a new process.
      if (!retried && !response.headersSent && !hasBody(request) && isClosedPort(error, upstream.reusedSocket)) {
        const bound = new Promise<void>((resolve) => setTimeout(resolve, EXIT_WAIT_MS).unref());
        void Promise.race([runtime.exited(tenant), bound])
          .then(() => runtime.ensure(tenant.key))
          .then(
            (next) => (next === tenant ? answer(response, 502, `tenant "${tenant.key}" failed to answer`) : forward(request, response, next, path, true)),
            (startError: unknown) => refuse(request, response, startError),
          );
        return;
      }
      onError?.(error, request);
      // The tenant died mid-answer: the client must see a broken response, not a short one.
      if (response.headersSent) response.destroy(error);
      else answer(response, 502, `tenant "${tenant.key}" failed to answer`);
    });
    // The client went away before the answer was complete: stop the work upstream.
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    if (hasBody(request)) {
      relay(request, upstream);
      request.once('end', () => upstream.end());
    } else {
      request.resume();
      upstream.end();
    }
  }

  function refuse(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    const code = error instanceof TenantRuntimeError ? error.code : undefined;
    switch (code) {
      case 'ERR_TENANT_INVALID_KEY':
      case 'ERR_TENANT_NOT_FOUND':
        answer(response, 404, 'no such tenant');
        return;
      case 'ERR_TENANT_BACKOFF': {
        const retryAfterMs = (error as { retryAfterMs: number | null }).retryAfterMs;
        const retryAfter = retryAfterMs === null ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
        answer(response, 503, 'tenant is unavailable after failed starts', retryAfter);
        return;
      }
      case 'ERR_TENANT_DRAINING':
        answer(response, 503, 'the runtime is draining', drainingRetryAfter);
        return;
      case 'ERR_TENANT_DISPOSED':
        answer(response, 503, 'the runtime is shut down');
        return;
      case 'ERR_TENANT_EXITED':
        onError?.(error, request);
        answer(response, 502, 'tenant exited while starting');
        return;
      case 'ERR_TENANT_NOT_READY':
        onError?.(error, request);
        answer(response, 504, 'tenant did not become ready');
        return;
      default:
        onError?.(error, request);
        answer(response, 500, 'could not start the tenant');
    }
  }

  if (options.agent === undefined) server.once('close', () => agent.destroy());
  if (options.handoff === true) handConnectionsOver(server, runtime, resolveKey, (socket, error) => refusals.set(socket, { error }));
  return server;
}

/** How long a request that found its tenant's port closed waits for the runtime to see the tenant's exit. */
const EXIT_WAIT_MS = 3000;

/**
 * The request never reached a live tenant: its port refused the connection, or a kept-alive
 * connection the tenant had closed broke as the request was sent (Node's advice for retrying
 * idempotent requests). A fresh connection that breaks is not retried: the request may be
 * what killed the tenant.
 */
function isClosedPort(error: unknown, reusedSocket: boolean): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || (reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'));
}

/** Copies a body with backpressure: lighter than `pipe()`, which the proxy would pay twice per request. */
function relay(from: IncomingMessage, to: NodeJS.WritableStream): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

/** True when a request carries a body (RFC 9112 §6.3: a length, or a transfer coding). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function answer(response: ServerResponse, status: number, message: string, retryAfterSeconds?: number): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = `${status} ${message}\n`;
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = retryAfterSeconds;
  response.writeHead(status, headers);
  response.end(body);
}

/** The request's headers for the tenant: hop-by-hop ones dropped, `x-forwarded-*` added. */
function forwardedRequestHeaders(request: IncomingMessage): string[] {
  const headers = withoutHopByHop(request.rawHeaders);
  const remote = request.socket.remoteAddress;
  const priorFor = request.headers['x-forwarded-for'];
  if (remote !== undefined) {
    headers.push('x-forwarded-for', typeof priorFor === 'string' ? `${priorFor}, ${remote}` : remote);
  }
  if (request.headers.host !== undefined && request.headers['x-forwarded-host'] === undefined) {
    headers.push('x-forwarded-host', request.headers.host);
  }
  if (request.headers['x-forwarded-proto'] === undefined) {
    headers.push('x-forwarded-proto', (request.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  }
  return headers;
}

/** A flat raw-header list without hop-by-hop headers (and without those the `Connection` header names). */
function withoutHopByHop(raw: string[]): string[] {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === 'connection') {
      named ??= new Set();
      for (const token of (raw[i + 1] as string).split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || lower === 'x-forwarded-for') continue;
    kept.push(name, raw[i + 1] as string);
  }
  return kept;
}

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
  return (request) => {
    const host = request.headers.host;
    if (host === undefined) return undefined;
    const name = host.replace(/:\d+$/, '').toLowerCase();
    if (suffix === undefined) {
      const dot = name.indexOf('.');
      return dot > 0 ? name.slice(0, dot) : name || undefined;
    }
    if (!name.endsWith(suffix) || name.length === suffix.length) return undefined;
    return name.slice(0, -suffix.length);
  };
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
  return (request) => {
    const url = request.url ?? '/';
    if (!url.startsWith('/')) return undefined;
    const end = url.slice(1).search(/[/?]/);
    const key = end === -1 ? url.slice(1) : url.slice(1, end + 1);
    if (key === '') return undefined;
    const rest = end === -1 ? '' : url.slice(end + 1);
    return { key: safeDecode(key), path: rest.startsWith('/') ? rest : `/${rest}` };
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
