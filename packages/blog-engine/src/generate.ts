import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidOptionError } from './errors.js';
import { categoryPool, codeSamples, tagPool, titleAdjectives, titleNouns, words } from './internal/corpus-words.js';
import { countOf, filesUnder, refuseOverwrite } from './internal/refuse-overwrite.js';
import { slugify } from './internal/slugify.js';
import { checkKeys, fail } from './internal/validate.js';

/** Options of {@link generateSite}. */
export interface GenerateOptions {
  /** The folder to write the site into (emptied first when `clean`). */
  out: string;
  /** Post files to write (translations count as posts). @default 100 */
  posts?: number;
  /** The seed: the same seed and count give the same files, byte for byte. @default 1 */
  seed?: number;
  /** Remove `posts/`, `pages/` and `data/` in `out` first. @default true */
  clean?: boolean;
  /**
   * What to do when `out` already holds something: `'replace'` writes the site over it (removing `posts/`,
   * `pages/` and `data/` first when `clean`); `'refuse'` changes nothing and throws `ERR_BLOG_WOULD_OVERWRITE`,
   * naming what would have been replaced. The CLI refuses unless given `--force`.
   * @default 'replace'
   */
  ifNotEmpty?: 'replace' | 'refuse';
}

/** What {@link generateSite} wrote. */
export interface GeneratedSite {
  dir: string;
  /** Post files written, translations included. */
  posts: number;
  /** Of which translations (German and French). */
  translations: number;
  /** Of which drafts. */
  drafts: number;
}

/** mulberry32: a small, fast, seedable PRNG. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Writer {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = random(seed);
  }
  float(): number {
    return this.#next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)]!;
  }
  /** Skewed toward the front of the list, as real tag use is. */
  pickSkewed<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() ** 2 * items.length)]!;
  }
  sentence(min = 8, max = 18): string {
    const count = this.int(min, max);
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      let word = this.pick(words);
      const roll = this.float();
      if (roll < 0.04) word = `\`${word}()\``;
      else if (roll < 0.07) word = `*${word}*`;
      else if (roll < 0.08) word = `**${word}**`;
      else if (roll < 0.09) word = `[${word}](https://example.com/${word})`;
      parts.push(word);
    }
    const text = parts.join(' ');
    return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
  }
  paragraph(): string {
    return Array.from({ length: this.int(2, 5) }, () => this.sentence()).join(' ');
  }
}

function postBody(w: Writer): string {
  const blocks: string[] = [w.paragraph()];
  if (w.float() < 0.3) blocks.push('<!-- more -->');
  const sections = w.int(1, 3);
  for (let s = 0; s < sections; s++) {
    blocks.push(`## ${w.sentence(2, 5).slice(0, -1)}`, w.paragraph());
    const roll = w.float();
    if (roll < 0.55) {
      const language = w.pick(Object.keys(codeSamples));
      blocks.push(`\`\`\`${language}\n${w.pick(codeSamples[language]!)}\n\`\`\``);
    } else if (roll < 0.75) {
      blocks.push(Array.from({ length: w.int(3, 6) }, () => `- ${w.sentence(3, 8)}`).join('\n'));
    } else if (roll < 0.85) {
      const rows = Array.from({ length: w.int(2, 4) }, () => `| ${w.pick(words)} | ${w.int(1, 999)} ms | ${w.int(1, 99)}% |`);
      blocks.push(['| case | time | share |', '| --- | ---: | ---: |', ...rows].join('\n'));
    } else if (roll < 0.92) {
      blocks.push(`> ${w.sentence()}`);
    } else {
      blocks.push(Array.from({ length: w.int(2, 4) }, (_, i) => `${i + 1}. ${w.sentence(3, 8)}`).join('\n'));
    }
    blocks.push(w.paragraph());
  }
  return `${blocks.join('\n\n')}\n`;
}

function yamlString(text: string): string {
  return JSON.stringify(text);
}

/** The files generate writes outside `posts/`, `pages/` and `data/`. */
const topLevelFiles = ['site.config.json'];

/** Throws `ERR_BLOG_WOULD_OVERWRITE` when `dir` holds anything, naming what generate would replace or delete there. */
async function refuseNonEmpty(dir: string, clean: boolean): Promise<void> {
  if (!existsSync(dir)) return;
  const entries = (await readdir(dir)).sort();
  if (entries.length === 0) return;
  // With `clean` every file in these folders goes; without it, any of them could be a generated file's name.
  const replaced = [...topLevelFiles.filter((name) => entries.includes(name)), ...['posts', 'pages', 'data'].flatMap((folder) => filesUnder(join(dir, folder), folder))];
  if (replaced.length > 0) {
    const verb = clean ? 'would replace or delete' : 'could replace';
    refuseOverwrite(dir, replaced, `refusing to generate into ${dir}: it is not empty, and generate ${verb} ${countOf(replaced.length)}`, 'run again with --force to replace them, or choose an empty folder');
  }
  refuseOverwrite(dir, entries, `refusing to generate into ${dir}: it is not empty, it holds ${entries.length === 1 ? '1 entry' : `${entries.length} entries`}`, 'run again with --force to generate into it anyway, or choose an empty folder');
}

