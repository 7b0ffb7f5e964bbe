import { BlogEngineError } from '../errors.js';
import type { ResolvedSiteConfig } from '../site-config.js';
import { formatDate, parseDate } from './dates.js';
import type { FrontMatter } from './front-matter.js';
import { hashOf } from './hash.js';
import { expandPermalink, unsafeUrlReason } from './permalink.js';
import type { BodyFile, ListEntry, PostEntry, SiteView, TermRef } from './snapshot.js';
import { slugify } from './slugify.js';
import { excerptSource } from './excerpt-source.js';
import { aliasesOf, aliasKeys, type Alias } from './redirects.js';
import { expiryDateKeys, fileNameDate, firstKey, holdOf, publishDateKeys, type Hold, type PublishingRules } from './publishing.js';
import { htmlExcerpt, type LoadedSite, type SourceDoc } from './site-loader.js';
import { changedInPlace } from './index-arrangement.js';
import { warmIndex, type WarmState } from './warm-state.js';

/** The default theme's layouts of lists and site pages: a Jekyll or Hugo post naming one (`layout: home`) gets its own kind's. */
const listLayouts = new Set(['home', 'tag', 'category', 'archive', 'tags', '404', 'base']);

/** The engine's own front-matter keys; the others reach templates as `page.data`. */
const reservedKeys = new Set(['title', 'date', 'updated', 'tags', 'categories', 'category', 'lang', 'slug', 'draft', 'summary', 'permalink', 'layout', 'translationKey', ...aliasKeys, 'redirect_to', 'render_with_liquid']);

/** Something a build did differently from what a file asked. */
export interface SiteWarning {
  file: string;
  line?: number;
  reason: string;
}

/** The site's content, indexed once on the main thread. */
export interface SiteIndex {
  site: SiteView;
  posts: PostEntry[];
  lists: ListEntry[];
  tagIndex: Record<string, (TermRef & { count: number })[]>;
  /** Per post: where its permalink came from, for duplicate reports. */
  origins: { source: string; line: number | undefined }[];
  /** Per post: the hash of what a list shows of it, and of everything its own page shows. */
  cardHashes: string[];
  pageHashes: string[];
  /** A post's Markdown body after macros (posts' `body` is null: reading every file is left to the posts a build renders). @throws {BlogEngineError} `ERR_BLOG_IO` */
  bodyOf: (id: number) => string;
  /** Where a post's body is in its file; undefined when macros changed it (then only {@link bodyOf} has it). */
  bodyFileOf: (id: number) => BodyFile | undefined;
  drafts: number;
  /** Old URLs of posts (`aliases`, `redirect_from`) to redirect to them, with where each was written. */
  redirects: { from: string; to: number; source: string; line: number | undefined }[];
  /** What the build did differently from what a post asked, and why (a layout it does not have). */
  warnings: SiteWarning[];
  /** Posts and pages left out by the publishing rules (future, expired, `published: false`), by source. */
  held: { file: string; hold: Hold }[];
  problems: BlogEngineError[];
}

/** Everything a post needs before it gets an id. */
export interface IndexedDraft {
  doc: SourceDoc;
  frontMatter: FrontMatter;
  /** The body after macros, when they changed it. */
  expanded: string | undefined;
  entry: Omit<PostEntry, 'id' | 'prev' | 'next' | 'translations'>;
  translationKey: string;
  origin: { source: string; line: number | undefined };
  aliases: Alias[];
}

const langSuffix = /\.([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)$/;

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.map(String);
  return undefined;
}

