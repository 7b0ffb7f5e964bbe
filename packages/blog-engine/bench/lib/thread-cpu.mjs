// Where the CPU of a cold build goes, per thread, during its render phase (Linux only):
// the main thread, the render workers, and the helper threads V8 and Node start with the
// process (garbage collection, background compilation).
//
//   node bench/lib/thread-cpu.mjs <site> <out> <database-url> <workers>
//
// Samples /proc/self/task every 100 ms; prints each group's share of one core over the
// render phase and its CPU-seconds over the whole build.
import { readdirSync, readFileSync } from 'node:fs';
import { build } from '@drove/blog-engine';

const [site, out, database, workers] = process.argv.slice(2);
const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux

function threads() {
  const found = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      found.set(tid, { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return found;
}

const atStart = new Set(threads().keys());
const groupOf = (tid, name) =>
  tid === String(process.pid) ? 'main thread' : atStart.has(tid) ? 'V8/Node helper threads' : name === 'node' ? 'render workers' : `other (${name})`;

const samples = [];
const take = () => samples.push({ at: performance.now(), threads: threads() });
const timer = setInterval(take, 100);
const started = performance.now();
take();
const result = await build({ site, out, database, workers: Number(workers) });
take();
clearInterval(timer);

const { phasesMs } = result;
const renderFrom = started + phasesMs.config + phasesMs.load + phasesMs.macros + phasesMs.index + phasesMs.plan;
const renderTo = renderFrom + phasesMs.render;
const inRender = samples.filter((s) => s.at >= renderFrom && s.at <= renderTo);
const last = new Map();
for (const sample of samples) for (const [tid, t] of sample.threads) last.set(tid, t);

const groups = new Map();
const add = (group, key, value) => {
  const entry = groups.get(group) ?? { share: 0, cpuMs: 0 };
  entry[key] += value;
  groups.set(group, entry);
};
for (const [tid, { name, ticks }] of last) add(groupOf(tid, name), 'cpuMs', ticks / ticksPerMs);
if (inRender.length >= 2) {
  const first = inRender[0];
  const end = inRender.at(-1);
  const spanMs = end.at - first.at;
  for (const [tid, { name, ticks }] of end.threads) {
    const before = first.threads.get(tid)?.ticks ?? 0;
    add(groupOf(tid, name), 'share', (ticks - before) / ticksPerMs / spanMs);
  }
}

console.log(`${result.pages} files, ${workers} worker(s): wall ${(performance.now() - started).toFixed(0)} ms, render phase ${phasesMs.render} ms`);
console.log('| threads | share of a core during render | CPU-s of the build |');
console.log('| --- | ---: | ---: |');
for (const [group, { share, cpuMs }] of [...groups].sort((a, b) => b[1].cpuMs - a[1].cpuMs)) {
  if (cpuMs === 0) continue;
  console.log(`| ${group} | ${(share * 100).toFixed(0)} % | ${(cpuMs / 1000).toFixed(2)} |`);
}
