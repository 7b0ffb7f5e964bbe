import { readdirSync, readFileSync } from 'node:fs';

/** The run's seed: `CHAOS_SEED` to replay one, else a new one (the suite prints it). */
export const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);

/** Rounds: a few in `npm test`, many in `npm run chaos` (`CHAOS_ITERATIONS`). */
export function iterations(quick: number): number {
  return process.env.CHAOS_ITERATIONS ? Number(process.env.CHAOS_ITERATIONS) : quick;
}

/** A seeded generator of floats in [0, 1) (mulberry32). */
export function random(from: number): () => number {
  let state = from >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The pids of processes (not zombies) whose environment holds `marker`: every process a chaos
 * parent started inherits it, so this finds them after they were re-parented too.
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
