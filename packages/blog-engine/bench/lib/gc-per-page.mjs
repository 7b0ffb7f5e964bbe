// What a cold build allocates and collects, per thread (V8 isolate): bytes allocated per output
// file, scavenges, mark-compacts, bytes promoted and collector pauses, from V8's --trace-gc-nvp.
//
//   node bench/lib/gc-per-page.mjs <site> <out> <database-url> <workers>
//
// The build runs in a child process under --single-threaded (no concurrent compilation or
// parallel GC), which makes these counts repeat to within 0.2 % from run to run. Bytes allocated
// between two collections are the heap size before a collection minus the size after the one
// before: V8's own `allocated=` field counts some allocations twice under --single-threaded.
// Isolates are listed in the order they first collect: the main thread's comes first (it starts
// before any worker), the render workers' after it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const [site, out, database, workers] = process.argv.slice(2);
const buildScript = fileURLToPath(new URL('./drove-build.mjs', import.meta.url));
const child = spawn(process.execPath, ['--single-threaded', '--trace-gc-nvp', buildScript, site, out, database, workers], { stdio: ['ignore', 'pipe', 'inherit'] });

const isolates = new Map();
let result;
for await (const line of createInterface({ input: child.stdout })) {
  const gc = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: (.*)$/.exec(line);
  if (!gc) {
    if (line.startsWith('{')) result = JSON.parse(line).result;
    continue;
  }
  const fields = Object.fromEntries(gc[2].split(' ').map((pair) => pair.split('=')));
  const isolate = isolates.get(gc[1]) ?? { scavenges: 0, markCompacts: 0, allocated: 0, promoted: 0, pauseMs: 0, sizeAfter: 0 };
  if (fields.gc === 's') isolate.scavenges++;
  else isolate.markCompacts++;
  isolate.allocated += Number(fields.total_size_before) - isolate.sizeAfter;
  isolate.sizeAfter = Number(fields.total_size_after);
  isolate.promoted += Number(fields.promoted ?? 0);
  isolate.pauseMs += Number(fields.pause);
  isolates.set(gc[1], isolate);
}
const code = await new Promise((resolve) => child.on('close', resolve));
if (code !== 0 || !result) throw new Error(`the build exited with ${code}`);

const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
console.log(`${result.pages} files, ${workers} worker(s), --single-threaded`);
console.log('| isolate | KiB allocated per file | MiB allocated | scavenges | mark-compacts | MiB promoted | GC pauses (ms) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
let index = 0;
for (const isolate of isolates.values()) {
  const name = index++ === 0 ? 'main thread' : `worker ${index - 1}`;
  console.log(`| ${name} | ${(isolate.allocated / result.pages / 1024).toFixed(1)} | ${mib(isolate.allocated)} | ${isolate.scavenges} | ${isolate.markCompacts} | ${mib(isolate.promoted)} | ${isolate.pauseMs.toFixed(0)} |`);
}
