import { readdirSync, readFileSync } from 'node:fs';

/** A chaos run's seed: `CHAOS_SEED` to replay one, else a new one (the suite prints it). */
export function chaosSeed(): number {
  return process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);
}

/** A chaos run's rounds: `quick` in `npm test`, `CHAOS_ITERATIONS` when set (as `npm run chaos` does). */
export function chaosIterations(quick: number): number {
  return process.env.CHAOS_ITERATIONS ? Number(process.env.CHAOS_ITERATIONS) : quick;
}

/** A seeded generator of floats in [0, 1) (mulberry32): the whole schedule of a chaos run follows from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The pids of live processes (not zombies) whose environment holds `marker`:
 * every process a chaos parent started inherits it, so this finds them after
 * they were re-parented too.
 */
export function processesMarked(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // A zombie's environment reads as empty.
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours.
    }
  }
  return found;
}

/** What a process left behind is, for a failure message: its state, parent, group and command line. */
export function describeProcess(pid: number): string {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid} ${state} ppid ${ppid} pgrp ${pgrp}: ${cmdline.slice(0, 200)}`;
  } catch {
    return `${pid} (gone)`;
  }
}