/** A title made of a file name: words split at `-` and `_`, each capitalized. */
function titleOf(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

function readDoc(
  doc: SourceDoc,
  expanded: string | undefined,
  config: ResolvedSiteConfig,
  templates: Record<string, string>,
  problems: BlogEngineError[],
  warnings: SiteWarning[],
): IndexedDraft | undefined {
  const frontMatter = doc.frontMatter!;
  const { data, keyLines } = frontMatter;
  const file = doc.source;
  const before = problems.length;
  const fail = (key: string, reason: string, code: 'ERR_BLOG_FRONT_MATTER' | 'ERR_BLOG_PATH_ESCAPES' | 'ERR_BLOG_UNKNOWN_LAYOUT' = 'ERR_BLOG_FRONT_MATTER') =>
    problems.push(new BlogEngineError(code, reason, { file, line: keyLines[key] ?? 1 }));

  const languages = config.languages.map((l) => l.code);
  let name = doc.name;
  let lang: string = config.defaultLanguage;
  const suffix = langSuffix.exec(name);
  if (suffix && languages.includes(suffix[1]!)) {
    lang = suffix[1]!;
    name = name.slice(0, -suffix[0].length);
  }
  const translationKey = typeof data.translationKey === 'string' ? data.translationKey : `${doc.kind}:${name}`;
  if (data.lang !== undefined) {
    if (typeof data.lang !== 'string' || !languages.includes(data.lang)) fail('lang', `\`lang\` must be one of the site's languages (${languages.join(', ')}), got ${JSON.stringify(data.lang)}`);
    else lang = data.lang;
  }

  const base = name.split('/').pop()!;
  const datePrefix = /^(\d{4}-\d{2}-\d{2})-(.+)$/.exec(base);
  let title = '';
  if (typeof data.title === 'string' || typeof data.title === 'number') title = String(data.title);
  // As Jekyll does: a post or page without a title takes its file name's (`2021-01-05-moving-in.md` → "Moving In").
  else if (data.title === undefined || data.title === null) title = titleOf(datePrefix ? datePrefix[2]! : base);
  else fail('title', `\`title\` must be a string, got ${JSON.stringify(data.title)}`);

  let date: Date | undefined;
  if (data.date !== undefined) {
    date = parseDate(data.date);
    if (!date) fail('date', `\`date\` is not a valid date: ${JSON.stringify(data.date)} (expected YYYY-MM-DD, optionally with a time)`);
  } else if (datePrefix) date = parseDate(datePrefix[1]);
  // As Jekyll dates a draft in `_drafts/`: by when its file was last changed.
  else if (doc.draftFolder) date = parseDate(doc.modified);
  else if (doc.kind === 'post') fail('date', 'missing `date` (or a YYYY-MM-DD- prefix in the file name)');
  let updated: Date | undefined;
  // Hugo names it `lastmod`, jekyll-last-modified-at `last_modified_at`.
  const updatedKey = firstKey(data, ['updated', 'lastmod', 'last_modified_at']);
  if (updatedKey !== undefined) {
    updated = parseDate(data[updatedKey]);
    if (!updated) fail(updatedKey, `\`${updatedKey}\` is not a valid date: ${JSON.stringify(data[updatedKey])}`);
  }
  for (const key of [firstKey(data, publishDateKeys), firstKey(data, expiryDateKeys)]) {
    if (key !== undefined && !parseDate(data[key])) fail(key, `\`${key}\` is not a valid date: ${JSON.stringify(data[key])}`);
  }
  if (data.published !== undefined && typeof data.published !== 'boolean' && !parseDate(data.published)) {
    fail('published', `\`published\` must be true or false (or a date), got ${JSON.stringify(data.published)}`);
  }

  let slug: string;
  if (data.slug !== undefined) {
    slug = typeof data.slug === 'string' ? data.slug : '';
    if (typeof data.slug !== 'string' || slug === '') fail('slug', `\`slug\` must be a non-empty string, got ${JSON.stringify(data.slug)}`);
    else if (/[/\\]|^\.\.?$/.test(slug) || slug.includes('\u0000')) fail('slug', `\`slug\` ${JSON.stringify(slug)} could leave the output folder`, 'ERR_BLOG_PATH_ESCAPES');
    else if (!/^[\p{L}\p{N}][\p{L}\p{N}._~-]*$/u.test(slug)) fail('slug', `\`slug\` ${JSON.stringify(slug)} may hold only letters, digits, ".", "_", "~" and "-"`);
  } else if (doc.kind === 'page') slug = name.split('/').map(slugify).filter(Boolean).join('/');
  else slug = slugify(datePrefix ? datePrefix[2]! : base) || slugify(title) || 'post';

  const terms = (key: 'tags' | 'categories'): string[] => {
    // Jekyll reads `category: news` as `categories: [news]`.
    const named = key === 'categories' && data.categories === undefined && data.category !== undefined ? 'category' : key;
    const list = stringList(data[named]);
    if (!list) {
      fail(named, `\`${named}\` must be a string or a list of strings, got ${JSON.stringify(data[named])}`);
      return [];
    }
    for (const term of list) if (!slugify(term)) fail(named, `${key === 'tags' ? 'tag' : 'category'} ${JSON.stringify(term)} has no letters or digits to make a URL of`);
    return list.filter((term) => slugify(term));
  };
  const tags = terms('tags');
  const categories = terms('categories');

  if (data.draft !== undefined && typeof data.draft !== 'boolean') fail('draft', `\`draft\` must be true or false, got ${JSON.stringify(data.draft)}`);
  if (data.render_with_liquid !== undefined && typeof data.render_with_liquid !== 'boolean') {
    fail('render_with_liquid', `\`render_with_liquid\` must be true or false, got ${JSON.stringify(data.render_with_liquid)}`);
  }
  if (data.summary !== undefined && typeof data.summary !== 'string') fail('summary', `\`summary\` must be a string, got ${JSON.stringify(data.summary)}`);

  const standard = doc.kind === 'post' ? 'post' : 'page';
  // `layout: null` (or `none`), as in Jekyll, and a text file by default: the body alone, with no layout around it.
  const bare = data.layout === null || data.layout === 'none' || (doc.format === 'text' && data.layout === undefined);
  let layout = bare ? '' : data.layout === undefined ? standard : data.layout;
  // A Jekyll or Hugo site names its theme's layouts (`default`, `single`, `home`…): without one of that name here, the
  // post or page is rendered with the default theme's, and the build says so.
  if (!bare && config.folders !== 'drove' && typeof layout === 'string' && layout !== standard && (listLayouts.has(layout) || !Object.hasOwn(templates, `layouts/${layout}.liquid`))) {
    warnings.push({ file, line: keyLines.layout ?? 1, reason: `layout \`${layout}\` is ${listLayouts.has(layout) ? "one of the engine's list layouts" : 'not in layouts/'}: rendered with \`${standard}\`` });
    layout = standard;
  }
  if (bare) layout = '';
  else if (typeof layout !== 'string' || layout === '') fail('layout', `\`layout\` must be a string, got ${JSON.stringify(layout)}`);
  else if (!Object.hasOwn(templates, `layouts/${layout}.liquid`)) {
    const known = Object.keys(templates).filter((k) => k.startsWith('layouts/')).map((k) => k.slice('layouts/'.length, -'.liquid'.length));
    fail('layout', `unknown layout \`${layout}\` (no layouts/${layout}.liquid; known: ${known.join(', ')})`, 'ERR_BLOG_UNKNOWN_LAYOUT');
  }

  const liquid = config.contentLiquid && data.render_with_liquid !== false && doc.body!.liquid !== 'none';
  if (liquid) {
    for (const { name: tag, line } of doc.body!.unknownTags) {
      warnings.push({ file, line: frontMatter.bodyLine + line - 1, reason: `Liquid tag \`${tag}\` is not one this engine has (a Jekyll plugin's?): it renders as nothing` });
    }
  }

  // A broken date or slug would only make a second, confusing permalink problem.
  if (problems.length > before) return undefined;
  const prefix = config.languages.find((l) => l.code === lang)?.prefix ?? '';
  const iso = date?.toISOString() ?? '';
  const [year = '', month = '', day = ''] = iso.slice(0, 10).split('-');
  const tokens = () => {
    const folder = doc.kind === 'post' && name.includes('/') ? name.slice(0, name.lastIndexOf('/')).split('/').map(slugify).filter(Boolean).join('/') : '';
    return {
      year,
      month,
      day,
      slug,
      title: slug,
      section: doc.section,
      categories: categories.map(slugify).join('/'),
      path: folder ? `${folder}/${slug}` : slug,
    };
  };
  let url: string;
  // Hugo's `url:` sets the whole URL, as `permalink:` does; Jekyll and Hugo take one without a leading `/` from the root.
  const permalinkKey = data.permalink === undefined && config.folders === 'hugo' && data.url !== undefined ? 'url' : 'permalink';
  const permalink = data[permalinkKey];
  if (permalink !== undefined) {
    url = typeof permalink === 'string' ? (config.folders !== 'drove' && !permalink.startsWith('/') ? `/${permalink}` : permalink) : '';
    if (/:[a-z]+/.test(url) && config.folders === 'jekyll') url = expandPermalink(url, tokens());
    const why = unsafeUrlReason(url);
    if (why) fail(permalinkKey, `\`${permalinkKey}\` ${JSON.stringify(permalink)} is refused: ${why}`, 'ERR_BLOG_PATH_ESCAPES');
  } else {
    // A text file (`robots.txt`) is written at its own path, as Jekyll writes it.
    url = doc.format === 'text' ? `/${doc.source}` : prefix + expandPermalink(doc.kind === 'post' ? config.permalinks.post : config.permalinks.page, tokens()).replace(/\/{2,}/g, '/');
    const why = unsafeUrlReason(url);
    if (why) fail('slug', `the permalink ${JSON.stringify(url)} is refused: ${why}`, 'ERR_BLOG_PATH_ESCAPES');
  }
  if (problems.length > before) return undefined;
  const aliases = aliasesOf(data, url, (key, reason, escapes) => fail(key, reason, escapes ? 'ERR_BLOG_PATH_ESCAPES' : 'ERR_BLOG_FRONT_MATTER'));
  // jekyll-redirect-from's `redirect_to`: the page itself sends visitors elsewhere (another site, or a path of this one).
  let redirectTo: string | null = null;
  if (data.redirect_to !== undefined) {
    const target = Array.isArray(data.redirect_to) && data.redirect_to.length === 1 ? data.redirect_to[0] : data.redirect_to;
    if (typeof target === 'string' && (/^https?:\/\/[^/]/i.test(target) || (target.startsWith('/') && !target.startsWith('//')))) redirectTo = target;
    else fail('redirect_to', `\`redirect_to\` must be an http(s) URL or a path starting with "/", got ${JSON.stringify(data.redirect_to)}`);
  }
  if (problems.length > before) return undefined;

  const custom: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!reservedKeys.has(key)) custom[key] = value;
  const termRefs = (names: string[], pattern: string, token: string): TermRef[] => {
    const seen = new Set<string>();
    const refs: TermRef[] = [];
    for (const termName of names) {
      const termSlug = slugify(termName);
      if (seen.has(termSlug)) continue;
      seen.add(termSlug);
      const termUrl = prefix + expandPermalink(pattern, { [token]: termSlug });
      refs.push({ name: termName, slug: termSlug, url: termUrl, href: config.basePath + termUrl.slice(1) });
    }
    return refs;
  };
  return {
    doc,
    frontMatter,
    expanded,
    translationKey,
    origin: { source: file, line: keyLines[permalinkKey] ?? keyLines.slug },
    aliases,
    entry: {
      kind: doc.kind,
      format: doc.format,
      source: file,
      lang,
      title,
      slug,
      url,
      date: iso,
      updated: updated?.toISOString() ?? null,
      dateDisplay: date ? formatDate(date, lang, config.dateStyle) : '',
      updatedDisplay: updated ? formatDate(updated, lang, config.dateStyle) : null,
      year,
      month,
      day,
      tags: termRefs(tags, config.permalinks.tag, 'tag'),
      categories: termRefs(categories, config.permalinks.category, 'category'),
      summary: typeof data.summary === 'string' ? data.summary : null,
      layout: layout as string,
      redirectTo,
      liquid,
      bodyLine: frontMatter.bodyLine,
      data: custom,
      excerptSource: expanded === undefined ? doc.body!.excerptSource : doc.format === 'html' ? htmlExcerpt(expanded) : doc.format === 'text' ? '' : excerptSource(expanded),
      body: null,
    },
  };
}

