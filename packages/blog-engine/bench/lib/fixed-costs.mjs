// What a build pays before and besides its pages: each fixed cost measured in fresh
// processes, best of N (the machine's other load only ever adds time).
//
//   node bench/lib/fixed-costs.mjs [RUNS]
//
// - Node's start: `node -e 0`;
// - importing the package (the main thread's modules);
// - a render worker's modules (markdown-it, highlight.js with its 17 languages, liquidjs);
// - opening the build database (the libSQL client's load, its file, WAL, the schema);
// - a worker thread's start, empty and with the render module loaded;
// - a one-post site's whole build, cold and with nothing changed, inline and with a worker;
// - template and JIT warm-up: the first page against the next ones of a 100-post site.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const runs = Number(process.argv[2] ?? 7);
const here = fileURLToPath(new URL('.', import.meta.url));
const renderWorker = fileURLToPath(import.meta.resolve('@drove/blog-engine').replace(/index\.js$/, 'entry/render-worker.js'));
const work = mkdtempSync(join(tmpdir(), 'drove-fixed-'));

/** Best of `runs` of a node program that prints one number (ms). */
function best(code, args = []) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code, ...args], { encoding: 'utf8', cwd: here });
    min = Math.min(min, Number(out.trim().split('\n').pop()));
  }
  return min;
}
/** Best of `runs` wall times of a whole process. */
function bestProcess(args) {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    execFileSync(process.execPath, args, { cwd: here, stdio: 'ignore' });
    min = Math.min(min, performance.now() - started);
  }
  return min;
}

const rows = [];
const row = (what, ms, note = '') => {
  rows.push({ what, ms });
  process.stdout.write(`| ${what} | ${ms.toFixed(0)} | ${note} |\n`);
};

process.stdout.write(`fixed costs, best of ${runs} fresh processes each\n\n| cost | ms | |\n| --- | ---: | --- |\n`);
row("Node's start and exit", bestProcess(['-e', '0']), '`node -e 0`');
row('importing @drove/blog-engine', best("const t = performance.now(); await import('@drove/blog-engine'); console.log(performance.now() - t)"), 'what `drove-blog --help` pays');
row("a render worker's modules", best(`const t = performance.now(); await import(${JSON.stringify(renderWorker)}); console.log(performance.now() - t)`), 'markdown-it, highlight.js, liquidjs, the renderer');
row(
  'opening the build database (new file)',
  best(`import { mkdtempSync } from 'node:fs'; import { join } from 'node:path'; import { tmpdir } from 'node:os';
const t = performance.now();
const { createClient } = await import('@libsql/client/sqlite3');
const c = createClient({ url: 'file:' + join(mkdtempSync(join(tmpdir(), 'db-')), 'b.db') });
await c.execute('PRAGMA journal_mode=WAL');
await c.batch(['CREATE TABLE a (x TEXT PRIMARY KEY)', 'CREATE TABLE b (x TEXT PRIMARY KEY)', 'CREATE TABLE c (x TEXT PRIMARY KEY)', 'CREATE TABLE d (x TEXT PRIMARY KEY)', 'CREATE TABLE e (x TEXT PRIMARY KEY)'], 'write');
console.log(performance.now() - t);`),
  'the SQLite client, WAL, the schema',
);
row(
  'a worker thread, empty',
  best(`import { Worker } from 'node:worker_threads';
const t = performance.now();
const w = new Worker("import { parentPort } from 'node:worker_threads'; parentPort.postMessage(1);", { eval: true, execArgv: ['--input-type=module'] });
await new Promise((r) => w.once('message', r)); console.log(performance.now() - t); await w.terminate();`),
  'to its first message',
);
row(
  'a worker thread with the render module',
  best(`import { Worker } from 'node:worker_threads';
const t = performance.now();
const w = new Worker("import { parentPort, workerData } from 'node:worker_threads'; await import(workerData); parentPort.postMessage(1);", { eval: true, execArgv: ['--input-type=module'], workerData: ${JSON.stringify(pathToFileURL(renderWorker).href)} });
await new Promise((r) => w.once('message', r)); console.log(performance.now() - t); await w.terminate();`),
  'started while the main thread indexes',
);

const { generateSite } = await import('@drove/blog-engine');
const one = join(work, 'one');
await generateSite({ out: one, posts: 1, seed: 1 });
for (const workers of ['inline', '1']) {
  let cold = Infinity;
  let again = Infinity;
  for (let i = 0; i < runs; i++) {
    const out = join(work, `out-${i}`);
    const db = `file:${join(work, `one-${workers}-${i}.db`)}`;
    const build = () => JSON.parse(execFileSync(process.execPath, [join(here, 'drove-build.mjs'), one, out, db, workers], { encoding: 'utf8' }).trim().split('\n').pop());
    cold = Math.min(cold, build().wallMs);
    again = Math.min(again, build().wallMs);
  }
  const label = workers === 'inline' ? 'on the main thread' : 'with 1 worker';
  row(`a 1-post site (${'≈'}10 files), cold, ${label}`, cold, "inside the process, after Node's start");
  row(`the same, nothing changed, ${label}`, again, '');
}
rmSync(work, { recursive: true, force: true });
