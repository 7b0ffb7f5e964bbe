// A third corpus shape for the benchmark: real text. Its posts are the Markdown
// documentation (README.md and docs/**/*.md) of the open-source packages that
// `npm ci` installs into this repository's node_modules, so nothing is committed
// and every machine with the same package-lock.json builds the same bytes:
// prose, headings, tables, raw HTML, badges and fenced code that people wrote for
// people, in the shapes real Markdown takes.
//
// - Only packages under an open licence (MIT, ISC, Apache-2.0, BSD, 0BSD, CC0,
//   BlueOak, Unlicense) are read; the corpus folder gets LICENSES.txt naming each
//   package, its version, its licence and the files used.
// - Files with `{{` or `{%` are left out: each tool would read them as template
//   code of its own (Liquid, Go templates, Nunjucks), not as text.
// - A file is cut at its `## ` headings (outside code) into posts of about 2,500
//   characters or more; a post's title is its first heading.
// - Replicated to size with new slugs and dates (seeded); tags are the package's
//   own npm keywords, the category one of the 20 most common of them. Each copy
//   of a code block gets a last comment line naming its post, so no two posts
//   share a block (a real blog's code is not repeated a thousand times).
//
//   node bench/lib/realtext-corpus.mjs OUT POSTS [SEED]
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { seededRandom } from '@drove/test-support';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const openLicences = /^(MIT|ISC|Apache-2\.0|BSD-2-Clause|BSD-3-Clause|0BSD|CC0-1\.0|BlueOak-1\.0\.0|Unlicense)$/;
const skipNames = /^(changelog|history|changes|license|licence|contributing|code_of_conduct|security|support|funding|authors|releasing|migration)/i;

/** Every installed package folder under node_modules, nested ones included, in a stable order. */
function packageFolders(modules) {
  const found = [];
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      // Workspace packages are links to this repository's own folders: not text from elsewhere.
      if (lstatSync(path).isSymbolicLink()) continue;
      if (name.startsWith('@')) {
        visit(path);
        continue;
      }
      if (!existsSync(join(path, 'package.json'))) continue;
      found.push(path);
      visit(join(path, 'node_modules'));
    }
  };
  visit(modules);
  return found;
}

function markdownFiles(pkg) {
  const files = [];
  for (const name of readdirSync(pkg).sort()) {
    if (/^readme\.md$/i.test(name)) files.push(join(pkg, name));
  }
  const docs = join(pkg, 'docs');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.md$/i.test(entry.name) && !skipNames.test(entry.name)) files.push(path);
    }
  };
  if (existsSync(docs) && statSync(docs).isDirectory()) walk(docs);
  return files;
}

function licenceOf(manifest) {
  const licence = typeof manifest.license === 'string' ? manifest.license : manifest.license?.type;
  return typeof licence === 'string' ? licence.replace(/^\((.*)\)$/, '$1') : '';
}

/** Splits Markdown at `## ` headings outside fenced code into chunks of at least `min` characters. */
function chunksOf(text, min) {
  const lines = text.split('\n');
  const sections = [];
  let current = [];
  let fence = '';
  for (const line of lines) {
    const open = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (!fence) fence = open[1][0];
      else if (line.trim().startsWith(fence.repeat(3))) fence = '';
    }
    if (!fence && /^##\s/.test(line) && current.length > 0) {
      sections.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) sections.push(current.join('\n'));
  const chunks = [];
  let acc = '';
  for (const section of sections) {
    acc = acc ? `${acc}\n${section}` : section;
    if (acc.length >= min) {
      chunks.push(acc);
      acc = '';
    }
  }
  if (acc.trim()) {
    if (chunks.length > 0 && acc.length < min / 2) chunks[chunks.length - 1] += `\n${acc}`;
    else chunks.push(acc);
  }
  return chunks;
}

const plain = (heading) =>
  heading
    .replace(/^#+\s*/, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*_]/g, '')
    .trim();

const slugOf = (text) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');

const commentFor = (lang) =>
  /^(sh|bash|shell|zsh|console|python|py|yaml|yml|ruby|rb|toml|ini|dockerfile|make|r|perl)$/i.test(lang)
    ? '#'
    : /^(sql|lua|haskell|hs)$/i.test(lang)
      ? '--'
      : /^(html|xml|svg|md|markdown|vue)$/i.test(lang)
        ? '<!--'
        : '//';

/** Gives each fenced code block of `body` a last comment line naming post `id`. */
function markCode(body, id) {
  return body.replace(/^( {0,3})(`{3,}|~{3,})([^\n`]*)\n([\s\S]*?)^\1\2[ \t]*$/gm, (_, indent, fence, info, code) => {
    const lang = info.trim().split(/\s+/)[0] ?? '';
    const mark = commentFor(lang);
    return `${indent}${fence}${info}\n${code}${mark} post ${id}${mark === '<!--' ? ' -->' : ''}\n${indent}${fence}`;
  });
}

