import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, serve, type BuildResult, type DevServer } from '@drove/blog-engine';
import { makeRealTextCorpus } from '../bench/lib/realtext-corpus.mjs';
import { post, tempDir, tree, writeSite } from './helpers.js';

function blog(): string {
  const files: Record<string, string> = {
    'site.config.json': JSON.stringify({ title: 'Warm', baseUrl: 'https://example.com/', languages: ['en', 'de'], paginate: { home: 3, tag: 2, archive: 3 }, feeds: { limit: 3 } }),
  };
  for (let i = 1; i <= 16; i++) {
    const month = String(((i - 1) % 6) + 1).padStart(2, '0');
    const tags = i % 2 ? '[common, odd]' : '[common, even]';
    // One post's body reads the site's settings: its HTML (kept between rebuilds for the feeds) changes with them.
    const rest = i === 6 ? 'Rest of 6, written for {{ site.title }}.' : `Rest of ${i}.`;
    files[`posts/p${i}.md`] = post({ title: `Post ${i}`, date: `2021-${month}-${String(i + 10)}`, tags, categories: i % 3 ? 'A' : 'B' }, `Excerpt of ${i}.\n\n${rest}\n`);
  }
  files['posts/p1.de.md'] = post({ title: 'Beitrag 1', date: '2021-01-11', tags: '[common]' }, 'Auf Deutsch.\n');
  return writeSite(files);
}

