import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findExecutable } from './find-executable.js';
import { freePort } from './free-port.js';
import { makeTempDir } from './make-temp-dir.js';
import { waitFor } from './wait-for.js';

/** A running redis-server started by {@link startRedis}. */
export interface Redis {
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  /** `redis://127.0.0.1:PORT` */
  url: string;
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

/** Sends PING and resolves whether the answer was +PONG (not merely that something accepts). */
function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a real redis-server in the foreground on 127.0.0.1, with a free port
 * and a temp folder of its own, and no persistence (`--save ''
 * --appendonly no`): nothing outlives {@link Redis.stop}. The port is picked
 * free and taken a moment later: another process taking it meanwhile makes
 * redis-server exit, and it starts again on another port.
 *
 * @example
 * import { startRedis } from '@drove/test-support';
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * const queue = new Queue('q', { connection: { url: redis.url } });
 */
export async function startRedis(): Promise<Redis> {
  const binary = findRedisServer();
  const dir = makeTempDir('drove-redis-');
  const logPath = join(dir, 'redis.log');
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      '--bind', '127.0.0.1',
      '--port', String(port),
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
    await waitFor(async () => exited || (await pongs(port)), { deadlineMs: 10_000 });
    if (!exited) {
      let stopped: Promise<void> | undefined;
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
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
