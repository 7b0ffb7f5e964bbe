// Run in a fresh process: starts a supervisor with N idle children of a kind,
// then prints the memory of the master and of the children as JSON.
import { readFileSync } from 'node:fs';
import { Supervisor } from '@drove/supervisor';

const [kind, count] = [process.argv[2], Number(process.argv[3])];
const entry = new URL('../fixtures/idle-child.mjs', import.meta.url);

function memory(pid) {
  // Rss counts every page mapped, shared ones (the node binary) in each
  // process; private pages (USS) are what the process alone costs.
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
  return { rss: field('Rss'), uss: field('Private_Clean') + field('Private_Dirty') };
}

// `spare`: process children, each with a warm spare (counted with the children).
const spare = kind === 'spare';
const supervisor = new Supervisor({
  output: 'ignore',
  children: Array.from({ length: count }, (_, i) => ({ name: `c${i}`, kind: spare ? 'process' : kind, entry, ...(spare ? { spare } : {}) })),
});
await supervisor.start();
while (spare && supervisor.stats().children.some((child) => child.spare?.state !== 'warm')) await new Promise((resolve) => setTimeout(resolve, 20));
// Let start-up garbage settle before reading.
await new Promise((resolve) => setTimeout(resolve, 1000));
globalThis.gc?.();
await new Promise((resolve) => setTimeout(resolve, 200));
const master = memory(process.pid);
const children = { rss: 0, uss: 0 };
if (kind !== 'thread') {
  for (const child of supervisor.stats().children) {
    for (const pid of [child.pid, child.spare?.pid]) {
      if (pid === undefined) continue;
      const m = memory(pid);
      children.rss += m.rss;
      children.uss += m.uss;
    }
  }
}
process.stdout.write(`${JSON.stringify({ kind, count, master, children })}\n`);
await supervisor.stop();
