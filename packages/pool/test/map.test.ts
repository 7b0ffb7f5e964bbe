import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, createPool, InvalidOptionError, type Pool, type PoolOptions, type Settled, type WorkerKind } from '@drove/pool';
import { makeTempDir, removeTempDirs } from '@drove/test-support';

const worker = new URL('./fixtures/gated-worker.mjs', import.meta.url);
/** A file that exists: `waitForFile` on it returns at once. */
const existing = fileURLToPath(worker);

/** The handlers of fixtures/gated-worker.mjs these tests use. */
type Handlers = {
  default: (payload: unknown) => unknown;
  double: (n: number) => number;
  sleep: (ms: number) => Promise<number>;
  failOdd: (n: number) => number;
  waitForFile: (path: string) => Promise<string>;
};

const dir = makeTempDir('drove-map-');
let gates = 0;
/** A path that does not exist yet; `open()` creates it. */
function gate(): { path: string; open: () => void } {
  const path = join(dir, `gate-${gates++}`);
  return { path, open: () => writeFileSync(path, '') };
}

afterAll(removeTempDirs);

/** Options per kind: two task slots each, at most two workers. */
function optionsFor(kind: WorkerKind): PoolOptions {
  return kind === 'inline'
    ? { worker, kind, maxWorkers: 1, minWorkers: 1, concurrentTasksPerWorker: 2, abortGraceMs: 200 }
    : { worker, kind, maxWorkers: 2, minWorkers: 1, abortGraceMs: 200 };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

/** A lazy generator of `total` numbers that counts what was pulled and whether its `finally` ran. */
function counted(total: number): { items: Generator<number>; pulled: () => number; finalized: () => boolean } {
  let pulled = 0;
  let finalized = false;
  function* items(): Generator<number> {
    try {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield i;
      }
    } finally {
      finalized = true;
    }
  }
  return { items: items(), pulled: () => pulled, finalized: () => finalized };
}

async function expectIdleAndUsable(pool: Pool<Handlers>): Promise<void> {
  await vi.waitFor(
    () => {
      const stats = pool.stats();
      expect(stats.running).toBe(0);
      expect(stats.queued).toBe(0);
    },
    { timeout: 15_000, interval: 20 },
  );
  await expect(pool.run(21, { handler: 'double' })).resolves.toBe(42);
  expect(await collect(pool.map([1, 2, 3], { handler: 'double' }))).toEqual([2, 4, 6]);
}

