/**
 * The tenant side: one call that makes a Node server listen the way the
 * runtime asks, and tells the runtime it is ready. The protocol is pool's
 * (`@drove/pool/child`); what is the tenant's own is choosing the way from
 * `DROVE_TENANT_LISTEN` and reporting the port.
 *
 * @example
 * ```js
 * // server.mjs, in a tenant's directory
 * import { createServer } from 'node:http';
 * import { listen } from '@drove/tenant-runtime/tenant';
 * const server = createServer((request, response) => response.end('hello'));
 * await listen(server);
 * ```
 *
 * @module
 */
import type { Server } from 'node:net';
import { hasParent, listen as listenOnParentSocket, ready, reportActivity } from '@drove/pool/child';
import { guardHandedOverConnections } from './internal/handed-over-guard.js';
import { LISTEN_MODE_ENV } from './internal/listen-mode.js';

/** Where {@link listen} made the server listen. */
export interface TenantListening {
  port: number;
  /** `handle`: on the socket the runtime bound; `report`: on a port the tenant bound; `standalone`: not under a runtime. */
  mode: 'handle' | 'report' | 'standalone';
}

/** Options of {@link listen}. */
export interface TenantListenOptions {
  /** Outside a runtime only: the port when `PORT` is not set. @default 3000 */
  port?: number;
  /** Outside a runtime only: the host to listen on. @default '127.0.0.1' */
  host?: string;
}

/**
 * Makes `server` (an `http.Server`, `https.Server` or `net.Server`) listen and
 * reports it ready to the runtime:
 *
 * - under `listen: 'handle'` (the default) it asks the runtime for the socket
 *   the runtime already bound and listens on that handle, so no port is ever
 *   chosen twice;
 * - under `listen: 'report'` it binds port 0 on 127.0.0.1 and reports the port
 *   the kernel gave it;
 * - outside a runtime it listens on `PORT` (or `options.port`), for local runs.
 *
 * Under a runtime it also exits when the runtime's IPC channel closes (the
 * runtime died, even by SIGKILL), so no tenant is left orphaned, and answers
 * the runtime's `ping` and `shutdown` envelopes. Under `listen: 'handle'` the
 * server also takes connections the runtime hands over (the proxy's
 * `handoff` mode), reports the requests it serves on them as activity, and
 * answers a request on such a connection whose `Host` is not the one its
 * first request named with `421 Misdirected Request`, closing it: a
 * connection the front door handed over carries one tenant's requests only.
 *
 * @throws the server's own `'error'` (for example `EADDRINUSE` when run standalone on a taken port);
 *   under `listen: 'handle'`, pool's `ERR_POOL_SOCKET` when the runtime lends no socket.
 * @example
 * ```js
 * import { createServer } from 'node:http';
 * import { listen } from '@drove/tenant-runtime/tenant';
 * const { port, mode } = await listen(createServer((request, response) => response.end('ok')));
 * ```
 */
export async function listen(server: Server, options: TenantListenOptions = {}): Promise<TenantListening> {
  const mode = process.env[LISTEN_MODE_ENV];
  if (!hasParent() || (mode !== 'handle' && mode !== 'report')) {
    const port = Number(process.env.PORT ?? options.port ?? 3000);
    await listenOn(server, port, options.host ?? '127.0.0.1');
    return { port: portOf(server), mode: 'standalone' };
  }
  // Until ready() watches the channel, a runtime that dies meanwhile must not leave this tenant waiting.
  const orphaned = () => process.exit(0);
  process.once('disconnect', orphaned);
  try {
    if (mode === 'handle') {
      guardHandedOverConnections(server);
      await listenOnParentSocket(server);
      // Requests on connections the runtime handed over pass no proxy: they reach the runtime's idle clock this way.
      server.on('request', () => reportActivity());
    } else await listenOn(server, 0, '127.0.0.1');
  } finally {
    process.off('disconnect', orphaned);
  }
  const port = portOf(server);
  ready({ port });
  return { port, mode };
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
