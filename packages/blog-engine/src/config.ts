import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { BlogEngineError, BuildError } from './errors.js';
import { builtinStrings } from './internal/i18n-strings.js';
import { isPlainObject } from './internal/validate.js';
import { permalinkProblem } from './internal/permalink.js';
import type { FolderLayout } from './internal/content-sources.js';
import { hugoShortcodes } from './internal/hugo-shortcodes.js';
import { yamlModule } from './internal/lazy-modules.js';
import type { LanguageConfig, Macro, PermalinkConfig, ResolvedLanguage, ResolvedSiteConfig, SiteConfig } from './site-config.js';

const knownKeys = [
  'title', 'baseUrl', 'description', 'author', 'languages', 'paginate', 'permalinks', 'feeds', 'i18n', 'dateStyle',
  'markdown', 'limits', 'macros', 'outDir', 'cacheDir', 'database', 'redirectsFile', 'contentLiquid', 'folders', 'exclude',
];

const defaultPermalinks: Required<PermalinkConfig> = {
  post: '/:year/:month/:slug/',
  page: '/:slug/',
  tag: '/tags/:tag/',
  category: '/categories/:category/',
  year: '/:year/',
  month: '/:year/:month/',
};

/** Where each folder layout puts posts and pages by default: Jekyll's `date` style, Hugo's section and path. */
const layoutPermalinks: Record<FolderLayout, Partial<PermalinkConfig>> = {
  drove: {},
  jekyll: { post: '/:categories/:year/:month/:day/:slug.html', page: '/:slug.html' },
  hugo: { post: '/:section/:path/' },
};

const permalinkTokens: Record<keyof PermalinkConfig, readonly string[]> = {
  post: ['year', 'month', 'day', 'slug', 'title', 'categories', 'section', 'path'],
  page: ['slug', 'title', 'section'],
  tag: ['tag'],
  category: ['category'],
  year: ['year'],
  month: ['year', 'month'],
};

/**
 * Checks a site configuration and fills in defaults. Pure. Every problem is
 * collected; then one {@link BuildError} lists them all.
 *
 * @throws {BuildError} `ERR_BLOG_BUILD_FAILED` whose `problems` are `ERR_BLOG_CONFIG` errors naming the key.
 * @example
 * ```ts
 * import { resolveSiteConfig } from '@drove/blog-engine';
 * const config = resolveSiteConfig({ title: 'Notes', baseUrl: 'https://example.com/' });
 * ```
 */