/**
 * Writes a deterministic blog: `site.config.json` (English, German, French),
 * `posts/YYYY/*.md` with tags, categories, dates over ten years, code blocks
 * in eight languages, lists, tables and quotes, some German and French
 * translations, a few drafts, an About page and a data file. For tests,
 * benchmarks and demos.
 *
 * @throws {InvalidOptionError} `ERR_BLOG_INVALID_OPTION` for invalid options.
 * @throws {OverwriteError} `ERR_BLOG_WOULD_OVERWRITE` with `ifNotEmpty: 'refuse'` when `out` holds anything.
 * @example
 * ```ts
 * import { generateSite } from '@drove/blog-engine';
 * await generateSite({ out: './demo-blog', posts: 1000, seed: 7 });
 * ```
 */
export async function generateSite(options: GenerateOptions): Promise<GeneratedSite> {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options);
  checkKeys('', options, ['out', 'posts', 'seed', 'clean', 'ifNotEmpty']);
  if (typeof options.out !== 'string' || options.out === '') fail('out', 'a non-empty string', options.out);
  const count = options.posts ?? 100;
  if (!Number.isInteger(count) || count < 1) fail('posts', 'an integer >= 1', count);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) fail('seed', 'an integer', seed);
  if (options.clean !== undefined && typeof options.clean !== 'boolean') throw new InvalidOptionError(`Expected \`clean\` to be a boolean`);
  const ifNotEmpty = options.ifNotEmpty ?? 'replace';
  if (ifNotEmpty !== 'replace' && ifNotEmpty !== 'refuse') fail('ifNotEmpty', "one of `replace`, `refuse`", ifNotEmpty);
  const dir = resolve(options.out);
  if (ifNotEmpty === 'refuse') await refuseNonEmpty(dir, options.clean ?? true);
  if (options.clean ?? true) for (const folder of ['posts', 'pages', 'data']) await rm(join(dir, folder), { recursive: true, force: true });

  const w = new Writer(seed);
  const config = {
    title: 'Drove Field Notes',
    description: 'Notes on building fast, careful software.',
    baseUrl: 'https://blog.example.com/',
    author: { name: 'Drove Authors', email: 'authors@example.com' },
    languages: { en: {}, de: { title: 'Drove Feldnotizen' }, fr: { title: 'Notes de terrain Drove' } },
    paginate: { home: 10, tag: 10, category: 10, archive: 20 },
  };
  await mkdir(join(dir, 'pages'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'site.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(dir, 'pages', 'about.md'), '---\ntitle: About\n---\nThis blog is generated by `drove-blog generate`.\n');
  await writeFile(join(dir, 'data', 'links.json'), `${JSON.stringify([{ title: 'Drove', url: 'https://example.com/drove' }], null, 2)}\n`);

  const start = Date.UTC(2015, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const madeDirs = new Set<string>();
  const usedSlugs = new Set<string>();
  let written = 0;
  let translations = 0;
  let drafts = 0;
  const files: [string, string][] = [];
  for (let i = 0; written < count; i++) {
    const title = `${w.pick(titleAdjectives)} ${w.pick(titleNouns)}${w.float() < 0.5 ? `, Part ${w.int(1, 9)}` : ''}`;
    let slug = slugify(title);
    if (usedSlugs.has(slug)) slug = `${slug}-${i}`;
    usedSlugs.add(slug);
    const date = new Date(start + Math.floor((i / Math.max(1, count)) * span) + w.int(0, 86_400_000 - 1));
    const iso = date.toISOString().slice(0, 16).replace('T', ' ');
    const tags = [...new Set(Array.from({ length: w.int(1, 4) }, () => w.pickSkewed(tagPool)))];
    const category = w.pickSkewed(categoryPool);
    const draft = w.float() < 0.01;
    const lines = ['---', `title: ${yamlString(title)}`, `date: ${iso}`, `tags: [${tags.join(', ')}]`, `categories: [${category}]`];
    if (w.float() < 0.15) lines.push(`summary: ${yamlString(w.sentence(8, 14))}`);
    if (w.float() < 0.1) lines.push(`updated: ${new Date(date.getTime() + w.int(1, 90) * 86_400_000).toISOString().slice(0, 10)}`);
    if (draft) lines.push('draft: true');
    lines.push('---', '');
    const year = iso.slice(0, 4);
    const folder = join(dir, 'posts', year);
    if (!madeDirs.has(folder)) {
      await mkdir(folder, { recursive: true });
      madeDirs.add(folder);
    }
    files.push([join(folder, `${slug}.md`), `${lines.join('\n')}${postBody(w)}`]);
    written++;
    if (draft) drafts++;
    for (const lang of ['de', 'fr'] as const) {
      if (written >= count || w.float() >= (lang === 'de' ? 0.08 : 0.04)) continue;
      const translated = ['---', `title: ${yamlString(`${title} (${lang})`)}`, `date: ${iso}`, `tags: [${tags.slice(0, 2).join(', ')}]`, `categories: [${category}]`, '---', ''];
      files.push([join(folder, `${slug}.${lang}.md`), `${translated.join('\n')}${postBody(w)}`]);
      written++;
      translations++;
    }
    if (files.length >= 256) await Promise.all(files.splice(0).map(([file, text]) => writeFile(file, text)));
  }
  await Promise.all(files.map(([file, text]) => writeFile(file, text)));
  return { dir, posts: written, translations, drafts };
}
