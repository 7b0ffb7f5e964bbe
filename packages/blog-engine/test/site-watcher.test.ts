import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChangeLog } from '../src/internal/change-log.js';
import { watchSite, type SiteWatcher } from '../src/internal/site-watcher.js';
import { tempDir, writeSite } from './helpers.js';

/** Waits (without asserting how long) until `check` holds; fails after 10 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 10_000) throw new Error(`never saw ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchSite', () => {
  let watcher: SiteWatcher | undefined;
  afterEach(() => {
    watcher?.close();
    watcher = undefined;
  });

  // Both ways: one watch per folder (Linux's default here) and the platform's recursive watch.
  it.each([true, false])('names every changed file, in folders made, removed and made again after it began (per folder: %s)', async (perFolder) => {
    const site = writeSite({ 'posts/2020/a.md': 'a', 'posts/2021/b.md': 'b', '_site/index.html': 'x', 'node_modules/x/index.js': 'x' });
    const seen = new Set<string | undefined>();
    watcher = watchSite(site, { perFolder, skip: (path) => path === '_site' || path === 'node_modules', onChange: (path) => seen.add(path) });

    writeFileSync(join(site, 'posts/2020/a.md'), 'a, edited');
    await until(() => seen.has('posts/2020/a.md'), 'the edit');

    // A folder made with files in it: the folder, which stands for every file in it, and then its files' edits.
    mkdirSync(join(site, 'posts/2022/deep'), { recursive: true });
    writeFileSync(join(site, 'posts/2022/deep/c.md'), 'c');
    await until(() => seen.has('posts/2022') || seen.has('posts/2022/deep') || seen.has('posts/2022/deep/c.md'), 'the new folder');
    seen.clear();
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(join(site, 'posts/2022/deep/c.md'), 'c, edited');
    await until(() => seen.has('posts/2022/deep/c.md'), 'the edit in the new folder');

    // A folder removed and made again under its name: the new one is watched.
    rmSync(join(site, 'posts/2021'), { recursive: true });
    await until(() => seen.has('posts/2021'), 'the removed folder');
    mkdirSync(join(site, 'posts/2021'));
    await until(() => [...seen].filter((path) => path === 'posts/2021').length > 0, 'the folder made again');
    await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(join(site, 'posts/2021/d.md'), 'd');
    await until(() => seen.has('posts/2021/d.md'), 'a file in the folder made again');

    // A file moved in from outside the site (an editor's atomic save).
    const elsewhere = join(tempDir(), 'e.md');
    writeFileSync(elsewhere, 'e');
    renameSync(elsewhere, join(site, 'posts/2020/e.md'));
    await until(() => seen.has('posts/2020/e.md'), 'the file moved in');

    // The output folder and tool folders are neither watched nor reported.
    writeFileSync(join(site, '_site/index.html'), 'y');
    writeFileSync(join(site, 'node_modules/x/index.js'), 'y');
    writeFileSync(join(site, 'posts/2020/a.md'), 'a, again');
    await until(() => seen.has('posts/2020/a.md'), 'the last edit');
    expect([...seen].filter((path) => path === undefined || path.startsWith('_site') || path.startsWith('node_modules'))).toEqual([]);
  });

  it('fails at once when the site folder cannot be watched', () => {
    expect(() => watchSite(join(tempDir(), 'missing'), { skip: () => false, onChange: () => undefined })).toThrow(/ENOENT/);
  });
});

describe('ChangeLog', () => {
  it('has every file checked first, then only the named files and those in named folders, and every file after a burst or a lost event', () => {
    const log = new ChangeLog();
    expect(log.take().mayHaveChanged('posts/a.md')).toBe(true);

    log.add('posts/2020/a.md');
    log.add('posts/2021');
    const set = log.take();
    expect([set.all, set.mayHaveChanged('posts/2020/a.md'), set.mayHaveChanged('posts/2020/b.md'), set.mayHaveChanged('posts/2021/c.md'), set.mayHaveChanged('posts/20210/c.md')]).toEqual([
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(log.take().mayHaveChanged('posts/2020/a.md')).toBe(false);
    // Many names are looked up another way: the same answers.
    for (let i = 0; i < 20; i++) log.add(`posts/${2000 + i}`);
    const many = log.take();
    expect(['posts/2005/a.md', 'posts/2005', 'posts/20050/a.md', 'posts/1999/a.md', 'pages/2005/a.md'].map((path) => many.mayHaveChanged(path))).toEqual([true, true, false, false, false]);

    for (let i = 0; i <= ChangeLog.burst; i++) log.add(`posts/${i}.md`);
    expect(log.take().mayHaveChanged('posts/unnamed.md')).toBe(true);
    log.add(undefined);
    expect(log.take().all).toBe(true);
    log.add('posts/a.md');
    log.lost();
    expect(log.take().mayHaveChanged('posts/b.md')).toBe(true);
  });
});
