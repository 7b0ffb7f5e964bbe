import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  createPool,
  PoolError,
  WorkerExitedError,
  type Lease,
  type LeaseExit,
  type Pool,
  type PoolOptions,
  type WorkerKind,
} from '@drove/pool';

const worker = new URL('./fixtures/gated-worker.mjs', import.meta.url);

/** The handlers of fixtures/gated-worker.mjs these tests use. */
type Handlers = {
  whoami: (payload?: undefined) => number;
  double: (n: number) => number;
  sleep: (ms: number) => Promise<number>;
  exit: (code: number) => never;
};

/** What fixtures/gated-worker.mjs's `onMessage` sends back. */
interface Echo {
  echo: unknown;
  workerId: number;
}

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  return { settled: () => settled, promise };
}

function nextMessage(lease: Lease): Promise<unknown> {
  return new Promise((resolve) => lease.once('message', resolve));
}

describe.each<WorkerKind>(['thread', 'process', 'inline'])('leases on %s workers', (kind) => {
  let pool: Pool<Handlers> | undefined;

  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  function makePool(extra: Partial<PoolOptions> = {}): Pool<Handlers> {
    const sizes = kind === 'inline' ? { maxWorkers: 1, minWorkers: 1 } : { maxWorkers: 2, minWorkers: 2 };
    pool = createPool<Handlers>({ worker, kind, ...sizes, ...extra });
    return pool;
  }

  it('runs every lease task on the leased worker', async () => {
    const p = makePool();
    const lease = await p.acquire();
    expect(lease.active).toBe(true);
    expect(p.stats().leased).toBe(1);
    const ids = await Promise.all([1, 2, 3, 4].map(() => lease.run<number>(undefined, { handler: 'whoami' })));
    expect(ids).toEqual([lease.workerId, lease.workerId, lease.workerId, lease.workerId]);
    await expect(lease.run(21, { handler: 'double' })).resolves.toBe(42);
    lease.release();
  });

  it('tells the worker pid and thread id of its kind', async () => {
    const p = makePool();
    const lease = await p.acquire();
    if (kind === 'thread') {
      expect(lease.pid).toBe(process.pid);
      expect(lease.threadId).toBeGreaterThan(0);
    } else if (kind === 'process') {
      expect(lease.pid).toBeGreaterThan(0);
      expect(lease.pid).not.toBe(process.pid);
      expect(lease.threadId).toBe(0);
    } else {
      expect(lease.pid).toBe(process.pid);
      expect(lease.threadId).toBe(0);
    }
    lease.release();
  });

  it('carries messages both ways: lease.send() to onMessage, ctx.send() to lease.on("message")', async () => {
    const p = makePool();
    const lease = await p.acquire();
    const first = nextMessage(lease);
    lease.send({ hello: 'worker', n: 1, when: new Date(5) });
    expect(await first).toEqual({ echo: { hello: 'worker', n: 1, when: new Date(5) }, workerId: lease.workerId });

    const many: unknown[] = [];
    const all = new Promise<void>((resolve) => {
      lease.on('message', (message) => {
        many.push((message as Echo).echo);
        if (many.length === 3) resolve();
      });
    });
    lease.send('a');
    lease.send('b');
    lease.send('c');
    await all;
    expect(many).toEqual(['a', 'b', 'c']);
    lease.release();
  });

  it('returns the worker to the pool on release', async () => {
    const p = makePool({ maxWorkers: 1, minWorkers: 1 });
    const lease = await p.acquire();
    const queued = track(p.run(undefined, { handler: 'whoami' }));
    // The only worker is held: the pool's task waits, while the lease's tasks run.
    await expect(lease.run(4, { handler: 'double' })).resolves.toBe(8);
    await expect(lease.run(5, { handler: 'double' })).resolves.toBe(10);
    expect(queued.settled()).toBe(false);
    expect(p.stats().leased).toBe(1);
    lease.release();
    expect(lease.active).toBe(false);
    await expect(queued.promise).resolves.toBe(lease.workerId);
    expect(p.stats().leased).toBe(0);
    lease.release(); // idempotent
    await expect(p.run(undefined, { handler: 'whoami' })).resolves.toBe(lease.workerId);
  });

  it('releases at the end of an `await using` scope', async () => {
    const p = makePool();
    let held: Lease | undefined;
    {
      await using lease = await p.acquire();
      held = lease;
      expect(p.stats().leased).toBe(1);
      await expect(lease.run(1, { handler: 'double' })).resolves.toBe(2);
    }
    expect(held.active).toBe(false);
    expect(p.stats().leased).toBe(0);
    const again = await p.acquire();
    expect(again.active).toBe(true);
    again.release();
  });

  it('releases at the end of a `using` scope', async () => {
    const p = makePool();
    let held: Lease | undefined;
    {
      using lease = await p.acquire();
      held = lease;
      expect(p.stats().leased).toBe(1);
    }
    expect(held.active).toBe(false);
    expect(p.stats().leased).toBe(0);
  });

  it('refuses run() and send() after release with ERR_POOL_LEASE_RELEASED', async () => {
    const p = makePool();
    const lease = await p.acquire();
    lease.release();
    const error = await lease.run(1, { handler: 'double' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoolError);
    expect((error as PoolError).code).toBe('ERR_POOL_LEASE_RELEASED');
    expect(() => lease.send('late')).toThrow(expect.objectContaining({ code: 'ERR_POOL_LEASE_RELEASED' }));
  });

  it('rejects acquire() at once for an aborted signal', async () => {
    const p = makePool();
    const error = await p.acquire({ signal: AbortSignal.abort(new Error('no thanks')) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe('ABORT_ERR');
    expect(((error as AbortError).cause as Error).message).toBe('no thanks');
    expect(p.stats().leased).toBe(0);
  });

  it('makes acquire() wait while every worker is leased, and serves it on release', async () => {
    const p = makePool();
    const size = kind === 'inline' ? 1 : 2;
    const leases = await Promise.all(Array.from({ length: size }, () => p.acquire()));
    expect(new Set(leases.map((lease) => lease.workerId)).size).toBe(size);
    const waiting = track(p.acquire());
    await expect(leases[0]!.run(3, { handler: 'double' })).resolves.toBe(6);
    expect(waiting.settled()).toBe(false);
    expect(p.stats().leased).toBe(size);
    const freed = leases[size - 1]!;
    freed.release();
    const next = await waiting.promise;
    expect(next.workerId).toBe(freed.workerId);
    await expect(next.run(undefined, { handler: 'whoami' })).resolves.toBe(freed.workerId);
    next.release();
    for (const lease of leases) lease.release();
  });

  it('rejects a waiting acquire() with ABORT_ERR when its signal aborts, and skips it afterwards', async () => {
    const p = makePool({ maxWorkers: 1, minWorkers: 1 });
    const held = await p.acquire();
    const controller = new AbortController();
    const waiting = p.acquire({ signal: controller.signal });
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect((error as AbortError).code).toBe('ABORT_ERR');
    held.release();
    const next = await p.acquire();
    expect(next.workerId).toBe(held.workerId);
    expect(p.stats().leased).toBe(1);
    next.release();
  });
});

describe.each<WorkerKind>(['thread', 'process'])('a leased %s worker that dies', (kind) => {
  let pool: Pool<Handlers> | undefined;

  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  it('rejects lease.run with ERR_POOL_WORKER_EXITED, emits exit on the lease, and is replaced', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 2, minWorkers: 1 });
    pool = p;
    const poolExits: { workerId: number; reason: string }[] = [];
    p.on('workerExit', (event) => poolExits.push({ workerId: event.workerId, reason: event.reason }));
    const lease = await p.acquire();
    const exited = new Promise<LeaseExit>((resolve) => lease.once('exit', resolve));

    const error = await lease.run(3, { handler: 'exit' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerExitedError);
    const exitedError = error as WorkerExitedError;
    expect(exitedError.code).toBe('ERR_POOL_WORKER_EXITED');
    expect(exitedError.workerId).toBe(lease.workerId);
    expect(exitedError.exitCode).toBe(3);

    const exit = await exited;
    expect(exit.reason).toBe('crashed');
    expect(exit.exitCode).toBe(3);
    expect(lease.active).toBe(false);
    expect(lease.exit).toEqual(exit);
    expect(poolExits).toContainEqual({ workerId: lease.workerId, reason: 'crashed' });

    // The lease is over: it refuses more work, and release() is a harmless no-op.
    const late = await lease.run(1, { handler: 'double' }).catch((e: unknown) => e);
    expect((late as PoolError).code).toBe('ERR_POOL_WORKER_EXITED');
    expect(() => lease.send('anyone?')).toThrow(expect.objectContaining({ code: 'ERR_POOL_WORKER_EXITED' }));
    lease.release();

    // The pool replaces the worker and goes on.
    const id = await p.run(undefined, { handler: 'whoami' });
    expect(id).not.toBe(lease.workerId);
    await vi.waitFor(() => expect(p.stats().workers).toBeGreaterThanOrEqual(1), { timeout: 10_000 });
    expect(p.stats().leased).toBe(0);
    const again = await p.acquire();
    expect(again.workerId).not.toBe(lease.workerId);
    await expect(again.run(2, { handler: 'double' })).resolves.toBe(4);
    again.release();
  });
});

describe.each<WorkerKind>(['thread', 'process'])('a lease among %s workers', (kind) => {
  let pool: Pool<Handlers> | undefined;

  afterEach(async () => {
    await pool?.destroy();
    pool = undefined;
  });

  it('keeps pool.run tasks off the leased worker while it is held', async () => {
    const p = createPool<Handlers>({ worker, kind, maxWorkers: 2, minWorkers: 2 });
    pool = p;
    await p.ready();
    const lease = await p.acquire();
    const pooled = Promise.all(Array.from({ length: 8 }, () => p.run(undefined, { handler: 'whoami' })));
    const leased = Promise.all(Array.from({ length: 4 }, () => lease.run<number>(undefined, { handler: 'whoami' })));
    const [pooledIds, leasedIds] = await Promise.all([pooled, leased]);
    expect(leasedIds.every((id) => id === lease.workerId)).toBe(true);
    expect(pooledIds).toHaveLength(8);
    expect(pooledIds.some((id) => id === lease.workerId)).toBe(false);
    lease.release();
    // Once released, both workers serve the pool again: two tasks at once go to the two idle workers.
    const both = await Promise.all([p.run(undefined, { handler: 'whoami' }), p.run(undefined, { handler: 'whoami' })]);
    expect(new Set(both)).toEqual(new Set([lease.workerId, pooledIds[0]]));
  });
});
