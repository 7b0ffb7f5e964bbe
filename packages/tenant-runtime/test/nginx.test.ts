// A real nginx (Debian's nginx-light) in front of the front door, configured the way nginx fronts
// Node apps: an upstream with kept-alive connections, HTTP/1.1, `Host` and `X-Forwarded-For` passed
// on. nginx sends requests of every client and every host on any upstream connection it keeps, so
// no request may reach a tenant other than its own, in either mode.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTenantProxy, keyFromHost, type TenantProxyOptions } from '@drove/tenant-runtime';
import { makeTempDir, removeTempDirs } from '@drove/test-support';
import { disposeAll, runtime, tenantsRoot, waitFor } from './helpers.js';

const whoamiScript = new URL('./fixtures/whoami-tenant.mjs', import.meta.url);
const KEYS = ['alpha', 'bravo', 'charlie', 'delta'];
const SUFFIX = '.tenants.test';
const CLIENTS = 20;
const REQUESTS = 200;
/** The clients connect from this loopback address, so that the tenant can tell their address from nginx's (127.0.0.1). */
const CLIENT_ADDRESS = '127.0.0.2';

/** Debian's nginx (package nginx-light, or nginx), or the one NGINX_PATH names; never skipped when missing. */
function findNginx(): string {
  const candidates = process.env.NGINX_PATH
    ? [process.env.NGINX_PATH]
    : ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nginx'))];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // the next one
    }
  }
  throw new Error(
    `No nginx binary (looked at ${candidates.join(', ')}): install Debian's nginx-light (\`sudo apt-get install -y nginx-light\`; ` +
      'the root `npm test` does it when it runs as root or with passwordless sudo), or set NGINX_PATH',
  );
}

interface Nginx {
  port: number;
  errorLog: () => string;
  stop: () => Promise<void>;
}

const running: Nginx[] = [];
const proxies: Server[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((nginx) => nginx.stop()));
  await Promise.all(
    proxies.splice(0).map((proxy) => {
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(resolve));
    }),
  );
  await disposeAll();
});
afterAll(removeTempDirs);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts nginx in the foreground (`daemon off;`) on 127.0.0.1 with everything of its own (config,
 * pid file, error log, temp folders) in a temp folder, proxying to 127.0.0.1:`upstreamPort`.
 * The port is picked free and taken by nginx a moment later: another process taking it meanwhile
 * makes nginx exit, and it is started again on another port.
 */
