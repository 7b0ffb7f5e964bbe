import { setTimeout as sleep } from 'node:timers/promises';
import { msSince, now, TimeoutError, withTimeout } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';

/** A running task that never yields: only killing its worker stops it early. */
const SPIN_MS = 3_000;
/** How long the busy task runs before it is aborted or its pool destroyed. */
const HEAD_START_MS = 100;

/**
 * How fast failure is turned into a settled promise, thread pools, in ms:
 * a task whose worker calls process.exit (from its run() call), a running
 * task whose AbortSignal fires (from abort()), and destroy() of a pool busy
 * in a task that never yields. "never" means not within the deadline.
 */
export default {
  id: 'settle',
  number: 7,
  kind: 'thread',
  title: () =>
    `settling on failure, 2 threads: ms to reject a crashed task, to reject a running task after abort(), ` +
    `and for destroy() of a pool busy in a ${SPIN_MS / 1000} s non-yielding task`,
  rounds: (sizes) => sizes.settleReps,
  warmupRounds: 1,
  columns: [
    { key: 'crashMs', label: 'crash → rejected ms', better: 'lower', digits: 2, ratio: true, headline: true },
    { key: 'abortMs', label: 'abort → rejected ms', better: 'lower', digits: 2, ratio: true },
    { key: 'destroyMs', label: 'destroy() ms', better: 'lower', digits: 2, ratio: true },
  ],
  async trial(library, sizes) {
    const deadlineMs = sizes.crashDeadlineMs;
    const row = {};
    await withPool(
      library,
      { workers: 2, kind: 'thread' },
      async (pool) => {
        await Promise.all([pool.run(0), pool.run(0)]); // both workers up
        row.crashMs = await timeToSettle(() => pool.run(0, { handler: 'crash' }), deadlineMs);
        const controller = new AbortController();
        const running = pool.run(SPIN_MS, { handler: 'spin', signal: controller.signal });
        running.catch(() => {});
        await sleep(HEAD_START_MS);
        const start = now();
        controller.abort();
        row.abortMs = await settledWithin(running, start, deadlineMs);
      },
      { trialTimeoutMs: 3 * deadlineMs + 10_000 },
    );
    row.destroyMs = await destroyBusy(library, deadlineMs);
    return row;
  },
};

async function timeToSettle(start, deadlineMs) {
  const begin = now();
  return settledWithin(start(), begin, deadlineMs);
}

async function settledWithin(promise, begin, deadlineMs) {
  try {
    await withTimeout(promise, deadlineMs, 'task');
  } catch (error) {
    if (error instanceof TimeoutError) return 'never';
  }
  return msSince(begin);
}

async function destroyBusy(library, deadlineMs) {
  const pool = library.open({ workers: 2, kind: 'thread' });
  await pool.run(0);
  pool.run(SPIN_MS, { handler: 'spin' }).catch(() => {});
  await sleep(HEAD_START_MS);
  const begin = now();
  try {
    await withTimeout(Promise.resolve(pool.destroy()), deadlineMs, 'destroy()');
  } catch (error) {
    if (error instanceof TimeoutError) return 'never';
    throw error;
  }
  return msSince(begin);
}
