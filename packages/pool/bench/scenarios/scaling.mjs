import { msSince, now, runAll } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';
import { fib } from '../fixtures/tasks.mjs';
import { expectEach } from './checks.mjs';

/**
 * CPU-bound tasks on one worker, then on two: the speedup says how much of the
 * second core the pool actually delivers (2.00 is perfect; the main thread and
 * other tenants of the machine take their share).
 */
export default {
  id: 'scaling',
  number: 3,
  kind: 'thread',
  title: (sizes) => `CPU-bound scaling: fib(${sizes.fibN}) × ${sizes.fibTasks} tasks, 1 thread vs 2 threads`,
  rounds: (sizes) => sizes.scalingReps,
  columns: [
    { key: 'oneWorkerPerSec', label: '1 thread tasks/s', better: 'higher', digits: 1 },
    { key: 'twoWorkersPerSec', label: '2 threads tasks/s', better: 'higher', digits: 1, ratio: true },
    { key: 'speedup', label: 'speedup', better: 'higher', digits: 2, ratio: true, headline: true },
  ],
  async trial(library, sizes) {
    const oneWorkerPerSec = await withPool(library, { workers: 1, kind: 'thread' }, (pool) => fibRate(pool, sizes), sizes);
    const twoWorkersPerSec = await withPool(library, { workers: 2, kind: 'thread' }, (pool) => fibRate(pool, sizes), sizes);
    return { oneWorkerPerSec, twoWorkersPerSec, speedup: twoWorkersPerSec / oneWorkerPerSec };
  },
};

async function fibRate(pool, { fibN, fibTasks }) {
  const runFib = () => pool.run(fibN, { handler: 'fib' });
  const expected = fib(fibN);
  // A few rounds first, so every worker has started and compiled fib.
  expectEach(await runAll(4, runFib), expected, `fib(${fibN})`);

  const start = now();
  const results = await runAll(fibTasks, runFib);
  const seconds = msSince(start) / 1e3;

  expectEach(results, expected, `fib(${fibN})`);
  return fibTasks / seconds;
}
