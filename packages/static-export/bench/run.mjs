// The static-export benchmarks: `npm run bench -w @drove/static-export` (after a build).
//
// 1. Throughput: 20,000 generated Markdown pages (markdown-it, about 1 ms of CPU each, 13.6 KB of
//    HTML) exported single-process (inline), by 2 process workers, by 2 thread workers, and by a
//    coordinator built on jest-worker with 2 child processes doing the same work. Each run is a
//    fresh Node process; the rounds alternate the order and the best of each is kept.
// 2. Dispatch overhead: 50,000 paths through a renderer that does nothing, per path.
// 3. Coordinator memory: RSS and live heap at 10,000 and at 200,000 paths.
//
// Every run writes into a folder of its own under one bench folder in the OS's temp folder
// (TMPDIR), removed when the bench ends: a run never creates files right after another run
// deleted its own (see "Output folders" in bench/README.md).
//
// Flags: --pages N (default 20000), --rounds N (default 3), --quick (2,000 pages, 1 round),
// --delete-between (remove each run's output before the next run starts).
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { fileSystemOf, measured, waitForQuiet } from './lib/machine.mjs';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    'pages': { type: 'string' },
    'rounds': { type: 'string' },
    'quick': { type: 'boolean' },
    'no-wait': { type: 'boolean' },
    'delete-between': { type: 'boolean' },
  },
});
const pages = Number(values.pages ?? (values.quick ? 2000 : 20_000));
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
const noopPaths = values.quick ? 10_000 : 50_000;
const scenarioScript = fileURLToPath(new URL('./lib/scenario.mjs', import.meta.url));
const probeScript = fileURLToPath(new URL('../test/fixtures/memory-probe.mjs', import.meta.url));
const benchDir = join(tmpdir(), `drove-export-bench-${process.pid}`);
process.on('exit', () => rmSync(benchDir, { recursive: true, force: true }));
let runs = 0;
/** A folder no run has used. */
const freshFolder = (name) => join(benchDir, `${++runs}-${name}`);

async function scenario(name, count) {
  // Shared machine: start each run in a quiet second if one comes within a minute.
  if (!values['no-wait']) await waitForQuiet();
  const once = () => {
    const outDir = freshFolder(name);
    return measured(async () => {
      const { stdout } = await run(process.execPath, [scenarioScript, name, outDir, String(count)], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout.trim().split('\n').at(-1));
    }).finally(() => {
      if (values['delete-between']) rmSync(outDir, { recursive: true, force: true });
    });
  };
  try {
    return await once();
  } catch (error) {
    // On a shared work tree a package may be rebuilding at that very moment: try once more.
    process.stderr.write(`  ${name} failed (${String(error.message).split('\n')[0]}); once more in 5 s\n`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return once();
  }
}

async function best(names, count) {
  const results = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const result = await scenario(name, count);
      if (result.failed > 0 || result.rendered !== count) throw new Error(`${name}: ${JSON.stringify(result)}`);
      results[name].push(result);
      process.stderr.write(`  ${name} round ${round + 1}: ${(result.wallMs / 1000).toFixed(2)} s (others used ${percent(result.othersShare)} of the machine)\n`);
    }
  }
  return Object.fromEntries(names.map((name) => [name, results[name].reduce((a, b) => (b.wallMs < a.wallMs ? b : a))]));
}

const percent = (share) => `${Math.round(share * 100)}%`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}`;
console.log(`machine: ${machine}`);
console.log(`output: ${benchDir} (${fileSystemOf(tmpdir())}), ${values['delete-between'] ? "each run's output deleted before the next run" : 'kept until the end'}`);
console.log(`load average at start: ${load()}`);

console.log(`\n## Throughput: ${pages.toLocaleString('en-US')} Markdown pages, best of ${rounds}\n`);
const throughput = await best(['inline', 'process-2', 'thread-2', 'jest-worker-2'], pages);
const inline = throughput.inline.wallMs;
console.log("| coordinator | wall | pages/s | speedup vs inline | coordinator CPU / page | others' share of the machine |");
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const labels = { 'inline': 'static-export, inline (1 thread)', 'process-2': 'static-export, 2 processes', 'thread-2': 'static-export, 2 threads', 'jest-worker-2': 'jest-worker, 2 processes' };
for (const [name, result] of Object.entries(throughput)) {
  console.log(
    `| ${labels[name]} | ${(result.wallMs / 1000).toFixed(2)} s | ${Math.round((pages * 1000) / result.wallMs)} | ${(inline / result.wallMs).toFixed(2)}× | ${((result.coordinatorCpuMs * 1000) / pages).toFixed(0)} µs | ${percent(result.othersShare)} |`,
  );
}
console.log(`\nstatic-export 2 processes vs jest-worker 2 processes: ${(throughput['jest-worker-2'].wallMs / throughput['process-2'].wallMs).toFixed(2)}× (above 1: faster)`);

console.log(`\n## Dispatch overhead: ${noopPaths.toLocaleString('en-US')} paths, a renderer that does nothing, best of ${rounds}\n`);
const overhead = await best(['noop-inline', 'noop-process-1', 'noop-process-2', 'noop-thread-2'], noopPaths);
console.log("| mode | per path (wall) | coordinator CPU per path | others' share of the machine |");
console.log('| --- | ---: | ---: | ---: |');
for (const [name, result] of Object.entries(overhead)) {
  console.log(
    `| ${name.replace('noop-', '')} | ${((result.wallMs * 1000) / noopPaths).toFixed(1)} µs | ${((result.coordinatorCpuMs * 1000) / noopPaths).toFixed(1)} µs | ${percent(result.othersShare)} |`,
  );
}

console.log('\n## Coordinator memory: 200,000 paths (process, 2 workers), after a full GC\n');
console.log('| V8 flags | heap used at 10k → 200k | RSS at 10k → 200k | RSS growth |');
console.log('| --- | ---: | ---: | ---: |');
for (const flags of [[], ['--max-semi-space-size=1']]) {
  const { stdout } = await run(process.execPath, ['--expose-gc', ...flags, probeScript, freshFolder('memory'), 'process', '200000', '10000'], { maxBuffer: 1 << 20 });
  const { early, late } = JSON.parse(stdout.trim().split('\n').at(-1));
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `| ${flags.join(' ') || 'defaults'} | ${mib(early.heapUsed)} → ${mib(late.heapUsed)} MiB | ${mib(early.rss)} → ${mib(late.rss)} MiB | ${mib(late.rss - early.rss)} MiB |`,
  );
}
console.log(`\nload average at end: ${load()}`);
