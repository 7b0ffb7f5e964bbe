import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build, BuildError } from '@drove/blog-engine';
import { post, read, tempDir, writeSite } from './helpers.js';

/** The target of a redirect page's meta refresh, its canonical link, and whether it asks not to be indexed. */
function redirectOf(html: string): { refresh: string | undefined; canonical: string | undefined; noindex: boolean } {
  return {
    refresh: /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(html)?.[1],
    canonical: /<link rel="canonical" href="([^"]+)">/.exec(html)?.[1],
    noindex: html.includes('<meta name="robots" content="noindex">'),
  };
}

describe('aliases and redirects', () => {
  it('writes a redirect page at every old URL of a post (Hugo aliases, Jekyll redirect_from, relative ones too)', async () => {
    const site = writeSite({
      'posts/2021-03-04-new-name.md': post({ title: 'New name', aliases: '[/2012/old-name.html, /old/]' }),
      'posts/jekyll.md': '---\ntitle: Jekyll post\ndate: 2021-02-01\nredirect_from:\n  - /blog/jekyll-post/\n  - /archives/17\n---\nx\n',
      'posts/hugo.md': '+++\ntitle = "Hugo post"\ndate = 2021-01-01\naliases = ["renamed"]\n+++\ny\n',
      'site.config.json': JSON.stringify({ title: 'Moved', baseUrl: 'https://example.com/blog/' }),
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    const target = 'https://example.com/blog/2021/03/new-name/';
    for (const path of ['2012/old-name.html', 'old/index.html']) {
      expect({ path, ...redirectOf(read(out, path)) }).toEqual({ path, refresh: target, canonical: target, noindex: true });
    }
    expect(redirectOf(read(out, 'blog/jekyll-post/index.html')).refresh).toBe('https://example.com/blog/2021/02/jekyll/');
    expect(redirectOf(read(out, 'archives/17/index.html')).refresh).toBe('https://example.com/blog/2021/02/jekyll/');
    // A relative alias resolves from the folder of the post's URL, as a link there would.
    expect(redirectOf(read(out, '2021/01/renamed/index.html')).refresh).toBe('https://example.com/blog/2021/01/hugo/');
    // Old URLs are not pages of the site: they stay out of the sitemap.
    expect(read(out, 'sitemap.xml')).not.toContain('old-name');
    expect(existsSync(join(out, '_redirects'))).toBe(false);
  });

  it('writes a _redirects file when the config asks for one', async () => {
    const site = writeSite({
      'posts/2021-03-04-a.md': post({ title: 'A', redirect_from: '[/a-old/, /a.html]' }),
      'site.config.json': JSON.stringify({ title: 'Moved', baseUrl: 'https://example.com/', redirectsFile: true }),
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    expect(read(out, '_redirects')).toBe('/a-old/ /2021/03/a/ 301\n/a.html /2021/03/a/ 301\n');
  });

  it('turns a page with redirect_to into a redirect to that URL', async () => {
    const site = writeSite({
      'pages/elsewhere.md': '---\ntitle: Elsewhere\nredirect_to: https://other.example.org/page?x=1&y=<2>\n---\nignored\n',
      'pages/inside.md': '---\ntitle: Inside\nredirect_to: /about/\n---\n',
      'pages/about.md': '---\ntitle: About\n---\nHi.\n',
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    const page = read(out, 'elsewhere/index.html');
    expect(redirectOf(page).refresh).toBe('https://other.example.org/page?x=1&amp;y=&lt;2&gt;');
    expect(page).not.toContain('ignored');
    expect(redirectOf(read(out, 'inside/index.html')).refresh).toBe('https://example.com/about/');
  });

  it('refuses aliases that leave the site, collide with a page, or are not paths', async () => {
    const site = writeSite({
      'posts/2021-01-01-a.md': post({ title: 'A', aliases: '[/../../etc/passwd]' }),
      'posts/2021-01-02-b.md': post({ title: 'B', aliases: '[https://evil.example/]' }),
      'posts/2021-01-03-c.md': post({ title: 'C', aliases: '[/2021/01/d/]' }),
      'posts/2021-01-04-d.md': post({ title: 'D' }),
      'posts/2021-01-05-e.md': post({ title: 'E', redirect_from: '{a: 1}' }),
      'posts/2021-01-06-f.md': post({ title: 'F', aliases: '["/x/?page=2"]' }),
      'pages/g.md': post({ title: 'G', redirect_to: 'javascript:alert(1)' }),
    });
    const error = await build({ site, out: join(tempDir(), 'out'), workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).problems.map((p) => [p.code, p.file, p.line])).toEqual([
      ['ERR_BLOG_FRONT_MATTER', 'pages/g.md', 3],
      ['ERR_BLOG_PATH_ESCAPES', 'posts/2021-01-01-a.md', 3],
      ['ERR_BLOG_FRONT_MATTER', 'posts/2021-01-02-b.md', 3],
      ['ERR_BLOG_DUPLICATE_PERMALINK', 'posts/2021-01-03-c.md', 3],
      ['ERR_BLOG_FRONT_MATTER', 'posts/2021-01-05-e.md', 3],
      ['ERR_BLOG_FRONT_MATTER', 'posts/2021-01-06-f.md', 3],
    ]);
  });

  it('rewrites a redirect page when its post moves, and removes it when the alias goes', async () => {
    const site = writeSite({ 'posts/2021-03-04-a.md': post({ title: 'A', aliases: '[/old/]' }) });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    writeSite({ 'posts/2021-03-04-a.md': post({ title: 'A', slug: 'moved', aliases: '[/old/]' }) }, site);
    await build({ site, out, workers: 1 });
    expect(redirectOf(read(out, 'old/index.html')).refresh).toBe('https://example.com/2021/03/moved/');
    writeSite({ 'posts/2021-03-04-a.md': post({ title: 'A', slug: 'moved' }) }, site);
    const again = await build({ site, out, workers: 1 });
    expect(again.removed).toBeGreaterThan(0);
    expect(existsSync(join(out, 'old/index.html'))).toBe(false);
  });
});
