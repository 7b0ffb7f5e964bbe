// What a pool does once it gave up on starting workers (spawnBackoff.maxFailures): it stays given up.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, waitFor } from '@drove/test-support';
import { createPool, type PoolError, type WorkerExitReason } from '@drove/pool';
import { destroyAll, opened } from './helpers.js';

afterEach(async () => {
  await destroyAll();
  removeTempDirs();
});

describe('a pool that gave up on starting workers', () => {
  it.each(['thread', 'process'] as const)(
    '%s: a worker that finishes starting late is stopped; the pool keeps refusing and its failure count stays',
    async (kind) => {
      const release = join(makeTempDir('drove-give-up-'), 'release');
      const p = createPool({
        worker: new URL('./fixtures/late-start-worker.mjs', import.meta.url),
        kind,
        initData: { release },
        minWorkers: 2,
        maxWorkers: 2,
        spawnBackoff: { baseMs: 5, maxMs: 10, maxFailures: 3 },
      });
      opened.push(p);
      const exits: { workerId: number; reason: WorkerExitReason }[] = [];
      const readies: number[] = [];
      p.on('workerExit', ({ workerId, reason }) => exits.push({ workerId, reason }));
      p.on('workerReady', ({ workerId }) => readies.push(workerId));
      const refusal = () => p.run(1).then(() => 'ran', (error: PoolError) => error.code);
      // Workers 2, 3 and 4 fail while worker 1 is still starting: the budget of three is spent.
      expect(await waitFor(async () => p.stats().spawnFailures >= 3 && (await refusal()) === 'ERR_POOL_WORKER_INIT')).toBe(true);
      expect(p.stats()).toMatchObject({ workers: 1, starting: 1 });

      writeFileSync(release, '');
      expect(await waitFor(() => exits.some((exit) => exit.workerId === 1))).toBe(true);
      expect(exits.find((exit) => exit.workerId === 1)).toEqual({ workerId: 1, reason: 'gave-up' });
      expect(readies).toEqual([]);
      expect(p.stats()).toMatchObject({ workers: 0, spawnFailures: 3 });
      expect(await refusal()).toBe('ERR_POOL_WORKER_INIT');
      await expect(p.ready()).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_INIT' });
      await expect(p.acquire()).rejects.toMatchObject({ code: 'ERR_POOL_WORKER_INIT' });
      // Nothing is spawned again.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(p.stats().workers).toBe(0);
    },
  );
});
