import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEventListeners, once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createPool,
  PoolError,
  TaskTimeoutError,
  WorkerExitedError,
  WorkerInitError,
  type Pool,
  type PoolOptions,
  type WorkerExitReason,
} from '@drove/pool';
import { makeTempDir, pidExists, removeTempDirs, waitFor } from '@drove/test-support';
import { destroyAll, echoWorker, nextEvent, opened } from './helpers.js';

function pool(options: Partial<PoolOptions> = {}): Pool {
  const created = createPool({ worker: echoWorker, maxWorkers: 2, minWorkers: 1, ...options });
  opened.push(created);
  return created;
}

/** The ways a pool can run its workers: each kind, and processes over a JSON channel. */
type Variant = 'thread' | 'process' | 'process-json' | 'inline';

function variant(name: Variant): Pick<PoolOptions, 'kind' | 'serialization'> {
  return name === 'process-json' ? { kind: 'process', serialization: 'json' } : { kind: name };
}

const tempDir = (): string => makeTempDir('drove-pool-');

afterEach(destroyAll);
afterAll(removeTempDirs);

describe.each<Variant>(['thread', 'process', 'process-json', 'inline'])('kind %s', (kind) => {
  it('runs the default and named handlers, with init state', async () => {
    const p = pool({ ...variant(kind), initData: { region: 'eu' } });
    expect(await p.run('hello')).toBe('hello');
    expect(await p.run(21, { handler: 'double' })).toBe(42);
    const who = (await p.run(null, { handler: 'whoami' })) as { workerId: number; state: { initData: unknown } };
    expect(who.state.initData).toEqual({ region: 'eu' });
    expect(who.workerId).toBeGreaterThan(0);
  });

  it("rebuilds a handler's error with its class, code, cause and properties", async () => {
    const p = pool(variant(kind));
    const error = await p.run('boom', { handler: 'fail' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ message: 'boom', code: 'E_CUSTOM', detail: { why: 'because' } });
    expect((error as Error).stack).toContain('echo-worker.mjs');
  });

  it('rejects an unknown handler with ERR_POOL_UNKNOWN_HANDLER', async () => {
    const p = pool(variant(kind));
    const error = await p.run(1, { handler: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolError);
    expect(error).toMatchObject({ name: 'PoolError', code: 'ERR_POOL_UNKNOWN_HANDLER' });
    expect(String(error)).toMatch(/^PoolError: Worker has no handler `nope`/);
  });

  it('rejects invalid run options instead of throwing', async () => {
    const p = pool(variant(kind));
    const outcome = p.run(1, { timeoutMs: -1 });
    await expect(outcome).rejects.toMatchObject({ code: 'ERR_POOL_INVALID_OPTION' });
    await expect(p.run(1, { timeoutMs: 2 ** 31 })).rejects.toMatchObject({ code: 'ERR_POOL_INVALID_OPTION' });
  });

  it('reports progress to onProgress', async () => {
    const p = pool(variant(kind));
    const seen: [unknown, string | undefined][] = [];
    const result = await p.run(3, { handler: 'progress', onProgress: (value, message) => seen.push([value, message]) });
    expect(result).toBe(3);
    expect(seen).toEqual([
      [1 / 3, 'step 1'],
      [2 / 3, 'step 2'],
      [1, 'step 3'],
    ]);
  });

  it('gives a handler a ctx it can take apart: ids, state, signal, progress and send each work alone', async () => {
    const p = pool({ ...variant(kind), initData: { region: 'eu' } });
    const seen: unknown[] = [];
    const result = await p.run(null, { handler: 'destructured', onProgress: (value) => seen.push(value) });
    expect(result).toEqual({ taskId: expect.any(Number), workerId: 1, state: 1, initData: { region: 'eu' }, aborted: false, send: 'function' });
    expect(seen).toEqual(['taken apart']);
  });

  it("runs each worker's destroy hook when close() stops it", async () => {
    const destroyMarker = join(tempDir(), 'destroyed');
    const p = pool({ ...variant(kind), minWorkers: 2, maxWorkers: 2, initData: { destroyMarker } });
    await p.ready();
    await p.close();
    const stopped = readFileSync(destroyMarker, 'utf8').trim().split('\n').map(Number).sort();
    expect(stopped).toEqual([1, 2]);
  });

  it('finishes queued work on close(), then refuses new work', async () => {
    const p = pool(variant(kind));
    const results = Array.from({ length: 10 }, (_, i) => p.run(i));
    const closed = p.close();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await closed;
    await expect(p.run(1)).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(p.close()).toBe(closed);
  });
});

describe.each<Variant>(['thread', 'process', 'process-json'])('failures, kind %s', (kind) => {
  it('rejects the task of a worker that calls process.exit, replaces the worker, and completes every other task', async () => {
    const p = pool(variant(kind));
    const exits: WorkerExitReason[] = [];
    p.on('workerExit', (event) => exits.push(event.reason));
    const others = Array.from({ length: 40 }, (_, i) => p.run(i));
    const crashing = p.run(3, { handler: 'exit' });
    const more = Array.from({ length: 40 }, (_, i) => p.run(100 + i));
    const error = await crashing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    expect(error).toMatchObject({ code: 'ERR_POOL_WORKER_EXITED', exitCode: 3 });
    expect(await Promise.all(others)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await Promise.all(more)).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
    expect(exits).toContain('crashed');
    expect(await p.run('after')).toBe('after');
  });

  it('blames only the crashing task when tiny tasks are pipelined around it', async () => {
    const p = pool({ ...variant(kind), minWorkers: 2 });
    await p.ready();
    // Warm up so the pool pipelines: it does so once it has seen tasks are short.
    await Promise.all(Array.from({ length: 500 }, (_, i) => p.run(i)));
    const before = Array.from({ length: 2000 }, (_, i) => p.run(i));
    const crashing = p.run(9, { handler: 'exit' });
    const after = Array.from({ length: 2000 }, (_, i) => p.run(i));
    await expect(crashing).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_EXITED', exitCode: 9 });
    expect(await Promise.all([...before, ...after])).toHaveLength(4000);
  });

  it('rejects with the signal when the worker is SIGKILLed mid-task', async () => {
    if (kind === 'thread') return; // a thread has no pid of its own to kill; its process.exit path is covered above
    const p = pool({ ...variant(kind), minWorkers: 1, maxWorkers: 1 });
    const { pid } = (await p.run(null, { handler: 'whoami' })) as { pid: number };
    const running = p.run(60_000, { handler: 'spin' });
    await waitFor(() => p.stats().busy === 1);
    process.kill(pid, 'SIGKILL');
    await expect(running).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_EXITED', signal: 'SIGKILL' });
    expect(await p.run('alive')).toBe('alive');
  });

  it('retries a task whose worker died when retries allow', async () => {
    const p = pool({ ...variant(kind), retries: 1 });
    const marker = join(tempDir(), 'crashed-once');
    expect(await p.run(marker, { handler: 'crashOnce' })).toBe('ok');
    expect(readFileSync(marker, 'utf8')).toBe('crashed');
  });

  it('rejects ERR_POOL_TASK_TIMEOUT and replaces the worker', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    const exited = nextEvent(p, 'workerExit');
    await expect(p.run(60_000, { handler: 'spin', timeoutMs: 200 })).rejects.toBeInstanceOf(TaskTimeoutError);
    expect((await exited).reason).toBe('timeout');
    expect(await p.run('next')).toBe('next');
  });

  it('applies taskTimeoutMs to every task', async () => {
    const p = pool({ ...variant(kind), taskTimeoutMs: 150 });
    await expect(p.run(60_000, { handler: 'spin' })).rejects.toMatchObject({ code: 'ERR_POOL_TASK_TIMEOUT', timeoutMs: 150 });
  });

  it('cancels a queued task without starting it when aborted', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    const dir = tempDir();
    const path = join(dir, 'marks');
    const blocker = p.run(300, { handler: 'sleep' });
    const controller = new AbortController();
    const queued = p.run({ path, line: 'queued' }, { handler: 'mark', signal: controller.signal });
    controller.abort(new Error('changed my mind'));
    const error = await queued.catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect((error as Error).cause).toMatchObject({ message: 'changed my mind' });
    await blocker;
    expect(await p.run({ path, line: 'later' }, { handler: 'mark' })).toBe('later');
    expect(readFileSync(path, 'utf8')).toBe('later\n');
  });

  it('aborts a running task: a cooperative handler sees ctx.signal and keeps its worker', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    const { pid: before, workerId } = (await p.run(null, { handler: 'whoami' })) as { pid: number; workerId: number };
    const controller = new AbortController();
    const running = p.run(null, { handler: 'waitAbort', signal: controller.signal });
    await waitFor(() => p.stats().busy === 1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'ABORT_ERR' });
    const after = (await p.run(null, { handler: 'whoami' })) as { pid: number; workerId: number };
    expect(after).toMatchObject({ pid: before, workerId });
  });

  it('aborts a running task that ignores its signal: rejects at once, stops the worker after abortGraceMs', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1, abortGraceMs: 100 });
    const exited = nextEvent(p, 'workerExit');
    const controller = new AbortController();
    const running = p.run(60_000, { handler: 'spin', signal: controller.signal });
    await waitFor(() => p.stats().busy === 1);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect((await exited).reason).toBe('aborted');
    expect(await p.run('fresh')).toBe('fresh');
  });

  it('listens to a signal shared by many tasks once, aborts them all, and lets go of it when they settle', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    const shared = new AbortController();
    const finished = await Promise.all(Array.from({ length: 50 }, (_, i) => p.run(i, { signal: shared.signal })));
    expect(finished).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const blocker = p.run(null, { handler: 'waitAbort', signal: shared.signal });
    await waitFor(() => p.stats().busy === 1);
    // Behind the running task: twenty queued tasks and an acquire() waiting for the worker.
    const queued = Array.from({ length: 20 }, (_, i) => p.run(i, { signal: shared.signal }));
    const acquiring = p.acquire({ signal: shared.signal });
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    shared.abort();
    const outcomes = await Promise.allSettled([blocker, ...queued, acquiring]);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { code?: string }).code : 'fulfilled'))).toEqual(
      Array.from({ length: 22 }, () => 'ABORT_ERR'),
    );
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    // A signal that is already aborted refuses the task and keeps no listener.
    await expect(p.run('late', { signal: shared.signal })).rejects.toMatchObject({ code: 'ABORT_ERR' });
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    expect(await p.run('after')).toBe('after');
  });

  it('rejects a payload or a result that cannot be cloned, and goes on', async () => {
    const p = pool(variant(kind));
    await expect(p.run(() => 1)).rejects.toMatchObject({ code: 'ERR_POOL_UNCLONEABLE' });
    await expect(p.run(null, { handler: 'returnsFunction' })).rejects.toMatchObject({ code: 'ERR_POOL_UNCLONEABLE' });
    const mixed = await Promise.allSettled([p.run(1), p.run({ f: Symbol('x') }), p.run(2)]);
    expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await p.run('still fine')).toBe('still fine');
  });

  it('recycles a worker after maxTasksPerWorker tasks', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1, maxTasksPerWorker: 2 });
    const recycled = nextEvent(p, 'workerExit', (event) => event.reason === 'recycled');
    const ids = new Set<number>();
    for (let i = 0; i < 6; i++) ids.add(((await p.run(null, { handler: 'whoami' })) as { workerId: number }).workerId);
    expect(ids.size).toBe(3);
    await recycled;
  });

  it('recycles a worker whose heap passes maxHeapUsedMb', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1, maxHeapUsedMb: 1 });
    const recycled = nextEvent(p, 'workerExit', (event) => event.reason === 'heap-limit');
    await p.run(null, { handler: 'whoami' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await p.run(null, { handler: 'whoami' });
    expect((await recycled).reason).toBe('heap-limit');
    expect(await p.run('replaced')).toBe('replaced');
  });

  it('replaces a worker that runs past its V8 heap limit', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 32 }, stdio: 'ignore' });
    await expect(p.run(null, { handler: 'hog' })).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_EXITED' });
    expect(await p.run('after oom')).toBe('after oom');
  });

  it('stops idle workers above minWorkers after idleTimeoutMs', async () => {
    const p = pool({ ...variant(kind), minWorkers: 0, maxWorkers: 2, idleTimeoutMs: 50 });
    const idleExits: number[] = [];
    p.on('workerExit', (event) => event.reason === 'idle' && idleExits.push(event.workerId));
    await Promise.all([p.run(100, { handler: 'sleep' }), p.run(100, { handler: 'sleep' })]);
    expect(await waitFor(() => p.stats().workers === 0)).toBe(true);
    expect(idleExits.length).toBeGreaterThanOrEqual(1);
  });

  it('close() still resolves after a crash storm, and every task settles', async () => {
    const p = pool(variant(kind));
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => p.run(1, { handler: 'exit' })));
    expect(outcomes.every((o) => o.status === 'rejected' && (o.reason as PoolError).code === 'ERR_POOL_WORKER_EXITED')).toBe(true);
    await p.close();
    expect(p.stats().workers).toBe(0);
  });

  it('destroy() rejects queued and running tasks with ERR_POOL_DESTROYED and stops at once', async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    await p.ready();
    const running = p.run(60_000, { handler: 'spin' }).catch((e: unknown) => e);
    const queued = p.run('queued').catch((e: unknown) => e);
    await waitFor(() => p.stats().busy === 1);
    await p.destroy();
    expect(await running).toMatchObject({ code: 'ERR_POOL_DESTROYED' });
    expect(await queued).toMatchObject({ code: 'ERR_POOL_DESTROYED' });
    expect(p.stats().workers).toBe(0);
  });

  it("reports a crash with no task in flight as the pool's 'error'", async () => {
    const p = pool({ ...variant(kind), maxWorkers: 1, minWorkers: 1 });
    const orphan = nextEvent(p, 'error');
    expect(await p.run(4, { handler: 'exitLater' })).toBe('scheduled');
    expect(await orphan).toMatchObject({ code: 'ERR_POOL_WORKER_EXITED', exitCode: 4 });
  });
});

