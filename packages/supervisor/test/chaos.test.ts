/**
 * The chaos suite: a master is SIGKILLed at a random moment of its children's start-up (importing,
 * in init, blocked, ready, commands with and without process groups and grandchildren), and no
 * process of its tree may be alive 1 s later. The schedule comes from a seed, printed;
 * `CHAOS_SEED=<seed>` replays it. `CHAOS_ITERATIONS` sets the rounds: a few in `npm test`, many in
 * `npm run chaos`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@drove/test-support';

const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
const rounds = process.env.CHAOS_ITERATIONS ? Number(process.env.CHAOS_ITERATIONS) : 16;
console.log(`supervisor chaos: seed ${seed}, ${rounds} rounds (replay: CHAOS_SEED=${seed} npx vitest run test/chaos.test.ts)`);

/** A seeded generator of floats in [0, 1) (mulberry32). */
function random(from: number): () => number {
  let state = from >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pids of live processes whose environment holds `marker` (a zombie's reads as empty): the tree, re-parented or not. */
function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
  return found;
}

/** What a process left behind is, for the failure message: its command line, parent, group and state. */
function describeProcess(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid} ${state} ppid ${ppid} pgrp ${pgrp}: ${cmdline.slice(0, 200)}`;
  } catch {
    return `${pid} (gone)`;
  }
}

const next = random(seed);
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
