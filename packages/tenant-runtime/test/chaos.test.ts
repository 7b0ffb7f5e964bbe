/**
 * The chaos suite: a runtime is SIGKILLed at a random moment of its tenants' start-up (spawned,
 * starting a grandchild, blocked, waiting, never ready, ready), and no process of its tree — tenants
 * and their grandchildren — may be alive a second later. The schedule comes from a seed, printed;
 * `CHAOS_SEED=<seed>` replays it; `CHAOS_ITERATIONS` sets the rounds (a few in `npm test`, many in
 * `npm run chaos`).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { chaosIterations, chaosSeed, describeProcess, makeTempDir, processesMarked, removeTempDirs, seededRandom, waitFor } from '@drove/test-support';

const seed = chaosSeed();
const rounds = chaosIterations(10);
console.log(`tenant-runtime chaos: seed ${seed}, ${rounds} rounds (replay: CHAOS_SEED=${seed} npx vitest run test/chaos.test.ts)`);

const next = seededRandom(seed);
const survivors: number[] = [];
afterAll(() => {
  for (const pid of survivors) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  removeTempDirs();
});

/** The start-up plan of one tenant. */
function plan(): string {
  const steps: string[] = [];
  if (next() < 0.5) steps.push('grandchild');
  const pick = next();
  if (pick < 0.25) steps.push(`block=${Math.floor(next() * 300)}`);
  else if (pick < 0.5) steps.push(`wait=${Math.floor(next() * 300)}`);
  else if (pick < 0.65) steps.push('never');
  return steps.join(',');
}

describe('a runtime SIGKILLed while its tenants start', () => {
  it(`leaves no process of its tree alive (seed ${seed})`, async () => {
    const hostScript = new URL('./fixtures/chaos-host.mjs', import.meta.url).pathname;
    for (let round = 0; round < rounds; round++) {
      const root = makeTempDir('drove-tenant-chaos-');
      const plans: Record<string, string> = {};
      for (let i = 0, count = 1 + Math.floor(next() * 4); i < count; i++) {
        mkdirSync(join(root, `t${i}`));
        plans[`t${i}`] = plan();
      }
      const marker = `drove-chaos-${seed}-${round}`;
      const killAfterMs = Math.floor(next() * 400);
      const host = spawn(process.execPath, [hostScript, root, JSON.stringify(plans), marker], { stdio: ['ignore', 'pipe', 'inherit'] });
      survivors.push(host.pid as number);
      await once(host.stdout, 'data');
      await sleep(killAfterMs);
      const seen = processesMarked(marker);
      const exited = once(host, 'exit');
      host.kill('SIGKILL');
      await exited;
      // The promise is one second; the bound is wider for a loaded machine, not a timing claim.
      const gone = await waitFor(() => processesMarked(marker).length === 0, { deadlineMs: 3000, intervalMs: 20 });
      const left = processesMarked(marker);
      survivors.push(...left);
      expect({ round, plans, killAfterMs, seen: seen.length, left: left.map(describeProcess) }).toEqual({ round, plans, killAfterMs, seen: seen.length, left: [] });
      expect(gone).toBe(true);
    }
  }, 10_000 + rounds * 5000);
});
