// How busy the machine is, from /proc: the benchmarks run on shared machines, so every
// figure is reported with how much of the machine others used while it was taken.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ticksPerSecond = 100;

/** Busy and total CPU ticks of the whole machine, all cores together. */
export function machineTicks() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** CPU ticks used by this process's waited-for descendants (the scenario processes and their children). */
export function descendantTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

/** Waits until a second passes in which others use less than `share` of the machine, for at most `maxWaitMs`. */
export async function waitForQuiet({ share = 0.15, maxWaitMs = 60_000 } = {}) {
  const until = Date.now() + maxWaitMs;
  for (;;) {
    const before = machineTicks();
    await sleep(1000);
    const after = machineTicks();
    const used = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    if (used < share || Date.now() >= until) return used;
  }
}

/** Measures `run()` and how much of the machine others used meanwhile (0…1). */
export async function measured(run) {
  const machineBefore = machineTicks();
  const oursBefore = descendantTicks();
  const result = await run();
  const machineAfter = machineTicks();
  const ours = descendantTicks() - oursBefore;
  const total = machineAfter.total - machineBefore.total;
  const others = Math.max(0, machineAfter.busy - machineBefore.busy - ours);
  return { ...result, othersShare: total > 0 ? others / total : 0, ourCpuMs: (ours * 1000) / ticksPerSecond };
}

/** The type of the file system holding `dir` (from `stat -f`; ext4 reads as "ext2/ext3"), or "unknown". */
export function fileSystemOf(dir) {
  for (let at = dir; at !== dirname(at); at = dirname(at)) {
    try {
      return execFileSync('stat', ['-f', '-c', '%T', at], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Not there (yet), or no `stat` here: try the parent.
    }
  }
  return 'unknown';
}
