// Turns a generated drove-blog site into an Eleventy 3 project with Liquid
// templates equivalent to drove-blog's default theme: the same pages (posts,
// paginated home, tag, category, year and month lists per language, RSS and
// Atom feeds site-wide and per tag, sitemap, 404), the same Markdown setup
// (markdown-it, heading anchors, highlight.js).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makeEleventySite(site, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src', '_includes'), { recursive: true });
  cpSync(join(site, 'posts'), join(dir, 'src', 'posts'), { recursive: true });
  const config = JSON.parse(readFileSync(join(site, 'site.config.json'), 'utf8'));
  writeFileSync(join(dir, 'src', 'posts', 'posts.11tydata.mjs'), postsData);
  writeFileSync(join(dir, 'eleventy.config.mjs'), eleventyConfig(config));
  const includes = join(dir, 'src', '_includes');
  writeFileSync(join(includes, 'base.liquid'), base);
  writeFileSync(join(includes, 'post.liquid'), postLayout);
  writeFileSync(join(includes, 'post-meta.liquid'), postMeta);
  writeFileSync(join(dir, 'src', 'lists.liquid'), lists);
  writeFileSync(join(dir, 'src', 'feeds.liquid'), feeds);
  writeFileSync(join(dir, 'src', 'sitemap.liquid'), sitemapTemplate);
  writeFileSync(join(dir, 'src', '404.liquid'), notFound);
  return dir;
}

// The project may live anywhere (a temp folder): its config imports the bench's own copies by URL.
const markdownItUrl = import.meta.resolve('markdown-it');
const highlightUrl = import.meta.resolve('highlight.js');

const eleventyConfig = (config) => `
import MarkdownIt from '${markdownItUrl}';
import hljs from '${highlightUrl}';

const site = ${JSON.stringify({ title: config.title, baseUrl: config.baseUrl, languages: Object.keys(config.languages), paginate: config.paginate })};
const slug = (text) => String(text).normalize('NFKD').replace(/\\p{M}+/gu, '').toLowerCase().replace(/[^\\p{L}\\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
const langOf = (item) => (/\\.(de|fr)\\.md$/.exec(item.inputPath)?.[1] ?? 'en');
const prefix = (lang) => (lang === 'en' ? '' : '/' + lang);

export default function (eleventyConfig) {
  eleventyConfig.addGlobalData('site', site);
  eleventyConfig.addDateParsing((value) => {
    if (typeof value === 'string' && /^\\d{4}-\\d{2}-\\d{2}( \\d{2}:\\d{2})?$/.test(value)) return new Date(value.replace(' ', 'T') + (value.length > 10 ? ':00Z' : 'T00:00:00Z'));
    return undefined;
  });
  eleventyConfig.addPreprocessor('drafts', 'md', (data) => (data.draft ? false : undefined));
  const md = new MarkdownIt({ html: true, highlight: (code, lang) => (lang && hljs.getLanguage(lang) ? '<pre><code class="hljs language-' + lang + '">' + hljs.highlight(code, { language: lang, ignoreIllegals: true }).value + '</code></pre>\\n' : '') });
  md.core.ruler.push('anchors', (state) => {
    const seen = new Map();
    for (let i = 0; i < state.tokens.length; i++) {
      if (state.tokens[i].type !== 'heading_open') continue;
      const text = state.tokens[i + 1].children.map((t) => t.content).join('');
      const base = slug(text) || 'section';
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      state.tokens[i].attrSet('id', n === 1 ? base : base + '-' + n);
    }
  });
  eleventyConfig.setLibrary('md', md);
  eleventyConfig.addFilter('slug_of', slug);
  eleventyConfig.addFilter('lang_prefix', prefix);
  eleventyConfig.addFilter('rfc822', (date) => new Date(date).toUTCString());
  eleventyConfig.addFilter('iso', (date) => new Date(date).toISOString());
  const formats = new Map();
  eleventyConfig.addFilter('display_date', (date, lang) => {
    if (!formats.has(lang)) formats.set(lang, new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }));
    return formats.get(lang).format(new Date(date));
  });
  const byLang = (api) => {
    const groups = Object.fromEntries(site.languages.map((l) => [l, []]));
    for (const item of api.getFilteredByGlob('**/posts/**/*.md')) groups[langOf(item)].push(item);
    for (const list of Object.values(groups)) list.sort((a, b) => b.date - a.date || (a.inputPath < b.inputPath ? -1 : 1));
    return groups;
  };
  for (const lang of site.languages) eleventyConfig.addCollection('posts_' + lang, (api) => byLang(api)[lang]);
  // Every paginated list page of every kind and language, as drove-blog makes them.
  eleventyConfig.addCollection('listPages', (api) => {
    const pages = [];
    const paginate = (base, title, items, size) => {
      const total = Math.max(1, Math.ceil(items.length / size));
      for (let n = 1; n <= total; n++) {
        pages.push({ url: n === 1 ? base : base + 'page/' + n + '/', title, posts: items.slice((n - 1) * size, n * size), page: n, total, newer: n > 1 ? (n === 2 ? base : base + 'page/' + (n - 1) + '/') : null, older: n < total ? base + 'page/' + (n + 1) + '/' : null });
      }
    };
    for (const [lang, posts] of Object.entries(byLang(api))) {
      const p = prefix(lang);
      paginate(p + '/', site.title, posts, site.paginate.home);
      const group = (key) => {
        const map = new Map();
        for (const post of posts) for (const name of [].concat(post.data[key] ?? [])) { const s = slug(name); if (!map.has(s)) map.set(s, { name, items: [] }); map.get(s).items.push(post); }
        return map;
      };
      for (const [s, { name, items }] of group('tags')) paginate(p + '/tags/' + s + '/', 'Posts tagged ' + name, items, site.paginate.tag);
      for (const [s, { name, items }] of group('categories')) paginate(p + '/categories/' + s + '/', 'Posts in ' + name, items, site.paginate.category);
      const years = new Map();
      const months = new Map();
      for (const post of posts) {
        const y = String(post.date.getUTCFullYear());
        const m = y + '/' + String(post.date.getUTCMonth() + 1).padStart(2, '0');
        (years.get(y) ?? years.set(y, []).get(y)).push(post);
        (months.get(m) ?? months.set(m, []).get(m)).push(post);
      }
      for (const [y, items] of years) paginate(p + '/' + y + '/', 'Archive ' + y, items, site.paginate.archive);
      for (const [m, items] of months) paginate(p + '/' + m + '/', 'Archive ' + m, items, site.paginate.archive);
    }
    return pages;
  });
  eleventyConfig.addCollection('feeds', (api) => {
    const feeds = [];
    for (const [lang, posts] of Object.entries(byLang(api))) {
      const p = prefix(lang);
      feeds.push({ base: p + '/', title: site.title, lang, posts: posts.slice(0, 20) });
      const tags = new Map();
      for (const post of posts) for (const name of [].concat(post.data.tags ?? [])) { const s = slug(name); if (!tags.has(s)) tags.set(s, { name, items: [] }); tags.get(s).items.push(post); }
      for (const [s, { name, items }] of tags) feeds.push({ base: p + '/tags/' + s + '/', title: site.title + ': ' + name, lang, posts: items.slice(0, 20) });
    }
    return feeds.flatMap((feed) => [{ ...feed, format: 'rss' }, { ...feed, format: 'atom' }]);
  });
  return { markdownTemplateEngine: false, htmlTemplateEngine: 'liquid' };
}
`;

