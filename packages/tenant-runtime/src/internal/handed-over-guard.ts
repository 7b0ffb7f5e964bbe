/**
 * The tenant side of the front door's `handoff` mode: a connection handed
 * over was routed by the `Host` of its first request, so every later request
 * on it must name the same host. One that names another (a reverse proxy in
 * front reusing a connection for another client, or a client trying its
 * luck) is answered `421 Misdirected Request` (RFC 9110 §15.5.20) and the
 * connection is closed: it never reaches this tenant's handlers, and the
 * client may send it again on a new connection, which the front door routes.
 * Forwarding fields a client sends are dropped, as the proxied path drops them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import { isEnvelope } from '@drove/pool/envelope';
import { isForwardingField } from './forwarding-field.js';

/** Events whose first argument is a request read from a connection. */
const REQUEST_EVENTS = new Set(['request', 'checkContinue', 'checkExpectation', 'upgrade', 'connect']);
const BODY = '421 this connection serves another host: send the request on a new connection\n';
/** What a connection's expected host becomes once a request on it was misdirected. */
const MISDIRECTED = '\0misdirected';

/**
 * A handed-over connection is the client's own: what it says in `X-Forwarded-*`,
 * `Forwarded` or `X-Real-IP` is its own claim, dropped as the proxied path drops
 * it. The client's address is the socket's.
 */
function dropForwardingFields(request: IncomingMessage): void {
  const raw = request.rawHeaders;
  let found = false;
  for (let i = 0; i < raw.length; i += 2) if (isForwardingField((raw[i] as string).toLowerCase())) found = true;
  if (!found) return;
  const kept: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (isForwardingField(lower)) delete request.headers[lower];
    else kept.push(raw[i] as string, raw[i + 1] as string);
  }
  request.rawHeaders = kept;
}

/**
 * Watches `server` for connections the runtime hands over (pool's
 * `connection` envelope, which pool's `listen()` turns into a `connection`
 * event of the server in the same turn) and holds their requests to the
 * first one's `Host`. Connections the server accepts itself are not touched.
 */
export function guardHandedOverConnections(server: Server): void {
  /** Handed-over sockets: the host of their first request, `null` until it is read. */
  const hosts = new WeakMap<Socket, string | null>();
  let handingOver = false;
  // Prepended, so it runs before pool's own listener emits the connection.
  process.prependListener('message', (message: unknown, handle: unknown) => {
    if (handle === undefined || !isEnvelope(message) || message.type !== 'connection') return;
    handingOver = true;
    queueMicrotask(() => {
      handingOver = false;
    });
  });
  const emit = server.emit;
  server.emit = function guarded(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection' && handingOver) {
      handingOver = false;
      hosts.set(args[0] as Socket, null);
    } else if (typeof event === 'string' && REQUEST_EVENTS.has(event)) {
      const request = args[0] as IncomingMessage;
      const expected = hosts.get(request.socket);
      if (expected !== undefined) {
        const host = (request.headers.host ?? '').toLowerCase();
        if (expected === null) hosts.set(request.socket, host);
        else if (host !== expected || expected === MISDIRECTED) {
          // Requests pipelined after a misdirected one are refused too: the connection is closing.
          hosts.set(request.socket, MISDIRECTED);
          misdirected(request, event === 'request' || event === 'checkContinue' || event === 'checkExpectation' ? (args[1] as ServerResponse) : undefined);
          return true;
        }
        dropForwardingFields(request);
      }
    }
    return emit.apply(this, [event, ...args] as Parameters<Server['emit']>);
  } as Server['emit'];
}

function misdirected(request: IncomingMessage, response: ServerResponse | undefined): void {
  if (response === undefined) {
    // An upgrade or CONNECT: the socket is ours to answer on.
    request.socket.end(`HTTP/1.1 421 Misdirected Request\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`);
    return;
  }
  response.shouldKeepAlive = false;
  response.writeHead(421, { 'content-type': 'text/plain', 'content-length': BODY.length, connection: 'close' });
  response.end(BODY);
  request.resume();
}
