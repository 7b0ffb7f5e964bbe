// What a cold build allocates and collects, per thread (V8 isolate): bytes allocated per output
// file, scavenges, mark-compacts, bytes promoted and collector pauses, from V8's --trace-gc-nvp
// (totalled by `traceGc` of @drove/test-support).
//
//   node bench/lib/gc-per-page.mjs <site> <out> <database-url> <workers>
//
// The build runs in a child process under --single-threaded (no concurrent compilation or
// parallel GC), which makes these counts repeat closely from run to run. Isolates are listed in
// the order they first collect: the main thread's comes first (it starts before any worker),
// the render workers' after it.
import { fileURLToPath } from 'node:url';
import { traceGc } from '@drove/test-support';

const [site, out, database, workers] = process.argv.slice(2);
const buildScript = fileURLToPath(new URL('./drove-build.mjs', import.meta.url));
const { isolates, stdout } = await traceGc(['--single-threaded', buildScript, site, out, database, workers], { timeoutMs: 600_000 });
const { result } = JSON.parse(stdout.trim().split('\n').at(-1));

const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
console.log(`${result.pages} files, ${workers} worker(s), --single-threaded`);
console.log('| isolate | KiB allocated per file | MiB allocated | scavenges | mark-compacts | MiB promoted | GC pauses (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
isolates.forEach((isolate, at) => {
  const name = at === 0 ? 'main thread' : `worker ${at}`;
  console.log(`| ${name} | ${(isolate.allocated / result.pages / 1024).toFixed(1)} | ${mib(isolate.allocated)} | ${isolate.scavenges} | ${isolate.markCompacts} | ${mib(isolate.promoted)} | ${isolate.pauseMs.toFixed(0)} |`);
});
