// Production connections against a real redis-server: an ACL user, a password (requirepass), and TLS with
// a CA of the test's own (certificates made with openssl in the server's folder). A remote pool and a
// drove-worker host connect with each; the password never appears in any output, error or event.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, removeTempDirs, startRedis, waitFor, type Redis } from '@drove/test-support';
import { connectionWithTls, createRemotePool, RemoteError, type Connection, type RemotePool } from '../src/index.js';
import { bin, fixture } from './helpers.js';

const servers: Redis[] = [];
const pools: RemotePool[] = [];
const children: { pid: number; exited: Promise<unknown>; kill(signal: NodeJS.Signals): void }[] = [];

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
  for (const child of children) {
    child.kill('SIGKILL');
    await child.exited;
    await waitFor(() => !isAlive(child.pid), { deadlineMs: 5000 });
  }
  await Promise.all(servers.map((server) => server.stop()));
  removeTempDirs();
});

async function server(options: Parameters<typeof startRedis>[0]): Promise<Redis> {
  const redis = await startRedis(options);
  servers.push(redis);
  return redis;
}

interface Worker {
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** drove-worker with the connection in REDIS_URL (as the README advises), and `args`. */
function worker(url: string, queue: string, args: string[] = []): Worker {
  const child = spawn(process.execPath, [bin, '--queue', queue, '--threads', '1', ...args, fixture], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDIS_URL: url } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  children.push({ pid: child.pid ?? 0, exited, kill: (signal) => child.kill(signal) });
  return {
    stderr: () => stderr,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Everything a run showed, to look for the password in: lines, errors (messages, stacks, causes, JSON), events, reports. */
class Shown {
  readonly #texts: string[] = [];
  add(value: unknown): void {
    if (value instanceof Error) {
      let error: unknown = value;
      for (let depth = 0; error instanceof Error && depth < 8; depth++) {
        this.#texts.push(error.message, String(error.stack), JSON.stringify(error), String(error));
        error = error.cause;
      }
      this.#texts.push(String(error));
      return;
    }
    this.#texts.push(typeof value === 'string' ? value : JSON.stringify(value));
  }
  includes(secret: string): boolean {
    return this.#texts.some((text) => text.includes(secret) || text.includes(encodeURIComponent(secret)));
  }
}

/** A pool on `connection` whose events and errors go to `shown`. */
function pool(connection: Connection, queue: string, shown: Shown, connectTimeoutMs = 10_000): RemotePool {
  const remote = createRemotePool({ queue, connection, connectTimeoutMs, telemetryIntervalMs: 100 });
  pools.push(remote);
  remote.on('error', (error) => shown.add(error));
  remote.on('telemetry', (event) => shown.add(event));
  return remote;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('an ACL user and a password', () => {
  it('runs tasks on a host as an ACL user; a wrong password fails with ERR_REMOTE_CONNECTION, and no password is shown', { timeout: 120_000 }, async () => {
    const secret = 'acl-S3cret-97f1';
    const redis = await server({ user: { name: 'drove-app', password: secret } });
    const shown = new Shown();
    const host = worker(redis.url, 'acl', ['--report-interval-ms', '100']);
    expect(await waitFor(() => host.stderr().includes('drove-worker: ready'), { deadlineMs: 20_000 })).toBe(true);
    expect(host.stderr()).toContain(`ready: queue acl at redis://***@127.0.0.1:${redis.port}`);
    const remote = pool(redis.url, 'acl', shown);
    expect(await remote.run(21)).toBe(42);
    const hosts = await remote.hosts();
    expect(hosts).toHaveLength(1);
    shown.add(hosts);
    shown.add(remote.stats());
    await remote.close();

    // The default user is off and a wrong password is refused: one typed error, no password in it.
    const wrong = 'wrong-Pa55-0c3e';
    const bad = pool(`redis://drove-app:${wrong}@127.0.0.1:${redis.port}`, 'acl', shown, 1500);
    const error = await rejection(bad.ready());
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_CONNECTION' });
    shown.add(error);
    const noUser = await rejection(pool(`redis://127.0.0.1:${redis.port}`, 'acl', shown, 1500).run(1));
    expect(noUser).toMatchObject({ code: 'ERR_REMOTE_CONNECTION' });
    shown.add(noUser);
    const refused = worker(`redis://drove-app:${wrong}@127.0.0.1:${redis.port}`, 'acl', ['--connect-timeout-ms', '1500']);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toContain(`drove-worker: could not reach Redis at redis://***@127.0.0.1:${redis.port}`);
    shown.add(refused.stderr());

    expect(await host.stop()).toBe(0);
    shown.add(host.stderr());
    expect(shown.includes(secret)).toBe(false);
    expect(shown.includes(wrong)).toBe(false);
    // The search itself finds a password where there is one.
    shown.add(new RemoteError('ERR_REMOTE_CONNECTION', 'x', { cause: new Error(redis.url) }));
    expect(shown.includes(secret)).toBe(true);
  });
});

describe('TLS with a CA of our own', () => {
  it('connects a pool and a drove-worker with rediss:// and the CA; without the CA both fail, showing no password', { timeout: 120_000 }, async () => {
    const secret = 'tls-S3cret-5b2a';
    const redis = await server({ tls: true, password: secret });
    const caFile = redis.tls?.caFile ?? '';
    const shown = new Shown();
    expect(redis.url).toBe(`rediss://:${secret}@127.0.0.1:${redis.port}`);
    const host = worker(redis.url, 'tls', ['--tls-ca', caFile, '--report-interval-ms', '100']);
    expect(await waitFor(() => host.stderr().includes('drove-worker: ready'), { deadlineMs: 20_000 })).toBe(true);
    expect(host.stderr()).toContain(`ready: queue tls at rediss://***@127.0.0.1:${redis.port}`);

    const connection = connectionWithTls(redis.url, { ca: redis.tls?.ca });
    const remote = pool(connection, 'tls', shown);
    expect(await remote.run(5)).toBe(10);
    const results: number[] = [];
    for await (const value of remote.map([1, 2, 3, 4], { concurrency: 2 })) results.push(value as number);
    expect(results).toEqual([2, 4, 6, 8]);
    shown.add(await remote.hosts());
    await remote.close();

    // The server's certificate is signed by no CA the system trusts: without ours, TLS fails.
    const untrusted = await rejection(pool(redis.url, 'tls', shown, 1500).ready());
    expect(untrusted).toMatchObject({ code: 'ERR_REMOTE_CONNECTION' });
    shown.add(untrusted);
    const plain = await rejection(pool(redis.url.replace('rediss:', 'redis:'), 'tls', shown, 1500).ready());
    expect(plain).toMatchObject({ code: 'ERR_REMOTE_CONNECTION' });
    shown.add(plain);
    const noCa = worker(redis.url, 'tls', ['--connect-timeout-ms', '1500']);
    expect(await noCa.exited).toBe(1);
    expect(noCa.stderr()).toContain(`drove-worker: could not reach Redis at rediss://***@127.0.0.1:${redis.port}`);
    shown.add(noCa.stderr());

    expect(await host.stop()).toBe(0);
    shown.add(host.stderr());
    expect(shown.includes(secret)).toBe(false);
  });
});