/**
 * A post made of its draft's entry, field by field (one object shape: a spread of ten thousand entries costs
 * ten times as much), in the entry's order. Its tags and categories are copies: `canonicalize` respells them in
 * place, and a warm draft is used again by the next build.
 */
function postOf(entry: IndexedDraft['entry'], id: number): PostEntry {
  return {
    kind: entry.kind,
    format: entry.format,
    source: entry.source,
    lang: entry.lang,
    title: entry.title,
    slug: entry.slug,
    url: entry.url,
    date: entry.date,
    updated: entry.updated,
    dateDisplay: entry.dateDisplay,
    updatedDisplay: entry.updatedDisplay,
    year: entry.year,
    month: entry.month,
    day: entry.day,
    tags: [...entry.tags],
    categories: [...entry.categories],
    summary: entry.summary,
    layout: entry.layout,
    redirectTo: entry.redirectTo,
    liquid: entry.liquid,
    bodyLine: entry.bodyLine,
    data: entry.data,
    excerptSource: entry.excerptSource,
    body: entry.body,
    id,
    prev: null,
    next: null,
    translations: [],
  };
}

function compareNewestFirst(a: { entry: { date: string; source: string } }, b: { entry: { date: string; source: string } }): number {
  return a.entry.date < b.entry.date ? 1 : a.entry.date > b.entry.date ? -1 : a.entry.source < b.entry.source ? -1 : a.entry.source > b.entry.source ? 1 : 0;
}

