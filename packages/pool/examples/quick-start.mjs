// quick-start.mjs — the pool side: `node quick-start.mjs`
import { createPool } from '@drove/pool';

const pool = createPool({
  worker: new URL('./worker.mjs', import.meta.url),
  kind: 'thread', // or 'process', or 'inline'
  initData: 2000, // every worker's init gets it
});

// One task.
console.log(`hash: ${await pool.run('hello')}`);
const words = await pool.run('one pool for threads and processes', {
  handler: 'countWords',
  onProgress: (value, message) => console.log(`  progress ${Number(value) * 100}% ${message}`),
});
console.log(`words: ${words}`);

// A stream of tasks with backpressure: never more than `concurrency` items in flight.
function* lines() {
  for (let i = 0; i < 200; i++) yield `line ${i}`;
}
let count = 0;
for await (const digest of pool.map(lines(), { concurrency: 8 })) {
  if (++count % 50 === 0) console.log(`mapped ${count}: ${digest}`);
}

// One worker held for a session of its own (TypeScript: `await using lease = …`).
const lease = await pool.acquire();
try {
  console.log(`leased worker ${lease.workerId} → ${await lease.run('session step')}`);
} finally {
  lease.release();
}

const stats = pool.stats();
console.log(`completed ${stats.completed}, run p50 ${stats.runTimeMs.p50} ms, p99 ${stats.runTimeMs.p99} ms`);
for (const worker of await pool.telemetry()) {
  console.log(`worker ${worker.workerId}: cpu ${worker.cpuPercent.toFixed(0)}%, heap ${(worker.heapUsedBytes / 2 ** 20).toFixed(1)} MiB`);
}
await pool.close();
