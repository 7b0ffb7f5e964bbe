/**
 * The front door, a child of drove-demo's supervisor: @drove/tenant-runtime
 * starts one process per tenant on its first request and stops it when idle;
 * its proxy routes by path prefix (`/blog/…` → tenant `blog`) on the socket the
 * supervisor owns, so a restart of this process refuses no connection. Paths
 * that name no tenant — `/` and the admin API under `/_drove/` — are its own.
 */
import { readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listen, ready } from '@drove/supervisor/child';
import { createRuntime, createTenantProxy, formatPrometheus, keyFromPathPrefix, PROMETHEUS_CONTENT_TYPE } from '@drove/tenant-runtime';
import { hasToken, requireEnv, sendJson } from '../shared/http.js';
import type { FrontDoorState } from '../shared/state.js';
import { TenantBoard } from './tenant-board.js';

const token = requireEnv('DEMO_TOKEN');
const dashboardUrl = requireEnv('DEMO_DASHBOARD_URL');
const tenantsRoot = fileURLToPath(new URL('./tenants/', import.meta.url));
const keys = readdirSync(tenantsRoot).sort();
const board = new TenantBoard(keys);

const runtime = createRuntime({
  source: { kind: 'directory', root: tenantsRoot },
  entry: 'server.js',
  env: { DEMO_DATA_DIR: requireEnv('DEMO_DATA_DIR') },
  idleAfterMs: Number(requireEnv('DEMO_IDLE_MS')),
  sweepIntervalMs: 1000,
  observeIntervalMs: 1000,
  maxConcurrent: 8,
  readyTimeoutMs: 15_000,
  stopGraceMs: 2000,
  backoff: { baseMs: 2000, factor: 2, maxMs: 30_000, maxFailures: 20 },
  onTransition: (event) => {
    board.transition(event);
    if (event.type === 'ready') console.log(`tenant ${event.key} ready in ${Math.round(event.durationMs)} ms (pid ${event.pid})`);
    if (event.type === 'exit') console.log(`tenant ${event.key} exited: ${event.reason}`);
  },
  onMetrics: (event) => board.metrics(event),
  onLog: ({ key, line }) => console.log(`${key} | ${line}`),
});

function state(): FrontDoorState {
  return { pid: process.pid, tenants: board.list(), metrics: runtime.metrics(), draining: runtime.stats().draining };
}

function indexPage(): string {
  const rows = keys
    .map((key) => `<li><a href="/${key}/">/${key}/</a>${key === 'broken' ? ' — fails to start on purpose: watch it back off' : ''}</li>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drove demo</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}</style></head>
<body><h1>Drove demo</h1><p>One port, one process per tenant, started on its first request and stopped when idle.</p>
<ul>${rows}</ul><p><a href="${dashboardUrl}">Dashboard</a> · <a href="/_drove/metrics">Prometheus metrics</a></p></body></html>\n`;
}

/** The front door's own pages and the admin API the dashboard calls. */
async function own(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://front-door');
  if (request.method === 'GET' && pathname === '/') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(indexPage());
    return;
  }
  if (request.method === 'GET' && pathname === '/_drove/metrics') {
    response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(formatPrometheus(runtime.metrics()));
    return;
  }
  if (!pathname.startsWith('/_drove/')) {
    sendJson(response, 404, { error: 'no such tenant' });
    return;
  }
  if (!hasToken(request, token)) {
    sendJson(response, 403, { error: 'the admin API wants the demo token' });
    return;
  }
  if (request.method === 'GET' && pathname === '/_drove/state') {
    sendJson(response, 200, state());
    return;
  }
  if (request.method === 'POST' && pathname === '/_drove/drain') {
    runtime.drain();
    sendJson(response, 200, { ok: true, message: 'draining: running tenants go on, no new starts' });
    return;
  }
  const action = /^\/_drove\/tenants\/([^/]+)\/(kill|clear-backoff)$/.exec(pathname);
  if (request.method === 'POST' && action && keys.includes(action[1]!)) {
    const key = action[1]!;
    if (action[2] === 'kill') await runtime.kill(key);
    else {
      runtime.clearBackoff(key);
      board.cleared(key);
    }
    sendJson(response, 200, { ok: true, message: `${action[2]} ${key}: done` });
    return;
  }
  sendJson(response, 404, { error: `no admin action at ${request.method} ${pathname}` });
}

const proxy = createTenantProxy(runtime, {
  resolveKey: (request) => (request.url === '/' || request.url?.startsWith('/_drove/') ? undefined : keyFromPathPrefix()(request)),
  fallback: (request, response) => {
    own(request, response).catch((error: unknown) => sendJson(response, 500, { error: String(error) }));
  },
  onError: (error, request) => console.error(`${request.method} ${request.url}: ${(error as Error).message}`),
});

// Ctrl-C reaches the whole process group: the supervisor decides when this process stops.
process.on('SIGINT', () => {});
await listen(proxy, 'web');
ready({
  onShutdown: async () => {
    proxy.close();
    proxy.closeAllConnections();
    await runtime.dispose();
  },
});
