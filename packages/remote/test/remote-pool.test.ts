// createRemotePool against a real redis-server and real drove-worker processes.
import { AbortError } from '@drove/pool';
import { makeTempDir, removeTempDirs, startRedis, type Redis } from '@drove/test-support';
import { Queue, QueueEvents } from 'bullmq';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemotePool, RemoteError, type RemotePool } from '../src/index.js';
import { killHosts, marks, startHost } from './helpers.js';

let redis: Redis;
let remote: RemotePool;
const queue = 'main';

beforeAll(async () => {
  redis = await startRedis();
  await Promise.all([startHost(redis.url, queue), startHost(redis.url, queue)]);
  remote = createRemotePool({ queue, connection: redis.url });
  await remote.ready();
});

afterAll(async () => {
  await remote?.destroy();
  await killHosts();
  await redis?.stop();
  removeTempDirs();
});

describe('run', () => {
  it('runs a task on a host and resolves with the handler result', async () => {
    expect(await remote.run(21)).toBe(42);
    expect(await remote.run({ a: [1, 'two', null, true] }, { handler: 'echo' })).toEqual({ a: [1, 'two', null, true] });
  });

  it('spreads tasks over the hosts', async () => {
    const pids = new Set(await Promise.all(Array.from({ length: 40 }, () => remote.run(undefined, { handler: 'host' }))));
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
  });

  it("rejects with the handler's own error: name, code, message, stack and cause, rebuilt from the envelope's form", async () => {
    const error = await remote.run('no such page', { handler: 'fail' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'RangeError', code: 'E_FIXTURE', message: 'no such page' });
    expect((error as Error).stack).toContain('fixtures/worker.mjs');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as Error).message).toBe('the inner reason');
  });

  it('reports progress from the host to onProgress', async () => {
    const seen: unknown[] = [];
    const file = join(makeTempDir('drove-remote-'), 'marks');
    await remote.run({ file, key: 'p', ms: 300 }, { handler: 'work', onProgress: (value, message) => seen.push([typeof value, message]) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toEqual(['number', 'key p']);
  });

  it('carries undefined back as null and refuses what JSON would change, on the side that sends it', async () => {
    expect(await remote.run(undefined, { handler: 'nothing' })).toBeNull();
    await expect(remote.run({ when: new Date() }, { handler: 'echo' })).rejects.toMatchObject({ code: 'ERR_REMOTE_NOT_JSON', message: expect.stringContaining('payload.when is a Date') });
    await expect(remote.run(undefined, { handler: 'date' })).rejects.toMatchObject({ code: 'ERR_REMOTE_NOT_JSON', message: expect.stringContaining('result') });
  });

  it('fails an unknown handler at once, without retrying it', async () => {
    await expect(remote.run(1, { handler: 'nope', attempts: 5, backoff: { type: 'fixed', delayMs: 60_000 } })).rejects.toMatchObject({
      code: 'ERR_POOL_UNKNOWN_HANDLER',
    });
  });

  it('stops a task over its time limit on its host: ERR_POOL_TASK_TIMEOUT', async () => {
    const file = join(makeTempDir('drove-remote-'), 'marks');
    await expect(remote.run({ file, key: 'slow', ms: 60_000 }, { handler: 'work', timeoutMs: 300 })).rejects.toMatchObject({
      name: 'TaskTimeoutError',
      code: 'ERR_POOL_TASK_TIMEOUT',
    });
    expect(marks(file).filter(([what]) => what === 'done')).toEqual([]);
  });

  it('rejects ERR_REMOTE_JOB_LOST when someone else removes a pending task from the queue', async () => {
    const idle = 'lost-jobs';
    const caller = createRemotePool({ queue: idle, connection: redis.url });
    const inspect = new Queue(idle, { connection: { url: redis.url } });
    try {
      const task = caller.run(1).catch((error: unknown) => error);
      await expect.poll(() => inspect.getWaitingCount(), { timeout: 10_000 }).toBe(1);
      const [job] = await inspect.getWaiting();
      await job?.remove();
      expect(await task).toMatchObject({ code: 'ERR_REMOTE_JOB_LOST', jobId: job?.id });
    } finally {
      await inspect.close();
      await caller.destroy();
    }
  });

  it('takes tasks a plain BullMQ producer adds: name is the handler, data { payload }, the return value the result', async () => {
    const producer = new Queue(queue, { connection: { url: redis.url } });
    const events = new QueueEvents(queue, { connection: { url: redis.url }, lastEventId: '0-0' });
    try {
      await events.waitUntilReady();
      const job = await producer.add('echo', { payload: { plain: 'bullmq' } });
      expect(await job.waitUntilFinished(events)).toEqual({ plain: 'bullmq' });
    } finally {
      await Promise.all([events.close(), producer.close()]);
    }
  });

  it('runs the module in child processes on a host started with --kind process', async () => {
    const host = await startHost(redis.url, 'processes', ['--kind', 'process']);
    const caller = createRemotePool({ queue: 'processes', connection: redis.url });
    try {
      const pid = await caller.run(undefined, { handler: 'host' });
      expect(pid).not.toBe(host.pid);
      expect(pid).not.toBe(process.pid);
      expect(await caller.run(20)).toBe(40);
    } finally {
      await caller.close();
    }
  });

  it('refuses invalid options with the option, what it expects and what it got', () => {
    expect(() => createRemotePool({ queue: '', connection: redis.url })).toThrow('Expected `queue` to be a non-empty string, got `""` (string)');
    expect(() => createRemotePool({ queue: 'a:b', connection: redis.url })).toThrow(/Expected `queue` to be a name without `:`/);
    expect(() => createRemotePool({ queue: 'q', connection: 'http://x' })).toThrow(/redis:\/\/ or rediss:\/\/ URL, got a http: URL/);
    expect(() => createRemotePool({ queue: 'q', connection: redis.url, attempts: 0 })).toThrow('Expected `attempts` to be an integer >= 1, got `0` (number)');
    expect(() => createRemotePool({ queue: 'q', connection: redis.url, backoff: { type: 'linear' as 'fixed' } })).toThrow(/backoff.type/);
    const error = (() => {
      try {
        createRemotePool({ queue: 'q', connection: redis.url, concurency: 2 } as never);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_INVALID_OPTION', message: expect.stringContaining('Unknown option `concurency`') });
  });

  it('never shows the password of the connection in an error', async () => {
    const lost = createRemotePool({ queue: 'q', connection: 'redis://app:hunter2@127.0.0.1:1', connectTimeoutMs: 300 });
    const error = await lost.ready().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_CONNECTION' });
    expect(String((error as Error).message)).toContain('redis://***@127.0.0.1:1');
    expect(JSON.stringify(error)).not.toContain('hunter2');
    await lost.destroy();
  });
});

describe('map', () => {
  it('yields results in input order, pulling at most `concurrency` items ahead of what was taken', async () => {
    let pulled = 0;
    let taken = 0;
    let mostAhead = 0;
    function* numbers() {
      for (let i = 0; i < 300; i++) {
        pulled++;
        mostAhead = Math.max(mostAhead, pulled - taken);
        yield i;
      }
    }
    const results: number[] = [];
    for await (const value of remote.map(numbers(), { concurrency: 8 })) {
      taken++;
      results.push(value as number);
    }
    expect(results).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    expect(mostAhead).toBeLessThanOrEqual(8);
  });

  it('settles every item with settle: true, failures included, and unordered yields each once', async () => {
    const settled = [];
    for await (const outcome of remote.map(['a', 'b', 'c'], { handler: 'fail', settle: true })) settled.push(outcome);
    expect(settled.map((outcome) => [outcome.status, outcome.input, outcome.index])).toEqual([
      ['rejected', 'a', 0],
      ['rejected', 'b', 1],
      ['rejected', 'c', 2],
    ]);
    const unordered: number[] = [];
    for await (const value of remote.map([1, 2, 3, 4, 5, 6], { ordered: false, concurrency: 3 })) unordered.push(value as number);
    expect(unordered.sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10, 12]);
  });

  it('ends at the first failure without settle', async () => {
    const seen: number[] = [];
    const failing = async () => {
      for await (const value of remote.map([1, 2, 3], { handler: 'fail' })) seen.push(value as number);
    };
    await expect(failing()).rejects.toMatchObject({ code: 'E_FIXTURE', message: '1' });
    expect(seen).toEqual([]);
  });

  it('leaving the for await early aborts what is in flight on its hosts', async () => {
    const file = join(makeTempDir('drove-remote-'), 'marks');
    const items = [
      { file, key: 'quick', ms: 1 },
      { file, key: 'slow1', ms: 60_000 },
      { file, key: 'slow2', ms: 60_000 },
    ];
    for await (const key of remote.map(items, { handler: 'work', concurrency: 3 })) {
      expect(key).toBe('quick');
      await expect.poll(() => marks(file).filter(([what]) => what === 'start').length, { timeout: 20_000 }).toBe(3);
      break;
    }
    await expect.poll(() => marks(file).filter(([what]) => what === 'aborted').length, { timeout: 20_000 }).toBe(2);
    expect(marks(file).filter(([what, key]) => what === 'done' && key !== 'quick')).toEqual([]);
  });
});

describe('stats, close and destroy', () => {
  it("a fresh pool's first task settles by its event: ready() reads the events stream from before the task was added", async () => {
    // Asking Redis about quiet tasks would hide a missed event: make it never happen here.
    for (let i = 0; i < 5; i++) {
      const fresh = createRemotePool({ queue, connection: redis.url, reconcileIntervalMs: 600_000 });
      expect(await fresh.run(i)).toBe(i * 2);
      expect(fresh.stats()).toMatchObject({ completed: 1, reconciled: 0 });
      await fresh.close();
    }
  });

  it('counts what it sent and what came of it', async () => {
    const fresh = createRemotePool({ queue, connection: redis.url });
    await fresh.run(1);
    await fresh.run('x', { handler: 'fail' }).catch(() => undefined);
    expect(fresh.stats()).toMatchObject({ queue, pending: 0, running: 0, completed: 1, failed: 1, aborted: 0 });
    await fresh.close();
    await expect(fresh.run(1)).rejects.toMatchObject({ code: 'ERR_REMOTE_CLOSED' });
  });

  it('close() waits for pending tasks; destroy() rejects them ERR_REMOTE_DESTROYED and takes them back out of the queue', async () => {
    const closing = createRemotePool({ queue, connection: redis.url });
    const result = closing.run(5);
    await closing.close();
    expect(await result).toBe(10);

    const idle = 'no-hosts';
    const doomed = createRemotePool({ queue: idle, connection: redis.url });
    const tasks = [doomed.run(1), doomed.run(2)].map((task) => task.catch((error: unknown) => error));
    const inspect = new Queue(idle, { connection: { url: redis.url } });
    await expect.poll(() => inspect.getWaitingCount(), { timeout: 10_000 }).toBe(2);
    await doomed.destroy();
    for (const task of tasks) expect(await task).toMatchObject({ code: 'ERR_REMOTE_DESTROYED' });
    expect(await inspect.getWaitingCount()).toBe(0);
    await inspect.close();
    await expect(doomed.run(1)).rejects.toMatchObject({ code: 'ERR_REMOTE_DESTROYED' });
  });

  it('rejects a task aborted before it is sent with ABORT_ERR', async () => {
    await expect(remote.run(1, { signal: AbortSignal.abort('no') })).rejects.toBeInstanceOf(AbortError);
  });
});