const base = `<!doctype html>
<html lang="{{ lang | default: 'en' }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title | escape }} · {{ site.title | escape }}</title>
<link rel="canonical" href="{{ site.baseUrl }}{{ page.url | remove_first: '/' }}">
<link rel="stylesheet" href="/assets/style.css">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
</head>
<body>
<header class="site-header"><a class="site-title" href="/">{{ site.title | escape }}</a>
<nav>{% for language in site.languages %}{% if language != lang %}<a href="{{ language | lang_prefix }}/" hreflang="{{ language }}">{{ language }}</a> {% endif %}{% endfor %}</nav></header>
<main>
{{ content }}
</main>
<footer class="site-footer"><p>{{ site.title | escape }} · <a href="/feed.xml">RSS</a> · <a href="/atom.xml">Atom</a></p></footer>
</body>
</html>
`;

const postMeta = `<p class="meta"><time datetime="{{ post.date | iso }}">{{ post.date | display_date: post.data.lang }}</time>{% for category in post.data.categories %} · <a class="category" href="{{ post.data.lang | lang_prefix }}/categories/{{ category | slug_of }}/">{{ category | escape }}</a>{% endfor %}{% for tag in post.data.tags %} <a class="tag" href="{{ post.data.lang | lang_prefix }}/tags/{{ tag | slug_of }}/">#{{ tag | escape }}</a>{% endfor %}</p>`;

