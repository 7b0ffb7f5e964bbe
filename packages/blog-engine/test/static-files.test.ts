import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { mtimes, post, runCli, tempDir, tree, writeSite } from './helpers.js';

/** Bytes that are not valid UTF-8, to show files are copied byte for byte. */
const icon = Buffer.from([0x00, 0x00, 0x01, 0x00, 0xff, 0xfe, 0x80, 0x81, 0x0d, 0x0a, 0x1a]);

function staticSite(): string {
  const site = writeSite({
    'posts/2021-01-01-a.md': post({ title: 'A' }),
    'static/CNAME': 'blog.example.com\n',
    'static/robots.txt': 'User-agent: *\nDisallow:\n',
    'static/_redirects': '/old /new 301\n',
    'static/_headers': '/*\n  X-Frame-Options: DENY\n',
    'static/.well-known/security.txt': 'Contact: mailto:security@example.com\n',
    'static/.nojekyll': '',
    'static/docs/manual.pdf': '%PDF-1.4 fake\n',
  });
  writeFileSync(join(site, 'static/favicon.ico'), icon);
  return site;
}

const statics = ['CNAME', 'robots.txt', '_redirects', '_headers', '.well-known/security.txt', '.nojekyll', 'docs/manual.pdf', 'favicon.ico'];

describe('static files', () => {
  it('copies static/ to the output root byte for byte, dotfiles and dotfolders included', async () => {
    const site = staticSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 2 });
    for (const file of statics) expect({ file, bytes: readFileSync(join(out, file)) }).toEqual({ file, bytes: readFileSync(join(site, 'static', file)) });
    expect(readFileSync(join(out, 'favicon.ico')).equals(icon)).toBe(true);
    expect(existsSync(join(out, 'CNAME/index.html'))).toBe(false);
  });

  it('copies nothing on a no-change rebuild; updates a changed file, adds a new one and removes a removed one, leaving user files', async () => {
    const site = staticSite();
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 2 });
    writeFileSync(join(out, 'mine.txt'), 'the user put this here\n');
    const before = mtimes(out);
    const again = await build({ site, out, workers: 1 });
    expect({ written: again.written, removed: again.removed }).toEqual({ written: 0, removed: 0 });
    expect(mtimes(out)).toEqual(before);

    writeFileSync(join(site, 'static/robots.txt'), 'User-agent: *\nDisallow: /private/\n');
    rmSync(join(site, 'static/.well-known'), { recursive: true });
    rmSync(join(site, 'static/docs/manual.pdf'));
    mkdirSync(join(site, 'static/img'));
    writeFileSync(join(site, 'static/img/new.svg'), '<svg/>');
    const changed = await build({ site, out, workers: 2 });
    expect({ written: changed.written, removed: changed.removed }).toEqual({ written: 2, removed: 2 });
    expect(readFileSync(join(out, 'robots.txt'), 'utf8')).toBe('User-agent: *\nDisallow: /private/\n');
    expect(readFileSync(join(out, 'img/new.svg'), 'utf8')).toBe('<svg/>');
    for (const gone of ['.well-known/security.txt', '.well-known', 'docs/manual.pdf', 'docs']) expect({ gone, exists: existsSync(join(out, gone)) }).toEqual({ gone, exists: false });
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('the user put this here\n');

    // The same output as a clean build with any worker count.
    const clean = join(tempDir(), 'out');
    await build({ site, out: clean, workers: 3, database: `file:${join(tempDir(), 'c.db')}` });
    const withoutMine = new Map([...tree(out)].filter(([path]) => path !== 'mine.txt'));
    expect(tree(clean)).toEqual(withoutMine);
  });

  it('reports a static file in the way of a generated file, and writes nothing', async () => {
    const site = writeSite({
      'posts/2021-01-01-a.md': post({ title: 'A' }),
      'static/sitemap.xml': '<urlset/>',
      'static/404.html': 'mine',
    });
    const out = join(tempDir(), 'out');
    const error = await build({ site, out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    const reasons = (error as BuildError).problems.map((p) => `${p.file}: ${p.code} ${p.reason}`).sort();
    expect(reasons).toEqual([
      'static/404.html: ERR_BLOG_DUPLICATE_PERMALINK static/404.html would overwrite /404.html, which is already the en 404 page: rename or remove one of them',
      'static/sitemap.xml: ERR_BLOG_DUPLICATE_PERMALINK static/sitemap.xml would overwrite /sitemap.xml, which is already the sitemap: rename or remove one of them',
    ]);
    expect(existsSync(out)).toBe(false);
    const cli = await runCli(['build', site, '--out', out]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('static/sitemap.xml: ERR_BLOG_DUPLICATE_PERMALINK static/sitemap.xml would overwrite /sitemap.xml');
  });
});
