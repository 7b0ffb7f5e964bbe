// npm run bench -w @drove/remote: tasks per second and time per task of a remote pool (1 and 2 hosts)
// next to plain BullMQ doing the same work with its own Worker (1 and 2 processes), and next to the
// local pool, for tiny tasks and 10 ms CPU tasks, with the same number of workers (2) everywhere.
// Each row is the best of BENCH_ROUNDS (default 3) runs; a shared machine is noisy, so read the ratios.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPool } from '@drove/pool';
import { startRedis } from '@drove/test-support';
import { Queue, QueueEvents } from 'bullmq';
import { createRemoteHost, createRemotePool } from '../dist/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const shapes = [
  { name: 'tiny', handler: 'tiny', tasks: Number(process.env.BENCH_TINY ?? 3000) },
  { name: '10 ms CPU', handler: 'spin10', tasks: Number(process.env.BENCH_SPIN ?? 400) },
];
const concurrency = 64;
const workerModule = new URL('./fixtures/drove-worker.mjs', import.meta.url);
const bullmqWorker = fileURLToPath(new URL('./fixtures/bullmq-worker.mjs', import.meta.url));
const redis = await startRedis();
const rows = [];
let queueNumber = 0;

function payloads(count) {
  return Array.from({ length: count }, (_, i) => i);
}

async function timed(run) {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

async function localPool(shape) {
  const pool = createPool({ worker: workerModule, kind: 'thread', minWorkers: 2, maxWorkers: 2 });
  await pool.ready();
  const ms = await timed(async () => {
    for await (const _ of pool.map(payloads(shape.tasks), { handler: shape.handler, concurrency })) void _;
  });
  await pool.close();
  return ms;
}

async function remotePool(shape, hosts, extra = []) {
  const queue = `drove-${++queueNumber}`;
  const started = [];
  for (let i = 0; i < hosts; i++) {
    // In-process hosts would share this event loop with the caller: each host is its own process, as on real machines.
    started.push(await startHostProcess(queue, 2 / hosts, extra));
  }
  const remote = createRemotePool({ queue, connection: redis.url });
  await remote.ready();
  const ms = await timed(async () => {
    for await (const _ of remote.map(payloads(shape.tasks), { handler: shape.handler, concurrency })) void _;
  });
  await remote.close();
  await Promise.all(started.map(stopProcess));
  return ms;
}

async function plainBullmq(shape, processes) {
  const queue = `bullmq-${++queueNumber}`;
  const started = [];
  for (let i = 0; i < processes; i++) started.push(await startProcess([bullmqWorker, redis.url, queue, String(2 / processes)]));
  const producer = new Queue(queue, { connection: { url: redis.url } });
  // From the stream's start (the queue is new): QueueEvents reads from '$' when its first XREAD runs, and
  // completions before that would be missed and the run would never end (createRemotePool pins the id instead).
  const events = new QueueEvents(queue, { connection: { url: redis.url }, lastEventId: '0-0' });
  await Promise.all([producer.waitUntilReady(), events.waitUntilReady()]);
  const ms = await timed(async () => {
    // The same bound as map(): at most `concurrency` jobs added and not yet completed.
    let added = 0;
    let completed = 0;
    await new Promise((resolve, reject) => {
      const topUp = () => {
        while (added < shape.tasks && added - completed < concurrency) {
          added++;
          producer.add(shape.handler, { payload: added }, { removeOnComplete: { age: 3600 } }).catch(reject);
        }
      };
      const onCompleted = () => {
        completed++;
        if (completed === shape.tasks) {
          events.off('completed', onCompleted);
          resolve();
        } else topUp();
      };
      events.on('completed', onCompleted);
      topUp();
    });
  });
  await Promise.all([producer.close(), events.close()]);
  await Promise.all(started.map(stopProcess));
  return ms;
}

function startHostProcess(queue, threads, extra) {
  const bin = fileURLToPath(new URL('../bin/drove-worker.js', import.meta.url));
  return startProcess([bin, '--connection', redis.url, '--queue', queue, '--threads', String(threads), ...extra, '--quiet', fileURLToPath(workerModule)], 'host');
}

function startProcess(args, kind = 'bullmq') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      if (kind === 'bullmq' && output.includes('ready')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${output}`)));
    // drove-worker --quiet prints nothing when ready: give it its start, then check it is alive.
    if (kind === 'host') setTimeout(() => (child.exitCode === null ? resolve(child) : undefined), 1500);
  });
}

function stopProcess(child) {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

for (const shape of shapes) {
  const local = await localPool(shape);
  const contenders = [
    ['local pool, 2 threads', local],
    ['remote, 1 host × 2 threads', await remotePool(shape, 1)],
    ['remote, 2 hosts × 1 thread', await remotePool(shape, 2)],
    ['remote, 1 host × 2 threads, --concurrency 4', await remotePool(shape, 1, ['--concurrency', '4'])],
    ['plain BullMQ, 1 process, concurrency 2', await plainBullmq(shape, 1)],
    ['plain BullMQ, 2 processes, concurrency 1', await plainBullmq(shape, 2)],
  ];
  for (const [name, ms] of contenders) {
    rows.push({ shape: shape.name, contender: name, tasks: shape.tasks, ms, perSecond: (shape.tasks / ms) * 1000, perTaskMs: ms / shape.tasks, vsLocal: ms / local });
  }
}
await redis.stop();

console.log(`${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${loadavg().map((n) => n.toFixed(1)).join(' ')}, best of ${rounds}`);
console.log('| tasks | contender | tasks/s | ms per task (wall) | time vs local pool |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.shape} (${row.tasks}) | ${row.contender} | ${row.perSecond.toFixed(0)} | ${row.perTaskMs.toFixed(3)} | ${row.vsLocal.toFixed(2)}× |`);
}