const postLayout = `---
layout: base.liquid
---
{% assign post = collections.all | getCollectionItem %}<article class="post">
<header><h1>{{ title | escape }}</h1>
{% render 'post-meta', post: post %}
</header>
<div class="content">
{{ content }}
</div>
{% if lang == 'en' %}{% assign siblings = collections.posts_en %}{% elsif lang == 'de' %}{% assign siblings = collections.posts_de %}{% else %}{% assign siblings = collections.posts_fr %}{% endif %}
{% assign newer = siblings | getPreviousCollectionItem %}{% assign older = siblings | getNextCollectionItem %}
<nav class="neighbours">
{% if newer %}<a class="newer" rel="next" href="{{ newer.url }}">← {{ newer.data.title | escape }}</a>{% endif %}
{% if older %}<a class="older" rel="prev" href="{{ older.url }}">{{ older.data.title | escape }} →</a>{% endif %}
</nav>
</article>
`;

const lists = `---
pagination:
  data: collections.listPages
  size: 1
  alias: list
permalink: "{{ list.url }}index.html"
layout: base.liquid
eleventyComputed:
  title: "{{ list.title }}"
---
<h1>{{ list.title | escape }}</h1>
{% for post in list.posts %}<article class="card">
<h2><a href="{{ post.url }}">{{ post.data.title | escape }}</a></h2>
{% render 'post-meta', post: post %}
{% if post.data.summary %}<p>{{ post.data.summary | escape }}</p>{% else %}{{ post.content | split: '</p>' | first }}</p>{% endif %}
<p><a class="more" href="{{ post.url }}">Read more</a></p>
</article>
{% endfor %}{% if list.total > 1 %}<nav class="pagination">{% if list.newer %}<a rel="prev" href="{{ list.newer }}">← Newer</a>{% endif %}<span>Page {{ list.page }} of {{ list.total }}</span>{% if list.older %}<a rel="next" href="{{ list.older }}">Older →</a>{% endif %}</nav>{% endif %}
`;

const feeds = `---
pagination:
  data: collections.feeds
  size: 1
  alias: feed
permalink: "{{ feed.base }}{% if feed.format == 'rss' %}feed.xml{% else %}atom.xml{% endif %}"
eleventyExcludeFromCollections: true
---
{% if feed.format == 'rss' %}<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>{{ feed.title | escape }}</title><link>{{ site.baseUrl }}{{ feed.base | remove_first: '/' }}</link><language>{{ feed.lang }}</language>
{% for post in feed.posts %}<item><title>{{ post.data.title | escape }}</title><link>{{ site.baseUrl }}{{ post.url | remove_first: '/' }}</link><guid isPermaLink="true">{{ site.baseUrl }}{{ post.url | remove_first: '/' }}</guid><pubDate>{{ post.date | rfc822 }}</pubDate>{% for tag in post.data.tags %}<category>{{ tag | escape }}</category>{% endfor %}<description><![CDATA[{{ post.content }}]]></description></item>
{% endfor %}</channel></rss>
{% else %}<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{{ feed.lang }}"><title>{{ feed.title | escape }}</title><id>{{ site.baseUrl }}{{ feed.base | remove_first: '/' }}</id>
{% for post in feed.posts %}<entry><title>{{ post.data.title | escape }}</title><link href="{{ site.baseUrl }}{{ post.url | remove_first: '/' }}"/><id>{{ site.baseUrl }}{{ post.url | remove_first: '/' }}</id><published>{{ post.date | iso }}</published><content type="html"><![CDATA[{{ post.content }}]]></content></entry>
{% endfor %}</feed>
{% endif %}`;

const sitemapTemplate = `---
permalink: /sitemap.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{% for item in collections.all %}<url><loc>{{ site.baseUrl }}{{ item.url | remove_first: '/' }}</loc></url>
{% endfor %}</urlset>
`;

const notFound = `---
permalink: /404.html
layout: base.liquid
title: Page not found
eleventyExcludeFromCollections: true
---
<h1>Page not found</h1>
`;

const postsData = `
const slug = (text) => String(text).normalize('NFKD').replace(/\\p{M}+/gu, '').toLowerCase().replace(/[^\\p{L}\\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
const langOf = (path) => /\\.(de|fr)\\.md$/.exec(path)?.[1] ?? 'en';
export default {
  layout: 'post.liquid',
  eleventyComputed: {
    lang: (data) => langOf(data.page.inputPath),
    permalink: (data) => {
      const lang = langOf(data.page.inputPath);
      const d = new Date(data.page.date);
      const file = data.page.fileSlug.replace(/\\.(de|fr)$/, '');
      return (lang === 'en' ? '' : '/' + lang) + '/' + d.getUTCFullYear() + '/' + String(d.getUTCMonth() + 1).padStart(2, '0') + '/' + slug(file) + '/index.html';
    },
  },
};
`;