/** Posts newest first, then pages. */
function compareDrafts(a: IndexedDraft, b: IndexedDraft): number {
  return a.entry.kind === b.entry.kind ? compareNewestFirst(a, b) : a.entry.kind === 'post' ? -1 : 1;
}

/** The permutation that undoes `order`. */
function inverse(order: number[]): number[] {
  const places = new Array<number>(order.length);
  for (const [id, at] of order.entries()) places[at] = id;
  return places;
}

/**
 * Indexes the site once: validates every post's front matter (collecting all
 * problems), assigns permalinks, links translations and neighbours, and builds
 * the home, tag, category, year and month lists of each language. With
 * `warm`, a post read by an earlier build under the same configuration and
 * layouts is not read again, nor are its hashes worked out again; when no post
 * moved (see {@link changedInPlace}), the last order and lists are kept.
 */
export function indexSite(
  config: ResolvedSiteConfig,
  loaded: LoadedSite,
  bodies: Map<string, string>,
  includeDrafts: boolean,
  publishing: PublishingRules | Map<SourceDoc, Hold | undefined>,
  warm?: WarmState,
): SiteIndex {
  const problems: BlogEngineError[] = [];
  const drafts: IndexedDraft[] = [];
  const held: SiteIndex['held'] = [];
  const warnings: SiteWarning[] = [];
  // What a post's reading depends on besides its file: the configuration, and which layouts there are.
  const memo = warm && warmIndex(warm, hashOf(JSON.stringify(config), ...Object.keys(loaded.templates)));
  let draftCount = 0;
  for (const doc of loaded.docs) {
    if (!doc.frontMatter) continue;
    const expanded = bodies.get(doc.source);
    const known = expanded === undefined ? memo?.docs.get(doc) : undefined;
    let draft: IndexedDraft | undefined;
    if (known) {
      draft = known.draft;
      warnings.push(...known.warnings);
    } else {
      const [problemsBefore, warningsBefore] = [problems.length, warnings.length];
      draft = readDoc(doc, expanded, config, loaded.templates, problems, warnings);
      // A post with a problem is read again next time, so that its problem is reported again.
      if (memo && draft && expanded === undefined && problems.length === problemsBefore) memo.docs.set(doc, { draft, warnings: warnings.slice(warningsBefore) });
    }
    if (!draft) continue;
    if ((doc.frontMatter.data.draft === true || doc.draftFolder) && !includeDrafts) {
      draftCount++;
      continue;
    }
    // The build works the holds out once, for its key; given them, they are not worked out again.
    const hold = publishing instanceof Map ? publishing.get(doc) : holdOf(doc.frontMatter.data, fileNameDate(doc.source), publishing);
    if (hold) {
      held.push({ file: doc.source, hold });
      continue;
    }
    drafts.push(draft);
  }
  // Posts newest first per language, then pages: ids follow this order, so every list is already sorted.
  const last = memo?.arrangement;
  const changedAt = last && problems.length === 0 ? changedInPlace(last, drafts) : undefined;
  let order: number[];
  let posts: PostEntry[];
  let lists: ListEntry[];
  let tagIndex: SiteIndex['tagIndex'];
  // Per id: whether the post is the one the last index had (read from the same file under the same settings).
  let kept: (id: number) => boolean = () => false;
  if (last && changedAt) {
    // No post moved: the last order, neighbours, translations and lists hold, and only the posts read again are
    // made again (their terms are the last ones, which are the same as theirs).
    ({ order, lists, tagIndex } = last);
    posts = [...last.posts];
    const changedIds = new Set<number>();
    for (const at of changedAt) {
      const id = last.idAt[at]!;
      const before = last.posts[id]!;
      posts[id] = { ...postOf(drafts[at]!.entry, id), tags: before.tags, categories: before.categories, prev: before.prev, next: before.next, translations: before.translations };
      changedIds.add(id);
    }
    kept = (id) => !changedIds.has(id);
  } else {
    order = drafts.map((_, at) => at).sort((a, b) => compareDrafts(drafts[a]!, drafts[b]!));
    posts = order.map((at, id) => postOf(drafts[at]!.entry, id));
    ({ lists, tagIndex } = arrange(config, posts, order.map((at) => drafts[at]!.translationKey)));
  }
  const sorted = order.map((at) => drafts[at]!);

  // A warm post's card is worked out again only when its terms' spelling (the newest post's of each) changed.
  const terms = !memo ? [] : last && changedAt ? last.terms : posts.map((post) => JSON.stringify([post.tags.map((t) => t.name), post.categories.map((c) => c.name)]));
  const baseCards = posts.map((post, id) => {
    if (kept(id)) return last!.baseCards[id]!;
    const known = memo?.hashes.get(sorted[id]!.doc);
    if (known && sorted[id]!.expanded === undefined && known.terms === terms[id]) return known.card;
    return hashOf(JSON.stringify([post.format, post.title, post.url, post.lang, post.date, post.updated, post.dateDisplay, post.tags, post.categories, post.summary, post.excerptSource, post.data, post.liquid]));
  });
  const cardHashes = [...baseCards];
  // A body whose Liquid reads other posts (`post_url`, `link`, `site.posts`) changes with any of them.
  const readsSite = sorted.map((draft, id) => posts[id]!.liquid && draft.doc.body!.liquid === 'site');
  if (readsSite.includes(true)) {
    const siteHash = hashOf(...posts.map((post, id) => `${post.source}|${cardHashes[id]}`));
    for (const [id, reads] of readsSite.entries()) if (reads) cardHashes[id] = hashOf(cardHashes[id]!, siteHash);
  }
  // A body that macros left alone is the file's own text: its fingerprint stands for it, no second hash needed.
  const pageHashes = posts.map((post, id) => {
    const draft = sorted[id]!;
    if (kept(id) && cardHashes[id] === last!.cardHashes[id]) return last!.pageHashes[id]!;
    const known = memo?.hashes.get(draft.doc);
    if (known && draft.expanded === undefined && known.pageOf === cardHashes[id]) return known.page;
    const bodyHash = draft.expanded === undefined ? draft.doc.fingerprint : hashOf(draft.expanded);
    return hashOf(cardHashes[id]!, post.kind, post.source, post.layout, bodyHash);
  });
  if (memo) {
    for (const [id, draft] of sorted.entries()) {
      if (draft.expanded !== undefined || (kept(id) && cardHashes[id] === last!.cardHashes[id])) continue;
      const known = memo.hashes.get(draft.doc);
      if (known && known.terms === terms[id] && known.card === baseCards[id] && known.pageOf === cardHashes[id] && known.page === pageHashes[id]) continue;
      memo.hashes.set(draft.doc, { terms: terms[id]!, card: baseCards[id]!, pageOf: cardHashes[id]!, page: pageHashes[id]! });
    }
    memo.arrangement = problems.length === 0 ? { unsorted: drafts, order, idAt: inverse(order), posts, lists, tagIndex, terms, baseCards, cardHashes, pageHashes } : undefined;
  }
  const bodyOf = (id: number): string => {
    const draft = sorted[id]!;
    return draft.expanded ?? draft.doc.text().slice(draft.frontMatter.bodyOffset);
  };
  const bodyFileOf = (id: number): BodyFile | undefined => {
    const { expanded, doc, frontMatter } = sorted[id]!;
    return expanded === undefined ? { source: doc.source, offset: frontMatter.bodyOffset, fingerprint: doc.fingerprint } : undefined;
  };

  return {
    site: siteView(config, loaded.data),
    posts,
    lists,
    tagIndex,
    origins: sorted.map((d) => d.origin),
    redirects: sorted.flatMap((d, id) =>
      d.aliases.map(({ from, key }) => ({ from, to: id, source: d.entry.source, line: d.frontMatter.keyLines[key] })),
    ),
    cardHashes,
    pageHashes,
    bodyOf,
    bodyFileOf,
    drafts: draftCount,
    held,
    warnings,
    problems,
  };
}

