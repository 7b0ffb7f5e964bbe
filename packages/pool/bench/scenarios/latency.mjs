import { now, percentile } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';
import { expectEcho } from './checks.mjs';

/**
 * One task in flight at a time: each await is a full round trip to a worker and
 * back, which is what a request handler offloading one job pays.
 */
export default {
  id: 'latency',
  number: 2,
  kind: 'thread',
  title: (sizes) =>
    `sequential round-trip latency: ${sizes.latencyTasks.toLocaleString('en-US')} echo tasks awaited one at a time ` +
    `after ${sizes.latencyWarmup.toLocaleString('en-US')} warm-up, 2 threads`,
  rounds: (sizes) => sizes.reps,
  columns: [
    { key: 'p50Us', label: 'p50 µs', better: 'lower', digits: 1, ratio: true, headline: true },
    { key: 'p99Us', label: 'p99 µs', better: 'lower', digits: 1, ratio: true },
  ],
  trial: (library, sizes) => withPool(library, { workers: 2, kind: 'thread' }, (pool) => measureLatency(pool, sizes), sizes),
};

async function measureLatency(pool, { latencyTasks, latencyWarmup }) {
  const warmup = [];
  for (let i = 0; i < latencyWarmup; i++) warmup.push(await pool.run(i));
  expectEcho(warmup);

  const micros = new Float64Array(latencyTasks);
  const results = new Array(latencyTasks);
  for (let i = 0; i < latencyTasks; i++) {
    const start = now();
    results[i] = await pool.run(i);
    micros[i] = Number(now() - start) / 1e3;
  }

  expectEcho(results);
  micros.sort();
  return { p50Us: percentile(micros, 50), p99Us: percentile(micros, 99) };
}