export function resolveSiteConfig(input: unknown, file?: string): ResolvedSiteConfig {
  const problems: BlogEngineError[] = [];
  const problem = (reason: string) => problems.push(new BlogEngineError('ERR_BLOG_CONFIG', reason, file === undefined ? {} : { file }));
  const raw: Record<string, unknown> = isPlainObject(input) ? input : {};
  if (!isPlainObject(input)) problem('the configuration must be an object');
  for (const key of Object.keys(raw)) if (!knownKeys.includes(key)) problem(`unknown key \`${key}\` (known: ${knownKeys.join(', ')})`);

  const string = (key: string, value: unknown, fallback?: string): string => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) {
      problem(`\`${key}\` must be a non-empty string, got ${JSON.stringify(value) ?? 'undefined'}`);
      return fallback ?? '';
    }
    return value;
  };
  const count = (key: string, value: unknown, fallback: number, min = 1): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problem(`\`${key}\` must be an integer >= ${min}, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const boolean = (key: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      problem(`\`${key}\` must be a boolean, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const section = (key: string, allowed: readonly string[]): Record<string, unknown> => {
    const value = raw[key];
    if (value === undefined) return {};
    if (!isPlainObject(value)) {
      problem(`\`${key}\` must be an object`);
      return {};
    }
    for (const inner of Object.keys(value)) if (!allowed.includes(inner)) problem(`unknown key \`${key}.${inner}\` (known: ${allowed.join(', ')})`);
    return value;
  };

  const title = string('title', raw.title);
  let baseUrl = string('baseUrl', raw.baseUrl, raw.baseUrl === undefined ? undefined : '');
  let basePath = '/';
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    url.search = '';
    url.hash = '';
    baseUrl = url.href;
    basePath = url.pathname;
  } catch {
    if (baseUrl) problem(`\`baseUrl\` must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
    baseUrl = 'http://localhost/';
  }
  const description = raw.description === undefined ? '' : string('description', raw.description);

  let author: ResolvedSiteConfig['author'];
  if (raw.author !== undefined) {
    if (!isPlainObject(raw.author) || typeof raw.author.name !== 'string') problem('`author` must be an object with a `name` string');
    else author = { ...(raw.author as { name: string; email?: string; url?: string }) };
  }

  const languages: ResolvedLanguage[] = [];
  const rawLanguages = raw.languages ?? ['en'];
  const languageEntries: [string, LanguageConfig][] = Array.isArray(rawLanguages)
    ? rawLanguages.map((code) => [code as string, {}])
    : isPlainObject(rawLanguages)
      ? Object.entries(rawLanguages as Record<string, LanguageConfig>)
      : [];
  if (languageEntries.length === 0) problem('`languages` must be a non-empty array of codes or an object keyed by code');
  for (const [index, [code, settings]] of languageEntries.entries()) {
    if (typeof code !== 'string' || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code)) {
      problem(`\`languages\` has an invalid language code ${JSON.stringify(code)} (expected a code such as "en" or "pt-BR")`);
      continue;
    }
    if (!isPlainObject(settings)) {
      problem(`\`languages.${code}\` must be an object`);
      continue;
    }
    languages.push({
      code,
      title: typeof settings.title === 'string' ? settings.title : title,
      description: typeof settings.description === 'string' ? settings.description : description,
      prefix: index === 0 ? '' : `/${code}`,
    });
  }
  if (languages.length === 0) languages.push({ code: 'en', title, description, prefix: '' });

  const paginateRaw = section('paginate', ['home', 'tag', 'category', 'archive']);
  const paginate = {
    home: count('paginate.home', paginateRaw.home, 10),
    tag: count('paginate.tag', paginateRaw.tag, 10),
    category: count('paginate.category', paginateRaw.category, 10),
    archive: count('paginate.archive', paginateRaw.archive, 20),
  };

  const exclude: string[] = [];
  if (raw.exclude !== undefined) {
    if (!Array.isArray(raw.exclude) || raw.exclude.some((entry) => typeof entry !== 'string' || entry === '' || entry.startsWith('/') || entry.split('/').includes('..'))) {
      problem(`\`exclude\` must be a list of paths relative to the site (\`script/\`, \`*.gemspec\`), got ${JSON.stringify(raw.exclude)}`);
    } else exclude.push(...(raw.exclude as string[]));
  }
  const folders = raw.folders ?? 'drove';
  if (folders !== 'drove' && folders !== 'jekyll' && folders !== 'hugo') problem(`\`folders\` must be one of drove, jekyll, hugo, got ${JSON.stringify(folders)}`);
  const layout: FolderLayout = folders === 'jekyll' || folders === 'hugo' ? folders : 'drove';
  const permalinkRaw = section('permalinks', Object.keys(defaultPermalinks));
  const permalinks = { ...defaultPermalinks, ...layoutPermalinks[layout] };
  for (const key of Object.keys(defaultPermalinks) as (keyof PermalinkConfig)[]) {
    const value = permalinkRaw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      problem(`\`permalinks.${key}\` must be a string`);
      continue;
    }
    const why = permalinkProblem(value, permalinkTokens[key]);
    if (why) problem(`\`permalinks.${key}\` ${why}`);
    else if (key !== 'post' && key !== 'page' && !value.endsWith('/')) problem(`\`permalinks.${key}\` must end with "/" (it is paginated), got ${JSON.stringify(value)}`);
    else permalinks[key] = value;
  }

  const feedsRaw = section('feeds', ['limit', 'fullContent', 'perTag', 'rss', 'atom']);
  const feedName = (key: string, value: unknown, fallback: string): string | false => {
    if (value === undefined) return fallback;
    if (value === false) return false;
    if (typeof value !== 'string' || !/^[A-Za-z0-9._-]+\.xml$/.test(value)) {
      problem(`\`${key}\` must be a file name ending in .xml, or false, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value;
  };
  const feeds = {
    limit: count('feeds.limit', feedsRaw.limit, 20),
    fullContent: boolean('feeds.fullContent', feedsRaw.fullContent, true),
    perTag: boolean('feeds.perTag', feedsRaw.perTag, true),
    rss: feedName('feeds.rss', feedsRaw.rss, 'feed.xml'),
    atom: feedName('feeds.atom', feedsRaw.atom, 'atom.xml'),
  };

  const i18n: Record<string, Record<string, string>> = {};
  for (const language of languages) i18n[language.code] = { ...builtinStrings(language.code) };
  if (raw.i18n !== undefined) {
    if (!isPlainObject(raw.i18n)) problem('`i18n` must be an object keyed by language code');
    else
      for (const [code, strings] of Object.entries(raw.i18n)) {
        if (!isPlainObject(strings) || Object.values(strings).some((s) => typeof s !== 'string')) {
          problem(`\`i18n.${code}\` must be an object of strings`);
          continue;
        }
        i18n[code] = { ...(i18n[code] ?? builtinStrings(code)), ...(strings as Record<string, string>) };
      }
  }

  const dateStyle = raw.dateStyle ?? 'long';
  if (!['full', 'long', 'medium', 'short'].includes(dateStyle as string)) problem(`\`dateStyle\` must be one of full, long, medium, short, got ${JSON.stringify(dateStyle)}`);

  const markdownRaw = section('markdown', ['html', 'linkify', 'typographer', 'highlight']);
  const markdown = {
    html: boolean('markdown.html', markdownRaw.html, true),
    linkify: boolean('markdown.linkify', markdownRaw.linkify, false),
    typographer: boolean('markdown.typographer', markdownRaw.typographer, false),
    highlight: boolean('markdown.highlight', markdownRaw.highlight, true),
  };

  const limitsRaw = section('limits', ['parseLimit', 'renderLimit', 'memoryLimit']);
  const limits = {
    parseLimit: count('limits.parseLimit', limitsRaw.parseLimit, 10_000_000),
    renderLimit: count('limits.renderLimit', limitsRaw.renderLimit, 5000),
    memoryLimit: count('limits.memoryLimit', limitsRaw.memoryLimit, 100_000_000),
  };

  // A Hugo site's built-in shortcodes come with it; the site's own macros replace them.
  const macros: Record<string, Macro> = layout === 'hugo' ? { ...hugoShortcodes } : {};
  if (raw.macros !== undefined) {
    if (!isPlainObject(raw.macros)) problem('`macros` must be an object of functions');
    else
      for (const [name, fn] of Object.entries(raw.macros)) {
        if (!/^[A-Za-z][\w-]*$/.test(name)) problem(`macro name ${JSON.stringify(name)} must start with a letter and hold only letters, digits, _ and -`);
        else if (typeof fn !== 'function') problem(`\`macros.${name}\` must be a function, got ${typeof fn}`);
        else macros[name] = fn as Macro;
      }
  }

  const folder = (key: string, fallback: string): string => {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) {
      problem(`\`${key}\` must be a non-empty path`);
      return fallback;
    }
    return value;
  };
  const database = raw.database === undefined ? undefined : string('database', raw.database);
  const redirectsFile = boolean('redirectsFile', raw.redirectsFile, false);
  const contentLiquid = boolean('contentLiquid', raw.contentLiquid, true);

  if (problems.length > 0) throw new BuildError(problems);
  return {
    file,
    title,
    description,
    baseUrl,
    basePath,
    author,
    languages,
    defaultLanguage: languages[0]!.code,
    paginate,
    permalinks,
    feeds,
    i18n,
    dateStyle: dateStyle as ResolvedSiteConfig['dateStyle'],
    markdown,
    limits,
    macros,
    outDir: folder('outDir', '_site'),
    cacheDir: folder('cacheDir', '.drove-cache'),
    database,
    redirectsFile,
    contentLiquid,
    folders: layout,
    exclude,
  };
}

