import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { findExecutable } from './find-executable.js';
import { freePort } from './free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { waitFor } from './wait-for.js';

/** A running redis-server started by {@link startRedis}. */
export interface Redis {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:PORT`; `rediss://` with `tls`, and `user:password@` (or `:password@`) when started with them. */
  url: string;
  /** With `tls`: the CA that signed the server's certificate (PEM, and its file in `dir`). */
  tls: { ca: string; caFile: string } | undefined;
  pid: number | undefined;
  /** Its own folder (working dir and log), removed by `stop()`. */
  dir: string;
  /** Its log so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 10 s; removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** Debian's redis-server (package redis-server), or the one `REDIS_SERVER_PATH` names; throws naming the package when there is none. */
export function findRedisServer(): string {
  return findExecutable({ name: 'redis-server', path: '/usr/bin/redis-server', env: 'REDIS_SERVER_PATH', debianPackage: 'redis-server' });
}

/** Options of {@link startRedis}; without any, a plain server that asks for no password. */
export interface StartRedisOptions {
  /** The default user's password (`requirepass`). */
  password?: string;
  /** An ACL user with every right (`user NAME on >PASSWORD ~* &* +@all`); the default user is turned off. */
  user?: { name: string; password: string };
  /**
   * TLS only, no plain port: a CA and a server certificate for 127.0.0.1 are
   * made with Debian's `openssl` in the server's folder; clients need no
   * certificate of their own. @default false
   */
  tls?: boolean;
}

/**
 * Sends PING and resolves whether the server answered as Redis does: +PONG, or
 * -NOAUTH when it wants a password (not merely that something accepts).
 */
function pongs(port: number, ca?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = ca === undefined ? connect({ port, host: '127.0.0.1' }) : connectTls({ port, host: '127.0.0.1', ca });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once(ca === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a real redis-server in the foreground on 127.0.0.1, with a free port
 * and a temp folder of its own, and no persistence (`--save ''
 * --appendonly no`): nothing outlives {@link Redis.stop}. The port is picked
 * free and taken a moment later: another process taking it meanwhile makes
 * redis-server exit, and it starts again on another port. With `password` or
 * `user` it asks for them (`url` carries them, for the tests that connect); with
 * `tls` it listens only with TLS, on a certificate signed by a CA of its own
 * (`tls.ca`, `tls.caFile`).
 *
 * @example
 * import { startRedis } from '@drove/test-support';
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * const queue = new Queue('q', { connection: { url: redis.url } });
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<Redis> {
  const binary = findRedisServer();
  const dir = makeTempDir('drove-redis-');
  const logPath = join(dir, 'redis.log');
  const tls = options.tls === true ? makeCertificates(dir) : undefined;
  const auth = [
    ...(options.password !== undefined ? ['--requirepass', options.password] : []),
    ...(options.user !== undefined ? ['--user', 'default', 'off', '--user', options.user.name, 'on', `>${options.user.password}`, '~*', '&*', '+@all'] : []),
  ];
  const credentials = options.user
    ? `${encodeURIComponent(options.user.name)}:${encodeURIComponent(options.user.password)}@`
    : options.password !== undefined
      ? `:${encodeURIComponent(options.password)}@`
      : '';
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const listen = tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no']
      : ['--port', String(port)];
    const args = [
      '--bind', '127.0.0.1',
      ...listen,
      ...auth,
      '--dir', dir,
      '--logfile', logPath,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      // BullMQ's advice: keys with data must never be evicted.
      '--maxmemory-policy', 'noeviction',
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let exited = false;
    child.once('exit', () => (exited = true));
    child.once('error', () => (exited = true));
    await waitFor(async () => exited || (await pongs(port, tls?.ca)), { deadlineMs: 10_000 });
    if (!exited) {
      let stopped: Promise<void> | undefined;
      return {
        port,
        url: `${tls ? 'rediss' : 'redis'}://${credentials}127.0.0.1:${port}`,
        tls: tls && { ca: tls.ca, caFile: tls.caFile },
        pid: child.pid,
        dir,
        log,
        stop() {
          stopped ??= (async () => {
            if (!exited) {
              child.kill('SIGTERM');
              if (!(await waitFor(() => exited, { deadlineMs: 10_000 }))) child.kill('SIGKILL');
              await waitFor(() => exited, { deadlineMs: 5000 });
            }
            rmSync(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
    const text = `${stderr}${log()}`;
    if (attempt < 5 && text.includes('Address already in use')) continue;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`redis-server (${binary}) did not start:\n${text}`);
  }
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl in `dir`, valid for a day. */
function makeCertificates(dir: string): { ca: string; caFile: string; certFile: string; keyFile: string } {
  const openssl = findExecutable({ name: 'openssl', path: '/usr/bin/openssl', env: 'OPENSSL_PATH', debianPackage: 'openssl' });
  const file = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=Drove test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.crt'), '-days', '1', '-extfile', file('server.ext')]);
  return { ca: readFileSync(file('ca.crt'), 'utf8'), caFile: file('ca.crt'), certFile: file('server.crt'), keyFile: file('server.key') };
}
