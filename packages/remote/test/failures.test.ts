// The failure semantics the README states, against a real redis-server and real drove-worker processes:
// retries with back-off, abort (queued and running), a host killed (SIGKILL) or paused (SIGSTOP) past the
// stall interval, a host stopped gracefully (SIGTERM), and every task settling exactly once at the caller.
import { AbortError } from '@drove/pool';
import { isAlive, makeTempDir, removeTempDirs, startRedis, waitFor, type Redis } from '@drove/test-support';
import { Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRemotePool, type RemotePool } from '../src/index.js';
import { killHosts, marks, startHost, type Host } from './helpers.js';

let redis: Redis;
const pools: RemotePool[] = [];
const stall = ['--stall-interval-ms', '1000'];

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((remote) => remote.destroy()));
  await killHosts();
});

afterAll(async () => {
  await redis?.stop();
  removeTempDirs();
});

function pool(queue: string): RemotePool {
  const remote = createRemotePool({ queue, connection: redis.url, reconcileIntervalMs: 1000 });
  pools.push(remote);
  return remote;
}

const marksFile = () => join(makeTempDir('drove-remote-'), 'marks');
const started = (file: string, key: string) => marks(file).find(([what, k]) => what === 'start' && k === key);
const countOf = (file: string, what: string, key?: string) => marks(file).filter(([w, k]) => w === what && (key === undefined || k === key)).length;

async function pidThatStarted(file: string, key: string): Promise<number> {
  expect(await waitFor(() => started(file, key) !== undefined, { deadlineMs: 20_000 })).toBe(true);
  return Number(started(file, key)?.[2]);
}

