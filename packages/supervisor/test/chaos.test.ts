/**
 * The chaos suite: a master is SIGKILLed at a random moment of its children's start-up (importing,
 * in init, blocked, ready, commands with and without process groups and grandchildren), and no
 * process of its tree may be alive 1 s later. The schedule comes from a seed, printed;
 * `CHAOS_SEED=<seed>` replays it. `CHAOS_ITERATIONS` sets the rounds: a few in `npm test`, many in
 * `npm run chaos`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { chaosIterations, chaosSeed, describeProcess, processesMarked, seededRandom, waitFor } from '@drove/test-support';

const seed = chaosSeed();
const rounds = chaosIterations(16);
console.log(`supervisor chaos: seed ${seed}, ${rounds} rounds (replay: CHAOS_SEED=${seed} npx vitest run test/chaos.test.ts)`);

const next = seededRandom(seed);
const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** The children of one round: each Node child at a random phase, a thread, and commands. */
function childrenOf(marker: string): unknown[] {
  const env = { DROVE_CHAOS_MARK: marker };
  const phase = () => ['ready', 'ready', 'ready', 'blocked', 'never'][Math.floor(next() * 5)];
  const node = (name: string, kind: 'process' | 'thread') => ({
    name,
    kind,
    env,
    args: [String(Math.floor(next() * 150)), String(Math.floor(next() * 150)), phase()],
    readinessTimeoutMs: 60_000,
    shutdownTimeoutMs: 100,
    ...(kind === 'process' && next() < 0.3 ? { processGroup: true } : {}),
  });
  // Children start one after another, each once the one before is ready: a shuffled order puts every
  // kind at every phase of the master's start-up, behind a child that never gets ready or not.
  return shuffle([
    node('p0', 'process'),
    node('p1', 'process'),
    node('p2', 'process'),
    node('t0', 'thread'),
    { name: 'sleeper', kind: 'command', argv: ['sleep', '1000'], env },
    // A command with grandchildren: only its process group reaches them.
    { name: 'shell', kind: 'command', argv: ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'], env, processGroup: true },
    { name: 'node-cmd', kind: 'command', argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], env },
  ]);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe(`chaos (seed ${seed})`, () => {
  it("leaves no process of the tree 1 s after the master's SIGKILL, wherever in its children's start-up it lands", { timeout: 30_000 + rounds * 5_000 }, async () => {
    for (let round = 0; round < rounds; round++) {
      const marker = `drove-supervisor-chaos-${seed}-${round}`;
      const children = childrenOf(marker);
      const master = spawn(process.execPath, [new URL('./fixtures/chaos-master.mjs', import.meta.url).pathname, JSON.stringify(children)], {
        stdio: 'ignore',
        env: { ...process.env, DROVE_CHAOS_MARK: marker },
      });
      const killAfterMs = Math.floor(next() * 700);
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      const exited = once(master, 'exit');
      master.kill('SIGKILL');
      await exited;
      const gone = await waitFor(() => processesMarked(marker).length === 0, { deadlineMs: 1000 });
      const pids = gone ? [] : processesMarked(marker);
      leftovers.push(...pids);
      const left = pids.map(describeProcess);
      expect({ round, killAfterMs, left }).toEqual({ round, killAfterMs, left: [] });
    }
  });
});
