import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build, generateSite, type BuildResult, type WorkerTelemetry } from '@drove/blog-engine';
import { post, read, tempDir, tree, writeSite } from './helpers.js';

describe('a generated site', () => {
  let site: string;
  let out: string;
  let result: BuildResult;
  let files: Map<string, string>;

  beforeAll(async () => {
    site = tempDir();
    await generateSite({ out: site, posts: 80, seed: 3 });
    out = join(site, '_site');
    result = await build({ site, workers: 2 });
    files = tree(out);
  });

  it('writes one page per post, with the summary counting every file', () => {
    expect(result.pages).toBe(files.size);
    expect(result.written).toBe(files.size);
    const postPages = [...files.keys()].filter((p) => /^(?:(de|fr)\/)?\d{4}\/\d{2}\/[^/]+\/index\.html$/.test(p) && !/\/page\//.test(p));
    // Every post (drafts left out) plus the About page.
    expect(postPages.length + 1).toBe(result.posts);
    expect(result.sections.single.total).toBe(result.posts);
    expect(files.has('about/index.html')).toBe(true);
  });

  it('paginates the home index of each language and links pages both ways', () => {
    const english = [...files.keys()].filter((p) => /^\d{4}\/\d{2}\/[^/]+\/index\.html$/.test(p)).length;
    const pages = Math.ceil(english / 10);
    expect(files.has('index.html')).toBe(true);
    for (let n = 2; n <= pages; n++) expect(files.has(`page/${n}/index.html`)).toBe(true);
    expect(files.has(`page/${pages + 1}/index.html`)).toBe(false);
    const second = read(out, 'page/2/index.html');
    expect(second).toContain('href="/"');
    expect(second).toContain('href="/page/3/"');
    expect(second).toContain(`Page 2 of ${pages}`);
    expect(read(out, 'index.html').match(/<article class="card">/g)).toHaveLength(10);
    expect(files.has('de/index.html') && files.has('fr/index.html')).toBe(true);
    expect(read(out, 'de/index.html')).toContain('<html lang="de">');
  });

  it('writes paginated tag and category pages, a tag index, and year and month archives', () => {
    const tags = readdirSync(join(out, 'tags'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(tags.length).toBeGreaterThan(5);
    for (const tag of tags) expect(files.has(`tags/${tag}/index.html`)).toBe(true);
    const busiest = read(out, 'tags/index.html');
    expect(busiest).toContain('<ul class="tag-cloud">');
    expect([...files.keys()].some((p) => /^tags\/[^/]+\/page\/2\/index\.html$/.test(p))).toBe(true);
    expect([...files.keys()].some((p) => /^categories\/[^/]+\/index\.html$/.test(p))).toBe(true);
    expect([...files.keys()].some((p) => /^\d{4}\/index\.html$/.test(p))).toBe(true);
    expect([...files.keys()].some((p) => /^\d{4}\/\d{2}\/index\.html$/.test(p))).toBe(true);
    expect([...files.keys()].some((p) => /^de\/tags\/[^/]+\/index\.html$/.test(p))).toBe(true);
  });

  it('writes a sitemap of every page, and RSS and Atom feeds site-wide, per tag and per language', () => {
    const sitemap = read(out, 'sitemap.xml');
    const locs = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    const htmlPages = [...files.keys()].filter((p) => p.endsWith('index.html'));
    expect(locs).toHaveLength(htmlPages.length);
    expect(locs).toContain('https://blog.example.com/');
    for (const feed of ['feed.xml', 'atom.xml', 'de/feed.xml', 'de/atom.xml', 'fr/feed.xml']) expect(files.has(feed)).toBe(true);
    const rss = read(out, 'feed.xml');
    expect(rss).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<rss version="2.0"/);
    expect(rss.match(/<item>/g)).toHaveLength(20);
    expect(rss).toContain('<atom:link href="https://blog.example.com/feed.xml" rel="self"');
    const atom = read(out, 'atom.xml');
    expect(atom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">');
    expect(atom.match(/<entry>/g)).toHaveLength(20);
    expect([...files.keys()].some((p) => /^tags\/[^/]+\/feed\.xml$/.test(p))).toBe(true);
    expect([...files.keys()].some((p) => /^tags\/[^/]+\/atom\.xml$/.test(p))).toBe(true);
  });

  it('copies the default theme assets and writes a 404 page per language', () => {
    expect(read(out, 'assets/style.css')).toContain('@drove/blog-engine');
    expect(read(out, '404.html')).toContain('Page not found');
    expect(read(out, 'de/404.html')).toContain('Seite nicht gefunden');
  });

  it('leaves drafts out', () => {
    expect(result.draftsSkipped).toBeGreaterThanOrEqual(0);
    for (const path of files.keys()) expect(path).not.toContain('.drove-tmp');
  });
});

describe('pages in detail', () => {
  let out: string;
  let site: string;

  beforeAll(async () => {
    site = writeSite({
      'site.config.json': JSON.stringify({
        title: 'Detail',
        baseUrl: 'https://example.com/blog/',
        languages: { en: {}, de: { title: 'Detail DE' } },
        paginate: { home: 2 },
        feeds: { limit: 2 },
      }),
      'posts/one.md': post({ title: 'One', date: '2020-01-02', tags: '[alpha, beta]', categories: 'Notes' }, 'First *para*.\n\n## Same\n\n## Same\n\n```js\nconst x = 1;\n```\n\n```nosuchlang\n<b>\n```\n'),
      'posts/one.de.md': post({ title: 'Eins', date: '2020-01-02' }, 'Erster.\n'),
      'posts/2020-02-03-two.md': post({ title: 'Two', tags: 'Alpha', updated: '2020-03-01' }, 'Intro line.\n\n<!-- more -->\n\nHidden from the excerpt.\n'),
      'posts/three.md': post({ title: '"Three & <more>"', date: '2020-04-05 10:30', slug: 'third', summary: 'A summary.' }, 'Body.\n'),
      'posts/draft.md': post({ title: 'Draft', date: '2020-05-01', draft: 'true' }),
      'posts/custom.md': post({ title: 'Custom', date: '2019-01-01', layout: 'fancy', mood: 'happy' }, '# Heading\n\nA para.\n'),
      'layouts/fancy.liquid':
        '<p>{{ page.title | slugify }}|{{ page.url | absolute_url }}|{{ page.date | date_format: "ymd" }}|{{ page.date | date_format }}|{{ page.data.mood }}|{{ "**md**" | markdown }}|{{ content | excerpt: 5 }}|{{ "older" | t }}|{{ "page_n_of" | t: 1, 2 }}|{{ "/x/" | relative_url }}|{{ page.next.excerpt }}|{{ page.excerpt }}</p>',
      'assets/img/logo.svg': '<svg/>',
      'data/menu.json': '{"items": [1, 2]}',
    });
    out = join(site, '_site');
    await build({ site, workers: 1 });
  });

  it('renders Markdown with unique heading anchors and highlighted code; unknown languages are escaped', () => {
    const html = read(out, '2020/01/one/index.html');
    expect(html).toContain('<p>First <em>para</em>.</p>');
    expect(html).toContain('<h2 id="same">Same <a class="heading-anchor" href="#same"');
    expect(html).toContain('<h2 id="same-2">');
    expect(html).toContain('<pre><code class="hljs language-js"><span class="hljs-keyword">const</span>');
    expect(html).toContain('&lt;b&gt;');
  });

  it('links neighbours and translations, under the base URL path', () => {
    const two = read(out, '2020/02/two/index.html');
    expect(two).toContain('href="/blog/2020/04/third/"');
    expect(two).toContain('href="/blog/2020/01/one/"');
    const one = read(out, '2020/01/one/index.html');
    expect(one).toContain('<a href="/blog/de/2020/01/one/" hreflang="de">Eins (de)</a>');
    expect(read(out, 'de/2020/01/one/index.html')).toContain('hreflang="en">One (en)</a>');
    expect(one).toContain('<link rel="canonical" href="https://example.com/blog/2020/01/one/">');
  });

  it('takes the date from a file-name prefix, the slug from front matter, and escapes titles', () => {
    expect(existsSync(join(out, '2020/02/two/index.html'))).toBe(true);
    expect(read(out, '2020/04/third/index.html')).toContain('<h1>Three &amp; &lt;more&gt;</h1>');
    expect(existsSync(join(out, '2020/05/draft/index.html'))).toBe(false);
  });

  it('shows excerpts: before <!-- more -->, the summary, or the first paragraph', () => {
    const page1 = read(out, 'index.html');
    expect(page1).toContain('<p>A summary.</p>');
    expect(page1).toContain('<p>Intro line.</p>');
    expect(page1).not.toContain('Hidden from the excerpt');
  });

  it('gives one spelling to a tag used as Alpha and alpha', () => {
    const tag = read(out, 'tags/alpha/index.html');
    expect(tag).toContain('Posts tagged “Alpha”');
    expect(read(out, '2020/01/one/index.html')).toContain('>#Alpha</a>');
  });

  it('runs the engine filters: slugify, absolute_url, date_format, markdown, excerpt, t, relative_url; custom front matter as page.data; excerpts on a post page', () => {
    expect(read(out, '2019/01/custom/index.html')).toBe(
      '<p>custom|https://example.com/blog/2019/01/custom/|2019-01-01|January 1, 2019|happy|<p><strong>md</strong></p>\n|Headi…|Older|Page 1 of 2|/blog/x/|<p>First <em>para</em>.</p>\n|<p>A para.</p>\n</p>',
    );
  });

  it('limits feeds, copies nested assets, and uses data files', () => {
    expect(read(out, 'feed.xml').match(/<item>/g)).toHaveLength(2);
    // Full content by default: the whole body of a post, below its excerpt too.
    expect(read(out, 'feed.xml')).toContain('Hidden from the excerpt.');
    expect(read(out, 'atom.xml')).toContain('Hidden from the excerpt.');
    expect(read(out, '2020/02/two/index.html')).toContain('<p>Hidden from the excerpt.</p>');
    expect(read(out, 'tags/alpha/feed.xml')).toContain('<title>Detail: Alpha</title>');
    expect(read(out, 'assets/img/logo.svg')).toBe('<svg/>');
  });

  it('splits a `]]>` in a post\'s HTML across two CDATA sections, in every feed that holds the post', async () => {
    const cdata = writeSite({
      'site.config.json': JSON.stringify({ title: 'CDATA', baseUrl: 'https://example.com/' }),
      'posts/raw.md': post({ title: 'Raw', date: '2021-01-02', tags: '[alpha]' }, 'Before.\n\n<div>x]]>y</div>\n'),
      'posts/plain.md': post({ title: 'Plain', date: '2021-01-01', tags: '[alpha]' }, 'Plain text.\n'),
    });
    await build({ site: cdata, workers: 1 });
    for (const feed of ['feed.xml', 'atom.xml', 'tags/alpha/feed.xml', 'tags/alpha/atom.xml']) {
      const text = read(join(cdata, '_site'), feed);
      expect(text, feed).toContain('<div>x]]]]><![CDATA[>y</div>');
      expect(text, feed).not.toContain('x]]>y');
      expect(text, feed).toContain('<![CDATA[<p>Plain text.</p>');
    }
  });

  it('includes drafts when asked', async () => {
    const drafts = tempDir();
    const result = await build({ site, out: drafts, drafts: true, workers: 1, database: `file:${join(tempDir(), 'build.db')}` });
    expect(result.draftsSkipped).toBe(0);
    expect(existsSync(join(drafts, '2020/05/draft/index.html'))).toBe(true);
  });
});

describe('telemetry', () => {
  it('reports the render workers to onTelemetry while they run', async () => {
    // A macro that waits for the first sample keeps the build (and its pool) alive until one arrived.
    const site = writeSite({
      'site.config.mjs': `export default {
        title: 'Telemetry',
        baseUrl: 'https://example.com/',
        macros: { wait: () => globalThis.telemetrySeen.then(() => 'seen') },
      };\n`,
      'posts/a.md': post({ title: 'A', date: '2021-01-01' }, 'Before {{< wait >}}.\n'),
    });
    const samples: WorkerTelemetry[][] = [];
    let release!: () => void;
    (globalThis as { telemetrySeen?: Promise<void> }).telemetrySeen = new Promise<void>((resolve) => {
      release = resolve;
    });
    const result = await build({
      site,
      workers: 2,
      telemetryIntervalMs: 20,
      onTelemetry: (workers) => {
        samples.push(workers);
        if (workers.some((worker) => !worker.stale)) release();
      },
    });
    expect(result.written).toBeGreaterThan(0);
    expect(read(join(site, '_site'), '2021/01/a/index.html')).toContain('Before seen.');
    const answered = samples.flat().find((worker) => !worker.stale)!;
    expect(answered).toMatchObject({ kind: 'thread', pid: process.pid });
    expect(answered.heapUsedBytes).toBeGreaterThan(0);
    const count = samples.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(samples.length).toBe(count);
  });

  it('refuses a telemetry interval that is not a whole number of milliseconds >= 10', async () => {
    await expect(build({ site: tempDir(), telemetryIntervalMs: 1 })).rejects.toThrow(
      'Expected `telemetryIntervalMs` to be an integer >= 10 and <= 2147483647, got `1` (number)',
    );
  });
});

describe("workers: 'auto'", () => {
  it('renders a site of fewer than 1,000 posts on the main thread, a larger one in a worker a core (a rebuild of fewer than 2,000 pages on the main thread), and an explicit count as given', async () => {
    const small = writeSite({ 'posts/2020-01-01-a.md': post({ title: 'A' }) });
    const auto = await build({ site: small, out: join(tempDir(), 'out') });
    expect({ kind: auto.kind, workers: auto.workers }).toEqual({ kind: 'inline', workers: 1 });
    const asked = await build({ site: small, out: join(tempDir(), 'out'), workers: 2 });
    expect({ kind: asked.kind, workers: asked.workers }).toEqual({ kind: 'thread', workers: 2 });
    const explicitKind = await build({ site: small, out: join(tempDir(), 'out'), kind: 'thread' });
    expect(explicitKind.kind).toBe('thread');
    const large = tempDir();
    await generateSite({ out: large, posts: 1200, seed: 2 });
    const bigOut = join(tempDir(), 'out');
    const big = await build({ site: large, out: bigOut });
    expect(big.posts).toBeGreaterThanOrEqual(1000);
    expect(big.kind).toBe('thread');
    expect(big.workers).toBeGreaterThanOrEqual(1);

    // A rebuild after one edit renders its few pages on the main thread; one that changes every page uses workers.
    const edited = join(large, 'posts', readdirSync(join(large, 'posts')).sort()[3]!);
    const file = readdirSync(edited)
      .filter((name) => /^[^.]+\.md$/.test(name))
      .sort()
      .map((name) => join(edited, name))
      .find((path) => !readFileSync(path, 'utf8').includes('draft: true'))!;
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nOne more paragraph.\n`);
    const oneEdit = await build({ site: large, out: bigOut });
    expect({ kind: oneEdit.kind, workers: oneEdit.workers }).toEqual({ kind: 'inline', workers: 1 });
    expect(oneEdit.written).toBeGreaterThan(0);
    expect(oneEdit.written).toBeLessThan(100);
    const config = join(large, 'site.config.json');
    writeFileSync(config, readFileSync(config, 'utf8').replace('"title": "', '"title": "Renamed '));
    const everyPage = await build({ site: large, out: bigOut });
    expect(everyPage.kind).toBe('thread');
    expect(everyPage.written).toBeGreaterThan(1000);
    // The same bytes as a cold build with workers, page for page.
    const fresh = await build({ site: large, out: join(tempDir(), 'fresh'), database: `file:${join(tempDir(), 'fresh.db')}`, workers: 2 });
    expect(fresh.kind).toBe('thread');
    expect(tree(bigOut)).toEqual(tree(join(fresh.outDir)));
  }, 240_000);
});
