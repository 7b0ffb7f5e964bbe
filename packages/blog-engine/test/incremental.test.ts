import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { build, type BuildResult } from '@drove/blog-engine';
import { folders, mtimes, post, read, tempDir, tree, writeSite } from './helpers.js';

function blog(): string {
  const files: Record<string, string> = {
    'site.config.json': JSON.stringify({ title: 'Inc', baseUrl: 'https://example.com/', languages: ['en', 'de'], paginate: { home: 3, tag: 2, archive: 3 }, feeds: { limit: 3 } }),
  };
  for (let i = 1; i <= 14; i++) {
    const month = String(((i - 1) % 6) + 1).padStart(2, '0');
    const tags = i === 5 ? '[rare, common]' : i % 2 ? '[common, odd]' : '[common, even]';
    files[`posts/p${i}.md`] = post({ title: `Post ${i}`, date: `2021-${month}-${String(i + 10)}`, tags, categories: i % 3 ? 'A' : 'B' }, `Excerpt of ${i}.\n\nRest of ${i}.\n`);
  }
  files['posts/p1.de.md'] = post({ title: 'Beitrag 1', date: '2021-01-11' }, 'Auf Deutsch.\n');
  return writeSite(files);
}

/** Builds the site's current content into a fresh folder with a fresh database. */
async function cleanTree(site: string): Promise<Map<string, string>> {
  const dir = tempDir();
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'clean.db')}`, workers: 2 });
  return tree(join(dir, 'out'));
}

function changedFiles(before: Map<string, string>, after: Map<string, string>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p) !== after.get(p)).sort();
}

describe('incremental builds', () => {
  let site: string;
  let out: string;
  let first: BuildResult;

  beforeEach(async () => {
    site = blog();
    out = join(site, '_site');
    first = await build({ site, workers: 2 });
  });

  it('keeps hashes in a libSQL file in the cache folder, and a rebuild with nothing changed writes nothing', async () => {
    expect(existsSync(join(site, '.drove-cache', 'build.db'))).toBe(true);
    expect(first.written).toBe(first.pages);
    const times = mtimes(out);
    const again = await build({ site, workers: 2 });
    expect(again).toMatchObject({ written: 0, removed: 0, unchanged: first.pages, inputsChanged: 0 });
    expect(mtimes(out)).toEqual(times);
  });

  it("finds nothing changed from the inputs' heads alone: the rows' front matter is not read", async () => {
    // Long enough after the site was written that the next build trusts the stat data the first one saw.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await build({ site, workers: 2 });
    // Front matter no build could parse: a no-change build that read it would fail.
    await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', `import { createClient } from '@libsql/client'; const c = createClient({ url: process.argv[1] }); await c.execute("UPDATE inputs SET parsed = '{'"); c.close();`, `file:${join(site, '.drove-cache', 'build.db')}`],
      { cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    const times = mtimes(out);
    expect(await build({ site, workers: 2 })).toMatchObject({ written: 0, inputsChanged: 0 });
    expect(mtimes(out)).toEqual(times);
  });

  it('notices an edit that keeps the size and restores the modification time (files are not read when their stat is unchanged)', async () => {
    const file = join(site, 'posts/p2.md');
    const stamp = new Date('2021-06-01T10:00:00.000Z');
    utimesSync(file, stamp, stamp);
    // Long enough after the last change that this build's reads count as settled, so the next build trusts unchanged stat data.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const settled = await build({ site, workers: 2 });
    expect(settled.written).toBe(0);
    const size = statSync(file).size;
    writeFileSync(file, readFileSync(file, 'utf8').replace('Rest of 2.', 'Rest of 9.'));
    utimesSync(file, stamp, stamp);
    expect(statSync(file)).toMatchObject({ size, mtimeMs: stamp.getTime() });
    const result = await build({ site, workers: 2 });
    expect(result).toMatchObject({ written: 1, inputsChanged: 1 });
    expect(read(out, '2021/02/p2/index.html')).toContain('Rest of 9.');
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it('rewrites only the page of a post whose body changed below its excerpt, when it is in no feed', async () => {
    const before = tree(out);
    const file = join(site, 'posts/p2.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Rest of 2.', 'Rest of 2, edited.'));
    const result = await build({ site, workers: 2 });
    expect(result.written).toBe(1);
    expect(result.inputsChanged).toBe(1);
    expect(changedFiles(before, tree(out))).toEqual(['2021/02/p2/index.html']);
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it('rewrites exactly the files whose bytes changed when an excerpt changes, and nothing else', async () => {
    const before = tree(out);
    const times = mtimes(out);
    const file = join(site, 'posts/p3.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Excerpt of 3.', 'A new excerpt of 3.'));
    const result = await build({ site, workers: 2 });
    const changed = changedFiles(before, tree(out));
    expect(result.written).toBe(changed.length);
    expect(changed).toContain('2021/03/p3/index.html');
    expect(changed).toContain('2021/03/index.html');
    expect(changed).toContain('tags/odd/page/2/index.html');
    expect(changed.some((p) => p.startsWith('tags/even/'))).toBe(false);
    for (const [path, time] of mtimes(out)) if (!changed.includes(path)) expect(time).toBe(times.get(path));
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it("rewrites a post's neighbours when its title changes", async () => {
    const before = tree(out);
    const file = join(site, 'posts/p7.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('title: Post 7', 'title: Post Seven'));
    await build({ site, workers: 2 });
    const changed = changedFiles(before, tree(out));
    expect(changed).toContain('2021/01/p7/index.html');
    // p7 (2021-01-17) sits between p13 (2021-01-23) and p1 (2021-01-11) in date order.
    expect(changed).toContain('2021/01/p13/index.html');
    expect(changed).toContain('2021/01/p1/index.html');
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it("removes a deleted post's pages, and the tag pages and folders only it had", async () => {
    expect(existsSync(join(out, 'tags/rare/index.html'))).toBe(true);
    rmSync(join(site, 'posts/p5.md'));
    const result = await build({ site, workers: 2 });
    expect(result.removed).toBeGreaterThanOrEqual(4);
    expect(result.sections.single.removed).toBe(1);
    expect(existsSync(join(out, '2021/05/p5'))).toBe(false);
    expect(existsSync(join(out, 'tags/rare'))).toBe(false);
    expect(folders(out)).toEqual(folders(join((await cleanOut(site)), '.')));
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it('rewrites the pages of a layout the site overrides, and follows new posts', async () => {
    writeFileSync(join(site, 'posts/new.md'), post({ title: 'Newest', date: '2022-01-01', tags: 'common' }));
    const added = await build({ site, workers: 2 });
    expect(existsSync(join(out, '2022/01/new/index.html'))).toBe(true);
    expect(added.written).toBeGreaterThan(1);
    mkdirSync(join(site, 'layouts'));
    writeFileSync(join(site, 'layouts/post.liquid'), '<h1>{{ page.title }}</h1>{{ content }}');
    const relaid = await build({ site, workers: 2 });
    expect(relaid.sections.single.written).toBe(relaid.sections.single.total);
    expect(relaid.sections.tag.written).toBe(0);
    expect(tree(out)).toEqual(await cleanTree(site));
  });

  it('removes the pages of a post deleted while it built into another folder, when it builds here again', async () => {
    await build({ site, out: join(tempDir(), 'elsewhere'), workers: 2 });
    rmSync(join(site, 'posts/p5.md'));
    const back = await build({ site, workers: 2 });
    expect(existsSync(join(out, '2021/05/p5'))).toBe(false);
    expect(existsSync(join(out, 'tags/rare'))).toBe(false);
    expect(back.removed).toBeGreaterThan(0);
    const clean = await cleanOut(site);
    expect(tree(out)).toEqual(tree(clean));
    expect(folders(out)).toEqual(folders(clean));
  });

  it('starts over when the output folder was deleted or changed, and --clean renders everything', async () => {
    rmSync(out, { recursive: true });
    const rebuilt = await build({ site, workers: 2 });
    expect(rebuilt.written).toBe(first.pages);
    const elsewhere = join(tempDir(), 'other');
    expect((await build({ site, out: elsewhere, workers: 2 })).written).toBe(first.pages);
    writeFileSync(join(out, 'stray.txt'), 'not ours');
    const clean = await build({ site, workers: 2, clean: true });
    expect(clean.written).toBe(first.pages);
    // The engine did not write it: only `force` removes it.
    expect(readFileSync(join(out, 'stray.txt'), 'utf8')).toBe('not ours');
    expect((await build({ site, workers: 2, clean: true, force: true })).written).toBe(first.pages);
    expect(existsSync(join(out, 'stray.txt'))).toBe(false);
  });
});

async function cleanOut(site: string): Promise<string> {
  const dir = tempDir();
  await build({ site, out: join(dir, 'out'), database: `file:${join(dir, 'clean.db')}`, workers: 1 });
  return join(dir, 'out');
}
