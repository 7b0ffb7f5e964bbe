// Runs one benchmark scenario in a process of its own and prints one JSON line:
// node bench/lib/scenario.mjs <scenario> <outDir> <pages>
import { rmSync } from 'node:fs';
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

rmSync(outDir, { recursive: true, force: true });
const cpuBefore = process.cpuUsage();
const started = performance.now();
const summary = await scenarios[scenario]();
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ scenario, pages, wallMs, coordinatorCpuMs: (cpu.user + cpu.system) / 1000, rendered: summary.rendered, failed: summary.failed }));
rmSync(outDir, { recursive: true, force: true });
