import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '@drove/blog-engine';
import { mtimes, read, runCli, tempDir, tree, writeSite } from './helpers.js';

/** A site laid out as Jekyll lays one out, with what real Jekyll blogs hold. */
function jekyllSite(): string {
  return writeSite({
    'site.config.json': JSON.stringify({ title: 'Jekyll blog', baseUrl: 'https://example.com/', folders: 'jekyll', permalinks: { post: '/:year/:month/:day/:title/' } }),
    '_config.yml': 'title: Jekyll blog\npermalink: /:year/:month/:day/:title/\n',
    'Gemfile': "source 'https://rubygems.org'\n",
    '_posts/2020-01-02-first-post.md': '---\nlayout: post\ntitle: First post\ncategory: notes\n---\nHello from {{ site.title }}. [About]({% link about.md %}).\n',
    '_posts/2021/2021-05-06-nested.markdown': '---\nlayout: default\ntitle: Nested\nredirect_from: /old-nested/\n---\nA post in a year folder, see {% post_url 2020-01-02-first-post %}.\n',
    '_drafts/unfinished.md': '---\ntitle: Unfinished\n---\nNot yet.\n',
    'about.md': '---\nlayout: page\ntitle: About\npermalink: /about/\n---\n{% include bio.html name="Jane" %}\n',
    'docs/install.html': '---\ntitle: Install\n---\n<p>Install it.</p>\n',
    'index.html': '---\nlayout: home\n---\n{% for post in paginator.posts %}{{ post.title }}{% endfor %}\n',
    'feed.xml': '---\nlayout: null\n---\n<rss>{{ site.title }}</rss>\n',
    'CNAME': 'blog.example.com\n',
    'robots.txt': '---\nlayout: null\n---\nSitemap: {{ site.url }}/sitemap.xml\n',
    'security.txt': '---\npermalink: .well-known/security.txt\n---\nContact: mailto:{{ site.data.authors.jane.name | downcase }}@example.com\n',
    '404.md': '---\ntitle: Not here\nlayout: page\n---\nThis page went for a walk.\n',
    'edit.md': '---\ntitle: Edit me\n---\nPlease {% github_edit_link "improve this page" %}.\n',
    'favicon.ico': 'icon',
    'assets/img/logo.svg': '<svg/>',
    'plain.html': '<p>Copied as it is.</p>\n',
    '_includes/bio.html': '<p class="bio">Written by {{ include.name }}.</p>\n',
    '_data/authors.yml': 'jane:\n  name: Jane\n',
    '_layouts/post.html': '<html>{{ content }}</html>\n',
    '_sass/main.scss': 'body {}\n',
    '_site/stale.html': 'old output',
  });
}

describe('a Jekyll site read as it is (folders: jekyll)', () => {
  it('builds _posts (in folders too), pages anywhere, copies plain files, and reports what it does not build', async () => {
    const site = jekyllSite();
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 2 });
    expect(result.posts).toBe(8);
    expect(read(out, 'robots.txt')).toBe('Sitemap: https://example.com/sitemap.xml\n');
    expect(read(out, '.well-known/security.txt')).toBe('Contact: mailto:jane@example.com\n');
    // The site's own 404 page is the one served; the engine writes none of its own.
    expect(read(out, '404.html')).toContain('This page went for a walk.');
    // A plugin's tag renders as nothing, and the build says so.
    expect(read(out, 'edit.html')).toContain('<p>Please .</p>');
    expect(read(out, '2020/01/02/first-post/index.html')).toContain('Hello from Jekyll blog. <a href="/about/">About</a>.');
    expect(read(out, '2021/05/06/nested/index.html')).toContain('see /2020/01/02/first-post/.');
    expect(read(out, 'about/index.html')).toContain('<p class="bio">Written by Jane.</p>');
    expect(read(out, 'docs/install.html')).toContain('<p>Install it.</p>');
    expect(read(out, 'old-nested/index.html')).toContain('url=https://example.com/2021/05/06/nested/');
    for (const [path, text] of [['CNAME', 'blog.example.com\n'], ['favicon.ico', 'icon'], ['assets/img/logo.svg', '<svg/>'], ['plain.html', '<p>Copied as it is.</p>\n']]) {
      expect({ path, text: read(out, path!) }).toEqual({ path, text });
    }
    const files = [...tree(out).keys()];
    expect(files.filter((f) => /Gemfile|_config|_sass|_layouts|_includes|_data|_site|stale|unfinished|_drafts/.test(f))).toEqual([]);
    expect(result.draftsSkipped).toBe(1);
    expect(result.skippedFiles.map((s) => s.file)).toEqual(['feed.xml', 'index.html']);
    // The home page and the feeds are the engine's; its own home list shows the posts.
    expect(read(out, 'index.html')).toContain('First post');
    expect(read(out, 'feed.xml')).toContain('<rss');
    expect(result.warnings).toEqual([
      { file: '_posts/2021/2021-05-06-nested.markdown', line: 2, reason: 'layout `default` is not in layouts/: rendered with `post`' },
      { file: 'edit.md', line: 4, reason: "Liquid tag `github_edit_link` is not one this engine has (a Jekyll plugin's?): it renders as nothing" },
    ]);
    expect(read(out, 'sitemap.xml')).not.toContain('robots.txt');
  });

  it('uses Jekyll\'s date permalinks by default, with categories as folders', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'J', baseUrl: 'https://example.com/', folders: 'jekyll' }),
      '_posts/2020-01-02-a.md': '---\ntitle: A\ncategories: [Release Notes, v2]\n---\nx\n',
      '_posts/2020-01-03-b.md': '---\ntitle: B\n---\ny\n',
      'about.md': '---\ntitle: About\n---\nz\n',
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    expect(existsSync(join(out, 'release-notes/v2/2020/01/02/a.html'))).toBe(true);
    expect(existsSync(join(out, '2020/01/03/b.html'))).toBe(true);
    expect(existsSync(join(out, 'about.html'))).toBe(true);
  });

  it('writes nothing on a rebuild with nothing changed, and never reads its own output folder inside the site', async () => {
    const site = jekyllSite();
    const out = join(site, '_site');
    await build({ site, workers: 1 });
    const before = mtimes(out);
    const again = await build({ site, workers: 1 });
    expect({ written: again.written, removed: again.removed }).toEqual({ written: 0, removed: 0 });
    expect(mtimes(out)).toEqual(before);
  });

  it('prints the warnings and skipped files on the CLI', async () => {
    const result = await runCli(['build', jekyllSite(), '--out', join(tempDir(), 'out'), '--workers', '1']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('drove-blog: warning: _posts/2021/2021-05-06-nested.markdown:2: layout `default` is not in layouts/: rendered with `post`');
    expect(result.stderr).toContain('drove-blog: warning: feed.xml skipped: the engine writes this page itself');
  });
});

