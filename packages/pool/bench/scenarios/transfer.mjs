import { msSince, now, runWindowed } from '../lib/measure.mjs';
import { withPool } from '../lib/trials.mjs';

const WARMUP_TASKS = 50;

/**
 * Each task moves a freshly allocated buffer to a worker that reads a few bytes
 * of it. Moved, not copied: the cost should not grow with the size. A bounded
 * number in flight keeps the buffers waiting in a queue, and so memory, small.
 */
export default {
  id: 'transfer',
  number: 4,
  kind: 'thread',
  title: (sizes) =>
    `ArrayBuffer transfer: ${sizes.transferTasks.toLocaleString('en-US')} tasks each moving a fresh ` +
    `${sizes.transferBytes / 1024 / 1024} MiB buffer, ${sizes.transferInFlight} in flight, 2 threads`,
  rounds: (sizes) => sizes.reps,
  columns: [
    { key: 'tasksPerSec', label: 'tasks/s', better: 'higher', digits: 0, ratio: true, headline: true },
    { key: 'moved', label: 'buffer moved (detached)' },
  ],
  trial: (library, sizes) => withPool(library, { workers: 2, kind: 'thread' }, (pool) => transferRate(pool, sizes), sizes),
};

async function transferRate(pool, { transferTasks, transferBytes, transferInFlight }) {
  const sendOne = () => sendBuffer(pool, transferBytes);
  await runWindowed(WARMUP_TASKS, transferInFlight, sendOne);

  const start = now();
  const moved = await runWindowed(transferTasks, transferInFlight, sendOne);
  const seconds = msSince(start) / 1e3;

  return { tasksPerSec: transferTasks / seconds, moved: moved.every(Boolean) ? 'yes' : 'no: copied' };
}

/** Resolves to whether the buffer left this thread (it is detached if it did). */
async function sendBuffer(pool, bytes) {
  const buffer = new ArrayBuffer(bytes);
  new Uint8Array(buffer)[0] = 1; // the only non-zero byte, so the sum must be 1
  const total = await pool.run(buffer, { handler: 'sum', transfer: [buffer] });
  if (total !== 1) throw new Error(`sum handler returned ${String(total)}, expected 1`);
  return buffer.byteLength === 0;
}