describe('process workers over a JSON channel', () => {
  const json = (options: Partial<PoolOptions> = {}) => pool({ kind: 'process', serialization: 'json', ...options });

  it('carries plain data both ways unchanged', async () => {
    const p = json();
    const data = { title: 'Café ☕', pages: [1, 2.5, -3], nested: { ok: true, none: null, deep: [[{ a: 'b' }]] } };
    expect(await p.run(data)).toEqual(data);
    expect(await p.run(21, { handler: 'double' })).toBe(42);
  });

  it.each([
    ['a Date', { when: new Date(0) }, 'when is a Date'],
    ['a Map', { index: new Map([[1, 2]]) }, 'index is a Map'],
    ['bytes', { body: new Uint8Array(4) }, 'body is a Uint8Array'],
    ['NaN', { ratio: Number.NaN }, 'ratio is NaN'],
    ['a hole JSON would fill with null', { list: [1, undefined] }, 'list[1] is undefined'],
    ['a class instance', { at: new URL('https://example.com/') }, 'at is a URL'],
    ['a BigInt', [1n], '[0] is a BigInt'],
  ])('refuses a payload with %s by name and place, and goes on', async (_what, payload, named) => {
    const p = json();
    const error = await p.run(payload).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_POOL_UNCLONEABLE' });
    expect((error as Error).message).toContain(`payload${named.startsWith('[') ? '' : '.'}${named}`);
    expect(await p.run('still fine')).toBe('still fine');
  });

  it('refuses a payload that contains itself', async () => {
    const p = json();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    await expect(p.run(cyclic)).rejects.toThrow(/payload\.self is a reference to an object that contains it/);
  });

  it('fails a task whose result JSON would change, and goes on', async () => {
    const p = json({ minWorkers: 1, maxWorkers: 1 });
    const { pid } = (await p.run(null, { handler: 'whoami' })) as { pid: number };
    const error = await p.run(16, { handler: 'makeBuffer' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_POOL_UNCLONEABLE' });
    expect((error as Error).message).toMatch(/result could not be sent back.*value\.buffer is an ArrayBuffer/);
    expect(((await p.run(null, { handler: 'whoami' })) as { pid: number }).pid).toBe(pid);
  });

  it("keeps a handler's error class, code and stack, and sends a property JSON cannot carry as its string", async () => {
    const p = json();
    const error = await p.run('boom', { handler: 'failWithDate' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ message: 'boom', code: 'E_DATED', at: new Date(0).toString() });
    expect((error as Error).stack).toContain('echo-worker.mjs');
  });

  it("gives init its data with structured clone's types", async () => {
    const p = json({ initData: { index: new Map([['a', 1]]), since: new Date(86_400_000), bytes: new Uint8Array([1, 2]) } });
    expect(await p.run(null, { handler: 'initDataTypes' })).toEqual({ index: 'Map', since: 'Date', bytes: 'Uint8Array' });
  });

  it('answers telemetry probes', async () => {
    const p = json({ minWorkers: 2, maxWorkers: 2 });
    await p.ready();
    const workers = await p.telemetry();
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker).toMatchObject({ kind: 'process', stale: false });
  });

  it('is refused for threads and inline pools, and must be advanced or json', () => {
    expect(() => createPool({ worker: echoWorker, kind: 'thread', serialization: 'json' })).toThrow(/`serialization: 'json'` only with `kind: 'process'`/);
    expect(() => createPool({ worker: echoWorker, kind: 'inline', serialization: 'json' })).toThrow(/ERR_POOL_INVALID_OPTION|only with/);
    expect(() => createPool({ worker: echoWorker, kind: 'process', serialization: 'xml' as 'json' })).toThrow(/serialization/);
  });
});

describe('worker start failures', () => {
  it.each<Variant>(['thread', 'process', 'process-json'])(
    '%s: ready() and waiting tasks reject with the worker’s own message and stack; starts back off, then stop',
    async (kind) => {
      const spawned: number[] = [];
      const p = createPool({
        worker: new URL('./fixtures/init-fail-worker.mjs', import.meta.url),
        ...variant(kind),
        minWorkers: 1,
        maxWorkers: 2,
        spawnBackoff: { baseMs: 20, maxMs: 40, maxFailures: 3 },
      });
      opened.push(p);
      p.on('workerSpawn', (event) => spawned.push(event.workerId));
      const error = await p.ready().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkerInitError);
      expect(error).toMatchObject({ code: 'ERR_POOL_WORKER_INIT' });
      expect((error as Error).message).toContain('database unreachable');
      expect(((error as Error).cause as Error).stack).toContain('init-fail-worker.mjs');
      await expect(p.run(1)).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_INIT' });
      // The budget of three failed starts is spent: the pool refuses at once instead of spawning again.
      expect(await waitFor(async () => (await p.run(1).catch((e: PoolError) => e.code)) === 'ERR_POOL_WORKER_INIT' && p.stats().spawnFailures >= 3)).toBe(true);
      const count = spawned.length;
      await expect(p.run(1)).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_INIT' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(spawned.length).toBe(count);
      expect(count).toBeLessThanOrEqual(3);
      await p.close();
    },
  );
});