/** A site laid out as Hugo lays one out: sections, a page bundle, TOML, a section page, static/. */
function hugoSite(): string {
  return writeSite({
    'site.config.json': JSON.stringify({ title: 'Hugo blog', baseUrl: 'https://example.com/', folders: 'hugo' }),
    'config.toml': 'baseURL = "https://example.com/"\n',
    'content/_index.md': '---\ntitle: Home\n---\n',
    'content/posts/_index.md': '---\ntitle: Posts\n---\n',
    'content/posts/2019/04/13/starry-sky.md': '---\ntitle: "Starry Sky - Part 1"\ndate: 2019-04-13T00:00:00+00:00\ndraft: false\naliases:\n - /starry.html\n---\nStars.\n',
    'content/posts/trip/index.md': '+++\ntitle = "A trip"\ndate = 2021-06-01T10:00:00Z\n+++\n![A view](view.jpg)\n',
    'content/posts/trip/view.jpg': 'jpeg bytes',
    'content/posts/trip/gallery/1.jpg': 'more bytes',
    'content/post/older.md': '---\ntitle: Older\ndate: 2015-01-01\nurl: /legacy/older/\n---\nOld.\n',
    'content/about.md': '---\ntitle: About\n---\nMe.\n',
    'content/posts/embeds.md': '---\ntitle: Embeds\ndate: 2022-01-01\n---\n{{< gist spf13 7896402 >}}\n\n{{< youtube w7Ft2ymGmfc >}}\n\n{{< figure src="/images/header.png" alt="A header" caption="The <header>" >}}\n',
    'content/images/header.png': 'png',
    'static/favicon.ico': 'icon',
    'static/.well-known/security.txt': 'Contact: mailto:a@example.com\n',
    'data/links.yml': '- name: Home\n',
    'layouts/_default/single.html': '{{ .Content }}',
  });
}

