/**
 * The proxy's `handoff` mode: the first request head of each new connection
 * is read here (pool's `readConnectionHead`, which stops the socket so no
 * byte is lost), routed with the proxy's `resolveKey`, and the connection is
 * handed to its tenant (`runtime.handOver`), which serves it from then on. A
 * connection that cannot go that way is served by the proxy's own HTTP
 * server, as if it had never been read: no route, a route that rewrites the
 * path, a head this module does not read plainly, a tenant that cannot take
 * connections, a tenant refused or failed to start (answered with that error).
 */
import { IncomingMessage, maxHeaderSize, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { readConnectionHead, resumeReading } from '@drove/pool/transport';
import type { Tenant } from '../events.js';
import type { TenantRoute } from '../tenant-proxy.js';
import type { TenantRuntime } from '../tenant-runtime.js';

const END_OF_HEAD = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/1\.([01])$/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/;

function ignore(): void {}

/**
 * Takes over `server`'s connections: each is handed to its tenant when it can
 * be, and served by `server` otherwise. When the tenant was refused or failed
 * to start, `refused(socket, error)` runs first, so that `server` answers the
 * connection's first request with that error instead of starting it again.
 */
export function handConnectionsOver(
  server: Server,
  runtime: TenantRuntime,
  resolveKey: (request: IncomingMessage) => TenantRoute,
  refused: (socket: Socket, error: unknown) => void,
): void {
  const serveHere = server.listeners('connection')[0] as (socket: Socket) => void;
  server.removeListener('connection', serveHere);
  server.on('connection', (socket: Socket) => void route(socket));

  async function route(socket: Socket): Promise<void> {
    // Until the HTTP server or a tenant owns the socket, its errors (a client that went away) end it quietly.
    socket.on('error', ignore);
    // A client that never finishes its head is dropped after the server's `headersTimeout` (0: never).
    const timer = server.headersTimeout > 0 ? setTimeout(() => socket.destroy(), server.headersTimeout).unref() : undefined;
    const head = await readConnectionHead(socket, { complete: (bytes) => bytes.includes(END_OF_HEAD), maxBytes: maxHeaderSize });
    clearTimeout(timer);
    if (socket.destroyed) return;
    const here = () => {
      socket.off('error', ignore);
      resumeReading(socket);
      serveHere.call(server, socket);
      if (head.bytes.length > 0) socket.emit('data', head.bytes);
    };
    const request = head.complete ? requestFromHead(head.bytes, socket) : undefined;
    if (request === undefined) return here();
    let route: TenantRoute;
    try {
      route = resolveKey(request);
    } catch {
      return here(); // the HTTP server routes it again and answers the error
    }
    const key = typeof route === 'string' ? route : route?.key;
    // Later requests on the connection go to the same tenant unread: only a route that keeps the path can hold for them.
    if (key === undefined || (typeof route === 'object' && route.path !== undefined && route.path !== request.url)) return here();
    let tenant: Tenant;
    try {
      tenant = await runtime.ensure(key);
    } catch (error) {
      // Refused or failed to start: the HTTP server answers it (404, 503 with Retry-After, 502).
      if (socket.destroyed) return;
      refused(socket, error);
      return here();
    }
    if (socket.destroyed || (await runtime.handOver(tenant, socket, head.bytes))) return;
    if (!socket.destroyed) here();
  }
}

/** The request line and headers of a head, as the router sees them; `undefined` for anything not plainly HTTP/1.x. */
function requestFromHead(bytes: Buffer, socket: Socket): IncomingMessage | undefined {
  const lines = bytes.toString('latin1', 0, bytes.indexOf(END_OF_HEAD)).split('\r\n');
  const start = REQUEST_LINE.exec(lines[0] ?? '');
  if (start === null) return undefined;
  const rawHeaders: string[] = [];
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const header = HEADER_LINE.exec(lines[i] as string);
    if (header === null) return undefined;
    const [, name, value] = header as unknown as [string, string, string];
    rawHeaders.push(name, value);
    const lower = name.toLowerCase();
    // Node's own rule for the ones a router reads: the first `Host` counts, others join with commas.
    if (headers[lower] === undefined) headers[lower] = value;
    else if (lower !== 'host') headers[lower] += `, ${value}`;
  }
  const request = new IncomingMessage(socket);
  request.method = start[1] as string;
  request.url = start[2] as string;
  request.httpVersionMajor = 1;
  request.httpVersionMinor = Number(start[3]);
  request.httpVersion = `1.${start[3]}`;
  request.rawHeaders = rawHeaders;
  request.headers = headers;
  return request;
}
