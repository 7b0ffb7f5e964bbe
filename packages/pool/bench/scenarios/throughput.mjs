import { msSince, now, processCpuUs, runAll, threadCpuUs } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';
import { expectEcho } from './checks.mjs';

/** Enough tasks to start every worker and get the hot paths compiled. */
const WARMUP_TASKS = 2_000;

/**
 * Tiny tasks submitted all at once: with nothing to compute, the figure is the
 * pool's own overhead per task (queueing, messaging, settling promises). Used
 * for threads (scenario 1) and for child processes (scenario 6).
 */
export function throughputScenario({ id, number, kind, title, tasks }) {
  return {
    id,
    number,
    kind,
    title,
    rounds: (sizes) => sizes.reps,
    columns: [
      { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', digits: 0, ratio: true, headline: true },
      { key: 'processCpuUsPerTask', label: 'process CPU µs/task', better: 'lower', digits: 2 },
      { key: 'mainCpuUsPerTask', label: 'main-thread CPU µs/task', better: 'lower', digits: 2, ratio: true },
    ],
    trial: (library, sizes) =>
      withPool(library, { workers: 2, kind }, (pool) => measureThroughput(pool, tasks(sizes)), sizes),
  };
}

async function measureThroughput(pool, tasks) {
  expectEcho(await runAll(Math.min(WARMUP_TASKS, tasks), (i) => pool.run(i)));

  const processCpuBefore = processCpuUs();
  const mainCpuBefore = threadCpuUs();
  const start = now();
  const results = await runAll(tasks, (i) => pool.run(i));
  const seconds = msSince(start) / 1e3;
  const mainCpu = mainCpuBefore === null ? null : threadCpuUs() - mainCpuBefore;
  const processCpu = processCpuUs() - processCpuBefore;

  expectEcho(results);
  return {
    tasksPerSec: tasks / seconds,
    processCpuUsPerTask: processCpu / tasks,
    mainCpuUsPerTask: mainCpu === null ? null : mainCpu / tasks,
    ...(pool.stats && { poolStats: pool.stats() }),
  };
}

export default throughputScenario({
  id: 'throughput',
  number: 1,
  kind: 'thread',
  title: (sizes) => `tiny-task throughput: ${sizes.throughputTasks.toLocaleString('en-US')} echo tasks submitted at once, 2 threads`,
  tasks: (sizes) => sizes.throughputTasks,
});
