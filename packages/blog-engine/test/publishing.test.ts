import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { mtimes, post, read, runCli, tempDir, writeSite } from './helpers.js';

/** A site with one post due now and one of each kind the publishing rules hold back (dates as of 2030-06-15). */
function scheduledSite(): string {
  return writeSite({
    'posts/2030-06-01-out-now.md': post({ title: 'Out now', tags: '[news]' }),
    'posts/2030-07-01-next-month.md': post({ title: 'Next month', tags: '[news]' }),
    'posts/hugo-scheduled.md': '+++\ntitle = "Hugo scheduled"\ndate = 2030-06-01T00:00:00Z\npublishDate = 2030-06-20T09:00:00Z\ntags = ["news"]\n+++\nSoon.\n',
    'posts/2030-01-01-offer.md': post({ title: 'Spring offer', expiryDate: '2030-05-31', tags: '[news]' }),
    'posts/2030-01-02-hidden.md': post({ title: 'Jekyll unpublished', published: 'false', tags: '[news]' }),
  });
}

const june15 = new Date('2030-06-15T12:00:00Z');
const titles = ['Out now', 'Next month', 'Hugo scheduled', 'Spring offer', 'Jekyll unpublished'];

/** Which of the titles the home page, the tag list, the feeds and the sitemap show. */
function shown(out: string): { home: string[]; tag: string[]; rss: string[]; atom: string[] } {
  const pick = (text: string) => titles.filter((t) => text.includes(t));
  return {
    home: pick(read(out, 'index.html')),
    tag: pick(read(out, 'tags/news/index.html')),
    rss: pick(read(out, 'feed.xml')),
    atom: pick(read(out, 'tags/news/atom.xml')),
  };
}

describe('publishing rules', () => {
  it('leaves out future, expired and published: false posts everywhere, and says so', async () => {
    const site = scheduledSite();
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1, now: june15 });
    expect(shown(out)).toEqual({ home: ['Out now'], tag: ['Out now'], rss: ['Out now'], atom: ['Out now'] });
    expect(existsSync(join(out, '2030/07/next-month/index.html'))).toBe(false);
    expect(read(out, 'sitemap.xml')).not.toContain('next-month');
    expect(result.posts).toBe(1);
    expect(result.held).toEqual([
      { file: 'posts/2030-01-01-offer.md', reason: 'expired', at: '2030-05-31T00:00:00.000Z' },
      { file: 'posts/2030-01-02-hidden.md', reason: 'unpublished', at: null },
      { file: 'posts/2030-07-01-next-month.md', reason: 'future', at: '2030-07-01T00:00:00.000Z' },
      { file: 'posts/hugo-scheduled.md', reason: 'future', at: '2030-06-20T09:00:00.000Z' },
    ]);
  });

  it('publishes each kind when asked (--future, --expired, --unpublished)', async () => {
    const site = scheduledSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1, now: june15, future: true, expired: true, unpublished: true });
    expect(shown(out).home.sort()).toEqual([...titles].sort());
    const onlyFuture = join(tempDir(), 'out');
    await build({ site, out: onlyFuture, workers: 1, now: june15, future: true });
    expect(shown(onlyFuture).home.sort()).toEqual(['Hugo scheduled', 'Next month', 'Out now']);
  });

  it('publishes a scheduled post on the first build after its time, with nothing else changed, and removes an expired one', async () => {
    const site = scheduledSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 2, now: june15 });
    const before = mtimes(out);
    const same = await build({ site, out, workers: 2, now: new Date('2030-06-16T00:00:00Z') });
    expect({ written: same.written, removed: same.removed }).toEqual({ written: 0, removed: 0 });
    expect(mtimes(out)).toEqual(before);
    const due = await build({ site, out, workers: 2, now: new Date('2030-06-20T09:00:00Z') });
    expect(due.written).toBeGreaterThan(0);
    expect(shown(out).home).toEqual(['Out now', 'Hugo scheduled']);
    expect(read(out, '2030/06/hugo-scheduled/index.html')).toContain('Soon.');
    // Byte for byte what a fresh build as of that instant makes.
    const fresh = join(tempDir(), 'fresh');
    await build({ site, out: fresh, workers: 1, now: new Date('2030-06-20T09:00:00Z'), database: `file:${join(tempDir(), 'fresh.db')}` });
    expect(mtimes(fresh).size).toBe(mtimes(out).size);
    for (const path of mtimes(out).keys()) expect({ path, text: read(out, path) }).toEqual({ path, text: read(fresh, path) });
  });

  it('takes a post out once its expiryDate passes', async () => {
    const site = writeSite({ 'posts/2030-01-01-sale.md': post({ title: 'Sale', expiryDate: '2030-02-01T00:00:00Z' }), 'posts/2029-01-01-old.md': post({ title: 'Old' }) });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1, now: new Date('2030-01-31T23:59:59Z') });
    expect(existsSync(join(out, '2030/01/sale/index.html'))).toBe(true);
    const after = await build({ site, out, workers: 1, now: new Date('2030-02-01T00:00:00Z') });
    expect(after.removed).toBeGreaterThan(0);
    expect(existsSync(join(out, '2030/01/sale/index.html'))).toBe(false);
    expect(read(out, 'index.html')).not.toContain('Sale');
  });

  it('refuses publishing dates that are not dates, and a published: that is neither boolean nor date', async () => {
    const site = writeSite({
      'posts/a.md': post({ title: 'A', date: '2020-01-01', publishDate: 'soon' }),
      'posts/b.md': post({ title: 'B', date: '2020-01-01', expiryDate: '2020-13-01' }),
      'posts/c.md': post({ title: 'C', date: '2020-01-01', published: 'maybe' }),
    });
    const error = await build({ site, out: join(tempDir(), 'out'), workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).problems.map((p) => [p.file, p.line, p.reason])).toEqual([
      ['posts/a.md', 4, '`publishDate` is not a valid date: "soon"'],
      ['posts/b.md', 4, '`expiryDate` is not a valid date: "2020-13-01"'],
      ['posts/c.md', 4, '`published` must be true or false (or a date), got "maybe"'],
    ]);
  });

  it('refuses an invalid `now`', async () => {
    await expect(build({ site: writeSite({}), now: new Date('nope') })).rejects.toMatchObject({ code: 'ERR_BLOG_INVALID_OPTION' });
  });

  it('the CLI names what it held back and the flag that builds it', async () => {
    const site = writeSite({ 'posts/2999-01-01-far.md': post({ title: 'Far future' }), 'posts/2020-01-01-now.md': post({ title: 'Now' }) });
    const held = await runCli(['build', site, '--workers', '1']);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('1 held back');
    expect(held.stdout).toContain('held back: 1 future (the next is due 2999-01-01T00:00:00.000Z; --future builds them now)');
    const out = join(site, '_site');
    expect(read(out, 'index.html')).not.toContain('Far future');
    const all = await runCli(['build', site, '--workers', '1', '--future']);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('0 held back');
    expect(read(out, 'index.html')).toContain('Far future');
    const help = await runCli(['build', '--help']);
    for (const flag of ['--future', '--expired', '--unpublished']) expect(help.stdout).toContain(flag);
  });
});
