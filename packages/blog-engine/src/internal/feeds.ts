import { absoluteUrl } from './filters.js';
import { rfc822 } from './dates.js';
import type { ListEntry, PostEntry, SiteView } from './snapshot.js';

/** Escapes text for XML element content and attribute values. */
export function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** HTML inside CDATA (cheaper than escaping every character; a `]]>` in the text is split across two sections). */
function cdata(html: string): string {
  return `<![CDATA[${html.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

// A post's HTML as each feed holding it shows it: a post is in up to one feed per tag and format, and scanning its
// HTML once is enough. Keyed by the post (a build's), checked by the HTML string itself.
const shown = new WeakMap<PostEntry, { html: string; section: string }>();

function cdataOf(post: PostEntry, html: string): string {
  const known = shown.get(post);
  if (known?.html === html) return known.section;
  const section = cdata(html);
  shown.set(post, { html, section });
  return section;
}

/** What a feed needs: its list, its posts (newest first) and each post's HTML. */
export interface FeedInput {
  site: SiteView;
  list: ListEntry;
  posts: PostEntry[];
  /** The feed's own URL (site-relative). */
  selfUrl: string;
  title: string;
  html: (post: PostEntry) => string;
}

function newest(posts: PostEntry[]): Date {
  let latest = 0;
  for (const post of posts) latest = Math.max(latest, Date.parse(post.updated ?? post.date));
  return new Date(latest);
}

/** An RSS 2.0 feed. Deterministic: its dates come from the posts, never from the clock. */
export function rssFeed({ site, list, posts, selfUrl, title, html }: FeedInput): string {
  const home = absoluteUrl(list.baseUrl, site.baseUrl);
  const language = site.languages.find((l) => l.code === list.lang);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${xml(title)}</title>`,
    `<link>${xml(home)}</link>`,
    `<description>${xml(language?.description || site.description || title)}</description>`,
    `<language>${xml(list.lang)}</language>`,
    `<atom:link href="${xml(absoluteUrl(selfUrl, site.baseUrl))}" rel="self" type="application/rss+xml"/>`,
  ];
  if (posts.length > 0) lines.push(`<lastBuildDate>${rfc822(newest(posts))}</lastBuildDate>`);
  for (const post of posts) {
    const link = absoluteUrl(post.url, site.baseUrl);
    lines.push(
      '<item>',
      `<title>${xml(post.title)}</title>`,
      `<link>${xml(link)}</link>`,
      `<guid isPermaLink="true">${xml(link)}</guid>`,
      `<pubDate>${rfc822(new Date(post.date))}</pubDate>`,
      ...post.categories.map((c) => `<category>${xml(c.name)}</category>`),
      ...post.tags.map((t) => `<category>${xml(t.name)}</category>`),
      `<description>${cdataOf(post, html(post))}</description>`,
      '</item>',
    );
  }
  lines.push('</channel>', '</rss>', '');
  return lines.join('\n');
}

/** An Atom 1.0 feed. */
export function atomFeed({ site, list, posts, selfUrl, title, html }: FeedInput): string {
  const home = absoluteUrl(list.baseUrl, site.baseUrl);
  const updated = posts.length > 0 ? newest(posts) : new Date(0);
  const contentType = site.feeds.fullContent ? 'content' : 'summary';
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${xml(list.lang)}">`,
    `<title>${xml(title)}</title>`,
    `<link href="${xml(absoluteUrl(selfUrl, site.baseUrl))}" rel="self" type="application/atom+xml"/>`,
    `<link href="${xml(home)}" rel="alternate" type="text/html"/>`,
    `<id>${xml(home)}</id>`,
    `<updated>${updated.toISOString()}</updated>`,
  ];
  if (site.author) lines.push(`<author><name>${xml(site.author.name)}</name>${site.author.email ? `<email>${xml(site.author.email)}</email>` : ''}</author>`);
  for (const post of posts) {
    const link = absoluteUrl(post.url, site.baseUrl);
    lines.push(
      '<entry>',
      `<title>${xml(post.title)}</title>`,
      `<link href="${xml(link)}" rel="alternate" type="text/html"/>`,
      `<id>${xml(link)}</id>`,
      `<published>${post.date}</published>`,
      `<updated>${post.updated ?? post.date}</updated>`,
      ...post.tags.map((t) => `<category term="${xml(t.name)}"/>`),
      `<${contentType} type="html">${cdataOf(post, html(post))}</${contentType}>`,
      '</entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

/** `sitemap.xml`: every page with its last modification where known. */
export function sitemap(site: SiteView, entries: { url: string; lastmod: string | null }[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'];
  for (const entry of entries) {
    const lastmod = entry.lastmod ? `<lastmod>${entry.lastmod.slice(0, 10)}</lastmod>` : '';
    lines.push(`<url><loc>${xml(absoluteUrl(entry.url, site.baseUrl))}</loc>${lastmod}</url>`);
  }
  lines.push('</urlset>', '');
  return lines.join('\n');
}