describe('a Hugo site read as it is (folders: hugo)', () => {
  it('builds sections as posts at Hugo\'s URLs, bundles with their files, pages, and copies static/', async () => {
    const out = join(tempDir(), 'out');
    const result = await build({ site: hugoSite(), out, workers: 2 });
    expect(result.posts).toBe(5);
    expect(read(out, 'posts/2019/04/13/starry-sky/index.html')).toContain('Stars.');
    const embeds = read(out, 'posts/embeds/index.html');
    expect(embeds).toContain('<script src="https://gist.github.com/spf13/7896402.js"></script>');
    expect(embeds).toContain('<iframe src="https://www.youtube-nocookie.com/embed/w7Ft2ymGmfc"');
    expect(embeds).toContain('<figure><img src="/images/header.png" alt="A header"><figcaption><p>The &lt;header&gt;</p></figcaption></figure>');
    expect(read(out, 'starry.html')).toContain('url=https://example.com/posts/2019/04/13/starry-sky/');
    expect(read(out, 'posts/trip/index.html')).toContain('<img src="view.jpg" alt="A view">');
    expect(read(out, 'posts/trip/view.jpg')).toBe('jpeg bytes');
    expect(read(out, 'posts/trip/gallery/1.jpg')).toBe('more bytes');
    expect(read(out, 'legacy/older/index.html')).toContain('Old.');
    expect(read(out, 'about/index.html')).toContain('Me.');
    expect(read(out, 'favicon.ico')).toBe('icon');
    expect(read(out, '.well-known/security.txt')).toContain('Contact:');
    expect(read(out, 'images/header.png')).toBe('png');
    expect(result.skippedFiles.map((s) => s.file)).toEqual(['content/_index.md', 'content/posts/_index.md']);
    expect([...tree(out).keys()].filter((f) => f.includes('layouts') || f.includes('config.toml'))).toEqual([]);
  });

  it('publishes no file of a bundle whose post is a draft', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'H', baseUrl: 'https://example.com/', folders: 'hugo' }),
      'content/posts/secret/index.md': '---\ntitle: Secret\ndate: 2021-01-01\ndraft: true\n---\nx\n',
      'content/posts/secret/plan.pdf': 'pdf',
      'content/posts/open.md': '---\ntitle: Open\ndate: 2021-01-02\n---\ny\n',
    });
    const out = join(tempDir(), 'out');
    await build({ site, out, workers: 1 });
    expect([...tree(out).keys()].filter((f) => f.includes('secret'))).toEqual([]);
    await build({ site, out, workers: 1, drafts: true });
    expect(read(out, 'posts/secret/plan.pdf')).toBe('pdf');
  });

  it('refuses an unknown folders value', async () => {
    const site = writeSite({ 'site.config.json': JSON.stringify({ title: 'H', baseUrl: 'https://example.com/', folders: 'gatsby' }) });
    await expect(build({ site })).rejects.toMatchObject({ problems: [expect.objectContaining({ code: 'ERR_BLOG_CONFIG', reason: expect.stringContaining('`folders` must be one of drove, jekyll, hugo') })] });
  });
});

describe('a post in a folder of its own (Eleventy, Hugo bundles) in this engine\'s folders', () => {
  it('builds posts/<name>/index.md as the post <name>, with its images next to it, translations included', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'E', baseUrl: 'https://example.com/', languages: ['en', 'de'] }),
      'posts/2021-04-01-trip/index.md': '---\ntitle: A trip\n---\n![The view](view.jpg)\n',
      'posts/2021-04-01-trip/index.de.md': '---\ntitle: Eine Reise\n---\n![Die Aussicht](view.jpg)\n',
      'posts/2021-04-01-trip/view.jpg': 'jpeg',
      'posts/2021-05-01-plain.md': '---\ntitle: Plain\n---\nx\n',
      'pages/docs/index.md': '---\ntitle: Docs\n---\nIndex.\n',
      'pages/docs/install.md': '---\ntitle: Install\n---\nSteps.\n',
    });
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1 });
    expect(result.posts).toBe(5);
    expect(read(out, '2021/04/trip/index.html')).toContain('<img src="view.jpg" alt="The view">');
    expect(read(out, '2021/04/trip/view.jpg')).toBe('jpeg');
    expect(read(out, 'de/2021/04/trip/index.html')).toContain('Eine Reise');
    expect(read(out, 'de/2021/04/trip/view.jpg')).toBe('jpeg');
    // A folder with other pages in it is not one page's: each is a page of its own.
    expect(read(out, 'docs/install/index.html')).toContain('Steps.');
    expect(read(out, 'docs/index/index.html')).toContain('Index.');
    expect(result.filesSkipped).toBe(0);
  });
});

describe('exclude', () => {
  it('never reads the paths the config excludes, as Jekyll\'s exclude: files, folders, * and ** patterns', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'J', baseUrl: 'https://example.com/', folders: 'jekyll', exclude: ['script/', 'Rakefile', '*.gemspec', '**/*.psd', 'notes/**'] }),
      '_posts/2020-01-02-a.md': '---\ntitle: A\n---\nx\n',
      'script/bootstrap': '#!/bin/sh\n',
      'Rakefile': 'task :default\n',
      'theme.gemspec': 'spec\n',
      'images/logo.psd': 'psd',
      'images/logo.png': 'png',
      'notes/todo.md': '---\ntitle: Todo\n---\nprivate\n',
      'notes/deep/more.md': '---\ntitle: More\n---\nprivate\n',
      'scripts.md': '---\ntitle: Scripts\n---\nA page whose name starts like an excluded folder.\n',
    });
    const out = join(tempDir(), 'out');
    const result = await build({ site, out, workers: 1 });
    expect([...tree(out).keys()].filter((f) => !/^(20|assets|tags|categories|page|index|feed|atom|sitemap|404)/.test(f)).sort()).toEqual(['images/logo.png', 'scripts.html']);
    expect(result.posts).toBe(2);
  });

  it('refuses exclude entries that are not relative paths inside the site', async () => {
    const site = writeSite({ 'site.config.json': JSON.stringify({ title: 'J', baseUrl: 'https://example.com/', exclude: ['../secrets'] }) });
    await expect(build({ site })).rejects.toMatchObject({ problems: [expect.objectContaining({ code: 'ERR_BLOG_CONFIG', reason: expect.stringContaining('`exclude` must be a list of paths relative to the site') })] });
  });
});
