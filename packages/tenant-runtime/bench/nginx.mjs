// Debian's nginx (package nginx-light) for the proxy benchmark, configured as an expert fronts a
// Node app: one worker per core, an upstream with kept-alive connections, HTTP/1.1 to the app,
// no access log. Everything of its own (config, pid file, error log, temp folders) in a temp folder.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The first executable `name` on PATH (or at one of `also`), or undefined. */
export function findBinary(name, also = []) {
  for (const candidate of [...also, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, name))]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // the next one
    }
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx on 127.0.0.1 (a free port) proxying to 127.0.0.1:`upstreamPort`; resolves with `{ port, pid, stop() }`. */
export async function startNginx(binary, upstreamPort) {
  const dir = mkdtempSync(join(tmpdir(), 'drove-bench-nginx-'));
  for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  const errorLog = join(dir, 'error.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${errorLog} warn;
events { worker_connections 4096; }
http {
  access_log off;
  # Kept-alive client connections are not closed every 1,000 requests (wrk does not reconnect for free).
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream tenant {
    server 127.0.0.1:${upstreamPort};
    keepalive 32;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://tenant;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
    );
    const child = spawn(binary, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    const deadline = Date.now() + 10_000;
    while (!exited && Date.now() < deadline && !(await accepts(port))) await sleep(20);
    if (!exited && Date.now() < deadline) {
      return {
        port,
        pid: child.pid,
        async stop() {
          if (!exited) {
            child.kill('SIGTERM');
            const end = Date.now() + 10_000;
            while (!exited && Date.now() < end) await sleep(20);
            if (!exited) child.kill('SIGKILL');
          }
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    const log = `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
    if (attempt < 5 && log.includes('Address already in use')) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx (${binary}) did not start:\n${log}`);
  }
}

/** `wrk -t1 -c16 -d5s` (by default) with `host` as the Host header; resolves with requests/s and the errors wrk counted. */
export function runWrk(binary, port, host, { threads = 1, connections = 16, seconds = 5 } = {}) {
  const result = spawnSync(binary, [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], {
    encoding: 'utf8',
  });
  if (result.error !== undefined || result.status !== 0) throw new Error(`wrk failed: ${result.error?.message ?? result.stderr}`);
  const out = result.stdout;
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1];
  if (Number.isNaN(rate)) throw new Error(`could not read wrk's output:\n${out}`);
  return { rate, non2xx, socketErrors };
}
