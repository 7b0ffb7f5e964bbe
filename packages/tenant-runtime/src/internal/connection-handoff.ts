/**
 * The proxy's `handoff` mode: the first request head of each new connection
 * is read here (pool's `readConnectionHead`, which stops the socket so no
 * byte is lost) and checked with the front door's strict parser, routed by
 * its `Host`, and the connection is handed to its tenant (`runtime.handOver`)
 * with that `Host`, which the tenant side holds every later request on the
 * connection to (421 otherwise). A connection that cannot go that way is
 * served by the front door itself from its first byte: a head the parser
 * refuses (answered 400 at once, bare LF included), no route, a peer that
 * `trustProxy` trusts (a reverse proxy mixes clients on one connection), a
 * tenant that cannot take connections, refused or failed to start.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { readConnectionHead, resumeReading } from '@drove/pool/transport';
import type { Tenant } from '../events.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import type { FrontDoor } from './front-door-connection.js';
import { headEnd, parseRequestHead, type RequestHead } from './http1-head.js';

function ignore(): void {}

/**
 * Takes over `server`'s connections: each is handed to its tenant when it can
 * be, and given to `serveHere` (with the bytes read so far, and the runtime's
 * refusal of its first request's tenant, if that was why) otherwise.
 */
export function handConnectionsOver(
  server: Server,
  runtime: TenantRuntime,
  door: FrontDoor,
  serveHere: (socket: Socket, bytes: Buffer, refusal?: { error: unknown }) => void,
): void {
  server.on('connection', (socket: Socket) => void route(socket));

  async function route(socket: Socket): Promise<void> {
    // Until the front door or a tenant owns the socket, its errors (a client that went away) end it quietly.
    socket.on('error', ignore);
    if (door.trusted(socket)) {
      // A proxy of the user's sends many clients' requests on one connection: served here, request by request.
      socket.off('error', ignore);
      return serveHere(socket, Buffer.alloc(0));
    }
    const here = (bytes: Buffer, refusal?: { error: unknown }) => {
      socket.off('error', ignore);
      resumeReading(socket);
      serveHere(socket, bytes, refusal);
    };
    // A client that never finishes its head is dropped after the server's `headersTimeout` (0: never).
    const timer = server.headersTimeout > 0 ? setTimeout(() => socket.destroy(), server.headersTimeout).unref() : undefined;
    const read = await readConnectionHead(socket, { complete: (bytes) => decided(bytes, door.maxHeaderSize), maxBytes: door.maxHeaderSize + 4 });
    clearTimeout(timer);
    if (socket.destroyed) return;
    const head = requestHead(read.bytes, door.maxHeaderSize);
    // Anything not plainly one good request head is the front door's to answer (or refuse).
    if (head === undefined) return here(read.bytes);
    let key: string | undefined;
    try {
      key = door.route(head, socket)?.key;
    } catch {
      return here(read.bytes);
    }
    if (key === undefined) return here(read.bytes);
    let tenant: Tenant;
    try {
      tenant = await runtime.ensure(key);
    } catch (error) {
      // Refused or failed to start: the front door answers the first request with that (404, 503 with Retry-After, 502).
      if (!socket.destroyed) here(read.bytes, { error });
      return;
    }
    if (socket.destroyed || (await runtime.handOver(tenant, socket, read.bytes))) return;
    if (!socket.destroyed) here(read.bytes);
  }
}

/** True once `bytes` hold a whole head, or enough to refuse it. */
function decided(bytes: Buffer, maxBytes: number): boolean {
  try {
    return headEnd(bytes, 0, maxBytes) !== 0;
  } catch {
    return true;
  }
}

/** The first request's head when it is whole and the strict parser takes it. */
function requestHead(bytes: Buffer, maxBytes: number): RequestHead | undefined {
  try {
    const end = headEnd(bytes, 0, maxBytes);
    return end === 0 ? undefined : parseRequestHead(bytes, 0, end);
  } catch {
    return undefined;
  }
}