describe('retries', () => {
  it('tries a failing task again with back-off, up to `attempts`, and settles it once', async () => {
    await startHost(redis.url, 'retry');
    const remote = pool('retry');
    const file = marksFile();
    expect(await remote.run({ file, failures: 2 }, { handler: 'flaky', attempts: 3, backoff: { type: 'fixed', delayMs: 50 } })).toBe(3);
    const again = marksFile();
    const error = await remote.run({ file: again, failures: 5 }, { handler: 'flaky', attempts: 2, backoff: { type: 'exponential', delayMs: 20 } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: 'attempt 2 fails' });
    expect(readFileSync(again, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(remote.stats()).toMatchObject({ completed: 1, failed: 1, pending: 0 });
  });
});

describe('abort', () => {
  it('removes a task no host took yet from the queue: it never runs', async () => {
    const remote = pool('abort-queued');
    const file = marksFile();
    const controller = new AbortController();
    const task = remote.run({ file, key: 'never', ms: 1 }, { handler: 'work', signal: controller.signal });
    const inspect = new Queue('abort-queued', { connection: { url: redis.url } });
    try {
      await expect.poll(() => inspect.getWaitingCount(), { timeout: 10_000 }).toBe(1);
      controller.abort(new Error('changed my mind'));
      const error = await task.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AbortError);
      expect(error).toMatchObject({ code: 'ABORT_ERR', cause: { message: 'changed my mind' } });
      await expect.poll(() => inspect.getWaitingCount(), { timeout: 10_000 }).toBe(0);
      // A host that comes now takes the next task, not the aborted one.
      await startHost(redis.url, 'abort-queued');
      expect(await remote.run({ file, key: 'after', ms: 1 }, { handler: 'work' })).toBe('after');
      expect(countOf(file, 'start', 'never')).toBe(0);
    } finally {
      await inspect.close();
    }
  });

  it('signals a running task on its host (ctx.signal) and does not retry it', async () => {
    await startHost(redis.url, 'abort-running');
    const remote = pool('abort-running');
    const file = marksFile();
    const controller = new AbortController();
    const task = remote.run({ file, key: 'long', ms: 60_000 }, { handler: 'work', signal: controller.signal, attempts: 3 });
    await pidThatStarted(file, 'long');
    controller.abort();
    await expect(task).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect(await waitFor(() => countOf(file, 'aborted', 'long') === 1, { deadlineMs: 10_000 })).toBe(true);
    // Settle a later task on the same host, then check the aborted one was not started again.
    expect(await remote.run(1)).toBe(2);
    expect(countOf(file, 'start', 'long')).toBe(1);
    expect(countOf(file, 'done', 'long')).toBe(0);
    expect(remote.stats()).toMatchObject({ aborted: 1, pending: 0 });
  });
});

describe('a host that dies', () => {
  it('killed with SIGKILL mid-task: the task runs again on another host after the stall interval, and settles once', async () => {
    const hosts = await Promise.all([startHost(redis.url, 'kill', stall), startHost(redis.url, 'kill', stall)]);
    const remote = pool('kill');
    const stalled: string[] = [];
    remote.on('stalled', ({ jobId }) => stalled.push(jobId));
    const file = marksFile();
    const task = remote.run({ file, key: 'k', ms: 1500 }, { handler: 'work' });
    const victim = await pidThatStarted(file, 'k');
    process.kill(victim, 'SIGKILL');
    expect(await task).toBe('k');
    const done = marks(file).filter(([what]) => what === 'done');
    expect(done).toHaveLength(1);
    expect(Number(done[0]?.[2])).not.toBe(victim);
    expect(hosts.map((host) => host.pid)).toContain(victim);
    expect(stalled).toHaveLength(1);
    expect(remote.stats()).toMatchObject({ completed: 1, failed: 0, pending: 0, stalled: 1 });
  });

  it('lost more often than --max-stalled allows: the task fails ERR_REMOTE_JOB_FAILED, once', async () => {
    await Promise.all([startHost(redis.url, 'fragile', [...stall, '--max-stalled', '0']), startHost(redis.url, 'fragile', [...stall, '--max-stalled', '0'])]);
    const remote = pool('fragile');
    const file = marksFile();
    const task = remote.run({ file, key: 'f', ms: 1500 }, { handler: 'work' }).catch((error: unknown) => error);
    process.kill(await pidThatStarted(file, 'f'), 'SIGKILL');
    expect(await task).toMatchObject({ code: 'ERR_REMOTE_JOB_FAILED', message: expect.stringContaining('stalled') });
    expect(countOf(file, 'start', 'f')).toBe(1);
    expect(remote.stats()).toMatchObject({ failed: 1, completed: 0, pending: 0 });
  });

  it('paused with SIGSTOP past the stall interval: another host runs the task; the paused one, resumed, changes nothing for the caller', async () => {
    await Promise.all([startHost(redis.url, 'pause', stall), startHost(redis.url, 'pause', stall)]);
    const remote = pool('pause');
    const file = marksFile();
    let settled = 0;
    const task = remote.run({ file, key: 'p', ms: 1000 }, { handler: 'work' }).finally(() => settled++);
    const paused = await pidThatStarted(file, 'p');
    process.kill(paused, 'SIGSTOP');
    try {
      expect(await task).toBe('p');
      const done = marks(file).filter(([what]) => what === 'done');
      expect(done.map(([, , pid]) => Number(pid))).not.toContain(paused);
    } finally {
      process.kill(paused, 'SIGCONT');
    }
    // The resumed host finishes its stale copy; its late result must not reach the caller a second time.
    expect(await waitFor(() => countOf(file, 'done', 'p') === 2, { deadlineMs: 20_000 })).toBe(true);
    expect(await remote.run(4)).toBe(8);
    expect(settled).toBe(1);
    expect(remote.stats()).toMatchObject({ completed: 2, failed: 0, pending: 0 });
  });

  it('a map of 400 tasks over three hosts, one killed mid-run: every item settles exactly once, fulfilled', async () => {
    const hosts = await Promise.all([startHost(redis.url, 'chaos', stall), startHost(redis.url, 'chaos', stall), startHost(redis.url, 'chaos', stall)]);
    const remote = pool('chaos');
    const file = marksFile();
    const items = Array.from({ length: 400 }, (_, i) => ({ file, key: String(i), ms: 20 }));
    const seen = new Map<number, number>();
    let killed: Host | undefined;
    for await (const outcome of remote.map(items, { handler: 'work', concurrency: 24, settle: true, ordered: false })) {
      seen.set(outcome.index, (seen.get(outcome.index) ?? 0) + 1);
      expect(outcome).toMatchObject({ status: 'fulfilled', value: String(outcome.index) });
      if (seen.size === 100) {
        killed = hosts[0];
        killed?.child.kill('SIGKILL');
      }
    }
    expect(killed).toBeDefined();
    expect(await waitFor(() => !isAlive(killed?.pid ?? 0))).toBe(true);
    expect(seen.size).toBe(400);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    // At least once on the hosts: every key done, some perhaps twice (those the killed host had started).
    for (let i = 0; i < 400; i++) expect(countOf(file, 'done', String(i))).toBeGreaterThanOrEqual(1);
    expect(remote.stats()).toMatchObject({ completed: 400, failed: 0, pending: 0 });
  });
});

describe('a host with --concurrency above its threads', () => {
  it('holds that many tasks (their locks renewed) while its pool runs as many as it has workers', async () => {
    await startHost(redis.url, 'ahead', ['--threads', '1', '--concurrency', '3']);
    const remote = pool('ahead');
    const file = marksFile();
    const tasks = ['a', 'b', 'c'].map((key) => remote.run({ file, key, ms: 5000 }, { handler: 'work' }).catch((error: unknown) => error));
    expect(await waitFor(() => remote.stats().running === 3, { deadlineMs: 20_000 })).toBe(true);
    expect(countOf(file, 'start')).toBe(1);
    await remote.destroy();
    for (const task of tasks) expect(await task).toMatchObject({ code: 'ERR_REMOTE_DESTROYED' });
  });
});

describe('Redis itself', () => {
  it('paused (SIGSTOP) for 2 s in the middle of a map: callers and hosts wait, then every task settles once', async () => {
    await Promise.all([startHost(redis.url, 'redis-pause'), startHost(redis.url, 'redis-pause')]);
    const remote = pool('redis-pause');
    const seen = new Map<number, number>();
    let paused = false;
    for await (const outcome of remote.map(Array.from({ length: 300 }, (_, i) => i), { concurrency: 16, settle: true, ordered: false })) {
      seen.set(outcome.index, (seen.get(outcome.index) ?? 0) + 1);
      expect(outcome).toMatchObject({ status: 'fulfilled', value: outcome.index * 2 });
      if (seen.size === 100 && !paused) {
        paused = true;
        process.kill(redis.pid ?? 0, 'SIGSTOP');
        setTimeout(() => process.kill(redis.pid ?? 0, 'SIGCONT'), 2000);
      }
    }
    expect(paused).toBe(true);
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(remote.stats()).toMatchObject({ completed: 300, failed: 0, pending: 0 });
  });
});

describe('a caller that fell behind the events stream', () => {
  it('settles its tasks by asking Redis when their events were trimmed away, each once', async () => {
    await startHost(redis.url, 'behind', ['--threads', '4']);
    const file = marksFile();
    const caller = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/caller.mjs', import.meta.url)), redis.url, 'behind', file, '4'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    caller.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const exited = new Promise((resolve) => caller.once('exit', resolve));
    try {
      expect(await waitFor(() => countOf(file, 'start') === 4, { deadlineMs: 20_000 })).toBe(true);
      caller.kill('SIGSTOP');
      expect(await waitFor(() => countOf(file, 'done') === 4, { deadlineMs: 20_000 })).toBe(true);
      // As if the caller had fallen more than the stream's length behind: every event it has not read is gone.
      const client = new IORedis(redis.url);
      await client.xtrim('bull:behind:events', 'MAXLEN', 0);
      await client.quit();
      caller.kill('SIGCONT');
      await exited;
      const { results, stats } = JSON.parse(stdout.split('\n').filter(Boolean).pop() ?? '{}') as { results: string[]; stats: Record<string, number> };
      expect(results).toEqual(['0', '1', '2', '3']);
      expect(stats).toMatchObject({ completed: 4, failed: 0, pending: 0 });
      // A completion already on its way in the socket when the caller stopped is read as an event; the rest were trimmed.
      expect(stats.reconciled).toBeGreaterThanOrEqual(1);
    } finally {
      caller.kill('SIGCONT');
      caller.kill('SIGKILL');
    }
  });
});

describe('a host stopped gracefully (SIGTERM)', () => {
  it('finishes its running task, then exits 0', async () => {
    const host = await startHost(redis.url, 'term');
    const remote = pool('term');
    const file = marksFile();
    const task = remote.run({ file, key: 't', ms: 1000 }, { handler: 'work' });
    expect(await pidThatStarted(file, 't')).toBe(host.pid);
    host.child.kill('SIGTERM');
    expect(await task).toBe('t');
    expect(await host.exited).toBe(0);
    expect(marks(file)).toContainEqual(['done', 't', String(host.pid)]);
    expect(host.stderr()).toContain('stopped: 1 completed, 0 failed, 0 returned to the queue');
  });

  it('past its shutdown timeout, returns the running task to the queue: another host runs it, no attempt spent', async () => {
    const leaving = await startHost(redis.url, 'return', ['--shutdown-timeout-ms', '200']);
    const remote = pool('return');
    const file = marksFile();
    const task = remote.run({ file, key: 'r', ms: 2000 }, { handler: 'work', attempts: 1 });
    expect(await pidThatStarted(file, 'r')).toBe(leaving.pid);
    const staying = await startHost(redis.url, 'return');
    leaving.child.kill('SIGTERM');
    expect(await task).toBe('r');
    expect(await leaving.exited).toBe(0);
    expect(marks(file)).toContainEqual(['aborted', 'r', String(leaving.pid)]);
    expect(marks(file)).toContainEqual(['done', 'r', String(staying.pid)]);
    expect(leaving.stderr()).toContain('1 returned to the queue');
    expect(remote.stats()).toMatchObject({ completed: 1, failed: 0, pending: 0 });
  });
});
