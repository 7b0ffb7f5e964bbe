import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Drop, type Liquid } from './liquid.js';
import { formatMonth } from './dates.js';
import { atomFeed, rssFeed, sitemap } from './feeds.js';
import { registerFilters, translate } from './filters.js';
import { createMarkdown, type MarkdownRenderer } from './markdown.js';
import { pageUrl } from './permalink.js';
import { redirectPage, redirectsFile } from './redirects.js';
import type { ListEntry, PostEntry, Route, Snapshot } from './snapshot.js';
import { ContentLiquid } from './content-liquid.js';
import { LiquidCompiler } from './liquid-compiler.js';
import { createLiquid, templateError } from './templates.js';
import { BlogEngineError } from '../errors.js';
import { hashOf } from './hash.js';

/**
 * A post as templates see it (`post` in lists, `page.prev`, `page.next`, and
 * under a post's own page): built once per post and worker. Its excerpt is
 * rendered on first read and then kept: a post's own page and its neighbours'
 * links seldom show it, list pages and feeds always do.
 *
 * A class, so that every card shares one hidden class. As an object literal
 * with its own `get excerpt()`, each card (and each post page built on one) got
 * a hidden class of its own, which V8 keeps in the old generation and which
 * refers to the getter: everything the page referenced, its HTML included,
 * then survived young-generation collections, and property reads in templates
 * met thousands of shapes. A liquidjs `Drop`, because liquidjs reads only own
 * properties of other objects and `excerpt` is the class's.
 */
export class PostCard extends Drop {
  readonly title: string;
  readonly url: string;
  readonly href: string;
  readonly lang: string;
  readonly date: string;
  readonly dateDisplay: string;
  readonly updated: string | null;
  readonly updatedDisplay: string | null;
  readonly year: string;
  readonly month: string;
  readonly tags: PostEntry['tags'];
  readonly categories: PostEntry['categories'];
  readonly summary: string | null;
  readonly data: Record<string, unknown>;
  #excerpt: string | undefined;
  readonly #renderExcerpt: () => string;

  constructor(post: PostEntry, href: string, renderExcerpt: () => string) {
    super();
    this.title = post.title;
    this.url = post.url;
    this.href = href;
    this.lang = post.lang;
    this.date = post.date;
    this.dateDisplay = post.dateDisplay;
    this.updated = post.updated;
    this.updatedDisplay = post.updatedDisplay;
    this.year = post.year;
    this.month = post.month;
    this.tags = post.tags;
    this.categories = post.categories;
    this.summary = post.summary;
    this.data = post.data;
    this.#renderExcerpt = renderExcerpt;
  }

  get excerpt(): string {
    return (this.#excerpt ??= this.#renderExcerpt());
  }
}

/** The outcome of rendering one route: its bytes, or the problem. */
export type Rendered = { ok: true; bytes: string | Buffer } | { ok: false; problem: BlogEngineError };

/**
 * Renders routes from a build snapshot: one per worker thread (or one on the
 * main thread in inline mode). Templates are parsed once (liquidjs cache);
 * each post's Markdown, excerpt and card are made at most once per worker.
 */
export class PageRenderer {
  readonly #snapshot: Snapshot;
  readonly #liquid: Liquid;
  #markdown: MarkdownRenderer | undefined;
  readonly #html = new Map<number, string>();
  readonly #cards = new Map<number, PostCard>();
  readonly #siteViews = new Map<string, Record<string, unknown>>();
  readonly #layouts = new Map<string, (scope: Record<string, unknown>) => string>();
  readonly #compiler: LiquidCompiler | undefined;
  #contentLiquid: ContentLiquid | undefined;
  #feedPosts: Set<number> | undefined;

