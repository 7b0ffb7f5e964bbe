// drove-blog against Hugo (an expert's templates and the documentation's) and Eleventy 3,
// on three corpus shapes and three sizes, side by side in one run: cold build, no-change
// rebuild, one post edited, `serve`'s rebuild after an edit, CPU per output file, peak RSS.
//
//   npm run bench -w @drove/blog-engine [-- --corpora generated,traits,realtext --sizes 100,1000,10000
//                                          --skip-eleventy --eleventy-max N --skip-hugo --skip-hugo-docs --skip-serve --repeat N]
//
// (`--eleventy-max 1000` leaves Eleventy out of the larger sizes: at 10,000 posts it takes
// minutes a build. `--repeat N` builds each drove-blog configuration and Hugo N times, taking
// turns, and reports each figure's median: on a shared machine one build is one sample.)
//
// Corpora (every one a folder drove-blog, Hugo and the bench's Eleventy site all read):
// - generated: drove-blog's own generator (`generateSite`, seed 1), three languages;
// - traits: written from the description of an ordinary blog, not from what the engine is
//   fast at (bench/lib/traits-corpus.mjs);
// - realtext: the Markdown documentation of the packages `npm ci` installs, under their
//   open licences, replicated to size with new slugs and dates (bench/lib/realtext-corpus.mjs).
//
// Every build runs in a process of its own (its peak RSS is its own); times are wall clock
// of that whole process, Node's start included, as a user meets them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateSite } from '@drove/blog-engine';
import { makeEleventySite } from './lib/eleventy-site.mjs';
import { makeHugoSite } from './lib/hugo-site.mjs';
import { makeRealTextCorpus } from './lib/realtext-corpus.mjs';
import { makeTraitsCorpus } from './lib/traits-corpus.mjs';

const { values } = parseArgs({
  options: {
    corpora: { type: 'string', default: 'generated,traits,realtext' },
    sizes: { type: 'string', default: '100,1000,10000' },
    'skip-eleventy': { type: 'boolean', default: false },
    'eleventy-max': { type: 'string', default: '100000' },
    'skip-hugo': { type: 'boolean', default: false },
    'skip-hugo-docs': { type: 'boolean', default: false },
    'skip-serve': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
  },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: ${values.repeat} is not a count >= 1`);
const makers = {
  generated: (out, posts) => generateSite({ out, posts, seed: 1 }),
  traits: (out, posts) => makeTraitsCorpus(out, posts, 1),
  realtext: (out, posts) => makeRealTextCorpus(out, posts, 1),
};
const corpora = values.corpora.split(',');
for (const c of corpora) if (!(c in makers)) throw new Error(`--corpora: unknown corpus ${c} (generated, traits, realtext)`);
const sizes = values.sizes.split(',').map(Number);
for (const n of sizes) if (!Number.isInteger(n) || n < 10) throw new Error(`--sizes: ${n} is not a post count`);
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
  const [cmd, argv] = useTime ? ['/usr/bin/time', ['-f', 'maxrss-kb=%M cpu-s=%U+%S', command, ...args]] : [command, args];
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
      const cpu = /cpu-s=([\d.]+)\+([\d.]+)/.exec(stderr);
      resolve({ wallMs, stdout, maxRssBytes: rss ? Number(rss[1]) * 1024 : undefined, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined });
    });
    child.on('error', reject);
  });
}

/**
 * Flushes what earlier runs left to write back (their outputs, the removal of the last one's) before the next
 * build: on this ext4 disk the kernel's write-back otherwise lands in the middle of whichever tool runs next and
 * doubles its system time. Done before every build of every tool alike.
 */
function settleDisk() {
  spawnSync('sync', { stdio: 'ignore' });
}

async function drove(site, out, db, workers) {
  settleDisk();
  const { wallMs, stdout } = await timed(process.execPath, [join(here, 'lib', 'drove-build.mjs'), site, out, `file:${db}`, String(workers)]);
  const inner = JSON.parse(stdout.trim().split('\n').pop());
  return { wallMs, cpuMs: inner.cpuMs, result: inner.result, maxRssBytes: inner.maxRssBytes };
}

/** Edits one post in the middle of the corpus below its first paragraph (its excerpt stays). */
function editOnePost(site) {
  const years = readdirSync(join(site, 'posts')).sort();
  const year = years[Math.floor(years.length / 2)];
  const names = readdirSync(join(site, 'posts', year)).filter((f) => /^[^.]+\.md$/.test(f)).sort();
  const file = join(site, 'posts', year, names[Math.min(10, names.length - 1)]);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('\n## ');
  const line = `\n\nAn edited paragraph, ${Date.now()}.\n`;
  writeFileSync(file, at === -1 ? `${text}${line}` : `${text.slice(0, at)}${line}${text.slice(at)}`);
  return file.slice(site.length + 1);
}

/** `serve`'s rebuild after an edit: from writing the file to the reload event a browser's page receives. */
async function serveEdit(site, out, db) {
  const child = spawn(process.execPath, [join(here, 'lib', 'drove-serve.mjs'), site, out, `file:${db}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d;
        const line = /^serving (\S+)$/m.exec(text);
        if (line) resolve(line[1]);
      });
      child.on('exit', (code) => reject(new Error(`drove-serve exited ${code} before serving`)));
    });
    const times = [];
    for (let i = 0; i < 3; i++) {
      const events = await new Promise((resolve, reject) => {
        const req = request(new URL('/__drove/events', url), (res) => resolve(res));
        req.on('error', reject);
        req.end();
      });
      const started = performance.now();
      const reloaded = new Promise((resolve) => {
        events.on('data', (d) => {
          if (String(d).includes('event: reload')) resolve(performance.now() - started);
        });
      });
      editOnePost(site);
      times.push(await reloaded);
      events.destroy();
    }
    return times.sort((a, b) => a - b)[1];
  } finally {
    child.kill('SIGTERM');
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms) => (ms === undefined ? '—' : (ms / 1000).toFixed(2));
const mib = (bytes) => (bytes === undefined ? '—' : `${Math.round(bytes / 2 ** 20)}`);
const log = (line) => process.stdout.write(`${line}\n`);

