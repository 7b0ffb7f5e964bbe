import type { Task } from './task.js';

/** Who a crash is blamed on, and who goes back to the queue unharmed. */
export interface CrashAttribution {
  /** Tasks the worker was running when it died: retried or rejected. */
  blamed: Task[];
  /** Tasks it had not started (or had finished without the result getting out): run again, no retry counted. */
  innocent: Task[];
}

/**
 * Decides which of a dead worker's unsettled tasks (in send order) caused the
 * crash. A worker starts its tasks in the order they were sent and runs at
 * most `concurrency` at once, so the culprits are among the last it started.
 *
 * - Threads count the tasks they start in shared memory (`started`): the last
 *   `concurrency` started are blamed, the rest are innocent.
 * - A process cannot say. When it held no more tasks than it runs at once they
 *   are all blamed; otherwise every task is marked `suspect` and innocent, and
 *   the scheduler runs each suspect alone on a fresh worker, where a crash
 *   can only be its own.
 */
export function attributeCrash(live: Task[], started: number | undefined, concurrency: number): CrashAttribution {
  if (started !== undefined) {
    const begun = live.filter((task) => task.seq < started);
    const blamed = begun.slice(-concurrency);
    return { blamed, innocent: live.filter((task) => !blamed.includes(task)) };
  }
  if (live.length <= concurrency) return { blamed: live, innocent: [] };
  for (const task of live) task.suspect = true;
  return { blamed: [], innocent: live };
}