/** The config file names looked for, in order. */
export const configFileNames = ['site.config.mjs', 'site.config.js', 'site.config.json'] as const;

/**
 * Reads and resolves a site's configuration (`site.config.mjs`, `.js` or
 * `.json`). A site without one must be given `fallback` (the CLI passes a
 * title and base URL), else it fails with `ERR_BLOG_CONFIG`.
 *
 * @throws {BuildError} `ERR_BLOG_BUILD_FAILED` with `ERR_BLOG_CONFIG` problems (an unreadable file: with the line when known).
 */
export async function loadSiteConfig(siteDir: string, fallback?: Partial<SiteConfig>): Promise<ResolvedSiteConfig> {
  const name = configFileNames.find((candidate) => existsSync(join(siteDir, candidate)));
  if (name === undefined) {
    if (fallback) return resolveSiteConfig(fallback);
    throw new BuildError([
      new BlogEngineError('ERR_BLOG_CONFIG', `no site configuration found in ${siteDir} (looked for ${configFileNames.join(', ')})`),
    ]);
  }
  const path = join(siteDir, name);
  let raw: unknown;
  try {
    if (name.endsWith('.json')) {
      const text = await readFile(path, 'utf8');
      raw = parseJson(text, name);
    } else {
      // A query string that changes with the file makes `serve` see an edited config.
      const { mtimeMs, size } = await stat(path);
      const module = (await import(`${pathToFileURL(path).href}?v=${mtimeMs}-${size}`)) as { default?: unknown };
      raw = typeof module.default === 'function' ? await (module.default as () => unknown)() : module.default;
    }
  } catch (error) {
    if (error instanceof BlogEngineError) throw new BuildError([error]);
    throw new BuildError([
      new BlogEngineError('ERR_BLOG_CONFIG', `could not load the configuration: ${(error as Error).message}`, { file: name, cause: error }),
    ]);
  }
  return resolveSiteConfig(raw, name);
}

/** JSON.parse with the line of a syntax error. @throws {BlogEngineError} `ERR_BLOG_CONFIG` (or the `code` given) */
export function parseJson(text: string, file: string, code: 'ERR_BLOG_CONFIG' | 'ERR_BLOG_DATA' | 'ERR_BLOG_FRONT_MATTER' = 'ERR_BLOG_CONFIG'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message names no position; a YAML parse of the same text (JSON is YAML) finds the line.
    const message = (error as Error).message.split(/, "|\n/)[0]!;
    const { LineCounter, parseDocument } = yamlModule();
    const lineCounter = new LineCounter();
    const located = parseDocument(text, { lineCounter, prettyErrors: false }).errors[0];
    const position = /position (\d+)/.exec(message);
    const line = located ? lineCounter.linePos(located.pos[0]).line : position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new BlogEngineError(code, `invalid JSON: ${message}`, { file, ...(line === undefined ? {} : { line }), cause: error });
  }
}
