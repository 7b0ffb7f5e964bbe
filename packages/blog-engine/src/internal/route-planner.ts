import { BlogEngineError } from '../errors.js';
import type { ResolvedSiteConfig } from '../site-config.js';
import { hashOf } from './hash.js';
import { copiedPathOf, outputPathOf, pageUrl } from './permalink.js';
import type { Route, SectionName, Snapshot } from './snapshot.js';
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
  routes: PlannedRoute[];
  snapshot: Snapshot;
  problems: BlogEngineError[];
}

/**
 * Plans every output file and its render key. A key hashes exactly what the
 * page shows: the site-wide inputs (configuration, templates, data, engine
 * version) and the hashes of the posts on it (their card for lists, their
 * whole page for a post and for full-content feeds, neighbours' cards). Two
 * routes writing one file are a duplicate permalink.
 */
export function planRoutes(config: ResolvedSiteConfig, loaded: LoadedSite, index: SiteIndex, engineVersion: string): RoutePlan {
  const problems: BlogEngineError[] = [];
  const routes: PlannedRoute[] = [];
  const owners = new Map<string, string>();
  const sitemap: Snapshot['sitemap'] = [];
  const { posts, lists, cardHashes, pageHashes } = index;
  const globalHash = hashOf(engineVersion, JSON.stringify(index.site), JSON.stringify(loaded.templates));

  /** Adds a route; `asIs`: the URL names the file itself (a copied file: `/CNAME` is `CNAME`, not `CNAME/index.html`). */
  const add = (url: string, section: SectionName, route: Route, key: string, owner: string, where: { file?: string; line?: number } = {}, asIs = false): boolean => {
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

  for (const post of posts) {
    const origin = index.origins[post.id]!;
    const prev = post.prev === null ? '' : cardHashes[post.prev]!;
    const next = post.next === null ? '' : cardHashes[post.next]!;
    const page = pageHashes[post.id]!;
    const key =
      post.translations.length === 0
        ? hashOf(globalHash, 'post', page, prev, next)
        : hashOf(globalHash, 'post', page, prev, next, ...post.translations.map((id) => `${posts[id]!.lang}|${posts[id]!.url}|${posts[id]!.title}`));
    const where = origin.line === undefined ? { file: origin.source } : { file: origin.source, line: origin.line };
    if (add(post.url, 'single', { type: 'post', post: post.id }, key, post.source, where, post.format === 'text') && post.format !== 'text') {
      sitemap.push({ url: post.url, lastmod: post.updated ?? (post.date || null) });
    }
  }

  for (const list of lists) {
    const owner = list.kind === 'home' ? `the ${list.lang} home index` : `the ${list.kind} "${list.term?.name}" (${list.lang})`;
    const listKey = hashOf(globalHash, 'list', JSON.stringify([list.kind, list.lang, list.term, list.baseUrl, list.layout, list.feeds, list.totalPages, list.postIds.length]));
    for (let page = 1; page <= list.totalPages; page++) {
      const ids = list.postIds.slice((page - 1) * list.pageSize, page * list.pageSize);
      const url = pageUrl(list.baseUrl, page);
      const key = hashOf(listKey, String(page), ...ids.map((id) => cardHashes[id]!));
      if (add(url, list.section, { type: 'list', list: list.id, page }, key, page === 1 ? owner : `page ${page} of ${owner}`)) {
        sitemap.push({ url, lastmod: null });
      }
    }
    for (const format of ['rss', 'atom'] as const) {
      const url = list.feeds[format];
      if (url === null) continue;
      const items = list.postIds.slice(0, config.feeds.limit).map((id) => (config.feeds.fullContent ? pageHashes[id]! : cardHashes[id]!));
      add(url, list.section, { type: 'feed', list: list.id, format }, hashOf(listKey, format, url, ...items), `the ${format} feed of ${owner}`);
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
  add('/sitemap.xml', 'core', { type: 'sitemap' }, hashOf(globalHash, 'sitemap', JSON.stringify(sitemap)), 'the sitemap');
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
    lists,
    tagIndex: index.tagIndex,
    sitemap,
  };
  return { routes, snapshot, problems };
}
