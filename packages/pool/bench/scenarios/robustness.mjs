import { TimeoutError, withTimeout } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';

const KINDS = ['thread', 'process'];

/**
 * Not a timing: a worker that calls process.exit(1) mid-task. A pool should
 * settle that task's promise (reject it) and keep serving; a promise that never
 * settles hangs whoever awaits it. Run last, because a pool that fails this
 * may leave a worker or a promise behind.
 */
export default {
  id: 'robustness',
  number: 8,
  kind: 'thread',
  title: (sizes) =>
    `robustness: a task whose worker calls process.exit(1); does its promise settle within ` +
    `${sizes.crashDeadlineMs / 1000} s, and does the next task succeed?`,
  rounds: () => 1,
  columns: KINDS.flatMap((kind) => [
    { key: `${kind}Settles`, label: `${kind}: settles` },
    { key: `${kind}Next`, label: `${kind}: next task` },
  ]),
  async trial(library, sizes) {
    const row = {};
    for (const kind of KINDS) {
      Object.assign(row, library.kinds.includes(kind) ? await crashOnce(library, kind, sizes) : notApplicable(kind));
    }
    return row;
  },
};

function notApplicable(kind) {
  return { [`${kind}Settles`]: 'n/a', [`${kind}Next`]: 'n/a' };
}

async function crashOnce(library, kind, sizes) {
  return withPool(
    library,
    { workers: 2, kind },
    async (pool) => {
      await pool.run(0); // a worker is up before it is killed
      const crash = await settlement(pool.run(0, { handler: 'crash' }), sizes.crashDeadlineMs);
      const next = await settlement(pool.run(7), sizes.crashDeadlineMs);
      return {
        [`${kind}Settles`]: crash.settled ? `yes (${crash.how})` : 'no',
        [`${kind}Next`]: next.how === 'resolved' && next.value === 7 ? 'ok' : next.how,
        ...(crash.error && { [`${kind}Error`]: crash.error }),
      };
    },
    // Two deadlines in a row, plus start-up.
    { trialTimeoutMs: 2 * sizes.crashDeadlineMs + 10_000 },
  );
}

async function settlement(promise, deadlineMs) {
  try {
    return { settled: true, how: 'resolved', value: await withTimeout(promise, deadlineMs, 'task') };
  } catch (error) {
    if (error instanceof TimeoutError) return { settled: false, how: 'hangs' };
    return { settled: true, how: 'rejected', error: error.message };
  }
}