let hugoVersion;
if (!values['skip-hugo']) {
  try {
    hugoVersion = execFileSync('hugo', ['version'], { encoding: 'utf8' }).split(' ')[1];
  } catch {
    log('Hugo skipped: no `hugo` binary on PATH.');
  }
}
const eleventyVersion = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.resolve('@11ty/eleventy'))), 'utf8')).version;

log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);

/** Every figure of the run: one row per corpus, size and tool. */
const rows = [];
for (const corpus of corpora) {
  for (const posts of sizes) {
    const site = join(work, `${corpus}-${posts}`);
    log(`\n## ${corpus}, ${posts} posts`);
    const made = await makers[corpus](site, posts);
    if (made?.digest) log(`(real text from ${made.packages} packages, ${made.distinct} distinct posts, digest ${made.digest})`);
    // With --repeat N, the configurations take turns N times (auto, 1, 2, auto, 1, 2, …), so that a slow spell of
    // the machine falls on all of them, and each figure is the median of its N.
    const measured = { auto: [], 1: [], 2: [] };
    for (let round = 0; round < repeat; round++) {
      for (const workers of ['auto', 1, 2]) {
        const out = join(work, `out-${workers}`);
        const db = join(work, `build-${workers}.db`);
        rmSync(out, { recursive: true, force: true });
        rmSync(db, { force: true });
        const cold = await drove(site, out, db, workers);
        const files = countFiles(out);
        const noChange = await drove(site, out, db, workers);
        const edited = editOnePost(site);
        const oneEdit = await drove(site, out, db, workers);
        log(`drove-blog, workers ${workers}: cold ${seconds(cold.wallMs)} s (CPU ${seconds(cold.cpuMs)} s, ${files} files, ${cold.result.workers} ${cold.result.kind}); no change ${seconds(noChange.wallMs)} s, ${noChange.result.written} written; ${edited} edited ${seconds(oneEdit.wallMs)} s, ${oneEdit.result.written} written`);
        measured[workers].push({ cold, noChange, oneEdit, files });
        rmSync(out, { recursive: true, force: true });
      }
    }
    for (const workers of ['auto', 1, 2]) {
      const runs = measured[workers];
      const mid = (pick) => median(runs.map(pick));
      rows.push({
        corpus,
        posts,
        tool: `drove-blog, workers ${workers}`,
        workers,
        coldMs: mid((r) => r.cold.wallMs),
        coldCpuMs: mid((r) => r.cold.cpuMs),
        files: runs[0].files,
        noChangeMs: mid((r) => r.noChange.wallMs),
        noChangeWritten: Math.max(...runs.map((r) => r.noChange.result.written)),
        oneEditMs: mid((r) => r.oneEdit.wallMs),
        oneEditWritten: Math.max(...runs.map((r) => r.oneEdit.result.written)),
        maxRssBytes: Math.max(...runs.flatMap((r) => [r.cold.maxRssBytes, r.noChange.maxRssBytes, r.oneEdit.maxRssBytes])),
      });
    }
    if (!values['skip-serve']) {
      const out = join(work, 'out-serve');
      const serveMs = await serveEdit(site, out, join(work, 'serve.db'));
      rows.find((r) => r.corpus === corpus && r.posts === posts && r.workers === 'auto').serveMs = serveMs;
      log(`drove-blog serve: an edit reaches the page's reload event in ${Math.round(serveMs)} ms (median of 3)`);
      rmSync(out, { recursive: true, force: true });
    }
    const styles = hugoVersion ? (values['skip-hugo-docs'] ? ['expert'] : ['expert', 'docs']) : [];
    for (const style of styles) {
      const tool = `Hugo ${hugoVersion} (${style} templates)`;
      const runs = [];
      for (let round = 0; round < repeat; round++) {
        const project = makeHugoSite(site, join(work, `hugo-${style}`), { style });
        const run = () => {
          settleDisk();
          return timed('hugo', ['--quiet', '-d', join(project, 'public')], { cwd: project, measureRss: true });
        };
        const cold = await run();
        const files = countFiles(join(project, 'public'));
        const noChange = await run();
        editOnePost(join(project, 'content'));
        const oneEdit = await run();
        log(`${tool}: cold ${seconds(cold.wallMs)} s (CPU ${seconds(cold.cpuMs)} s, ${files} files); again ${seconds(noChange.wallMs)} s; one edit ${seconds(oneEdit.wallMs)} s`);
        runs.push({ cold, noChange, oneEdit, files });
        rmSync(project, { recursive: true, force: true });
      }
      const mid = (pick) => median(runs.map(pick));
      rows.push({ corpus, posts, tool, style, coldMs: mid((r) => r.cold.wallMs), coldCpuMs: mid((r) => r.cold.cpuMs), files: runs[0].files, noChangeMs: mid((r) => r.noChange.wallMs), oneEditMs: mid((r) => r.oneEdit.wallMs), maxRssBytes: Math.max(...runs.map((r) => r.cold.maxRssBytes)) });
    }
    if (!values['skip-eleventy'] && posts <= Number(values['eleventy-max'])) {
      const project = makeEleventySite(site, join(work, 'eleventy'));
      const builder = join(here, 'lib', 'eleventy-build.mjs');
      const run = async () => {
        settleDisk();
        const done = await timed(process.execPath, [builder, project]);
        const inner = JSON.parse(done.stdout.trim().split('\n').pop());
        return { ...done, maxRssBytes: inner.maxRssBytes, cpuMs: inner.cpuMs };
      };
      const cold = await run();
      const files = countFiles(join(project, '_site'));
      const noChange = await run();
      editOnePost(join(project, 'src'));
      const oneEdit = await run();
      const tool = `Eleventy ${eleventyVersion}`;
      log(`${tool}: cold ${seconds(cold.wallMs)} s (CPU ${seconds(cold.cpuMs)} s, ${files} files); again ${seconds(noChange.wallMs)} s; one edit ${seconds(oneEdit.wallMs)} s`);
      rows.push({ corpus, posts, tool, coldMs: cold.wallMs, coldCpuMs: cold.cpuMs, files, noChangeMs: noChange.wallMs, oneEditMs: oneEdit.wallMs, maxRssBytes: Math.max(cold.maxRssBytes, noChange.maxRssBytes, oneEdit.maxRssBytes) });
      rmSync(project, { recursive: true, force: true });
    }
    rmSync(site, { recursive: true, force: true });
  }
}

