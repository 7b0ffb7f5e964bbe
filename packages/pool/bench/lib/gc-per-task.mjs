// What the pool allocates per task on each side and how much of it survives a young-generation
// collection (copied, or promoted to the old generation): V8's --trace-gc-nvp totals for 40,000
// tasks of about 1 KB streamed through a one-thread pool with pool.map (test/fixtures/gc-probe.mjs),
// under --single-threaded-gc so the counts repeat.
//
//   node bench/lib/gc-per-task.mjs
import { fileURLToPath } from 'node:url';
import { traceGc } from '@drove/test-support';

const TASKS = 40_000;
const probe = fileURLToPath(new URL('../../test/fixtures/gc-probe.mjs', import.meta.url));
const { isolates } = await traceGc(['--expose-gc', probe, 'thread']);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
console.log(`${TASKS.toLocaleString('en-US')} tasks of about 1 KB, pool.map over one worker thread`);
console.log('| isolate | MiB allocated | bytes a task | scavenges | mark-compacts | MiB copied | MiB promoted | survived / allocated |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
isolates.forEach((each, at) => {
  const share = (((each.survived + each.promoted) / each.allocated) * 100).toFixed(1);
  console.log(
    `| ${at === 0 ? 'main thread' : 'worker'} | ${mib(each.allocated)} | ${Math.round(each.allocated / TASKS)} | ${each.scavenges} | ${each.markCompacts} | ${mib(each.survived)} | ${mib(each.promoted)} | ${share} % |`,
  );
});
