/**
 * The dashboard, a child of drove-demo's supervisor: every second it reads
 * the coordinator's control API (builds, pools, supervisor) and the front
 * door's admin API (tenants), and pushes one snapshot to every page over a
 * WebSocket; the page's buttons come back as actions on the same socket.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname } from 'node:path';
import { listen, ready } from '@drove/supervisor/child';
import { WebSocketServer, type WebSocket } from 'ws';
import { callJson, requireEnv, sendJson } from '../shared/http.js';
import type { CoordinatorState, DashboardAction, DashboardSnapshot, FrontDoorState } from '../shared/state.js';

const token = requireEnv('DEMO_TOKEN');
const controlUrl = requireEnv('DEMO_CONTROL_URL');
const frontDoorUrl = requireEnv('DEMO_FRONT_DOOR_URL');
const publicDir = new URL('../public/', import.meta.url);
const files: Record<string, string> = { '/': 'dashboard.html', '/dashboard.js': 'dashboard.js', '/dashboard.css': 'dashboard.css' };
const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

let snapshot: DashboardSnapshot = { at: Date.now(), coordinator: undefined, frontDoor: undefined, problems: ['starting'] };

async function refresh(): Promise<DashboardSnapshot> {
  const [coordinator, frontDoor] = await Promise.allSettled([
    callJson<CoordinatorState>(`${controlUrl}/state`, token),
    callJson<FrontDoorState>(`${frontDoorUrl}/_drove/state`, token),
  ]);
  const problems: string[] = [];
  if (coordinator.status === 'rejected') problems.push(`coordinator: ${String(coordinator.reason)}`);
  if (frontDoor.status === 'rejected') problems.push(`front door: ${String(frontDoor.reason)} (restarting?)`);
  snapshot = {
    at: Date.now(),
    coordinator: coordinator.status === 'fulfilled' ? coordinator.value : snapshot.coordinator,
    frontDoor: frontDoor.status === 'fulfilled' ? frontDoor.value : undefined,
    problems,
  };
  return snapshot;
}

/** Carries out a page's action; answers what happened, for the page to show. */
async function perform(action: DashboardAction): Promise<string> {
  switch (action.type) {
    case 'rebuild':
      await callJson(`${controlUrl}/rebuild`, token, {});
      return 'rebuild started';
    case 'kill-worker':
      await callJson(`${controlUrl}/kill-worker`, token, { pid: action.pid });
      return `render process ${action.pid} killed`;
    case 'kill-child':
      await callJson(`${controlUrl}/kill-child`, token, { name: action.name });
      return `${action.name} killed with SIGKILL`;
    case 'kill-tenant':
      await callJson(`${frontDoorUrl}/_drove/tenants/${encodeURIComponent(action.key)}/kill`, token, {});
      return `tenant ${action.key} stopped`;
    case 'clear-backoff':
      await callJson(`${frontDoorUrl}/_drove/tenants/${encodeURIComponent(action.key)}/clear-backoff`, token, {});
      return `back-off of ${action.key} cleared`;
    case 'remote-batch':
      await callJson(`${controlUrl}/remote-batch`, token, {});
      return 'a batch of 200 tasks goes to the remote hosts';
    case 'drain':
      await callJson(`${frontDoorUrl}/_drove/drain`, token, {});
      return 'the runtime drains: no new tenant starts';
    default:
      throw new Error(`unknown action ${JSON.stringify(action)}`);
  }
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://dashboard').pathname;
  if (path === '/state.json') {
    sendJson(response, 200, snapshot);
    return;
  }
  const file = files[path];
  if (request.method !== 'GET' || file === undefined) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  readFile(new URL(file, publicDir)).then(
    (body) => response.writeHead(200, { 'content-type': types[extname(file)]!, 'cache-control': 'no-cache' }).end(body),
    () => response.writeHead(500).end(),
  );
});

const sockets = new WebSocketServer({ server, path: '/ws', maxPayload: 4096 });
const send = (socket: WebSocket, message: unknown) => {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
};
const broadcast = (message: unknown) => {
  for (const socket of sockets.clients) send(socket, message);
};

sockets.on('connection', (socket) => {
  send(socket, { type: 'state', state: snapshot });
  socket.on('message', (data) => {
    let request: { id?: unknown; action?: DashboardAction };
    try {
      request = JSON.parse(String(data)) as typeof request;
    } catch {
      return;
    }
    const { id, action } = request;
    if (!action || typeof action.type !== 'string') return;
    // The new state goes out before the result: a page (or a test) that sees the result sees its effect too.
    const outcome = perform(action).then(
      (message) => ({ ok: true, message }),
      (error: unknown) => ({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
    void outcome
      .then(async (result) => {
        broadcast({ type: 'state', state: await refresh() });
        return result;
      })
      .then((result) => send(socket, { type: 'result', id, ...result }));
  });
});

let ticking = false;
const timer = setInterval(() => {
  if (ticking) return;
  ticking = true;
  refresh()
    .then((state) => broadcast({ type: 'state', state }))
    .finally(() => {
      ticking = false;
    });
}, 1000);

process.on('SIGINT', () => {});
await listen(server, 'dashboard');
ready({
  onShutdown: async () => {
    clearInterval(timer);
    for (const socket of sockets.clients) socket.close(1001, 'the dashboard is stopping');
    sockets.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
});