/** The site's current content built from nothing: a fresh folder, a fresh database, no warm state. */
async function coldTree(site: string): Promise<Map<string, string>> {
  const dir = tempDir();
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'cold.db')}`, workers: 1 });
  return tree(join(dir, 'out'));
}

/**
 * Waits until files written now count as settled: a file changed within the same clock tick as a build read it
 * is read again by the next build (see the loader's `racy`), which would keep these tests from testing the warm state.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

function edit(site: string, file: string, change: (text: string) => string): void {
  const path = join(site, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

// `serve` keeps what a build learned of the site (loaded files, read posts, their hashes) for the next one. Whatever
// it keeps, each rebuild must write exactly the bytes a build from nothing writes.
describe("serve's rebuilds, which start warm", () => {
  let server: DevServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    startedBy = 'rebuild';
  });

  // How each step's rebuild starts: `rebuild()` checks every file's stat data; the watcher's rebuild (after an
  // editor's save, say) checks only the files its events named. Either must see every change.
  let startedBy: 'rebuild' | 'watcher' = 'rebuild';
  const debounceMs = () => (startedBy === 'watcher' ? 20 : 60_000);

  /** The next build's outcome: the one `rebuild()` starts, or the one the watcher starts after this step's writes (called right after them). */
  function nextBuild(): Promise<{ result?: BuildResult; error?: Error }> {
    const outcome = server!.onBuilt();
    if (startedBy === 'rebuild') void server!.rebuild();
    return outcome;
  }

  /** Rebuilds after a change and expects the build to fail with a message matching `pattern`. */
  async function expectFailure(pattern: RegExp): Promise<void> {
    const { result, error } = await nextBuild();
    expect(result).toBeUndefined();
    expect(error?.message).toMatch(pattern);
  }

  /** Rebuilds after a change and expects the output of a cold build of the same content. */
  async function expectCold(site: string, out: string): Promise<void> {
    const { result, error } = await nextBuild();
    expect(error).toBeUndefined();
    expect(result).toBeDefined();
    expect(tree(out)).toEqual(await coldTree(site));
  }

  // `workers: 'auto'` (the default) rebuilds a small site on the main thread, which keeps posts' HTML between rebuilds.
  it.each([
    ['on the main thread (workers auto), started by rebuild()', {}, 'rebuild'],
    ['in 2 render threads, started by rebuild()', { workers: 2 }, 'rebuild'],
    ['on the main thread, started by the watcher', {}, 'watcher'],
  ] as const)('write the bytes of a cold build after edits, tag respellings, removals, new posts, layouts and settings, %s', async (_label, workers, by) => {
    startedBy = by;
    const site = blog();
    const out = join(tempDir(), 'out');
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: debounceMs(), ...workers, database: `file:${join(out, '..', 'serve.db')}` });
    expect(tree(out)).toEqual(await coldTree(site));

    edit(site, 'posts/p4.md', (text) => text.replace('Rest of 4.', 'Rest of 4, longer now.'));
    await expectCold(site, out);
    // Posts and lists stay where they were (the plan's routes are reused): an excerpt shows on lists and neighbours,
    // a title on the translation's page too.
    edit(site, 'posts/p6.md', (text) => text.replace('Excerpt of 6.', 'A new excerpt of 6.'));
    await expectCold(site, out);
    edit(site, 'posts/p1.md', (text) => text.replace('title: Post 1', 'title: Post One'));
    await expectCold(site, out);
    expect(readFileSync(join(out, 'de/2021/01/p1/index.html'), 'utf8')).toContain('Post One');
    // One post moves (a later day in its month; another language), no post comes or goes: lists and neighbours change.
    edit(site, 'posts/p8.md', (text) => text.replace('date: 2021-02-18', 'date: 2021-02-28'));
    await expectCold(site, out);
    edit(site, 'posts/p3.md', (text) => text.replace('title: Post 3', 'title: Post 3\nlang: de'));
    await expectCold(site, out);
    edit(site, 'posts/p3.md', (text) => text.replace('\nlang: de', ''));
    await expectCold(site, out);

    // The newest post's spelling of a tag is the one every list shows: respell it there, then remove that post.
    edit(site, 'posts/p12.md', (text) => text.replace('[common, even]', '[Common, even]'));
    await expectCold(site, out);
    expect(readFileSync(join(out, '2021/03/p3/index.html'), 'utf8')).toContain('>#Common<');
    rmSync(join(site, 'posts/p12.md'));
    await expectCold(site, out);
    expect(readFileSync(join(out, '2021/03/p3/index.html'), 'utf8')).not.toContain('>#Common<');

    writeFileSync(join(site, 'posts/p17.md'), post({ title: 'Newest', date: '2021-12-30', tags: '[odd, fresh]' }, 'New.\n'));
    edit(site, 'posts/p2.md', (text) => text.replace('title: Post 2', 'title: Post Two').replace('date: 2021-02-12', 'date: 2022-01-01'));
    await expectCold(site, out);

    // A layout a post names: missing (the build fails), added, then removed again (a post read while it was there
    // must be read again).
    edit(site, 'posts/p5.md', (text) => text.replace('title: Post 5', 'title: Post 5\nlayout: special'));
    await expectFailure(/unknown layout `special`/);
    mkdirSync(join(site, 'layouts'), { recursive: true });
    writeFileSync(join(site, 'layouts/special.liquid'), '<p class="special">{{ page.title }}</p>\n');
    await expectCold(site, out);
    expect(readFileSync(join(out, '2021/05/p5/index.html'), 'utf8')).toBe('<p class="special">Post 5</p>\n');
    rmSync(join(site, 'layouts/special.liquid'));
    await expectFailure(/unknown layout `special`/);
    edit(site, 'posts/p5.md', (text) => text.replace('\nlayout: special', ''));
    await expectCold(site, out);

    // The site's title alone: no post's card or page changes, but p6's HTML does.
    edit(site, 'site.config.json', (text) => text.replace('"title":"Warm"', '"title":"Warmer"'));
    await expectCold(site, out);
    expect(readFileSync(join(out, 'feed.xml'), 'utf8')).toContain('written for Warmer.');
    edit(site, 'site.config.json', (text) => text.replace('"languages":["en","de"]', '"languages":["en","de"],"dateStyle":"long"'));
    await expectCold(site, out);
  });

  it('report a broken post on every rebuild until it is fixed, then write what a cold build writes', async () => {
    const site = blog();
    const out = join(tempDir(), 'out');
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: 60_000, database: `file:${join(out, '..', 'serve.db')}` });
    const good = readFileSync(join(site, 'posts/p7.md'), 'utf8');
    edit(site, 'posts/p7.md', (text) => text.replace('date: 2021-01-17', 'date: 2021-02-31'));
    await expectFailure(/posts\/p7\.md/);
    await expectFailure(/posts\/p7\.md/);
    writeFileSync(join(site, 'posts/p7.md'), good.replace('Rest of 7.', 'Rest of 7, fixed.'));
    await expectCold(site, out);
  });

  it("read a Jekyll post again when the layout it names appears, and use it (a missing one is the post's kind's)", async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'J', baseUrl: 'https://example.com/', folders: 'jekyll' }),
      '_posts/2020-01-02-a.md': '---\nlayout: default\ntitle: A\n---\nx\n',
      '_posts/2020-01-03-b.md': '---\ntitle: B\n---\ny\n',
    });
    const out = join(tempDir(), 'out');
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: 60_000, database: `file:${join(out, '..', 'serve.db')}` });
    expect(server.lastResult?.warnings).toEqual([expect.objectContaining({ file: '_posts/2020-01-02-a.md', reason: 'layout `default` is not in layouts/: rendered with `post`' })]);
    mkdirSync(join(site, 'layouts'));
    writeFileSync(join(site, 'layouts/default.liquid'), '<main class="default">{{ content }}</main>\n');
    await expectCold(site, out);
    expect(server.lastResult?.warnings).toEqual([]);
    expect(readFileSync(join(out, '2020/01/02/a.html'), 'utf8')).toBe('<main class="default"><p>x</p>\n</main>\n');
  });

  // Text nobody wrote for this engine (the installed packages' documentation: raw HTML, tables, code in many
  // languages), with full-content feeds, edited below and above the excerpt, retitled and removed.
  it.each(['rebuild', 'watcher'] as const)('write the bytes of a cold build on real text, started by %s', async (by) => {
    startedBy = by;
    const site = tempDir();
    makeRealTextCorpus(site, 120, 9);
    const out = join(tempDir(), 'out');
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: debounceMs(), database: `file:${join(out, '..', 'serve.db')}` });
    const posts = readdirSync(join(site, 'posts'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md')).sort();
    expect(posts.length).toBe(120);
    const [body, excerpt, title, gone] = [posts[10]!, posts[40]!, posts[70]!, posts[100]!].map((file) => `posts/${file}`);
    edit(site, body!, (text) => `${text}\n\nA paragraph added at the end.\n`);
    await expectCold(site, out);
    edit(site, excerpt!, (text) => text.replace(/\n---\n/, '\n---\nA new first paragraph.\n\n'));
    await expectCold(site, out);
    edit(site, title!, (text) => text.replace(/^title: .*$/m, 'title: "A new title: with punctuation"'));
    await expectCold(site, out);
    rmSync(join(site, gone!));
    await expectCold(site, out);
  });

  // The watch leaves out hidden files (an editor's swap files), but not under static/, which is copied with them.
  it("rebuild when a hidden file under static/ changes (`.well-known/`), started by the watcher", async () => {
    startedBy = 'watcher';
    const site = blog();
    mkdirSync(join(site, 'static/.well-known'), { recursive: true });
    writeFileSync(join(site, 'static/.well-known/security.txt'), 'Contact: mailto:a@example.com\n');
    const out = join(tempDir(), 'out');
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: debounceMs(), database: `file:${join(out, '..', 'serve.db')}` });
    expect(readFileSync(join(out, '.well-known/security.txt'), 'utf8')).toBe('Contact: mailto:a@example.com\n');
    writeFileSync(join(site, 'static/.well-known/security.txt'), 'Contact: mailto:b@example.com\n');
    await expectCold(site, out);
    expect(readFileSync(join(out, '.well-known/security.txt'), 'utf8')).toBe('Contact: mailto:b@example.com\n');
  });

  it('start warm on a site an earlier build finished, so the first edit is not a cold index', async () => {
    const site = blog();
    const out = join(tempDir(), 'out');
    const database = `file:${join(out, '..', 'serve.db')}`;
    await build({ site, out, database, workers: 1 });
    await settle();
    server = await serve({ site, out, port: 0, debounceMs: 60_000, database });
    expect(server.lastResult).toMatchObject({ written: 0, removed: 0 });
    edit(site, 'posts/p9.md', (text) => text.replace('tags: [common, odd]', 'tags: [common, odd, late]'));
    await expectCold(site, out);
  });
});
