// drove-blog against Eleventy 3 (and Hugo when a `hugo` binary is on PATH) on the same
// generated site: cold build, no-change rebuild, one-post-edited rebuild, peak RSS, pages.
//
//   npm run bench -w @drove/blog-engine [-- --posts 10000 --small 1000 --corpus generated|traits --skip-eleventy --skip-hugo]
//
// `--corpus traits` builds a corpus written from the description of an ordinary blog
// (bench/lib/traits-corpus.mjs: block-style YAML lists, ~300 Zipf tags, unique code
// blocks, tables, German posts) instead of the engine's own generator; drove-blog only
// for now (the Eleventy and Hugo sites are made from the generated corpus's shape).
//
// Every build runs in a process of its own (its peak RSS is its own); times are wall
// clock of that whole process, Node's start included, as a user meets them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateSite } from '@drove/blog-engine';
import { makeEleventySite } from './lib/eleventy-site.mjs';
import { makeHugoSite } from './lib/hugo-site.mjs';
import { makeTraitsCorpus } from './lib/traits-corpus.mjs';

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '10000' },
    small: { type: 'string', default: '1000' },
    'skip-eleventy': { type: 'boolean', default: false },
    'skip-hugo': { type: 'boolean', default: false },
    corpus: { type: 'string', default: 'generated' },
  },
});
const posts = Number(values.posts);
if (values.corpus !== 'generated' && values.corpus !== 'traits') throw new Error(`--corpus must be generated or traits, got ${values.corpus}`);
const traits = values.corpus === 'traits';
const small = Number(values.small);
const here = fileURLToPath(new URL('.', import.meta.url));
const work = join(tmpdir(), 'drove-blog-bench');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}

