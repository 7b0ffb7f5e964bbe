/**
 * The chaos suite: workers killed at random moments under a `map` (every item settles exactly once),
 * and the pool's own parent SIGKILLed at random moments of its workers' start-up (no process left
 * 1 s later). The schedule comes from a seed, printed; `CHAOS_SEED=<seed>` replays it.
 * `CHAOS_ITERATIONS` sets the rounds: a few in `npm test`, many in `npm run chaos`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@drove/test-support';
import { createPool, type Pool, type Settled } from '@drove/pool';
import { chaosIterations as iterations, chaosSeed, processesMarked, seededRandom as random } from '@drove/test-support';

const seed = chaosSeed();
import { sweep } from './orphans.js';

const rounds = iterations(3);
const next = random(seed);
const worker = new URL('./fixtures/chaos-worker.mjs', import.meta.url);
const leftovers: number[] = [];
console.log(`pool chaos: seed ${seed}, ${rounds} rounds (replay: CHAOS_SEED=${seed} npx vitest run test/chaos.test.ts)`);

afterAll(() => sweep(leftovers));

interface Item {
  i: number;
  workMs: number;
  dieAfterMs?: number;
}

/**
 * Runs one more task once the chaos is over. A worker may still hold an item's timer that ends it (exit code 1,
 * at most 15 ms after that item), and the task it takes then fails like any task of a killed worker: such a
 * failure is retried, once per worker the pool may have; any other failure fails the test.
 */
async function stillWorks(pool: Pool): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await pool.run({ i: 21, workMs: 0 });
    } catch (error) {
      const { code, exitCode } = error as { code?: string; exitCode?: number | null };
      if (attempt >= 2 || code !== 'ERR_POOL_WORKER_EXITED' || exitCode !== 1) throw error;
    }
  }
}

describe(`chaos (seed ${seed})`, () => {
  for (const kind of ['thread', 'process'] as const) {
    it(`${kind}: every item of a map settles exactly once while workers die at random moments`, { timeout: 60_000 + rounds * 20_000 }, async () => {
      for (let round = 0; round < rounds; round++) {
        const count = 300 + Math.floor(next() * 500);
        const items: Item[] = Array.from({ length: count }, (_, i) => ({
          i,
          workMs: next() < 0.2 ? Math.floor(next() * 4) : 0,
          ...(next() < 0.02 ? { dieAfterMs: Math.floor(next() * 15) } : {}),
        }));
        const pool = createPool({
          worker,
          kind,
          initData: { initMs: [0, Math.floor(next() * 30)] },
          maxWorkers: 2,
          retries: Math.floor(next() * 2),
          spawnBackoff: { baseMs: 1, maxMs: 5, maxFailures: Number.POSITIVE_INFINITY },
        });
        pool.on('error', () => {});
        // Process workers are also SIGKILLed from outside, at random moments.
        const pids = new Set<number>();
        const killed = new Set<number>();
        const exited = new Set<number>();
        const workerOf = new Map<number, number>();
        pool.on('workerSpawn', ({ workerId, pid }) => {
          if (kind !== 'process' || pid === undefined) return;
          pids.add(pid);
          workerOf.set(pid, workerId);
        });
        pool.on('workerExit', ({ workerId }) => exited.add(workerId));
        let killing = true;
        const killer = (async () => {
          while (killing) {
            await new Promise((resolve) => setTimeout(resolve, 5 + Math.floor(next() * 60)));
            if (!killing) break;
            const alive = [...pids];
            const victim = alive[Math.floor(next() * alive.length)];
            if (victim === undefined) continue;
            pids.delete(victim);
            killed.add(workerOf.get(victim)!);
            try {
              process.kill(victim, 'SIGKILL');
            } catch {
              // It exited on its own meanwhile.
            }
          }
        })();
        const seen = new Map<number, Settled<unknown, unknown>>();
        const duplicates: number[] = [];
        for await (const outcome of pool.map(items, { settle: true, ordered: next() < 0.5 })) {
          if (seen.has(outcome.index)) duplicates.push(outcome.index);
          seen.set(outcome.index, outcome);
        }
        killing = false;
        await killer;
        expect(duplicates).toEqual([]);
        expect(seen.size).toBe(count);
        for (const [index, outcome] of seen) {
          if (outcome.status === 'fulfilled') expect(outcome.value).toBe(index * 2);
          // A worker killed while it runs the item, or (with no worker ready) while it starts.
          else expect(['ERR_POOL_WORKER_EXITED', 'ERR_POOL_WORKER_INIT']).toContain((outcome.reason as { code?: string }).code);
        }
        // The pool still works and holds nothing, once the last worker killed (maybe while it started) is known dead:
        // a start that fails while no worker is ready rejects what waits, as the README says.
        expect(await waitFor(() => [...killed].every((id) => exited.has(id)))).toBe(true);
        expect(await stillWorks(pool)).toBe(42);
        expect(pool.stats()).toMatchObject({ queued: 0, running: 0 });
        await pool.destroy();
      }
    });
  }

  it("leaves no process when the pool's parent is SIGKILLed at a random moment of its workers' start-up", { timeout: 60_000 + rounds * 10_000 }, async () => {
    for (let round = 0; round < rounds * 4; round++) {
      const marker = `DROVE_CHAOS_MARK=pool-${seed}-${round}`;
      const config = { initMs: [Math.floor(next() * 200), Math.floor(next() * 50)], maxWorkers: 2 };
      const parent = spawn(process.execPath, [new URL('./fixtures/chaos-pool-parent.mjs', import.meta.url).pathname, JSON.stringify(config)], {
        stdio: 'ignore',
        env: { ...process.env, DROVE_CHAOS_MARK: marker.split('=')[1] },
      });
      const killAfterMs = Math.floor(next() * 500);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      const exited = once(parent, 'exit');
      parent.kill('SIGKILL');
      await exited;
      const gone = await waitFor(() => processesMarked(marker).length === 0, { deadlineMs: 1000 });
      const left = processesMarked(marker);
      leftovers.push(...left);
      expect({ round, killAfterMs, left: gone ? [] : left }).toEqual({ round, killAfterMs, left: [] });
    }
  });
});