  /** `compile: false` renders through liquidjs alone: the reference the compiled renders are tested against. */
  constructor(snapshot: Snapshot, { compile = true }: { compile?: boolean } = {}) {
    this.#snapshot = snapshot;
    this.#liquid = createLiquid(snapshot.templates, snapshot.site.limits);
    registerFilters(this.#liquid, { ...snapshot.site, markdown: () => this.#md() });
    this.#compiler = compile ? new LiquidCompiler(this.#liquid) : undefined;
  }

  render(route: Route, path: string): Rendered {
    try {
      return { ok: true, bytes: this.#render(route, path) };
    } catch (error) {
      return { ok: false, problem: this.#problem(error, route, path) };
    }
  }

  #render(route: Route, path: string): string | Buffer {
    const { posts, lists, site } = this.#snapshot;
    switch (route.type) {
      case 'post': {
        const post = posts[route.post]!;
        if (post.redirectTo !== null) return redirectPage(this.#absolute(post.redirectTo), post.lang);
        // A Jekyll text file with front matter (`robots.txt`) is its body, Liquid rendered, with no layout.
        if (post.format === 'text' || post.layout === '') return this.#content(post, false);
        // A post's page is rendered once: its HTML is kept only when a full-content feed will ask for it.
        const content = this.#content(post, this.#inFeeds().has(post.id));
        // Assigned onto a new card, not spread from one: spreading would render its lazy excerpt.
        const page = Object.assign(this.#cardOf(post), {
          kind: post.kind,
          source: post.source,
          content,
          prev: post.prev === null ? null : this.#card(posts[post.prev]!),
          next: post.next === null ? null : this.#card(posts[post.next]!),
          translations: post.translations.map((id) => ({ lang: posts[id]!.lang, url: posts[id]!.url, href: this.#href(posts[id]!.url), title: posts[id]!.title })),
        });
        return this.#layout(post.layout, { site: this.#site(post.lang), page, content });
      }
      case 'list': {
        const list = lists[route.list]!;
        const start = (route.page - 1) * list.pageSize;
        const ids = list.postIds.slice(start, start + list.pageSize);
        const url = pageUrl(list.baseUrl, route.page);
        const newerUrl = route.page > 1 ? pageUrl(list.baseUrl, route.page - 1) : null;
        const olderUrl = route.page < list.totalPages ? pageUrl(list.baseUrl, route.page + 1) : null;
        const page = {
          kind: list.kind,
          lang: list.lang,
          title: this.#listTitle(list),
          url,
          href: this.#href(url),
          term: list.term,
          posts: ids.map((id) => this.#card(posts[id]!)),
          feeds: {
            rss: list.feeds.rss,
            atom: list.feeds.atom,
            rssHref: list.feeds.rss === null ? null : this.#href(list.feeds.rss),
            atomHref: list.feeds.atom === null ? null : this.#href(list.feeds.atom),
          },
          pagination: {
            page: route.page,
            totalPages: list.totalPages,
            totalPosts: list.postIds.length,
            newerUrl,
            olderUrl,
            newerHref: newerUrl === null ? null : this.#href(newerUrl),
            olderHref: olderUrl === null ? null : this.#href(olderUrl),
          },
        };
        return this.#layout(list.layout, { site: this.#site(list.lang), page });
      }
      case 'feed': {
        const list = lists[route.list]!;
        const items = list.postIds.slice(0, site.feeds.limit).map((id) => posts[id]!);
        const title = list.kind === 'home' ? this.#languageTitle(list.lang) : `${this.#languageTitle(list.lang)}: ${list.term?.name ?? ''}`;
        const html = (post: PostEntry) => (site.feeds.fullContent ? this.#content(post, true) : this.#card(post).excerpt);
        const input = { site, list, posts: items, selfUrl: `/${path}`, title, html };
        return route.format === 'rss' ? rssFeed(input) : atomFeed(input);
      }
      case 'sitemap':
        return sitemap(site, this.#snapshot.sitemap);
      case 'tags': {
        const page = { kind: 'tags', lang: route.lang, title: translate(site.i18n[route.lang], 'all_tags', []), url: `/${path.replace(/index\.html$/, '')}`, tags: this.#snapshot.tagIndex[route.lang] ?? [] };
        return this.#layout('tags', { site: this.#site(route.lang), page });
      }
      case 'notFound': {
        const page = { kind: '404', lang: route.lang, title: translate(site.i18n[route.lang], 'not_found_title', []), url: `/${path}` };
        return this.#layout('404', { site: this.#site(route.lang), page });
      }
      case 'asset':
        return readFileSync(route.file);
      case 'redirect':
        return redirectPage(this.#absolute(route.to), route.lang);
      case 'redirects':
        return redirectsFile(route.redirects);
    }
  }

  /** Renders a layout parsed and compiled once per worker (see {@link LiquidCompiler}). */
  #layout(name: string, scope: Record<string, unknown>): string {
    let render = this.#layouts.get(name);
    if (!render) {
      const templates = this.#liquid.parseFileSync(name);
      render = this.#compiler ? this.#compiler.compileTemplates(templates) : (scope) => this.#liquid.renderSync(templates, scope) as string;
      this.#layouts.set(name, render);
    }
    return render(scope);
  }

  /** The Liquid engine of posts' bodies, made for the first body that has Liquid. */
  #bodyLiquid(): ContentLiquid {
    this.#contentLiquid ??= new ContentLiquid({ snapshot: this.#snapshot, markdown: () => this.#md(), siteOf: (lang) => this.#site(lang) });
    return this.#contentLiquid;
  }

  #md(): MarkdownRenderer {
    this.#markdown ??= createMarkdown(this.#snapshot.site.markdown);
    return this.#markdown;
  }

  /** A post's HTML, rendered by another worker, for the feeds this worker renders. */
  adoptContent(post: number, html: string): void {
    this.#html.set(post, html);
  }

  /** A post's HTML if this worker keeps it (its post is in a full-content feed). */
  keptContent(post: number): string | undefined {
    return this.#html.get(post);
  }

  /** The posts whose HTML a full-content feed shows: the newest of every list with a feed. */
  #inFeeds(): Set<number> {
    if (!this.#feedPosts) {
      this.#feedPosts = new Set();
      const { site, lists } = this.#snapshot;
      if (site.feeds.fullContent) {
        for (const list of lists) {
          if (list.feeds.rss === null && list.feeds.atom === null) continue;
          for (const id of list.postIds.slice(0, site.feeds.limit)) this.#feedPosts.add(id);
        }
      }
    }
    return this.#feedPosts;
  }

  /** A post's HTML; `keep` memoizes it (a feed's posts appear in many feeds). */
  #content(post: PostEntry, keep: boolean): string {
    let html = this.#html.get(post.id);
    if (html === undefined) {
      const cache = this.#snapshot.contentCache;
      const key = cache?.keys[post.id];
      html = key === undefined ? undefined : cache!.html.get(key);
      if (html === undefined) {
        const text = post.body ?? this.#bodyFromFile(post);
        const body = post.liquid ? this.#bodyLiquid().render(post, text) : text;
        html = post.format === 'markdown' ? this.#md().render(body) : body;
        if (keep && key !== undefined) cache!.html.set(key, html);
      }
      if (keep) this.#html.set(post.id, html);
    }
    return html;
  }

  /**
   * A body the build did not ship: read from the post's file, which must still be what the build indexed (its
   * page's render key was made from that). @throws {BlogEngineError} `ERR_BLOG_IO` when it is not
   */
  #bodyFromFile(post: PostEntry): string {
    const where = this.#snapshot.bodyFiles;
    const file = where?.files[post.id];
    if (!where || !file) throw new Error(`internal: the body of ${post.source} was not shipped to the worker`);
    let text: string;
    try {
      text = readFileSync(join(where.siteDir, file.source), 'utf8');
    } catch (error) {
      throw new BlogEngineError('ERR_BLOG_IO', `could not read ${file.source}: ${(error as Error).message}`, { file: file.source, cause: error });
    }
    if (hashOf(text) !== file.fingerprint) throw new BlogEngineError('ERR_BLOG_IO', `${file.source} changed during the build: build again`, { file: file.source });
    return text.slice(file.offset);
  }

  /** A post's card, made once per worker. */
  #card(post: PostEntry): PostCard {
    let card = this.#cards.get(post.id);
    if (!card) {
      card = this.#cardOf(post);
      this.#cards.set(post.id, card);
    }
    return card;
  }

  /** A new card object. */
  #cardOf(post: PostEntry): PostCard {
    // A front-matter summary is Markdown, as Hugo treats it: `**bold**` and backticks render, never show raw.
    const renderExcerpt = () => {
      if (post.summary !== null) return this.#md().render(post.summary);
      const source = post.liquid ? this.#bodyLiquid().excerpt(post, post.excerptSource) : post.excerptSource;
      return post.format === 'markdown' ? this.#md().render(source) : source;
    };
    return new PostCard(post, this.#href(post.url), renderExcerpt);
  }

  #languageTitle(lang: string): string {
    return this.#snapshot.site.languages.find((l) => l.code === lang)?.title ?? this.#snapshot.site.title;
  }

  #listTitle(list: ListEntry): string {
    const strings = this.#snapshot.site.i18n[list.lang];
    switch (list.kind) {
      case 'home':
        return this.#languageTitle(list.lang);
      case 'tag':
        return translate(strings, 'posts_tagged', [list.term?.name]);
      case 'category':
        return translate(strings, 'posts_in_category', [list.term?.name]);
      case 'year':
        return translate(strings, 'archive_year', [list.term?.name]);
      case 'month': {
        const [year, month] = (list.term?.slug ?? '0-0').split('-').map(Number);
        return translate(strings, 'archive_month', [formatMonth(year!, month!, list.lang)]);
      }
    }
  }

  #site(lang: string): Record<string, unknown> {
    let view = this.#siteViews.get(lang);
    if (!view) {
      const { site } = this.#snapshot;
      const language = site.languages.find((l) => l.code === lang);
      const prefix = language?.prefix ?? '';
      const rss = site.feeds.rss ? `${prefix}/${site.feeds.rss}` : null;
      const atom = site.feeds.atom ? `${prefix}/${site.feeds.atom}` : null;
      view = {
        title: language?.title ?? site.title,
        description: language?.description ?? site.description,
        baseUrl: site.baseUrl,
        basePath: site.basePath,
        lang,
        home: `${prefix}/`,
        homeHref: this.#href(`${prefix}/`),
        author: site.author,
        languages: site.languages.map((l) => ({ code: l.code, title: l.title, url: `${l.prefix}/`, href: this.#href(`${l.prefix}/`) })),
        data: site.data,
        feeds: { rss, atom, rssHref: rss === null ? null : this.#href(rss), atomHref: atom === null ? null : this.#href(atom) },
      };
      this.#siteViews.set(lang, view);
    }
    return view;
  }

  /** A site path as an absolute URL (`/a/` → `https://example.com/blog/a/`); an absolute URL as it is. */
  #absolute(url: string): string {
    return url.startsWith('/') ? this.#snapshot.site.baseUrl + url.slice(1) : url;
  }

  #href(url: string): string {
    return this.#snapshot.site.basePath + url.slice(1);
  }

  #problem(error: unknown, route: Route, path: string): BlogEngineError {
    if (error instanceof BlogEngineError) return error;
    if (route.type === 'asset') {
      return new BlogEngineError('ERR_BLOG_IO', `could not read asset ${route.file}: ${(error as Error).message}`, { cause: error });
    }
    const what = route.type === 'post' ? this.#snapshot.posts[route.post]!.source : path;
    return templateError(error, this.#snapshot.templateFiles, what);
  }
}
