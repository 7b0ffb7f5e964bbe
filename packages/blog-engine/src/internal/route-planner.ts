import { BlogEngineError } from '../errors.js';
import type { ResolvedSiteConfig } from '../site-config.js';
import { hashOf } from './hash.js';
import { copiedPathOf, outputPathOf, pageUrl } from './permalink.js';
import type { ListEntry, PostEntry, Route, SectionName, Snapshot } from './snapshot.js';
import type { SiteIndex } from './site-index.js';
import type { LoadedSite } from './site-loader.js';

/** One output file of the build, with the key of everything it is made from. */
export interface PlannedRoute {
  /** Relative to the output folder. */
  path: string;
  section: SectionName;
  route: Route;
  /** The render key: equal keys render equal bytes. */
  key: string;
}

/** The routes of a build, the snapshot workers render from, and the problems found while planning. */
export interface RoutePlan {
  /** The hash of the site-wide inputs every page is made of (configuration, templates, data, engine version). */
  globalHash: string;
  routes: PlannedRoute[];
  snapshot: Snapshot;
  problems: BlogEngineError[];
}

/** What the plan of the posts, lists, feeds, tag indexes and 404 pages made, which the rest of the plan adds to. */
interface PlanHead {
  routes: PlannedRoute[];
  /** Output path → what makes it, for duplicate reports. */
  owners: Map<string, string>;
  /** Every post's and list page's URL (and tag index's), with its last modification where known; and the hash of that. */
  sitemap: Snapshot['sitemap'];
  sitemapKey: string;
  /** Per list: the hash of what every page of it shows besides its posts' cards. */
  listKeys: string[];
}

/**
 * What a plan keeps for the next plan in the same process (`serve`'s warm state): its posts and lists, their
 * hashes, and the routes made of them. A next plan whose posts and lists have the same URLs, order, neighbours,
 * translations and pages takes these routes and works out again only the keys whose posts' hashes changed.
 */
export interface PlanMemo {
  globalHash: string;
  posts: PostEntry[];
  lists: ListEntry[];
  cardHashes: string[];
  pageHashes: string[];
  tagIndex: SiteIndex['tagIndex'];
  head: PlanHead;
}

/** Adds routes to `routes`, refusing a path something else already makes. */
function routeAdder(owners: Map<string, string>, routes: PlannedRoute[], problems: BlogEngineError[]) {
  /** Adds a route; `asIs`: the URL names the file itself (a copied file: `/CNAME` is `CNAME`, not `CNAME/index.html`). */
  return (url: string, section: SectionName, route: Route, key: string, owner: string, where: { file?: string; line?: number } = {}, asIs = false): boolean => {
    let path: string;
    try {
      path = asIs ? copiedPathOf(url, where) : outputPathOf(url, where);
    } catch (error) {
      problems.push(error as BlogEngineError);
      return false;
    }
    const previous = owners.get(path);
    if (previous !== undefined) {
      const reason = asIs ? `${owner} would overwrite ${url}, which is already ${previous}: rename or remove one of them` : `permalink ${url} of ${owner} is already the permalink of ${previous}`;
      problems.push(
        new BlogEngineError('ERR_BLOG_DUPLICATE_PERMALINK', reason, {
          file: where.file ?? owner,
          ...(where.line === undefined ? {} : { line: where.line }),
        }),
      );
      return false;
    }
    owners.set(path, owner);
    routes.push({ path, section, route, key });
    return true;
  };
}

/** A post page's key: its whole page, its neighbours' cards, and its translations' language, URL and title. */
function postKey(globalHash: string, post: PostEntry, posts: PostEntry[], cardHashes: string[], pageHashes: string[]): string {
  const prev = post.prev === null ? '' : cardHashes[post.prev]!;
  const next = post.next === null ? '' : cardHashes[post.next]!;
  const page = pageHashes[post.id]!;
  if (post.translations.length === 0) return hashOf(globalHash, 'post', page, prev, next);
  return hashOf(globalHash, 'post', page, prev, next, ...post.translations.map((id) => `${posts[id]!.lang}|${posts[id]!.url}|${posts[id]!.title}`));
}

