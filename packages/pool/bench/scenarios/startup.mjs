import { msSince, now } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';
import { expectEcho } from './checks.mjs';

/**
 * From the constructor call to the first answer, on a fresh pool each time:
 * what a CLI or a serverless handler waits for before any work gets done.
 */
export default {
  id: 'startup',
  number: 5,
  kind: 'thread',
  title: () => `start-up: ms from creating a 2-thread pool to the first echo result, fresh pool each time`,
  rounds: (sizes) => sizes.startupReps,
  // Dropped: the first start of each library also reads its files from disk.
  warmupRounds: 1,
  columns: [{ key: 'ms', label: 'ms to first result', better: 'lower', digits: 1, ratio: true, headline: true }],
  async trial(library, sizes) {
    const start = now();
    return withPool(
      library,
      { workers: 2, kind: 'thread' },
      async (pool) => {
        expectEcho([await pool.run(0)]);
        return { ms: msSince(start) };
      },
      sizes,
    );
  },
};
