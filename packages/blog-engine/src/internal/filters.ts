import type { Liquid } from './liquid.js';
import { formatDate, rfc822 } from './dates.js';
import type { MarkdownRenderer } from './markdown.js';
import { slugify } from './slugify.js';

/** What the filters need of the site. */
export interface FilterEnvironment {
  baseUrl: string;
  basePath: string;
  defaultLanguage: string;
  dateStyle: 'full' | 'long' | 'medium' | 'short';
  i18n: Record<string, Record<string, string>>;
  /** Made on first use: the main thread registers the filters only to check template syntax. */
  markdown: () => MarkdownRenderer;
}

/** A site-relative URL (`/2021/03/x/`) under the base URL's path (`/blog/2021/03/x/`). */
export function relativeUrl(url: string, basePath: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//') || url.startsWith('#')) return url;
  return basePath + (url.startsWith('/') ? url.slice(1) : url);
}

/** A site-relative URL made absolute with the base URL. */
export function absoluteUrl(url: string, baseUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
  return baseUrl + (url.startsWith('/') ? url.slice(1) : url);
}

/** Plain text of HTML, cut at a word boundary: the `excerpt` filter. */
export function plainExcerpt(html: string, length = 200): string {
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<a class="heading-anchor"[^>]*>#<\/a>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  const space = cut.lastIndexOf(' ');
  return `${(space > length * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?-]+$/, '')}…`;
}

/** Fills `{0}`, `{1}` in an i18n string. */
export function translate(strings: Record<string, string> | undefined, key: string, args: unknown[]): string {
  const template = strings?.[key] ?? key;
  return template.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined || value === null ? whole : String(value);
  });
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' || typeof value === 'number') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/**
 * Registers the engine's filters: `markdown`, `date_format`, `slugify`,
 * `absolute_url`, `relative_url`, `excerpt` and `t` (i18n strings in the page's language).
 */
export function registerFilters(liquid: Liquid, env: FilterEnvironment): void {
  const pageLang = (context: { getSync(paths: PropertyKey[]): unknown }): string => {
    const lang = context.getSync(['page', 'lang']);
    return typeof lang === 'string' ? lang : env.defaultLanguage;
  };
  liquid.registerFilter('markdown', (value: unknown) => env.markdown().render(String(value ?? '')));
  liquid.registerFilter('slugify', (value: unknown) => slugify(String(value ?? '')));
  liquid.registerFilter('absolute_url', (value: unknown) => absoluteUrl(String(value ?? ''), env.baseUrl));
  liquid.registerFilter('relative_url', (value: unknown) => relativeUrl(String(value ?? ''), env.basePath));
  liquid.registerFilter('excerpt', (value: unknown, length: unknown) => plainExcerpt(String(value ?? ''), typeof length === 'number' ? length : 200));
  liquid.registerFilter('t', function (this: { context: { getSync(paths: PropertyKey[]): unknown } }, key: unknown, ...args: unknown[]) {
    return translate(env.i18n[pageLang(this.context)], String(key), args);
  });
  liquid.registerFilter('date_format', function (this: { context: { getSync(paths: PropertyKey[]): unknown } }, value: unknown, style: unknown) {
    const date = toDate(value);
    if (!date) return value;
    switch (style) {
      case 'iso':
        return date.toISOString();
      case 'rfc822':
        return rfc822(date);
      case 'ymd':
        return date.toISOString().slice(0, 10);
      case 'full':
      case 'long':
      case 'medium':
      case 'short':
        return formatDate(date, pageLang(this.context), style);
      default:
        return formatDate(date, pageLang(this.context), env.dateStyle);
    }
  });
}
