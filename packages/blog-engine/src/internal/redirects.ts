import { unsafeUrlReason } from './permalink.js';

/** The front-matter keys that list a post's old URLs: Hugo's `aliases`, jekyll-redirect-from's `redirect_from`. */
export const aliasKeys = ['aliases', 'redirect_from'] as const;

/** A post's old URL, and where it was written. */
export interface Alias {
  /** Site-relative, starting with `/` (`/2012/old-name.html`, `/old/`). */
  from: string;
  key: (typeof aliasKeys)[number];
}

/**
 * The old URLs a post lists (`aliases:` or `redirect_from:`, a string or a list
 * of strings), each made site-relative: one starting with `/` is taken as it is;
 * one without is relative to the folder that holds the post's URL, as a link
 * there would resolve (Hugo's relative aliases). Refused, through `fail`: a
 * value that is not a string, a URL with a scheme or host (an alias is a path of
 * this site), a query or fragment, and a path that could leave the output folder.
 */
export function aliasesOf(data: Record<string, unknown>, postUrl: string, fail: (key: string, reason: string, escapes?: boolean) => void): Alias[] {
  const aliases: Alias[] = [];
  for (const key of aliasKeys) {
    const value = data[key];
    if (value === undefined || value === null) continue;
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
    if (!list || list.some((item) => typeof item !== 'string' || item === '')) {
      fail(key, `\`${key}\` must be a path or a list of paths, got ${JSON.stringify(value)}`);
      continue;
    }
    for (const item of list as string[]) {
      if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(item)) {
        fail(key, `\`${key}\` ${JSON.stringify(item)} names another site: an alias is a path of this site, such as /old-name/`);
        continue;
      }
      if (/[?#]/.test(item)) {
        fail(key, `\`${key}\` ${JSON.stringify(item)} holds a query or fragment, which a static file cannot answer`);
        continue;
      }
      const from = item.startsWith('/') ? item : postUrl.slice(0, postUrl.lastIndexOf('/', postUrl.length - 2) + 1) + item;
      const why = unsafeUrlReason(from);
      if (why) fail(key, `\`${key}\` ${JSON.stringify(item)} is refused: ${why}`, true);
      else aliases.push({ from, key });
    }
  }
  return aliases;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The page written at an old URL: it sends browsers on at once (meta refresh),
 * names the new URL as canonical for search engines, asks them not to index it,
 * and links it for anyone the refresh does not move.
 */
export function redirectPage(target: string, lang: string): string {
  const href = escapeHtml(target);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<title>Redirecting to ${href}</title>
<link rel="canonical" href="${href}">
<meta name="robots" content="noindex">
<meta http-equiv="refresh" content="0; url=${href}">
</head>
<body>
<p>This page has moved to <a href="${href}">${href}</a>.</p>
</body>
</html>
`;
}

/** A `_redirects` file (Netlify, Cloudflare Pages): one `from to 301` line per old URL, in the order given. */
export function redirectsFile(redirects: { from: string; to: string }[]): string {
  return redirects.map(({ from, to }) => `${from} ${to} 301\n`).join('');
}
