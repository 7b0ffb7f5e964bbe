/**
 * The shapes of a site's configuration: what `site.config.mjs` exports, and
 * the resolved form the engine works with. Checked by `resolveSiteConfig()`.
 *
 * @module
 */

/** One call of a macro in a post: `{{< name first "second arg" key="value" >}}`. */
export interface MacroCall {
  /** The macro's name. */
  name: string;
  /** Positional arguments, in order. */
  args: string[];
  /** `key="value"` arguments. */
  named: Record<string, string>;
  /** The post or page (relative to the site folder). */
  file: string;
  /** The line of the call in that file. */
  line: number;
}

/**
 * A macro: runs on the main thread before posts go to the render workers, so it
 * may hold state that cannot cross a thread (a connection, a child process, a
 * WebAssembly runtime). It returns Markdown (or HTML) that replaces the call.
 * Results are cached by the call's input hash (macro source, name, arguments, file).
 */
export type Macro = (call: MacroCall) => string | Promise<string>;

/** Per-language settings. */
export interface LanguageConfig {
  /** The site title in this language. @default the site's `title` */
  title?: string;
  /** The site description in this language. @default the site's `description` */
  description?: string;
}

/** Permalink patterns. Tokens: `:year`, `:month`, `:day`, `:slug` (posts and pages), `:tag`, `:category`. */
export interface PermalinkConfig {
  /**
   * Tokens: `:year`, `:month`, `:day`, `:slug` (Jekyll's `:title` too), `:categories` (the post's categories as
   * folders, none when it has none), `:section` (its folder: `posts`, Hugo's section), `:path` (its path in the
   * section with the slug last: `2019/04/13/starry-sky`).
   * @default '/:year/:month/:slug/' (with `folders: 'jekyll'`: '/:categories/:year/:month/:day/:slug.html'; `'hugo'`: '/:section/:path/')
   */
  post?: string;
  /** Tokens: `:slug` (the path of the page: `docs/install`), `:title`, `:section`. @default '/:slug/' (with `folders: 'jekyll'`: '/:slug.html') */
  page?: string;
  /** @default '/tags/:tag/' */
  tag?: string;
  /** @default '/categories/:category/' */
  category?: string;
  /** @default '/:year/' */
  year?: string;
  /** @default '/:year/:month/' */
  month?: string;
}

/** Posts per page of each kind of index. */
export interface PaginationConfig {
  /** @default 10 */
  home?: number;
  /** @default 10 */
  tag?: number;
  /** @default 10 */
  category?: number;
  /** Year and month archives. @default 20 */
  archive?: number;
}

/** Feed settings. */
export interface FeedConfig {
  /** Posts in each feed. @default 20 */
  limit?: number;
  /** Whole posts in the feeds (else the excerpt). @default true */
  fullContent?: boolean;
  /** A feed for each tag too. @default true */
  perTag?: boolean;
  /** RSS 2.0 feed file name. @default 'feed.xml' */
  rss?: string | false;
  /** Atom feed file name. @default 'atom.xml' */
  atom?: string | false;
}

/** liquidjs resource limits: a hostile template cannot hang the build. */
export interface TemplateLimits {
  /** Characters parsed in one template parse. @default 10_000_000 */
  parseLimit?: number;
  /** Milliseconds one page render may take. @default 5000 */
  renderLimit?: number;
  /** Allocation units one render may use (liquidjs's count of new strings and arrays). @default 100_000_000 */
  memoryLimit?: number;
}

