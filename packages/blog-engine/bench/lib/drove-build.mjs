// One drove-blog build in a process of its own, so its peak RSS is its own.
// argv: site out database workers('auto', 'inline' or a count)
import { build } from '@drove/blog-engine';

const [site, out, database, workers] = process.argv.slice(2);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await build({ site, out, database, ...(workers === 'inline' ? { kind: 'inline' } : { workers: workers === 'auto' ? 'auto' : Number(workers) }) });
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
// CPU time of the whole process (main thread and workers): a figure the machine's other load barely moves.
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
