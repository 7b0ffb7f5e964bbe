import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findExecutable } from './find-executable.js';
import { freePort } from './free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { waitFor } from './wait-for.js';

/** A running nginx started by {@link startNginx}. */
export interface Nginx {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  pid: number | undefined;
  /** Its error log so far. */
  errorLog(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes its folder. */
  stop(): Promise<void>;
}

/** How {@link startNginx} configures nginx in front of one upstream. */
export interface NginxOptions {
  /** The upstream on 127.0.0.1 it proxies every request to. */
  upstreamPort: number;
  /** @default 1 */
  workers?: number | 'auto';
  /** Upstream connections kept alive per worker. @default 8 */
  upstreamKeepalive?: number;
  /** Extra lines inside the `upstream` block (e.g. `keepalive_timeout 10s;`). */
  upstreamExtra?: string;
  /** Extra lines inside the `http` block (e.g. `keepalive_requests 1000000;`). */
  httpExtra?: string;
}

/** Debian's nginx (package nginx-light), or the one `NGINX_PATH` names; throws naming the package when there is none. */
export function findNginx(): string {
  return findExecutable({ name: 'nginx', path: '/usr/sbin/nginx', env: 'NGINX_PATH', debianPackage: 'nginx-light' });
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
 * Starts nginx in the foreground on 127.0.0.1 the way it fronts Node apps:
 * `proxy_pass` to an upstream with kept-alive connections, HTTP/1.1,
 * `Connection ""`, `Host` and `X-Forwarded-For` passed on, no access log.
 * Everything of its own (config, pid file, error log, temp folders) lives in
 * a temp folder. The port is picked free and taken a moment later: another
 * process taking it meanwhile makes nginx exit, and it starts again on
 * another port.
 */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = findNginx();
  const dir = makeTempDir('drove-nginx-');
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  const errorLogPath = join(dir, 'error.log');
  const errorLog = () => (existsSync(errorLogPath) ? readFileSync(errorLogPath, 'utf8') : '');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes ${options.workers ?? 1};
pid ${dir}/nginx.pid;
error_log ${errorLogPath} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${options.httpExtra ?? ''}
  upstream app {
    server 127.0.0.1:${options.upstreamPort};
    keepalive ${options.upstreamKeepalive ?? 8};
    ${options.upstreamExtra ?? ''}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
    );
    const child = spawn(binary, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', errorLogPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    await waitFor(async () => exited || (await accepts(port)), { deadlineMs: 10_000 });
    if (!exited) {
      return {
        port,
        pid: child.pid,
        errorLog,
        async stop() {
          if (!exited) {
            child.kill('SIGTERM');
            if (!(await waitFor(() => exited, { deadlineMs: 10_000 }))) child.kill('SIGKILL');
            await waitFor(() => exited, { deadlineMs: 5000 });
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    const log = `${stderr}${errorLog()}`;
    if (attempt < 5 && log.includes('Address already in use')) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx (${binary}) did not start:\n${log}`);
  }
}
