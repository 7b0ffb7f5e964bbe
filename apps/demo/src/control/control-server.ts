/**
 * The coordinator's control API, on 127.0.0.1 only and behind the run's token:
 * the dashboard reads the state of the builds, the pools and the supervisor
 * here, and asks for a rebuild, a killed render process or a killed child.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hasToken, readJson, sendJson } from '../shared/http.js';
import type { CoordinatorState } from '../shared/state.js';

/** What the control API does; each action answers an error message, or `undefined` when done. */
export interface ControlHandlers {
  /** The state, or `undefined` while the demo is still starting. */
  state: () => CoordinatorState | undefined;
  rebuild: () => string | undefined;
  killWorker: (pid: number) => string | undefined;
  killChild: (name: string) => string | undefined;
  /** Sends a batch of tasks over the remote pool's hosts. */
  remoteBatch: () => string | undefined;
}

/**
 * Starts the control API before anything else: the supervisor's children are
 * told its address when they spawn, and the handlers find the rest of the
 * demo once it exists.
 */
export async function startControlServer(token: string, handlers: ControlHandlers): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (!hasToken(request, token)) {
      sendJson(response, 403, { error: 'the control API wants the demo token' });
      return;
    }
    const route = `${request.method} ${new URL(request.url ?? '/', 'http://control').pathname}`;
    void (async () => {
      const state = handlers.state();
      if (!state) {
        sendJson(response, 503, { error: 'the demo is starting' });
        return;
      }
      let problem: string | undefined;
      switch (route) {
        case 'GET /state':
          sendJson(response, 200, state);
          return;
        case 'POST /rebuild':
          problem = handlers.rebuild();
          break;
        case 'POST /kill-worker': {
          const { pid } = (await readJson(request)) as { pid?: unknown };
          problem = typeof pid === 'number' ? handlers.killWorker(pid) : 'expected { "pid": <number> }';
          break;
        }
        case 'POST /kill-child': {
          const { name } = (await readJson(request)) as { name?: unknown };
          problem = typeof name === 'string' ? handlers.killChild(name) : 'expected { "name": <string> }';
          break;
        }
        case 'POST /remote-batch':
          problem = handlers.remoteBatch();
          break;
        default:
          sendJson(response, 404, { error: `nothing at ${route}` });
          return;
      }
      if (problem === undefined) sendJson(response, 200, { ok: true });
      else sendJson(response, 409, { error: problem });
    })().catch((error: unknown) => sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