log('');
log(`load average when done: ${loadavg().map((l) => l.toFixed(2)).join(', ')} (${availableParallelism()} cores)`);
log('');
log('| corpus | posts | tool | cold (s) | cold CPU (s) | files | CPU ms/file | no change (s) | written | one edit (s) | written | serve edit (ms) | peak RSS (MiB) |');
log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const perFile = r.coldCpuMs === undefined ? '—' : (r.coldCpuMs / r.files).toFixed(2);
  const written = (n) => (r.tool.startsWith('drove') ? String(n) : 'all');
  log(`| ${r.corpus} | ${r.posts} | ${r.tool} | ${seconds(r.coldMs)} | ${seconds(r.coldCpuMs)} | ${r.files} | ${perFile} | ${seconds(r.noChangeMs)} | ${written(r.noChangeWritten)} | ${seconds(r.oneEditMs)} | ${written(r.oneEditWritten)} | ${r.serveMs === undefined ? '—' : Math.round(r.serveMs)} | ${mib(r.maxRssBytes)} |`);
}

// The targets, each checked on every corpus (✓ met, ✗ not).
log('');
const check = (ok, text) => log(`${ok ? '✓' : '✗'} ${text}`);
for (const corpus of corpora) {
  for (const posts of sizes) {
    const at = rows.filter((r) => r.corpus === corpus && r.posts === posts);
    const auto = at.find((r) => r.workers === 'auto');
    const one = at.find((r) => r.workers === 1);
    const two = at.find((r) => r.workers === 2);
    const hugo = at.find((r) => r.style === 'expert');
    const eleventy = at.find((r) => r.tool.startsWith('Eleventy'));
    const tag = `${corpus} ${posts}:`;
    if (hugo) {
      const ratio = hugo.coldMs / auto.coldMs;
      if (posts <= 100) check(ratio >= 0.5, `${tag} cold ≤ 2× Hugo's wall time: Hugo ÷ drove = ${ratio.toFixed(2)}×`);
      else if (posts <= 1000) check(ratio >= 1, `${tag} cold at least as fast as Hugo: Hugo ÷ drove = ${ratio.toFixed(2)}×`);
      else check(ratio >= 3, `${tag} cold ≥ 3× faster than Hugo (expert): ${ratio.toFixed(2)}×`);
    }
    if (eleventy) log(`  ${tag} Eleventy ÷ drove cold = ${(eleventy.coldMs / auto.coldMs).toFixed(2)}×`);
    check(auto.coldMs <= one.coldMs * 1.05, `${tag} workers 'auto' not slower than 1 worker: ${seconds(auto.coldMs)} s vs ${seconds(one.coldMs)} s`);
    check(two.coldCpuMs <= one.coldCpuMs * 1.15, `${tag} CPU with 2 workers ≤ 1.15× with 1: ${(two.coldCpuMs / one.coldCpuMs).toFixed(2)}×`);
    if (auto.serveMs !== undefined) check(auto.serveMs <= 300, `${tag} serve shows an edit within 300 ms: ${Math.round(auto.serveMs)} ms`);
    if (posts >= 10000) {
      check(auto.coldCpuMs / auto.files <= 0.6, `${tag} CPU per output file ≤ 0.6 ms: ${(auto.coldCpuMs / auto.files).toFixed(2)} ms`);
      check(auto.noChangeMs <= 500 && auto.noChangeWritten === 0, `${tag} no-change rebuild ≤ 0.5 s writing 0 files: ${seconds(auto.noChangeMs)} s, ${auto.noChangeWritten} written`);
      check(auto.oneEditMs <= 1500, `${tag} one post edited ≤ 1.5 s: ${seconds(auto.oneEditMs)} s, ${auto.oneEditWritten} written`);
      check(Math.max(auto.maxRssBytes, one.maxRssBytes, two.maxRssBytes) <= 1e9, `${tag} peak RSS ≤ 1 GB (10⁹ bytes, 954 MiB): ${mib(Math.max(auto.maxRssBytes, one.maxRssBytes, two.maxRssBytes))} MiB`);
      check(one.coldMs / two.coldMs >= 1.5, `${tag} 2 workers ≥ 1.5× faster than 1: ${(one.coldMs / two.coldMs).toFixed(2)}×`);
    }
  }
}

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: cpus()[0]?.model, cores: availableParallelism(), corpora, sizes, rows }, null, 2)}\n`);
rmSync(work, { recursive: true, force: true });