/**
 * Links posts (sorted, with their ids) to their translations and neighbours, and makes the home, tag, category,
 * year and month lists of each language; tags and categories take one spelling each (see {@link canonicalize}).
 */
function arrange(config: ResolvedSiteConfig, posts: PostEntry[], translationKeys: string[]): { lists: ListEntry[]; tagIndex: SiteIndex['tagIndex'] } {
  const byKey = new Map<string, number[]>();
  for (const [id, key] of translationKeys.entries()) {
    const ids = byKey.get(key);
    if (ids) ids.push(id);
    else byKey.set(key, [id]);
  }
  for (const ids of byKey.values()) {
    if (ids.length < 2) continue;
    for (const id of ids) posts[id]!.translations = ids.filter((other) => other !== id && posts[other]!.lang !== posts[id]!.lang);
  }

  const lists: ListEntry[] = [];
  const tagIndex: SiteIndex['tagIndex'] = {};
  const feedUrls = (base: string, withFeeds: boolean) => ({
    rss: withFeeds && config.feeds.rss ? `${base}${config.feeds.rss}` : null,
    atom: withFeeds && config.feeds.atom ? `${base}${config.feeds.atom}` : null,
  });
  for (const language of config.languages) {
    const ids = posts.filter((p) => p.kind === 'post' && p.lang === language.code).map((p) => p.id);
    for (const [index, id] of ids.entries()) {
      posts[id]!.prev = ids[index + 1] ?? null;
      posts[id]!.next = index > 0 ? ids[index - 1]! : null;
    }
    const add = (kind: ListEntry['kind'], section: ListEntry['section'], term: TermRef | null, baseUrl: string, postIds: number[], pageSize: number, layout: string, withFeeds: boolean) => {
      lists.push({
        id: lists.length,
        kind,
        section,
        lang: language.code,
        term,
        baseUrl,
        postIds,
        pageSize,
        totalPages: Math.max(1, Math.ceil(postIds.length / pageSize)),
        layout,
        feeds: feedUrls(baseUrl, withFeeds),
      });
    };
    add('home', 'core', null, `${language.prefix}/`, ids, config.paginate.home, 'home', true);

    const group = (pick: (post: PostEntry) => TermRef[]) => {
      const terms = new Map<string, { ref: TermRef; ids: number[] }>();
      for (const id of ids) for (const ref of pick(posts[id]!)) {
        const entry = terms.get(ref.slug);
        if (entry) entry.ids.push(id);
        else terms.set(ref.slug, { ref, ids: [id] });
      }
      return [...terms.values()].sort((a, b) => (a.ref.slug < b.ref.slug ? -1 : a.ref.slug > b.ref.slug ? 1 : 0));
    };
    const tags = group((post) => post.tags);
    canonicalize(tags, ids, posts, (post) => post.tags);
    for (const { ref, ids: tagIds } of tags) add('tag', 'tag', ref, ref.url, tagIds, config.paginate.tag, 'tag', config.feeds.perTag);
    tagIndex[language.code] = tags.map(({ ref, ids: tagIds }) => ({ ...ref, count: tagIds.length }));
    const categories = group((post) => post.categories);
    canonicalize(categories, ids, posts, (post) => post.categories);
    for (const { ref, ids: catIds } of categories) add('category', 'category', ref, ref.url, catIds, config.paginate.category, 'category', false);

    const years = new Map<string, number[]>();
    const months = new Map<string, number[]>();
    for (const id of ids) {
      const post = posts[id]!;
      const key = `${post.year}-${post.month}`;
      const inYear = years.get(post.year);
      if (inYear) inYear.push(id);
      else years.set(post.year, [id]);
      const inMonth = months.get(key);
      if (inMonth) inMonth.push(id);
      else months.set(key, [id]);
    }
    for (const [year, yearIds] of years) {
      const url = language.prefix + expandPermalink(config.permalinks.year, { year });
      add('year', 'date', { name: year, slug: year, url, href: config.basePath + url.slice(1) }, url, yearIds, config.paginate.archive, 'archive', false);
    }
    for (const [key, monthIds] of months) {
      const [year, month] = key.split('-') as [string, string];
      const url = language.prefix + expandPermalink(config.permalinks.month, { year, month });
      add('month', 'date', { name: key, slug: key, url, href: config.basePath + url.slice(1) }, url, monthIds, config.paginate.archive, 'archive', false);
    }
  }

  return { lists, tagIndex };
}

/** One spelling per tag or category (the newest post's), so `Node` and `node` show alike everywhere. */
function canonicalize(terms: { ref: TermRef }[], ids: number[], posts: PostEntry[], pick: (post: PostEntry) => TermRef[]): void {
  const canonical = new Map(terms.map(({ ref }) => [ref.slug, ref]));
  for (const id of ids) {
    const refs = pick(posts[id]!);
    for (const [index, ref] of refs.entries()) refs[index] = canonical.get(ref.slug) ?? ref;
  }
}

/** The site as templates see it. */
export function siteView(config: ResolvedSiteConfig, data: Record<string, unknown>): SiteView {
  return {
    title: config.title,
    description: config.description,
    baseUrl: config.baseUrl,
    basePath: config.basePath,
    author: config.author ?? null,
    languages: config.languages,
    defaultLanguage: config.defaultLanguage,
    data,
    i18n: config.i18n,
    dateStyle: config.dateStyle,
    feeds: { limit: config.feeds.limit, fullContent: config.feeds.fullContent, rss: config.feeds.rss, atom: config.feeds.atom },
    markdown: config.markdown,
    limits: config.limits,
  };
}