function listKeyOf(globalHash: string, list: ListEntry): string {
  return hashOf(globalHash, 'list', JSON.stringify([list.kind, list.lang, list.term, list.baseUrl, list.layout, list.feeds, list.totalPages, list.postIds.length]));
}

function listPageIds(list: ListEntry, page: number): number[] {
  return list.postIds.slice((page - 1) * list.pageSize, page * list.pageSize);
}

function listPageKey(listKey: string, list: ListEntry, page: number, cardHashes: string[]): string {
  return hashOf(listKey, String(page), ...listPageIds(list, page).map((id) => cardHashes[id]!));
}

function feedKey(config: ResolvedSiteConfig, listKey: string, list: ListEntry, format: 'rss' | 'atom', cardHashes: string[], pageHashes: string[]): string {
  const items = list.postIds.slice(0, config.feeds.limit).map((id) => (config.feeds.fullContent ? pageHashes[id]! : cardHashes[id]!));
  return hashOf(listKey, format, list.feeds[format]!, ...items);
}

/** The routes of every post, list page, feed, tag index and 404 page. */
function planHead(config: ResolvedSiteConfig, index: SiteIndex, globalHash: string, problems: BlogEngineError[]): PlanHead {
  const routes: PlannedRoute[] = [];
  const owners = new Map<string, string>();
  const sitemap: Snapshot['sitemap'] = [];
  const add = routeAdder(owners, routes, problems);
  const { posts, lists, cardHashes, pageHashes } = index;

  for (const post of posts) {
    const origin = index.origins[post.id]!;
    const key = postKey(globalHash, post, posts, cardHashes, pageHashes);
    const where = origin.line === undefined ? { file: origin.source } : { file: origin.source, line: origin.line };
    if (add(post.url, 'single', { type: 'post', post: post.id }, key, post.source, where, post.format === 'text') && post.format !== 'text') {
      sitemap.push({ url: post.url, lastmod: post.updated ?? (post.date || null) });
    }
  }

  const listKeys: string[] = [];
  for (const list of lists) {
    const owner = list.kind === 'home' ? `the ${list.lang} home index` : `the ${list.kind} "${list.term?.name}" (${list.lang})`;
    const listKey = listKeyOf(globalHash, list);
    listKeys.push(listKey);
    for (let page = 1; page <= list.totalPages; page++) {
      const url = pageUrl(list.baseUrl, page);
      if (add(url, list.section, { type: 'list', list: list.id, page }, listPageKey(listKey, list, page, cardHashes), page === 1 ? owner : `page ${page} of ${owner}`)) {
        sitemap.push({ url, lastmod: null });
      }
    }
    for (const format of ['rss', 'atom'] as const) {
      if (list.feeds[format] === null) continue;
      add(list.feeds[format], list.section, { type: 'feed', list: list.id, format }, feedKey(config, listKey, list, format, cardHashes, pageHashes), `the ${format} feed of ${owner}`);
    }
  }

  for (const language of config.languages) {
    const tagsBase = /^(.*\/):tag\//.exec(config.permalinks.tag)?.[1];
    const tags = index.tagIndex[language.code] ?? [];
    if (tagsBase && tagsBase !== '/' && tags.length > 0) {
      const url = language.prefix + tagsBase;
      if (add(url, 'tag', { type: 'tags', lang: language.code }, hashOf(globalHash, 'tags', language.code, JSON.stringify(tags)), `the ${language.code} tag index`)) {
        sitemap.push({ url, lastmod: null });
      }
    }
    // A site's own 404 page (Jekyll's `404.md`) is the one served.
    if (!owners.has(`${language.prefix.slice(1)}${language.prefix ? '/' : ''}404.html`)) {
      add(`${language.prefix}/404.html`, 'core', { type: 'notFound', lang: language.code }, hashOf(globalHash, '404', language.code), `the ${language.code} 404 page`);
    }
  }
  return { routes, owners, sitemap, sitemapKey: hashOf(globalHash, 'sitemap', JSON.stringify(sitemap)), listKeys };
}

