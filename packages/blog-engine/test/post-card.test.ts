import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '@drove/blog-engine';
import { PostCard } from '../src/internal/page-renderer.js';
import type { PostEntry } from '../src/internal/snapshot.js';
import { createLiquid } from '../src/internal/templates.js';
import { post, read, writeSite } from './helpers.js';

const limits = { parseLimit: 1e7, renderLimit: 5000, memoryLimit: 1e8 };

function entry(id: number): PostEntry {
  return {
    id,
    kind: 'post',
    format: 'markdown',
    source: `posts/p${id}.md`,
    lang: 'en',
    title: `Post ${id}`,
    slug: `p${id}`,
    url: `/p${id}/`,
    date: '2020-01-02T00:00:00.000Z',
    updated: null,
    dateDisplay: 'January 2, 2020',
    updatedDisplay: null,
    year: '2020',
    month: '01',
    day: '02',
    tags: [],
    categories: [],
    summary: null,
    redirectTo: null,
    liquid: false,
    bodyLine: 1,
    layout: 'post',
    data: {},
    excerptSource: 'Intro.',
    body: null,
    prev: null,
    next: null,
    translations: [],
  };
}

describe('PostCard', () => {
  it('renders its excerpt on first read only, and once', () => {
    let renders = 0;
    const card = new PostCard(entry(1), '/p1/', () => `<p>excerpt ${++renders}</p>`);
    expect(card.title).toBe('Post 1');
    expect(renders).toBe(0);
    expect(card.excerpt).toBe('<p>excerpt 1</p>');
    expect(card.excerpt).toBe('<p>excerpt 1</p>');
    expect(renders).toBe(1);
  });

  it('shows its fields and its excerpt getter to templates, which read only own properties of plain objects', () => {
    const liquid = createLiquid({ 'layouts/card.liquid': '{{ post.title }}|{{ post.href }}|{{ post.excerpt }}|{{ plain.excerpt }}' }, limits);
    const parsed = liquid.parseFileSync('card');
    const card = new PostCard(entry(2), '/p2/', () => '<p>two</p>');
    // A plain object with the getter on its prototype stays hidden: why the card is a Drop.
    const plain = Object.create({ get excerpt() { return 'leaked'; } }) as object;
    expect(liquid.renderSync(parsed, { post: card, plain })).toBe('Post 2|/p2/|<p>two</p>|');
  });
});

describe('excerpts on list pages and in feeds', () => {
  it('renders a front-matter summary and a first paragraph as Markdown, never raw', async () => {
    const site = writeSite({
      'site.config.json': JSON.stringify({ title: 'Summaries', baseUrl: 'https://example.com/', feeds: { fullContent: false } }),
      'posts/summed.md': post(
        { title: 'Summed', date: '2021-03-01', tags: 'x', summary: JSON.stringify('A **bold** claim about `pool.run()` and [the docs](https://example.com/docs).') },
        'The body, which the summary stands in for.\n',
      ),
      'posts/first.md': post(
        { title: 'First', date: '2021-02-01', tags: 'x' },
        'An *emphatic* start with `code()` and [a link](https://example.com/link).\n\nThe rest of the post.\n',
      ),
    });
    await build({ site, workers: 1 });
    const out = join(site, '_site');
    for (const file of ['index.html', 'tags/x/index.html', '2021/index.html']) {
      const html = read(out, file);
      expect(html, file).toContain('A <strong>bold</strong> claim about <code>pool.run()</code> and <a href="https://example.com/docs">the docs</a>.');
      expect(html, file).toContain('An <em>emphatic</em> start with <code>code()</code> and <a href="https://example.com/link">a link</a>.');
      expect(html, file).not.toContain('**bold**');
      expect(html, file).not.toContain('`');
    }
    for (const file of ['feed.xml', 'atom.xml']) {
      const xml = read(out, file);
      // Feeds carry the excerpt's HTML in CDATA.
      expect(xml, file).toContain('<![CDATA[<p>A <strong>bold</strong> claim about <code>pool.run()</code> and <a href="https://example.com/docs">the docs</a>.</p>');
      expect(xml, file).toContain('<![CDATA[<p>An <em>emphatic</em> start with <code>code()</code> and <a href="https://example.com/link">a link</a>.</p>');
      expect(xml, file).not.toContain('**bold**');
    }
  });
});