describe.each<WorkerKind>(['thread', 'process', 'inline'])('pool.map on %s workers', (kind) => {
  let pool: Pool<Handlers>;
  const openGates: (() => void)[] = [];

  afterEach(async () => {
    // Release handlers still polling for a gate (an inline worker cannot be killed mid-task).
    for (const open of openGates.splice(0)) open();
    await pool?.destroy();
  });

  function makePool(extra: Partial<PoolOptions> = {}): Pool<Handlers> {
    pool = createPool<Handlers>({ ...optionsFor(kind), ...extra });
    return pool;
  }

  it('yields results in input order by default, even when later items finish first', async () => {
    makePool();
    const sleeps = [80, 40, 20, 0, 10, 0];
    expect(await collect(pool.map(sleeps, { handler: 'sleep', concurrency: 4 }))).toEqual(sleeps);
    const numbers = Array.from({ length: 25 }, (_, i) => i);
    expect(await collect(pool.map(numbers, { handler: 'double' }))).toEqual(numbers.map((n) => n * 2));
  });

  it('yields results as they finish with ordered: false', async () => {
    makePool();
    const first = gate();
    openGates.push(first.open);
    const seen: string[] = [];
    // Item 0 cannot finish before its gate opens, and the gate opens only once a result was taken:
    // an unordered stream must yield item 1 first (an ordered one would wait forever).
    for await (const path of pool.map([first.path, existing], { handler: 'waitForFile', ordered: false, concurrency: 2 })) {
      seen.push(path);
      first.open();
    }
    expect(seen).toEqual([existing, first.path]);
  });

  it('yields every result once with ordered: false', async () => {
    makePool();
    const numbers = Array.from({ length: 30 }, (_, i) => i);
    const results = await collect(pool.map(numbers, { handler: 'double', ordered: false, concurrency: 3 }));
    expect(results).toHaveLength(30);
    expect([...results].sort((a, b) => a - b)).toEqual(numbers.map((n) => n * 2));
  });

  it('maps sync iterables: a Set, a Map view and a generator', async () => {
    makePool();
    expect(await collect(pool.map(new Set([1, 2, 3]), { handler: 'double' }))).toEqual([2, 4, 6]);
    expect(await collect(pool.map(new Map([['a', 5], ['b', 6]]).values(), { handler: 'double' }))).toEqual([10, 12]);
    function* three(): Generator<number> {
      yield 7;
      yield 8;
      yield 9;
    }
    expect(await collect(pool.map(three(), { handler: 'double' }))).toEqual([14, 16, 18]);
    expect(await collect(pool.map([], { handler: 'double' }))).toEqual([]);
  });

  it('maps an async generator', async () => {
    makePool();
    let finished = false;
    async function* slowSource(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 12; i++) {
          await sleep(1);
          yield i;
        }
      } finally {
        finished = true;
      }
    }
    expect(await collect(pool.map(slowSource(), { handler: 'double', concurrency: 3 }))).toEqual(
      Array.from({ length: 12 }, (_, i) => i * 2),
    );
    expect(finished).toBe(true);
  });

  it('pulls a 10-million-item generator lazily and closes it when the consumer breaks', async () => {
    makePool();
    const concurrency = 4;
    const source = counted(10_000_000);
    const taken: number[] = [];
    for await (const value of pool.map(source.items, { handler: 'double', concurrency })) {
      taken.push(value);
      if (taken.length === 5) break;
    }
    expect(taken).toEqual([0, 2, 4, 6, 8]);
    expect(source.pulled()).toBeGreaterThanOrEqual(5);
    expect(source.pulled()).toBeLessThanOrEqual(taken.length + concurrency + 2);
    expect(source.finalized()).toBe(true);
    await expectIdleAndUsable(pool);
  });

  it('closes an endless async generator when the consumer breaks', async () => {
    makePool();
    let pulled = 0;
    let finalized = false;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (;;) {
          pulled++;
          yield pulled;
        }
      } finally {
        finalized = true;
      }
    }
    let taken = 0;
    for await (const value of pool.map(endless(), { handler: 'double', concurrency: 3 })) {
      taken++;
      expect(value).toBe(taken * 2);
      if (taken === 4) break;
    }
    expect(pulled).toBeLessThanOrEqual(4 + 3 + 2);
    expect(finalized).toBe(true);
    await expectIdleAndUsable(pool);
  });

  it('applies backpressure: a slow consumer never lets pulled − taken exceed concurrency', async () => {
    makePool();
    const concurrency = 3;
    const source = counted(40);
    let taken = 0;
    let widest = 0;
    for await (const value of pool.map(source.items, { handler: 'double', concurrency })) {
      taken++;
      expect(value).toBe((taken - 1) * 2);
      const lead = source.pulled() - taken;
      widest = Math.max(widest, lead);
      expect(lead).toBeLessThanOrEqual(concurrency);
      // A slow consumer: nothing more is pulled while it is busy.
      const before = source.pulled();
      await sleep(5);
      await new Promise((resolve) => setImmediate(resolve));
      expect(source.pulled()).toBe(before);
    }
    expect(taken).toBe(40);
    expect(source.pulled()).toBe(40);
    // It did look ahead (it is not a one-at-a-time loop).
    expect(widest).toBeGreaterThanOrEqual(2);
    expect(source.finalized()).toBe(true);
  });

  it('with settle: true yields every outcome, rejected ones with reason, input and index', async () => {
    makePool();
    const inputs = [0, 1, 2, 3, 4, 5, 6, 7];
    const outcomes: Settled<number, number>[] = await collect(
      pool.map(inputs, { handler: 'failOdd', settle: true, concurrency: 3 }),
    );
    expect(outcomes).toHaveLength(inputs.length);
    outcomes.forEach((outcome, i) => {
      expect(outcome.index).toBe(i);
      expect(outcome.input).toBe(i);
      if (i % 2 === 0) {
        expect(outcome).toEqual({ status: 'fulfilled', value: i * 2, input: i, index: i });
      } else {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as { reason: unknown }).reason as RangeError & { code?: string };
        expect(reason).toBeInstanceOf(RangeError);
        expect(reason.message).toBe(`odd: ${i}`);
        expect(reason.code).toBe('E_ODD');
      }
    });
    await expectIdleAndUsable(pool);
  });

  it('with settle: true and ordered: false still reports each index once', async () => {
    makePool();
    const inputs = Array.from({ length: 10 }, (_, i) => i);
    const outcomes = await collect(pool.map(inputs, { handler: 'failOdd', settle: true, ordered: false }));
    expect(outcomes.map((o) => o.index).sort((a, b) => a - b)).toEqual(inputs);
    for (const outcome of outcomes) {
      expect(outcome.input).toBe(outcome.index);
      expect(outcome.status).toBe(outcome.index % 2 === 0 ? 'fulfilled' : 'rejected');
    }
  });

  it('without settle, throws the first failure after the results before it', async () => {
    makePool();
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const value of pool.map([0, 2, 4, 5, 6, 8], { handler: 'failOdd', concurrency: 2 })) seen.push(value);
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([0, 4, 8]);
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toBe('odd: 5');
    await expectIdleAndUsable(pool);
  });

  it('ends with ABORT_ERR when its signal aborts between results', async () => {
    makePool();
    const controller = new AbortController();
    const source = counted(10_000_000);
    const seen: number[] = [];
    let caught: unknown;
    try {
      for await (const value of pool.map(source.items, { handler: 'double', signal: controller.signal, concurrency: 4 })) {
        seen.push(value);
        if (seen.length === 3) controller.abort(new Error('enough'));
      }
    } catch (error) {
      caught = error;
    }
    expect(seen).toEqual([0, 2, 4]);
    expect(caught).toBeInstanceOf(AbortError);
    expect((caught as AbortError).code).toBe('ABORT_ERR');
    expect(((caught as AbortError).cause as Error).message).toBe('enough');
    expect(source.finalized()).toBe(true);
    await expectIdleAndUsable(pool);
  });

  it('ends with ABORT_ERR when its signal aborts while it waits on a result', async () => {
    makePool();
    const never = gate();
    openGates.push(never.open);
    const controller = new AbortController();
    const stream = pool.map([never.path, existing], { handler: 'waitForFile', signal: controller.signal });
    const timer = setTimeout(() => controller.abort(), 50);
    const outcome = await collect(stream).then(
      () => undefined,
      (error: unknown) => error,
    );
    clearTimeout(timer);
    expect(outcome).toBeInstanceOf(AbortError);
    expect((outcome as AbortError).code).toBe('ABORT_ERR');
    if (kind === 'inline') never.open(); // an inline handler cannot be stopped: let it finish
    await expectIdleAndUsable(pool);
  });

  it('ends at once with ABORT_ERR for a signal aborted before it starts', async () => {
    makePool();
    const source = counted(100);
    const stream = pool.map(source.items, { handler: 'double', signal: AbortSignal.abort() });
    const error = await collect(stream).catch((e: unknown) => e);
    expect((error as AbortError).code).toBe('ABORT_ERR');
    expect(source.pulled()).toBe(0);
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    makePool();
    const error = await collect(pool.map([1], { handler: 'double', concurrency: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).message).toBe('Expected `concurrency` to be an integer >= 1, got `0` (number)');
  });
});
