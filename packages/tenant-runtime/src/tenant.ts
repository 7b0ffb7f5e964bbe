/**
 * The tenant side: one call that makes a Node server listen the way the
 * runtime asks, and tells the runtime it is ready.
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
import { LISTEN_MODE_ENV, isSocketGrant, readyWithPort, socketRequest } from './internal/protocol.js';

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
 * runtime died, even by SIGKILL), so no tenant is left orphaned.
 *
 * @throws the server's own `'error'` (for example `EADDRINUSE` when run standalone on a taken port).
 * @example
 * ```js
 * import { createServer } from 'node:http';
 * import { listen } from '@drove/tenant-runtime/tenant';
 * const { port, mode } = await listen(createServer((request, response) => response.end('ok')));
 * ```
 */
export async function listen(server: Server, options: TenantListenOptions = {}): Promise<TenantListening> {
  const mode = process.env[LISTEN_MODE_ENV];
  const send = process.send?.bind(process);
  if (!send || (mode !== 'handle' && mode !== 'report')) {
    const port = Number(process.env.PORT ?? options.port ?? 3000);
    await listenOn(server, { port, host: options.host ?? '127.0.0.1' });
    return { port: portOf(server), mode: 'standalone' };
  }
  process.once('disconnect', () => process.exit(0));
  if (mode === 'handle') {
    const handle = await new Promise<unknown>((resolve) => {
      const onMessage = (message: unknown, handle: unknown) => {
        if (!isSocketGrant(message)) return;
        process.off('message', onMessage);
        resolve(handle);
      };
      process.on('message', onMessage);
      send(socketRequest);
    });
    await listenOn(server, handle as Server);
  } else {
    await listenOn(server, { port: 0, host: '127.0.0.1' });
  }
  const port = portOf(server);
  send(readyWithPort(port));
  return { port, mode };
}

function listenOn(server: Server, target: Server | { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    if ('port' in target && typeof target.port === 'number') server.listen(target.port, target.host, onListening);
    else server.listen(target, onListening);
  });
}

function portOf(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
