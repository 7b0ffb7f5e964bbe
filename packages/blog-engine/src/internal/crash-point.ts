import { isMainThread, Worker } from 'node:worker_threads';

/**
 * Named points where a test can have the build die
 * (`DROVE_BLOG_CRASH_AT=commit-chunk:2` SIGKILLs the process the second time
 * that point is passed). They let the crash-safety and chaos tests kill a
 * build at exactly the moments that matter (between a rename and its database
 * commit, between an unlink and its row's deletion, half-way through writing a
 * file) rather than hoping a timer lands there.
 *
 * A third field picks what happens there:
 * - `kill` (the default): SIGKILL the whole process, from whichever thread passes the point.
 * - `exit-thread`: in a render worker, end that thread at once (as a thread's crash does); the process lives on.
 * - `after-<ms>` (`db-write:3:after-0.4`): arm a killer thread that SIGKILLs the process that many
 *   milliseconds (fractions allowed) later, while this thread goes on into what follows the point: the
 *   SQLite commit, which runs in native code and which no JavaScript on this thread could interrupt.
 *
 * Points pass on the thread they are in: each render worker counts its own passes.
 * Nothing here costs more than one comparison when the variable is unset.
 */
interface CrashTarget {
  point: string;
  nth: number;
  action: 'kill' | 'exit-thread' | { afterMs: number };
}

function parse(spec: string | undefined): CrashTarget | undefined {
  if (!spec) return undefined;
  const [point = '', nth = '1', action = 'kill'] = spec.split(':');
  const after = /^after-(\d+(?:\.\d+)?)$/.exec(action);
  return { point, nth: Number(nth), action: after ? { afterMs: Number(after[1]) } : action === 'exit-thread' ? 'exit-thread' : 'kill' };
}

const target = parse(process.env.DROVE_BLOG_CRASH_AT);
let passes = 0;

/** Shared with the killer thread: [armed, never set (its timed wait's word)]. */
let killerFlag: Int32Array | undefined;
if (target && typeof target.action === 'object' && isMainThread) {
  killerFlag = new Int32Array(new SharedArrayBuffer(8));
  // Started now, not when armed: a thread takes milliseconds to start, longer than the moments it aims at.
  const killer = new Worker(
    `const { workerData } = require('node:worker_threads');
     const flag = new Int32Array(workerData.flag);
     Atomics.wait(flag, 0, 0);
     if (workerData.afterMs > 0) Atomics.wait(flag, 1, 0, workerData.afterMs);
     process.kill(process.pid, 'SIGKILL');`,
    { eval: true, workerData: { flag: killerFlag.buffer, afterMs: target.action.afterMs } },
  );
  killer.unref();
}

/** Whether the next pass of `name` is the one that dies (to take a slower path that can die half-way). */
export function crashPointDue(name: string): boolean {
  return target !== undefined && target.point === name && passes + 1 === target.nth;
}

/** Passes the point `name`: dies here when `DROVE_BLOG_CRASH_AT` names this pass. */
export function crashPoint(name: string): void {
  if (target === undefined || target.point !== name) return;
  if (++passes !== target.nth) return;
  if (target.action === 'exit-thread' && !isMainThread) process.exit(70);
  if (typeof target.action === 'object' && killerFlag) {
    Atomics.store(killerFlag, 0, 1);
    Atomics.notify(killerFlag, 0);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}