describe('pool behaviour', () => {
  it('accepts a module of plain exported functions', async () => {
    const p = createPool({ worker: new URL('./fixtures/plain-functions-worker.mjs', import.meta.url), maxWorkers: 1 });
    opened.push(p);
    expect(await p.run('x')).toBe('x');
    expect(await p.run(5, { handler: 'triple' })).toBe(15);
  });

  it('rejects ERR_POOL_QUEUE_FULL past maxQueue', async () => {
    const p = pool({ maxWorkers: 1, minWorkers: 1, maxQueue: 1 });
    await p.ready();
    const busy = p.run(200, { handler: 'sleep' });
    const queued = p.run('queued');
    await expect(p.run('overflow')).rejects.toMatchObject({ code: 'ERR_POOL_QUEUE_FULL' });
    expect(await Promise.all([busy, queued])).toEqual([200, 'queued']);
  });

  it('moves transferred ArrayBuffers to a thread instead of copying them', async () => {
    const p = pool({ kind: 'thread' });
    const buffer = new ArrayBuffer(1024 * 1024);
    expect(await p.run(buffer, { handler: 'byteLength', transfer: [buffer] })).toBe(1024 * 1024);
    expect(buffer.byteLength).toBe(0);
  });

  it.each(['thread', 'process', 'inline'] as const)('%s: returns a moved result as its value', async (kind) => {
    const p = pool({ kind });
    const { buffer, size } = (await p.run(4096, { handler: 'makeBuffer' })) as { buffer: ArrayBuffer; size: number };
    expect(size).toBe(4096);
    expect(buffer.byteLength).toBe(4096);
    expect(new Uint8Array(buffer)[4095]).toBe(7);
  });

  it('serves a waiting acquire() before the rest of a busy queue when the pool cannot grow', async () => {
    const p = pool({ maxWorkers: 1, minWorkers: 1 });
    const tasks = Array.from({ length: 20 }, () => p.run(20, { handler: 'sleep' }));
    await waitFor(() => p.stats().busy === 1);
    const lease = await p.acquire();
    expect(p.stats().queued).toBeGreaterThan(0);
    expect(p.stats().leased).toBe(1);
    expect(await lease.run(5, { handler: 'double' })).toBe(10);
    lease.release();
    expect(await Promise.all(tasks)).toHaveLength(20);
  });

  it('keeps stats: completed, failed, percentiles, utilization', async () => {
    const p = pool();
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.run(i)));
    await p.run('x', { handler: 'fail' }).catch(() => undefined);
    const stats = p.stats();
    expect(stats).toMatchObject({ completed: 50, failed: 1, queued: 0, running: 0 });
    expect(stats.runTimeMs.count).toBe(51);
    expect(stats.runTimeMs.p99).toBeGreaterThanOrEqual(stats.runTimeMs.p50);
    expect(stats.utilization).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
  });

  it("emits 'drain' when the last task settles", async () => {
    const p = pool();
    const drained = nextEvent(p, 'drain');
    void p.run(50, { handler: 'sleep' });
    await drained;
    expect(p.stats().running).toBe(0);
  });

  it('a close() waiting for running work still resolves when destroy() comes after it', async () => {
    const p = pool({ maxWorkers: 1, minWorkers: 1 });
    const running = p.run(60_000, { handler: 'spin' }).catch((e: unknown) => e);
    await waitFor(() => p.stats().busy === 1);
    const closed = p.close();
    await p.destroy();
    await closed;
    expect(await running).toMatchObject({ code: 'ERR_POOL_DESTROYED' });
    await expect(p.ready()).rejects.toMatchObject({ code: 'ERR_POOL_DESTROYED' });
  });

  it('keeps a leased worker past maxTasksPerWorker until the lease is released, then recycles it', async () => {
    const p = pool({ maxWorkers: 1, minWorkers: 1, maxTasksPerWorker: 2 });
    const lease = await p.acquire();
    const ids = new Set<number>();
    for (let i = 0; i < 4; i++) ids.add(((await lease.run(null, { handler: 'whoami' })) as { workerId: number }).workerId);
    expect([...ids]).toEqual([lease.workerId]);
    expect(lease.active).toBe(true);
    const recycled = nextEvent(p, 'workerExit', (event) => event.workerId === lease.workerId);
    lease.release();
    expect((await recycled).reason).toBe('recycled');
    expect(await p.run('after')).toBe('after');
  });

  it('ready() with minWorkers 0 starts one worker and resolves', async () => {
    const p = pool({ minWorkers: 0 });
    expect(p.stats().workers).toBe(0);
    await p.ready();
    expect(p.stats().workers).toBe(1);
  });

  it('maps with more than ten items in flight without a listener-leak warning', async () => {
    const p = pool();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const results: number[] = [];
    for await (const value of p.map(Array.from({ length: 200 }, (_, i) => i), { handler: 'double', concurrency: 32 })) {
      results.push(value as number);
    }
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('disposes with await using', async () => {
    let outer: Pool | undefined;
    {
      await using p = createPool({ worker: echoWorker, maxWorkers: 1 });
      outer = p;
      expect(await p.run(1)).toBe(1);
    }
    await expect(outer.run(1)).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('leaves no orphan: process workers exit by themselves when the parent is SIGKILLed', async () => {
    const parent = spawn(process.execPath, [new URL('./fixtures/orphan-parent.mjs', import.meta.url).pathname], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const pids = JSON.parse(line.toString()) as number[];
    expect(pids).toHaveLength(2);
    expect(pids.every(pidExists)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    expect(await waitFor(() => pids.every((pid) => !pidExists(pid)), { deadlineMs: 5000 })).toBe(true);
  });
});