function sameIds(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `a` and `b` agree on every one of `keys`. */
function sameIn<T>(a: T, b: T, keys: readonly (keyof T)[]): boolean {
  return keys.every((key) => a[key] === b[key]);
}

/** What a post's route, its place among its neighbours and its sitemap entry are made of, besides its hashes. */
const postPlace = ['source', 'url', 'format', 'lang', 'prev', 'next', 'date', 'updated'] as const;

function sameList(a: ListEntry, b: ListEntry): boolean {
  const sameTerm = a.term === null || b.term === null ? a.term === b.term : sameIn(a.term, b.term, ['name', 'slug', 'url', 'href']);
  return sameTerm && sameIn(a, b, ['kind', 'lang', 'baseUrl', 'layout', 'pageSize', 'totalPages']) && sameIn(a.feeds, b.feeds, ['rss', 'atom']) && sameIds(a.postIds, b.postIds);
}

/**
 * The last plan's head, when this index has the same posts and lists in the same places: the routes whose posts'
 * hashes changed get new keys, every other route is the last plan's. Undefined when anything a route's path, order
 * or neighbours come from moved: then the head is planned again.
 */
function reusedHead(config: ResolvedSiteConfig, last: PlanMemo, index: SiteIndex, globalHash: string): PlanHead | undefined {
  const { posts, lists, cardHashes, pageHashes } = index;
  if (last.globalHash !== globalHash || last.posts.length !== posts.length || last.lists.length !== lists.length) return undefined;
  const titleChanged: boolean[] = [];
  // A warm index hands over the very posts and lists that did not change.
  for (const post of posts) {
    const before = last.posts[post.id]!;
    if (post !== before && (!sameIn(post, before, postPlace) || !sameIds(post.translations, before.translations))) return undefined;
    titleChanged.push(post.title !== before.title);
  }
  if (lists !== last.lists) for (const [i, list] of lists.entries()) if (!sameList(list, last.lists[i]!)) return undefined;
  if (index.tagIndex !== last.tagIndex && JSON.stringify(index.tagIndex) !== JSON.stringify(last.tagIndex)) return undefined;

  const cardChanged = cardHashes.map((hash, id) => hash !== last.cardHashes[id]);
  const pageChanged = pageHashes.map((hash, id) => hash !== last.pageHashes[id]);
  const { listKeys } = last.head;
  const routes = last.head.routes.map((planned): PlannedRoute => {
    const { route } = planned;
    let key: string | undefined;
    if (route.type === 'post') {
      const post = posts[route.post]!;
      const stale = pageChanged[post.id] || (post.prev !== null && cardChanged[post.prev]) || (post.next !== null && cardChanged[post.next]) || post.translations.some((id) => titleChanged[id]);
      if (stale) key = postKey(globalHash, post, posts, cardHashes, pageHashes);
    } else if (route.type === 'list') {
      const list = lists[route.list]!;
      if (listPageIds(list, route.page).some((id) => cardChanged[id])) key = listPageKey(listKeys[list.id]!, list, route.page, cardHashes);
    } else if (route.type === 'feed') {
      const list = lists[route.list]!;
      const changed = config.feeds.fullContent ? pageChanged : cardChanged;
      if (list.postIds.slice(0, config.feeds.limit).some((id) => changed[id])) key = feedKey(config, listKeys[list.id]!, list, route.format, cardHashes, pageHashes);
    }
    return key === undefined ? planned : { ...planned, key };
  });
  return { ...last.head, routes };
}

/**
 * Plans every output file and its render key. A key hashes exactly what the
 * page shows: the site-wide inputs (configuration, templates, data, engine
 * version) and the hashes of the posts on it (their card for lists, their
 * whole page for a post and for full-content feeds, neighbours' cards). Two
 * routes writing one file are a duplicate permalink. With `warm`, a plan whose
 * posts and lists stand where the last one's did reuses its routes (see
 * {@link reusedHead}).
 */
export function planRoutes(config: ResolvedSiteConfig, loaded: LoadedSite, index: SiteIndex, engineVersion: string, warm?: { plan: PlanMemo | undefined }): RoutePlan {
  const problems: BlogEngineError[] = [];
  const { posts } = index;
  const globalHash = hashOf(engineVersion, JSON.stringify(index.site), JSON.stringify(loaded.templates));
  const head = (warm?.plan && reusedHead(config, warm.plan, index, globalHash)) ?? planHead(config, index, globalHash, problems);
  const routes = [...head.routes];
  const owners = new Map(head.owners);
  const add = routeAdder(owners, routes, problems);

  // Old URLs of moved posts: a redirect page at each, and optionally a `_redirects` file for hosts that read one.
  const redirects: { from: string; to: string }[] = [];
  for (const { from, to, source, line } of index.redirects) {
    const post = posts[to]!;
    const target = post.redirectTo ?? post.url;
    const where = { file: source, ...(line === undefined ? {} : { line }) };
    if (add(from, 'core', { type: 'redirect', to: target, lang: post.lang }, hashOf('redirect', from, target, post.lang, index.site.baseUrl), `the redirect from ${from} to ${post.url} (${source})`, where)) {
      redirects.push({ from, to: target });
    }
  }
  if (config.redirectsFile && redirects.length > 0) {
    add('/_redirects', 'core', { type: 'redirects', redirects }, hashOf('redirects', JSON.stringify(redirects)), 'the _redirects file', {}, true);
  }

  for (const asset of loaded.assets) {
    add(`/${asset.path}`, 'core', { type: 'asset', file: asset.file }, hashOf('asset', asset.file, asset.fingerprint), asset.path, { file: asset.path }, true);
  }
  add('/sitemap.xml', 'core', { type: 'sitemap' }, head.sitemapKey, 'the sitemap');
  // A page bundle's files go next to its page, and its translations' (`content/posts/trip/photo.jpg` → `/posts/trip/photo.jpg`).
  const bundlePages = new Map<string, string[]>();
  const urlOf = new Map(posts.map((post) => [post.source, post.url]));
  for (const doc of loaded.docs) {
    const url = doc.bundle === undefined ? undefined : urlOf.get(doc.source);
    if (url === undefined) continue;
    const folder = url.endsWith('/') ? url : url.slice(0, url.lastIndexOf('/') + 1);
    bundlePages.set(doc.bundle!, [...(bundlePages.get(doc.bundle!) ?? []), folder]);
  }
  for (const resource of loaded.resources) {
    // A bundle whose page is not published (a draft, a future post) publishes none of its files either.
    for (const base of bundlePages.get(resource.bundle) ?? []) {
      add(base + resource.path, 'core', { type: 'asset', file: resource.file }, hashOf('asset', resource.file, resource.fingerprint), resource.source, { file: resource.source }, true);
    }
  }
  // Last, so that a static file in the way of anything the build makes is the one reported.
  for (const file of loaded.statics) {
    add(`/${file.path}`, 'core', { type: 'asset', file: file.file }, hashOf('asset', file.file, file.fingerprint), file.source, { file: file.source }, true);
  }

  const snapshot: Snapshot = {
    site: index.site,
    templates: loaded.templates,
    templateFiles: loaded.templateFiles,
    posts,
    lists: index.lists,
    tagIndex: index.tagIndex,
    sitemap: head.sitemap,
  };
  if (warm) {
    warm.plan = problems.length > 0 ? undefined : { globalHash, posts, lists: index.lists, cardHashes: index.cardHashes, pageHashes: index.pageHashes, tagIndex: index.tagIndex, head };
  }
  return { globalHash, routes, snapshot, problems };
}
