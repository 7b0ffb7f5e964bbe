import { readFileSync } from 'node:fs';

/** Monotonic clock in nanoseconds. */
export const now = () => process.hrtime.bigint();

export const msSince = (start) => Number(now() - start) / 1e6;

export function median(values) {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/**
 * CPU time of the calling thread in µs, or null where it can't be read.
 * process.cpuUsage() counts every thread of the process, worker threads
 * included, so it can't tell what a pool costs the main thread; Linux keeps a
 * per-thread figure (ns on CPU) in /proc/thread-self/schedstat.
 */
export function threadCpuUs() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e3;
  } catch {
    return null;
  }
}

/** Process CPU (user + system) in µs, all threads. */
export function processCpuUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

export class TimeoutError extends Error {}

/** Settles like `promise`, or rejects with TimeoutError after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not settle within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Submits `count` tasks at once and waits for all of them. */
export function runAll(count, task) {
  return Promise.all(Array.from({ length: count }, (_, i) => task(i)));
}

/** Runs `count` tasks keeping at most `inFlight` submitted at a time. */
export async function runWindowed(count, inFlight, task) {
  const results = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return results;
}