/** Reads the installed packages' Markdown into titled chunks, and the licences they came under. */
export function readRealText({ modules = join(repoRoot, 'node_modules'), min = 2500 } = {}) {
  const chunks = [];
  const sources = [];
  const keywordCount = new Map();
  const seen = new Set();
  for (const pkg of packageFolders(modules)) {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const id = `${manifest.name}@${manifest.version}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const licence = licenceOf(manifest);
    if (!licence.split(/ OR /).some((l) => openLicences.test(l.trim()))) continue;
    const keywords = [...new Set((Array.isArray(manifest.keywords) ? manifest.keywords : []).filter((k) => typeof k === 'string').map(slugOf).filter(Boolean))].slice(0, 8);
    const used = [];
    for (const file of markdownFiles(pkg)) {
      let text = readFileSync(file, 'utf8').replace(/\r\n?/g, '\n');
      if (text.length < 1000 || text.includes('{{') || text.includes('{%')) continue;
      text = text.replace(/^---\n[\s\S]*?\n---\n/, '');
      for (const chunk of chunksOf(text, min)) {
        const lines = chunk.split('\n');
        const at = lines.findIndex((line) => /^#{1,6}\s+\S/.test(line));
        const heading = at >= 0 ? plain(lines[at]) : '';
        const title = !heading || heading.length > 90 ? `${manifest.name} notes` : heading.toLowerCase() === manifest.name.toLowerCase() ? heading : `${manifest.name}: ${heading}`;
        const body = (at >= 0 && at < 3 ? lines.slice(at + 1) : lines).join('\n').trim();
        if (body.length < 400) continue;
        chunks.push({ title, body, keywords: keywords.length > 0 ? keywords : [slugOf(manifest.name)] });
      }
      used.push(relative(pkg, file));
    }
    if (used.length === 0) continue;
    for (const k of keywords) keywordCount.set(k, (keywordCount.get(k) ?? 0) + 1);
    sources.push({ name: manifest.name, version: manifest.version, licence, files: used });
  }
  const categories = [...keywordCount].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20).map(([k]) => k);
  const digest = createHash('sha256');
  for (const c of chunks) digest.update(c.title).update('\0').update(c.body).update('\0');
  return { chunks, sources, categories, digest: digest.digest('hex').slice(0, 16) };
}

/** Writes a site of `posts` posts made of real text (see the top of this file) to `out`. */
export function makeRealTextCorpus(out, posts, seed = 1, options = {}) {
  const { chunks, sources, categories, digest } = readRealText(options);
  if (chunks.length === 0) throw new Error('realtext corpus: no Markdown found under node_modules (run npm ci first)');
  const next = seededRandom(seed);
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));

  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'posts'), { recursive: true });
  writeFileSync(
    join(out, 'site.config.json'),
    `${JSON.stringify({ title: 'Real text blog', baseUrl: 'https://example.org/', languages: { en: {} }, paginate: { home: 10, tag: 10, category: 10, archive: 20 } }, null, 2)}\n`,
  );
  const start = Date.UTC(2012, 0, 1);
  const span = Date.UTC(2025, 11, 31) - start;
  for (let id = 0; id < posts; id++) {
    const chunk = chunks[id % chunks.length];
    const date = new Date(start + Math.floor(next() * span));
    const iso = date.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const picked = [...new Set(Array.from({ length: int(1, 4) }, () => chunk.keywords[Math.floor(next() * chunk.keywords.length)]))];
    const category = chunk.keywords.find((k) => categories.includes(k)) ?? 'misc';
    const title = id < chunks.length ? chunk.title : `${chunk.title} (${Math.floor(id / chunks.length) + 1})`;
    const front = ['---', `title: ${JSON.stringify(title)}`, `date: ${iso}`, 'tags:', ...picked.map((t) => `  - ${t}`), 'categories:', `  - ${category}`, '---'];
    const year = iso.slice(0, 4);
    mkdirSync(join(out, 'posts', year), { recursive: true });
    writeFileSync(join(out, 'posts', year, `${slugOf(chunk.title) || 'post'}-${id}.md`), `${front.join('\n')}\n${markCode(chunk.body, id)}\n`);
  }
  const licences = sources.map((s) => `- ${s.name}@${s.version} (${s.licence}): ${s.files.join(', ')}`);
  writeFileSync(
    join(out, 'LICENSES.txt'),
    `# Where this corpus's text comes from\n\nThe Markdown documentation of these installed npm packages, each under its own licence (see its LICENSE file in node_modules). ${chunks.length} distinct posts (text digest ${digest}), replicated to ${posts} with new slugs and dates.\n\n${licences.join('\n')}\n`,
  );
  return { posts, dir: out, distinct: chunks.length, packages: sources.length, digest };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, posts = '10000', seed = '1'] = process.argv.slice(2);
  if (!out) throw new Error('usage: node bench/lib/realtext-corpus.mjs OUT POSTS [SEED]');
  const made = makeRealTextCorpus(out, Number(posts), Number(seed));
  process.stdout.write(`${JSON.stringify(made)}\n`);
}
