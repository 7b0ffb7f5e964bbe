import { BlogEngineError, type SourceLocation } from '../errors.js';

/** Why a permalink pattern is unusable, or undefined when it is fine. */
export function permalinkProblem(pattern: string, tokens: readonly string[]): string | undefined {
  if (!pattern.startsWith('/')) return `must start with "/", got ${JSON.stringify(pattern)}`;
  if (!pattern.endsWith('/') && !pattern.endsWith('.html')) return `must end with "/" or ".html", got ${JSON.stringify(pattern)}`;
  for (const match of pattern.matchAll(/:([a-z]+)/g)) {
    if (!tokens.includes(match[1]!)) return `uses unknown token \`:${match[1]}\` (known here: ${tokens.map((t) => `:${t}`).join(', ')})`;
  }
  if (unsafeUrlReason(pattern.replace(/:[a-z]+/g, 'x'))) return `is not a safe path: ${unsafeUrlReason(pattern)}`;
  return undefined;
}

/** Fills a permalink pattern's tokens. */
export function expandPermalink(pattern: string, values: Record<string, string>): string {
  return pattern.replace(/:([a-z]+)/g, (whole, token: string) => values[token] ?? whole);
}

/** Why a site-relative URL could leave the output folder, or undefined. */
export function unsafeUrlReason(url: string): string | undefined {
  if (!url.startsWith('/')) return 'it does not start with "/"';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(url)) return 'it holds a control character or a backslash';
  // Segment by segment without splitting: a build checks every URL of the site, and most hold no dot at all.
  for (let start = 1; start <= url.length; ) {
    let end = url.indexOf('/', start);
    if (end === -1) end = url.length;
    if (url.charCodeAt(start) === 0x2e /* . */) {
      const segment = url.slice(start, end);
      if (segment === '..' || segment === '.') return `it holds a "${segment}" segment`;
      if (segment.startsWith('.drove-tmp')) return 'it names the engine\'s staging folder';
    }
    if (end === start && end !== url.length) return 'it holds an empty segment ("//")';
    start = end + 1;
  }
  return undefined;
}

/**
 * The output file of a site-relative URL: `/a/b/` → `a/b/index.html`,
 * `/a/b.html` → `a/b.html`.
 *
 * @throws {BlogEngineError} `ERR_BLOG_PATH_ESCAPES` when the URL could leave the output folder.
 */
export function outputPathOf(url: string, where: SourceLocation = {}): string {
  const why = unsafeUrlReason(url);
  if (why) throw new BlogEngineError('ERR_BLOG_PATH_ESCAPES', `permalink ${JSON.stringify(url)} is refused: ${why}`, where);
  const relative = url.slice(1);
  if (relative === '' || relative.endsWith('/')) return `${relative}index.html`;
  if (!/\.[A-Za-z0-9]+$/.test(relative)) return `${relative}/index.html`;
  return relative;
}

/**
 * The output file of a file copied as it is (an asset, a static file): the URL's own path, whatever its extension.
 *
 * @throws {BlogEngineError} `ERR_BLOG_PATH_ESCAPES` when the URL could leave the output folder.
 */
export function copiedPathOf(url: string, where: SourceLocation = {}): string {
  const why = unsafeUrlReason(url);
  if (why) throw new BlogEngineError('ERR_BLOG_PATH_ESCAPES', `${JSON.stringify(url)} is refused: ${why}`, where);
  return url.slice(1);
}

/** The URL of page `n` (1-based) of a paginated list at `base`. */
export function pageUrl(base: string, n: number): string {
  return n === 1 ? base : `${base}page/${n}/`;
}
