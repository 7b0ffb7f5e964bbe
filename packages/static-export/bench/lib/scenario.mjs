// Runs one benchmark scenario in a process of its own and prints one JSON line:
// node bench/lib/scenario.mjs <scenario> <outDir> <pages>
//
// <outDir> must not exist yet, and the export is left in it: the caller removes it once no
// other run is timed. On an ext4 without a journal, files created within a minute or so of
// deleting many others cost the kernel far more (see "Output folders" in bench/README.md).
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { exportStatic } from '@drove/static-export';
import { jestWorkerExport } from './jest-coordinator.mjs';

const [scenario, outDir, pagesText] = process.argv.slice(2);
const pages = Number(pagesText);

function* paths() {
  for (let i = 0; i < pages; i++) yield `/docs/section-${i % 50}/page-${i}`;
}

const markdown = new URL('../fixtures/markdown-renderer.mjs', import.meta.url);
const noop = new URL('../../test/fixtures/noop-renderer.mjs', import.meta.url);

const scenarios = {
  'inline': () => exportStatic({ renderer: markdown, paths: paths(), outDir, kind: 'inline' }),
  'process-1': () => exportStatic({ renderer: markdown, paths: paths(), outDir, kind: 'process', workers: 1 }),
  'process-2': () => exportStatic({ renderer: markdown, paths: paths(), outDir, kind: 'process', workers: 2 }),
  'thread-2': () => exportStatic({ renderer: markdown, paths: paths(), outDir, kind: 'thread', workers: 2 }),
  'jest-worker-2': () => jestWorkerExport({ paths: paths(), outDir, workers: 2 }),
  'noop-inline': () => exportStatic({ renderer: noop, paths: paths(), outDir, kind: 'inline' }),
  'noop-process-1': () => exportStatic({ renderer: noop, paths: paths(), outDir, kind: 'process', workers: 1 }),
  'noop-process-2': () => exportStatic({ renderer: noop, paths: paths(), outDir, kind: 'process', workers: 2 }),
  'noop-thread-2': () => exportStatic({ renderer: noop, paths: paths(), outDir, kind: 'thread', workers: 2 }),
};

if (existsSync(outDir)) {
  console.error(`${outDir} exists: give each run a folder that does not exist yet`);
  process.exit(2);
}
const cpuBefore = process.cpuUsage();
const started = performance.now();
const summary = await scenarios[scenario]();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ scenario, pages, wallMs, coordinatorCpuMs: (cpu.user + cpu.system) / 1000, rendered: summary.rendered, failed: summary.failed }));