/** `site.config.mjs` (default export) or `site.config.json`. Only `title` and `baseUrl` are required. */
export interface SiteConfig {
  /** The site's title. */
  title: string;
  /** The site's base URL, for feeds, the sitemap and `absolute_url`: `https://example.com/blog/`. */
  baseUrl: string;
  /** A line about the site. @default '' */
  description?: string;
  /** The author, for feeds. */
  author?: { name: string; email?: string; url?: string };
  /** Languages: codes, or codes with settings. The first is the default, served at the root; others get a subtree (`/de/`). @default ['en'] */
  languages?: string[] | Record<string, LanguageConfig>;
  /** Posts per index page. */
  paginate?: PaginationConfig;
  /** Permalink patterns. */
  permalinks?: PermalinkConfig;
  /** Feed settings. */
  feeds?: FeedConfig;
  /** UI strings by language, for the `t` filter; merged over the built-in English, German and French strings. */
  i18n?: Record<string, Record<string, string>>;
  /** `Intl.DateTimeFormat` date style of `date_display`. @default 'long' */
  dateStyle?: 'full' | 'long' | 'medium' | 'short';
  /** Markdown options. */
  markdown?: { html?: boolean; linkify?: boolean; typographer?: boolean; highlight?: boolean };
  /** liquidjs resource limits. */
  limits?: TemplateLimits;
  /** Main-thread macros, by name. */
  macros?: Record<string, Macro>;
  /** The output folder, relative to the site folder. @default '_site' */
  outDir?: string;
  /** The cache folder (holds the build database), relative to the site folder. @default '.drove-cache' */
  cacheDir?: string;
  /** A libSQL URL for the build database. @default `file:<cacheDir>/build.db` */
  database?: string;
  /**
   * Also write a `_redirects` file (read by Netlify and Cloudflare Pages) with a `301` line for every old URL
   * (`aliases`, `redirect_from`) besides the redirect pages. @default false
   */
  redirectsFile?: boolean;
  /**
   * Render the Liquid in posts' and pages' bodies (`{{ site.baseurl }}`, `{% post_url %}`, `{% highlight %}`…) before
   * Markdown, as Jekyll and Eleventy do; a post opts out with `render_with_liquid: false`. @default true
   */
  contentLiquid?: boolean;
  /**
   * Where posts, pages, data, includes and files to copy are: `drove` (`posts/`, `pages/`, `data/`, `includes/`,
   * `static/`), `jekyll` (`_posts/`, `_drafts/`, pages anywhere else, `_data/`, `_includes/`, other files copied as
   * they are) or `hugo` (`content/`, with `posts`/`post`/`blog` sections and page bundles, `data/`, `static/`).
   * @default 'drove'
   */
  folders?: 'drove' | 'jekyll' | 'hugo';
  /**
   * Paths never read, as Jekyll's `exclude`: a file or a folder relative to the site (`script/`, `Rakefile`), `*`
   * matching within a name (`*.gemspec`) and `**` across folders. @default []
   */
  exclude?: string[];
}

/** A language, resolved. */
export interface ResolvedLanguage {
  code: string;
  title: string;
  description: string;
  /** '' for the default language, '/de' for the others. */
  prefix: string;
}

/** {@link SiteConfig} checked and filled in. */
export interface ResolvedSiteConfig {
  /** The config file, relative to the site folder; undefined when the site has none. */
  file: string | undefined;
  title: string;
  description: string;
  baseUrl: string;
  /** The path of `baseUrl`, always ending in '/': '/blog/'. */
  basePath: string;
  author: { name: string; email?: string; url?: string } | undefined;
  languages: ResolvedLanguage[];
  defaultLanguage: string;
  paginate: Required<PaginationConfig>;
  permalinks: Required<PermalinkConfig>;
  feeds: { limit: number; fullContent: boolean; perTag: boolean; rss: string | false; atom: string | false };
  i18n: Record<string, Record<string, string>>;
  dateStyle: 'full' | 'long' | 'medium' | 'short';
  markdown: { html: boolean; linkify: boolean; typographer: boolean; highlight: boolean };
  limits: Required<TemplateLimits>;
  macros: Record<string, Macro>;
  outDir: string;
  cacheDir: string;
  database: string | undefined;
  redirectsFile: boolean;
  contentLiquid: boolean;
  folders: 'drove' | 'jekyll' | 'hugo';
  exclude: string[];
}
