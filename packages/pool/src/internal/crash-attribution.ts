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
 * - A process cannot say. A task whose envelope was never written to it (the
 *   process was already gone) is innocent. When it held no more of the others
 *   than it runs at once they are all blamed; otherwise every task is marked `suspect` and innocent, and
 *   the scheduler runs each suspect alone on a fresh worker, where a crash
 *   can only be its own.
 */
export function attributeCrash(live: Task[], started: number | undefined, concurrency: number): CrashAttribution {
  if (started !== undefined) {
    const begun = live.filter((task) => task.seq < started);
    const blamed = begun.slice(-concurrency);
    return { blamed, innocent: live.filter((task) => !blamed.includes(task)) };
  }
  // A task whose envelope was never written (the process was gone before the write) cannot have caused anything.
  const reached = live.filter((task) => task.written);
  const unsent = live.filter((task) => !task.written);
  if (reached.length <= concurrency) return { blamed: reached, innocent: unsent };
  for (const task of reached) task.suspect = true;
  return { blamed: [], innocent: live };
}