async function startNginx(upstreamPort: number): Promise<Nginx> {
  // Looked up by each test, so that each fails with the reason (a failed beforeAll shows them as skipped).
  const nginxBinary = findNginx();
  const dir = makeTempDir('drove-nginx-');
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  const errorLogPath = join(dir, 'error.log');
  const pidPath = join(dir, 'nginx.pid');
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `# nginx in front of Drove's front door, as it fronts Node apps.
daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${pidPath};
error_log ${errorLogPath} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream drove {
    server 127.0.0.1:${upstreamPort};
    keepalive 8;
    # Shorter than the front door's and the tenants' keep-alive (30 s): nginx closes an idle connection first.
    keepalive_timeout 10s;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://drove;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
    );
    const child: ChildProcess = spawn(nginxBinary, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', errorLogPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    await waitFor(async () => exited || (await accepts(port)));
    if (!exited) {
      const stop = async () => {
        if (exited) return;
        child.kill('SIGTERM');
        if (!(await waitFor(() => exited, 10_000))) child.kill('SIGKILL');
        await waitFor(() => exited, 5000);
      };
      return { port, errorLog, stop };
    }
    const log = `${stderr}${errorLog()}`;
    if (attempt < 5 && log.includes('Address already in use')) continue;
    throw new Error(`nginx (${nginxBinary}) did not start:\n${log}`);
  }
}

/** A front door for the four tenants (the whoami fixture), listening on 127.0.0.1. */
async function frontDoor(options: Partial<TenantProxyOptions>): Promise<number> {
  const { runtime: rt } = runtime(tenantsRoot(KEYS), { entry: whoamiScript });
  const proxy = createTenantProxy(rt, { resolveKey: keyFromHost({ suffix: SUFFIX }), ...options });
  // Longer than nginx's upstream keepalive_timeout, as for the tenants.
  proxy.keepAliveTimeout = 30_000;
  proxies.push(proxy);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return (proxy.address() as AddressInfo).port;
}

/** mulberry32: the same tenants in the same order on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  /** Answered 200 by the tenant the request's Host names, which saw that Host and path. */
  served: number;
  /** Answered 200 by another tenant, or with another Host or path: must never happen. */
  misrouted: string[];
  /** Answered 421 by a tenant holding a handed-over connection to another host. */
  misdirected: number;
  /** Anything else: an error status, a broken connection, no answer. */
  failed: string[];
  /** The X-Forwarded-For values the tenants saw. */
  forwardedFor: Set<string | null>;
}

interface Seen {
  key: string;
  host: string | null;
  forwardedFor: string | null;
  url: string;
}

function get(port: number, agent: Agent, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, agent, localAddress: CLIENT_ADDRESS, headers: { host }, timeout: 15_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('response aborted')));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** REQUESTS GETs through nginx from CLIENTS keep-alive clients at once, each picking tenants at random (seeded). */
async function load(nginxPort: number, seed: number): Promise<Outcome> {
  const outcome: Outcome = { served: 0, misrouted: [], misdirected: 0, failed: [], forwardedFor: new Set() };
  const client = async (index: number) => {
    const random = seeded(seed + index);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < REQUESTS / CLIENTS; i++) {
        const key = KEYS[Math.floor(random() * KEYS.length)] as string;
        const host = `${key}${SUFFIX}`;
        const path = `/client-${index}/request-${i}`;
        const label = `client ${index} request ${i} for ${host}`;
        let answer: { status: number; body: string };
        try {
          answer = await get(nginxPort, agent, host, path);
        } catch (error) {
          outcome.failed.push(`${label}: ${(error as Error).message}`);
          continue;
        }
        if (answer.status === 421) {
          outcome.misdirected++;
          continue;
        }
        if (answer.status !== 200) {
          outcome.failed.push(`${label}: ${answer.status} ${answer.body.replace(/\s+/g, ' ').trim().slice(0, 120)}`);
          continue;
        }
        const seen = JSON.parse(answer.body) as Seen;
        outcome.forwardedFor.add(seen.forwardedFor);
        if (seen.key === key && seen.host === host && seen.url === path) outcome.served++;
        else outcome.misrouted.push(`${label}: served by ${seen.key} as ${seen.host}${seen.url}`);
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, index) => client(index)));
  return outcome;
}

async function throughNginx(options: Partial<TenantProxyOptions>, seed: number): Promise<{ outcome: Outcome; errorLog: string }> {
  const nginx = await startNginx(await frontDoor(options));
  running.push(nginx);
  const outcome = await load(nginx.port, seed);
  // The end of nginx's error log, as the message of a failed assertion.
  return { outcome, errorLog: nginx.errorLog().trim().split('\n').slice(-10).join('\n') };
}

describe('behind nginx (upstream keepalive 8)', () => {
  it('proxied, nginx trusted: every request reaches its own tenant, and X-Forwarded-For names the client, then nginx', async () => {
    const { outcome, errorLog } = await throughNginx({ trustProxy: ['loopback'] }, 1);
    expect(outcome.misrouted).toEqual([]);
    expect(outcome.failed, errorLog).toEqual([]);
    expect(outcome.misdirected).toBe(0);
    expect(outcome.served).toBe(REQUESTS);
    expect([...outcome.forwardedFor]).toEqual([`${CLIENT_ADDRESS}, 127.0.0.1`]);
  });

  it('proxied, nginx not trusted: every request reaches its own tenant, and nginx’s X-Forwarded-For is replaced by its address', async () => {
    const { outcome, errorLog } = await throughNginx({}, 2);
    expect(outcome.misrouted).toEqual([]);
    expect(outcome.failed, errorLog).toEqual([]);
    expect(outcome.misdirected).toBe(0);
    expect(outcome.served).toBe(REQUESTS);
    expect([...outcome.forwardedFor]).toEqual(['127.0.0.1']);
  });

  it('handoff with nginx trusted: its connections are proxied, never handed over, so every request reaches its own tenant', async () => {
    const { outcome, errorLog } = await throughNginx({ handoff: true, trustProxy: ['loopback'] }, 3);
    expect(outcome.misrouted).toEqual([]);
    expect(outcome.failed, errorLog).toEqual([]);
    expect(outcome.misdirected).toBe(0);
    expect(outcome.served).toBe(REQUESTS);
    expect([...outcome.forwardedFor]).toEqual([`${CLIENT_ADDRESS}, 127.0.0.1`]);
  });

  it('handoff without trustProxy: a request on a connection handed to another tenant is answered 421, never served by it', async () => {
    const { outcome, errorLog } = await throughNginx({ handoff: true }, 4);
    // The documented cost of not naming nginx in trustProxy: 421s that nginx passes to its clients.
    console.log(`handoff behind an untrusted nginx: ${outcome.served} served, ${outcome.misdirected} answered 421, ${outcome.misrouted.length} misrouted, ${outcome.failed.length} failed`);
    expect(outcome.misrouted).toEqual([]);
    expect(outcome.failed, errorLog).toEqual([]);
    expect(outcome.served + outcome.misdirected).toBe(REQUESTS);
    expect(outcome.served).toBeGreaterThan(0);
  });
});
