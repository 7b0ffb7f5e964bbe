// quick-start.mjs — the caller: `REDIS_URL=redis://127.0.0.1:6379 node quick-start.mjs`
import { createRemoteHost, createRemotePool } from '@drove/remote';

const connection = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// On every machine that should work: `drove-worker --queue hash ./worker.mjs`.
// To try it alone, this program runs one host itself, with two threads.
const host = createRemoteHost({ queue: 'hash', connection, worker: new URL('./worker.mjs', import.meta.url), threads: 2 });
await host.start();

const remote = createRemotePool({ queue: 'hash', connection });

// One task, on whichever host takes it.
console.log(`hash: ${await remote.run('hello')}`);
console.log(`words: ${await remote.run('one worker module on many hosts', { handler: 'countWords' })}`);

// A stream of tasks: never more than `concurrency` of them in the queue or waiting to be taken.
function* lines() {
  for (let i = 0; i < 200; i++) yield `line ${i}`;
}
let count = 0;
for await (const digest of remote.map(lines(), { concurrency: 16 })) {
  if (++count % 100 === 0) console.log(`mapped ${count}: ${digest}`);
}

// The handler's own error, rebuilt on this side: class, name, code, message, stack, cause.
try {
  await remote.run('about', { handler: 'fail' });
} catch (error) {
  if (!(error instanceof RangeError)) throw error;
  console.log(`${error.name} ${Reflect.get(error, 'code')}: ${error.message} (cause: ${error.cause instanceof Error ? error.cause.message : ''})`);
}

const stats = remote.stats();
console.log(`completed ${stats.completed}, failed ${stats.failed}, pending ${stats.pending}`);
await remote.close();
await host.close();
