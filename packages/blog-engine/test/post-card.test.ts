import { describe, expect, it } from 'vitest';
import { PostCard } from '../src/internal/page-renderer.js';
import type { PostEntry } from '../src/internal/snapshot.js';
import { createLiquid } from '../src/internal/templates.js';

const limits = { parseLimit: 1e7, renderLimit: 5000, memoryLimit: 1e8 };

function entry(id: number): PostEntry {
  return {
    id,
    kind: 'post',
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
