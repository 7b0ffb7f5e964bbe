import { readdirSync, readFileSync } from 'node:fs';

/**
 * True while any thread of the process has not exited (read from `/proc`, so Linux only).
 *
 * A killed process's main thread can show as a zombie while its other threads are
 * still exiting and its sockets still accept connections (and reset them), so the
 * main thread's state alone is not enough. A process that has exited but is not yet
 * reaped counts as gone here, unlike {@link pidExists}.
 *
 * @example
 * import { isAlive } from '@drove/test-support';
 * expect(isAlive(child.pid!)).toBe(true);
 */
export function isAlive(pid: number): boolean {
  const threads = threadsOf(pid);
  return threads !== undefined && threads.some((tid) => threadRuns(pid, tid));
}

/**
 * Waits until every thread of a killed process has exited (see {@link isAlive}),
 * spinning without yielding to the event loop, so nothing else in the test moves meanwhile.
 *
 * @param deadlineMs A bound on waiting, not a timing assertion.
 * @throws Error when a thread still runs after `deadlineMs`.
 * @example
 * import { waitForThreadsGone } from '@drove/test-support';
 * process.kill(pid, 'SIGKILL');
 * waitForThreadsGone(pid);
 */
export function waitForThreadsGone(pid: number, deadlineMs = 5000): void {
  const end = Date.now() + deadlineMs;
  while (isAlive(pid)) if (Date.now() > end) throw new Error(`process ${pid} still runs after ${deadlineMs} ms`);
}

/** The thread ids of a process, or `undefined` once `/proc` no longer lists it. */
function threadsOf(pid: number): string[] | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
}

/** Whether one thread is in any state but zombie; a thread gone while we read counts as exited. */
function threadRuns(pid: number, tid: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself hold spaces or ')'.
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}
