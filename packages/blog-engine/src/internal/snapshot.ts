import type { BlogEngineErrorJSON } from '../errors.js';

/**
 * The data the main thread hands every render worker once per build: the site,
 * the templates, every post's precomputed fields and the lists. Plain data
 * (v8-serialized into a SharedArrayBuffer, so each thread deserializes it once
 * and no page's task carries post data).
 */

/** The sections of a build, in the order they render. */
export const sectionNames = ['core', 'single', 'tag', 'category', 'date'] as const;
/** A section of the output: `core` (home, feeds, sitemap, 404, assets), `single` (posts and pages), `tag`, `category`, `date` (archives). */
export type SectionName = (typeof sectionNames)[number];

/** A tag, category or archive link. */
export interface TermRef {
  name: string;
  slug: string;
  /** Site-relative (`/tags/node/`), for `absolute_url`. */
  url: string;
  /** Under the base URL's path (`/blog/tags/node/`), ready for `href`. */
  href: string;
}

/** One post or page, with every field a template needs computed once. */
export interface PostEntry {
  id: number;
  kind: 'post' | 'page';
  /** The source file relative to the site folder. */
  source: string;
  /** `html`: the body (and excerpt) is HTML, written out as it is; `markdown`: it is rendered. */
  format: 'markdown' | 'html' | 'text';
  lang: string;
  title: string;
  slug: string;
  url: string;
  /** ISO 8601. */
  date: string;
  updated: string | null;
  dateDisplay: string;
  updatedDisplay: string | null;
  year: string;
  month: string;
  day: string;
  tags: TermRef[];
  categories: TermRef[];
  summary: string | null;
  /** The layout's name; empty for none (`layout: null`). */
  layout: string;
  /** `redirect_to`: the page is a redirect to this URL (absolute, or a path of the site) instead of its layout. */
  redirectTo: string | null;
  /** Front-matter keys the engine does not interpret. */
  data: Record<string, unknown>;
  /** The Markdown of the excerpt (before `<!-- more -->`, else the first paragraph). */
  excerptSource: string;
  /** Whether the body's Liquid is rendered before Markdown (it holds Liquid, the site's `contentLiquid` is on, no `render_with_liquid: false`). */
  liquid: boolean;
  /** The line of the file where the body starts, for errors in its Liquid. */
  bodyLine: number;
  /** The Markdown body after macros; null when no page rendered in this build needs it. */
  body: string | null;
  /** Older and newer post in the same language. */
  prev: number | null;
  next: number | null;
  /** The same post in other languages. */
  translations: number[];
}

/** A paginated list: the home index, a tag, a category, a year or a month. */
export interface ListEntry {
  id: number;
  kind: 'home' | 'tag' | 'category' | 'year' | 'month';
  section: SectionName;
  lang: string;
  /** The tag, category or period; null for the home index. */
  term: TermRef | null;
  /** The URL of page 1; page n is `${baseUrl}page/n/`. */
  baseUrl: string;
  postIds: number[];
  pageSize: number;
  totalPages: number;
  layout: string;
  feeds: { rss: string | null; atom: string | null };
}

/** The site as templates see it (`site.*`). */
export interface SiteView {
  title: string;
  description: string;
  baseUrl: string;
  basePath: string;
  author: { name: string; email?: string; url?: string } | null;
  languages: { code: string; title: string; description: string; prefix: string }[];
  defaultLanguage: string;
  data: Record<string, unknown>;
  i18n: Record<string, Record<string, string>>;
  dateStyle: 'full' | 'long' | 'medium' | 'short';
  feeds: { limit: number; fullContent: boolean; rss: string | false; atom: string | false };
  markdown: { html: boolean; linkify: boolean; typographer: boolean; highlight: boolean };
  limits: { parseLimit: number; renderLimit: number; memoryLimit: number };
}

/** What a route renders. */
export type Route =
  | { type: 'post'; post: number }
  | { type: 'list'; list: number; page: number }
  | { type: 'feed'; list: number; format: 'rss' | 'atom' }
  | { type: 'sitemap' }
  | { type: 'tags'; lang: string }
  | { type: 'notFound'; lang: string }
  | { type: 'asset'; file: string }
  | { type: 'redirect'; to: string; lang: string }
  | { type: 'redirects'; redirects: { from: string; to: string }[] };

/** Everything a worker needs for a build. */
export interface Snapshot {
  site: SiteView;
  /** Template sources by lookup key (`layouts/post.liquid`, `includes/header.liquid`). */
  templates: Record<string, string>;
  /** Where each template came from, for error messages. */
  templateFiles: Record<string, string>;
  posts: PostEntry[];
  lists: ListEntry[];
  /** Per language: every tag with its post count, by name. */
  tagIndex: Record<string, (TermRef & { count: number })[]>;
  /** Every page URL with its last modification, for `sitemap.xml`. */
  sitemap: { url: string; lastmod: string | null }[];
  /**
   * Where render threads read the bodies not shipped in `posts` (a post's `body` is null): the post's file, by id.
   * A thread reads only the bodies it renders, and checks each file's hash against the one the build indexed.
   */
  bodyFiles?: { siteDir: string; files: (BodyFile | null)[] };
  /**
   * Posts' HTML kept from earlier builds in this process (`serve`'s), for a build rendered on the main thread only:
   * `keys[id]` names what a post's HTML is made of besides the site's inputs (which the caller keeps `html` for,
   * its post's page hash), `html` holds the HTML by that name. A full-content feed's posts are then rendered once,
   * not again at every rebuild.
   */
  contentCache?: { keys: string[]; html: Map<string, string> };
}

/** Where a post's body is: its file (relative to the site folder), from `offset`, when the file's hash is `fingerprint`. */
export interface BodyFile {
  source: string;
  offset: number;
  fingerprint: string;
}

/** One route to render, as a worker receives it. */
export interface RenderJob {
  /** The output file, relative to the output folder. */
  path: string;
  route: Route;
  /** The hash the database holds for this file; null when unknown (then the file on disk is compared). */
  storedHash: string | null;
}

/** What a worker reports for one route; `content` is a post page's HTML when a feed will show it (see render-schedule.ts). */
export type RenderOutcome =
  | { path: string; status: 'same'; hash: string; content?: string }
  | { path: string; status: 'staged'; hash: string; staged: string; content?: string }
  | { path: string; status: 'failed'; problem: BlogEngineErrorJSON };