/** Runs a command; resolves with its wall time, its stdout, and its peak RSS when /usr/bin/time can tell. */
function timed(command, args, options = {}) {
  const useTime = options.measureRss && existsSync('/usr/bin/time');
  const [cmd, argv] = useTime ? ['/usr/bin/time', ['-f', 'maxrss-kb=%M', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`));
      const rss = /maxrss-kb=(\d+)/.exec(stderr);
      resolve({ wallMs, stdout, maxRssBytes: rss ? Number(rss[1]) * 1024 : undefined });
    });
    child.on('error', reject);
  });
}

async function drove(site, out, db, workers) {
  const { wallMs, stdout } = await timed(process.execPath, [join(here, 'lib', 'drove-build.mjs'), site, out, `file:${db}`, String(workers)]);
  const inner = JSON.parse(stdout.trim().split('\n').pop());
  return { wallMs, inProcessMs: inner.wallMs, cpuMs: inner.cpuMs, result: inner.result, maxRssBytes: inner.maxRssBytes };
}

/** Edits one post in the middle of the corpus below its first paragraph (its excerpt stays). */
function editOnePost(site) {
  const years = readdirSync(join(site, 'posts')).sort();
  const year = years[Math.floor(years.length / 2)];
  const file = join(site, 'posts', year, readdirSync(join(site, 'posts', year)).filter((f) => /^[^.]+\.md$/.test(f)).sort()[10]);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('\n## ');
  writeFileSync(file, `${text.slice(0, at)}\n\nAn edited paragraph, ${Date.now()}.\n${text.slice(at)}`);
  return file.slice(site.length + 1);
}

const rows = [];
const seconds = (ms) => (ms / 1000).toFixed(2);
const mib = (bytes) => (bytes === undefined ? '—' : `${Math.round(bytes / 2 ** 20)}`);
const log = (line) => process.stdout.write(`${line}\n`);

log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
log(`generating ${posts} and ${small} posts (${values.corpus} corpus, seed 1)…`);
const big = join(work, 'site');
const little = join(work, 'site-small');
if (traits) {
  makeTraitsCorpus(big, posts, 1);
  makeTraitsCorpus(little, small, 1);
} else {
  await generateSite({ out: big, posts, seed: 1 });
  await generateSite({ out: little, posts: small, seed: 1 });
}

const droveRuns = {};
for (const workers of [1, 2]) {
  const out = join(work, `out-${workers}`);
  const db = join(work, `build-${workers}.db`);
  log(`drove-blog, ${workers} worker${workers > 1 ? 's' : ''}: cold build…`);
  const cold = await drove(big, out, db, workers);
  const pages = countFiles(out);
  log(`  ${seconds(cold.wallMs)} s, ${pages} files, render phase ${seconds(cold.result.phasesMs.render)} s, CPU ${seconds(cold.cpuMs)} s`);
  const noChange = await drove(big, out, db, workers);
  log(`  no-change rebuild ${seconds(noChange.wallMs)} s, ${noChange.result.written} written`);
  const edited = editOnePost(big);
  const oneEdit = await drove(big, out, db, workers);
  log(`  one post edited (${edited}): ${seconds(oneEdit.wallMs)} s, ${oneEdit.result.written} written`);
  droveRuns[workers] = { cold, pages, noChange, oneEdit };
  rows.push({
    tool: `drove-blog, ${workers} worker${workers > 1 ? 's' : ''}`,
    coldMs: cold.wallMs,
    coldCpuMs: cold.cpuMs,
    pages,
    noChangeMs: noChange.wallMs,
    noChangeWritten: noChange.result.written,
    oneEditMs: oneEdit.wallMs,
    oneEditWritten: oneEdit.result.written,
    maxRssBytes: Math.max(cold.maxRssBytes, noChange.maxRssBytes, oneEdit.maxRssBytes),
  });
}

log(`drove-blog, 2 workers: cold build of ${small} posts (scaling)…`);
const smallRun = await drove(little, join(work, 'out-small'), join(work, 'build-small.db'), 2);

if (!values['skip-eleventy'] && !traits) {
  const project = makeEleventySite(big, join(work, 'eleventy'));
  const builder = join(here, 'lib', 'eleventy-build.mjs');
  const version = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.resolve('@11ty/eleventy'))), 'utf8')).version;
  log(`Eleventy ${version}: cold build…`);
  const inner = async () => {
    const run = await timed(process.execPath, [builder, project]);
    const inner = JSON.parse(run.stdout.trim().split('\n').pop());
    return { ...run, maxRssBytes: inner.maxRssBytes, cpuMs: inner.cpuMs };
  };
  const cold = await inner();
  const pages = countFiles(join(project, '_site'));
  log(`  ${seconds(cold.wallMs)} s, ${pages} files, CPU ${seconds(cold.cpuMs)} s`);
  const noChange = await inner();
  log(`  rebuild with nothing changed ${seconds(noChange.wallMs)} s (Eleventy builds everything again)`);
  editOnePost(join(project, 'src'));
  const oneEdit = await inner();
  log(`  one post edited: ${seconds(oneEdit.wallMs)} s`);
  rows.push({ tool: `Eleventy ${version}`, coldMs: cold.wallMs, coldCpuMs: cold.cpuMs, pages, noChangeMs: noChange.wallMs, noChangeWritten: pages, oneEditMs: oneEdit.wallMs, oneEditWritten: pages, maxRssBytes: Math.max(cold.maxRssBytes, noChange.maxRssBytes, oneEdit.maxRssBytes) });
}

let hugoNote = '';
if (values['skip-hugo'] || traits) hugoNote = traits ? 'Hugo skipped: its site is made from the generated corpus only.' : 'Hugo skipped (--skip-hugo).';
else {
  let version;
  try {
    version = execFileSync('hugo', ['version'], { encoding: 'utf8' }).split(' ')[1];
  } catch {
    hugoNote = 'Hugo skipped: no `hugo` binary on PATH.';
  }
  // The expert's templates first (the row the ratios use), then the documentation's (see lib/hugo-site.mjs).
  for (const style of version ? ['expert', 'docs'] : []) {
    const project = makeHugoSite(big, join(work, `hugo-${style}`), { style });
    log(`Hugo ${version} (${style} templates): cold build…`);
    const run = () => timed('hugo', ['--quiet', '-d', join(project, 'public')], { cwd: project, measureRss: true });
    const cold = await run();
    const pages = countFiles(join(project, 'public'));
    const noChange = await run();
    editOnePost(join(project, 'content'));
    const oneEdit = await run();
    log(`  ${seconds(cold.wallMs)} s, ${pages} files; rebuild ${seconds(noChange.wallMs)} s; one edit ${seconds(oneEdit.wallMs)} s`);
    rows.push({ tool: `Hugo ${version} (${style} templates)`, coldMs: cold.wallMs, pages, noChangeMs: noChange.wallMs, noChangeWritten: undefined, oneEditMs: oneEdit.wallMs, oneEditWritten: undefined, maxRssBytes: cold.maxRssBytes });
  }
  if (version) {
    hugoNote = 'Hugo makes no Atom feeds and no year/month archives (not built in), so it writes fewer files; it always rebuilds everything (Go, all cores).';
  }
}

const one = droveRuns[1];
const two = droveRuns[2];
const speedUp = one.cold.result.phasesMs.render / two.cold.result.phasesMs.render;
const scaling = two.cold.wallMs / smallRun.wallMs;
const pagesPerSecond = two.pages / (two.cold.wallMs / 1000);
const peak = Math.max(...rows.filter((r) => r.tool.startsWith('drove')).map((r) => r.maxRssBytes));

log('');
log(`load average when done: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${availableParallelism()} cores)`);
log('');
log(`| tool | cold build (s) | cold build CPU (s) | files | files/s | no-change rebuild (s) | files written | one post edited (s) | files written | peak RSS (MiB) |`);
log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  log(`| ${r.tool} | ${seconds(r.coldMs)} | ${r.coldCpuMs === undefined ? '—' : seconds(r.coldCpuMs)} | ${r.pages} | ${Math.round(r.pages / (r.coldMs / 1000))} | ${seconds(r.noChangeMs)} | ${r.noChangeWritten ?? 'all'} | ${seconds(r.oneEditMs)} | ${r.oneEditWritten ?? 'all'} | ${mib(r.maxRssBytes)} |`);
}
log('');
const eleventy = rows.find((r) => r.tool.startsWith('Eleventy'));
if (eleventy) {
  log(`ratios: Eleventy cold / drove-blog 2 workers cold = ${(eleventy.coldMs / two.cold.wallMs).toFixed(2)}×; one post edited: ${(eleventy.oneEditMs / two.oneEdit.wallMs).toFixed(2)}×`);
}
for (const hugo of rows.filter((r) => r.tool.startsWith('Hugo'))) {
  log(`ratios: ${hugo.tool} cold / drove-blog 2 workers cold = ${(hugo.coldMs / two.cold.wallMs).toFixed(2)}×; one post edited: ${(hugo.oneEditMs / two.oneEdit.wallMs).toFixed(2)}×`);
}
log(`render phase speed-up, 2 workers over 1: ${speedUp.toFixed(2)}× (${seconds(one.cold.result.phasesMs.render)} s → ${seconds(two.cold.result.phasesMs.render)} s)`);
log(`scaling: ${small} → ${posts} posts, cold build ${seconds(smallRun.wallMs)} s → ${seconds(two.cold.wallMs)} s = ${scaling.toFixed(2)}×`);
if (hugoNote) log(hugoNote);
log('');
const check = (ok, text) => log(`${ok ? '✓' : '✗'} ${text}`);
check(two.cold.wallMs <= 6000, `cold build ≤ 6 s (2 workers): ${seconds(two.cold.wallMs)} s`);
check(two.cold.wallMs <= 4000, `stretch goal, cold build ≤ 4 s (2 workers): ${seconds(two.cold.wallMs)} s`);
check(pagesPerSecond >= 2500, `≥ 2,500 pages/s: ${Math.round(pagesPerSecond)}`);
const cpuPerFile = (run) => run.cold.cpuMs / run.pages;
check(cpuPerFile(two) <= 0.5, `CPU ≤ 0.5 ms per file (whole process, Node's start included): ${cpuPerFile(one).toFixed(2)} ms with 1 worker, ${cpuPerFile(two).toFixed(2)} ms with 2`);
check(speedUp >= 1.7, `render speed-up with 2 workers ≥ 1.7×: ${speedUp.toFixed(2)}×`);
check(two.noChange.wallMs <= 1000 && two.noChange.result.written === 0, `no-change rebuild ≤ 1 s writing 0 files: ${seconds(two.noChange.wallMs)} s, ${two.noChange.result.written} written`);
check(two.oneEdit.wallMs <= 1500, `one post edited ≤ 1.5 s: ${seconds(two.oneEdit.wallMs)} s, ${two.oneEdit.result.written} written`);
check(peak <= 2 ** 30, `peak RSS ≤ 1 GB: ${mib(peak)} MiB`);
check(scaling <= 10, `${small} → ${posts} posts grows ≤ 10×: ${scaling.toFixed(2)}×`);

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', traits ? 'latest-traits.json' : 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), corpus: values.corpus, posts, small, rows, speedUp, scaling, pagesPerSecond }, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
